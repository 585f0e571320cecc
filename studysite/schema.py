"""OpenAPI schema generation tuned for nested Input/Output serializers.

Every API declares ``InputSerializer`` and ``OutputSerializer`` inside its
view class (HackSoft style). drf-spectacular would name them all "Input" and
"Output" and collide; here a nested serializer is named after its view:
``DeckCreateApi.InputSerializer`` becomes ``DeckCreateInput``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as _AutoSchema


class AutoSchema(_AutoSchema):
    def _get_serializer_name(self, serializer: Any, direction: str, *args: Any) -> str:
        name = super()._get_serializer_name(serializer, direction, *args)
        qualname = type(serializer).__qualname__
        if "." not in qualname or getattr(
            getattr(serializer, "Meta", None), "ref_name", None
        ):
            return name
        outer, inner = (
            qualname.rsplit(".", 1)[-2:] if qualname.count(".") else ("", qualname)
        )
        outer = outer.split(".")[-1].removesuffix("Api").removesuffix("View")
        inner = inner.removesuffix("Serializer")
        suffix = name[len(inner) :] if name.startswith(inner) else ""
        return f"{outer}{inner}{suffix}"
