"""Every success response of the API is described in the OpenAPI schema.

A 2xx body declared as a bare object (``type: object`` with no properties,
no ``$ref`` and no schema for additional properties) tells a client nothing;
so does a 2xx with no schema at all. 204 has no body; a download declared as
a (binary) string is described.
"""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _bare(schema: dict[str, Any] | None, components: dict[str, Any]) -> bool:
    """Whether ``schema`` says nothing about an object body's fields."""
    seen: set[str] = set()
    while schema and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return False
        seen.add(name)
        schema = components.get(name)
    if not schema:
        return True
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return any(_bare(part, components) for part in schema[key])
    if schema.get("type") == "array":
        return _bare(schema.get("items"), components)
    if schema.get("type") == "object" or "type" not in schema:
        additional = schema.get("additionalProperties")
        return not schema.get("properties") and not (
            isinstance(additional, dict) and additional
        )
    return False


def _undescribed(schema: dict[str, Any]) -> list[str]:
    components = schema.get("components", {}).get("schemas", {})
    out = []
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2") or str(status) == "204":
                    continue
                content = response.get("content") or {}
                if not content:
                    out.append(f"{method.upper()} {path} {status}: no schema")
                for media_type, body in content.items():
                    if _bare(body.get("schema"), components):
                        out.append(f"{method.upper()} {path} {status} {media_type}")
    return sorted(out)


def test_every_success_response_has_a_described_body(schema):
    undescribed = _undescribed(schema)
    assert not undescribed, (
        "2xx responses with no schema, or a bare object:\n" + "\n".join(undescribed)
    )


@pytest.mark.parametrize(
    ("body", "bare"),
    [
        (None, True),
        ({"type": "object"}, True),
        ({"type": "object", "additionalProperties": {}}, True),
        ({"type": "array", "items": {"type": "object"}}, True),
        ({"$ref": "#/components/schemas/Empty"}, True),
        ({"$ref": "#/components/schemas/Thing"}, False),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, False),
        ({"type": "string", "format": "binary"}, False),
        ({"type": "string"}, False),
    ],
)
def test_it_tells_a_bare_body_from_a_described_one(body, bare):
    components = {
        "Empty": {"type": "object"},
        "Thing": {"type": "object", "properties": {"id": {"type": "integer"}}},
    }
    assert _bare(body, components) is bare
