"""OpenAPI schema generation tuned for nested Input/Output serializers.

Every API declares ``InputSerializer`` and ``OutputSerializer`` inside its
view class (HackSoft style). drf-spectacular would name them all "Input" and
"Output" and collide; here a nested serializer is named after its view:
``DeckCreateApi.InputSerializer`` becomes ``DeckCreateInput``.

Every operation also documents the error responses it can give, all with the one
error body of ``studysite.api_errors``: 400 when it takes input, 401/403 when it
authenticates, 404 when its path or input names an object, 415 when it
reads a body, 429 when it is throttled. An
``@extend_schema(responses=...)`` entry for the same status wins.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as _AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from studysite.api_errors import ErrorSerializer

_ERRORS = {
    "400": "Invalid input; `fields` names each offending field.",
    "401": "The token or session is not valid.",
    "403": "Not signed in, or not allowed to do this.",
    "404": "No such object, or one this user may not see.",
    "415": "The body's media type is not one the operation reads.",
    "429": "Too many requests; retry after the `Retry-After` header.",
}


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

    def _error_statuses(self) -> list[str]:
        statuses = []
        takes_input = self.method in ("POST", "PUT", "PATCH") or any(
            True for _ in self.get_override_parameters()
        )
        if takes_input:
            statuses.append("400")
        if self.view.get_authenticators():
            statuses.append("401")
        if self.view.get_authenticators() or not all(
            isinstance(p, AllowAny) for p in self.view.get_permissions()
        ):
            statuses.append("403")
        # Objects named in the path, the query or the body that the caller may
        # not see are 404 (CONTRIBUTING: API conventions).
        if "{" in self.path or takes_input:
            statuses.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            statuses.append("415")
        if self.view.get_throttles():
            statuses.append("429")
        return statuses

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=_ERRORS[status]),
                    status,
                    direction=direction,
                )
        return responses
