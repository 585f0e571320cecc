"""The OpenAPI schema describes every body the flashcards API answers with.

Every 2xx response of a ``/api/v1/`` operation served by a flashcards view
has a schema, and that schema is not a bare ``type: object`` (no
properties, no ``$ref``, no schema for additional properties). A file
download (an .apkg or a CSV) is a string, which is fine. The bodies a
learner gets on the way through a study session carry the keys their schema
names.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

from flashcards import services

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _view_module(path: str) -> str | None:
    try:
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
    except Resolver404:
        return None
    view = getattr(match.func, "view_class", None) or match.func
    return view.__module__


def _flashcards_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        and (_view_module(path) or "").startswith("flashcards.")
        for method, operation in operations.items()
        if method in METHODS
    ]


def _bare_objects(
    body: dict[str, Any], components: dict[str, Any], seen: frozenset[str] = frozenset()
) -> list[str]:
    """Where ``body`` (through refs, oneOf/anyOf/allOf and array items) is an
    object with nothing said about its fields."""
    if "$ref" in body:
        name = body["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return [
            f"{name}: {problem}"
            for problem in _bare_objects(components[name], components, seen | {name})
        ]
    for key in ("oneOf", "anyOf", "allOf"):
        if key in body:
            return [
                p for sub in body[key] for p in _bare_objects(sub, components, seen)
            ]
    if body.get("type") == "array":
        return _bare_objects(body.get("items", {}), components, seen)
    if not body:
        return ["an empty schema"]
    extra = body.get("additionalProperties")
    described = body.get("properties") or (isinstance(extra, dict) and extra)
    if body.get("type") == "object" and not described:
        return ["a bare object"]
    return []


def _undescribed(schema: dict[str, Any]) -> list[str]:
    components = schema["components"]["schemas"]
    problems = []
    for path, method, operation in _flashcards_operations(schema):
        for status, response in operation["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            where = f"{method.upper()} {path} {status}"
            content = response.get("content")
            if not content:
                problems.append(f"{where}: no body schema")
                continue
            for media_type, body in content.items():
                if "schema" not in body:
                    problems.append(f"{where} {media_type}: no schema")
                    continue
                problems += [
                    f"{where} {media_type}: {problem}"
                    for problem in _bare_objects(body["schema"], components)
                ]
    return problems


def test_every_flashcards_success_body_is_described(schema):
    operations = _flashcards_operations(schema)
    assert len(operations) >= 30, operations  # the check finds the API
    assert _undescribed(schema) == []


def test_the_check_catches_a_bare_object_and_passes_a_described_one():
    components = {
        "Bare": {"type": "object", "additionalProperties": {}},
        "Deck": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "Both": {"oneOf": [{"$ref": "#/components/schemas/Deck"}, {"type": "object"}]},
    }
    assert _bare_objects({"type": "object", "additionalProperties": {}}, components)
    assert _bare_objects({"type": "object", "additionalProperties": True}, components)
    assert _bare_objects({"$ref": "#/components/schemas/Bare"}, components)
    assert _bare_objects({"$ref": "#/components/schemas/Both"}, components)
    assert _bare_objects({}, components)
    assert not _bare_objects({"$ref": "#/components/schemas/Deck"}, components)
    assert not _bare_objects(
        {"type": "object", "additionalProperties": {"type": "string"}}, components
    )
    assert not _bare_objects({"type": "string", "format": "binary"}, components)


def test_downloads_are_documented_as_files(schema):
    export = schema["paths"]["/api/v1/decks/{deck_id}/export.apkg"]["get"]
    content = export["responses"]["200"]["content"]
    assert content["application/zip"]["schema"] == {
        "type": "string",
        "format": "binary",
    }
    history = schema["paths"]["/api/v1/reviews/export.csv"]["get"]
    assert history["responses"]["200"]["content"]["text/csv"]["schema"]["type"] == (
        "string"
    )


# --- the bodies carry the keys their schema names ---------------------------------


def _component(schema: dict[str, Any], path: str, method: str, status: str) -> dict:
    response = schema["paths"][path][method]["responses"][status]
    ref = response["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _assert_matches(body: dict[str, Any], component: dict[str, Any]) -> None:
    documented = set(component["properties"])
    assert set(component.get("required", [])) <= set(body) <= documented, sorted(
        set(body) ^ documented
    )


@pytest.mark.django_db
def test_a_study_session_answers_with_the_documented_bodies(learner_api, schema):
    deck = learner_api.post("/api/v1/decks/", {"title": "Mine"}, format="json")
    assert deck.status_code == 201
    _assert_matches(deck.json(), _component(schema, "/api/v1/decks/", "post", "201"))
    deck_id = deck.json()["id"]

    note = learner_api.post(
        f"/api/v1/decks/{deck_id}/notes/",
        {"type": "basic", "fields": {"front": "Q", "back": "A"}, "tags": ["t"]},
        format="json",
    )
    assert note.status_code == 201
    _assert_matches(
        note.json(), _component(schema, "/api/v1/decks/{deck_id}/notes/", "post", "201")
    )

    detail = learner_api.get(f"/api/v1/decks/{deck_id}/")
    _assert_matches(
        detail.json(), _component(schema, "/api/v1/decks/{deck_id}/", "get", "200")
    )
    assert "sharing" in detail.json()  # the owner's view

    queue = learner_api.get(f"/api/v1/study/queue?deck={deck_id}")
    queue_schema = _component(schema, "/api/v1/study/queue", "get", "200")
    _assert_matches(queue.json(), queue_schema)
    card = queue.json()["cards"][0]
    components = schema["components"]["schemas"]
    _assert_matches(card, components["QueuedCard"])

    review = learner_api.post(
        "/api/v1/reviews/",
        {
            "card": card["id"],
            "rating": 3,
            "client_review_id": str(uuid.uuid4()),
            "next": {"deck": deck_id},
        },
        format="json",
    )
    assert review.status_code == 201
    body = review.json()
    _assert_matches(body, _component(schema, "/api/v1/reviews/", "post", "201"))
    _assert_matches(body["review"], components["ReviewLog"])
    _assert_matches(body["memory"], components["CardMemory"])
    assert "queue" in body

    undo = learner_api.post("/api/v1/reviews/undo/")
    _assert_matches(
        undo.json(), _component(schema, "/api/v1/reviews/undo/", "post", "200")
    )


@pytest.mark.django_db
def test_a_batch_of_reviews_answers_with_the_documented_body(
    learner_api, learner, schema
):
    deck = services.deck_create(owner=learner, title="Mine", options={})
    note = services.note_create(
        deck=deck, type="basic", fields={"front": "Q", "back": "A"}
    )
    card = note.cards.get()
    batch = learner_api.post(
        "/api/v1/reviews/",
        [
            {"card": card.pk, "rating": 3, "client_review_id": str(uuid.uuid4())},
            {"card": card.pk, "rating": 9, "client_review_id": "nope"},
        ],
        format="json",
    )
    assert batch.status_code == 200
    components = schema["components"]["schemas"]
    _assert_matches(batch.json(), components["ReviewCreateBatchOutput"])
    done, refused = batch.json()["results"]
    _assert_matches(done, components["BatchReviewResult"])
    _assert_matches(refused, components["BatchReviewResult"])
    assert set(done) == {"status", "review", "memory", "buried_siblings"}
    assert set(refused) == {"status", "error"}
