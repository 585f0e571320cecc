"""Fixes found by fuzzing the API: one error body everywhere under /api/, a
ceiling on page sizes, strict account inputs and error responses in the schema."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.lessons.quiz_factories import LessonFactory


@pytest.fixture(scope="module")
def paths():
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/v1/decks/not-a-number/", "/api/nope"]
)
def test_an_unknown_api_path_is_a_json_404_with_the_error_body(learner_api, path):
    response = learner_api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "status": 404,
            "code": "not_found",
            "message": "Not found.",
            "fields": {},
        }
    }


@pytest.mark.django_db
def test_an_unknown_page_is_still_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_huge_page_limit_is_capped_instead_of_crashing(learner_api):
    LessonFactory()
    response = learner_api.get(
        "/api/v1/lessons/", {"limit": "54859411425921303838720", "offset": "-5"}
    )
    assert response.status_code == 200
    assert response.json()["count"] == 1
    huge_offset = learner_api.get("/api/v1/lessons/", {"offset": str(10**30)})
    assert huge_offset.status_code == 200
    assert huge_offset.json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/api/v1/auth/signup/",
            {"username": "eve", "password": "a-long-pass-123", "is_staff": True},
        ),
        (
            "post",
            "/api/v1/auth/token/",
            {"username": "eve", "password": "x", "extra": 1},
        ),
        ("patch", "/api/v1/auth/me/", {"is_superuser": True}),
    ],
)
def test_account_endpoints_refuse_unknown_keys_by_name(learner_api, method, path, body):
    response = getattr(learner_api, method)(path, body, format="json")
    assert response.status_code == 400
    unknown = set(body) - {"username", "password"}
    assert set(response.json()["error"]["fields"]) == unknown


def test_every_operation_documents_its_error_responses(paths):
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "put", "patch"):
                assert {"400", "415"} <= set(responses), (method, path)
            if path not in ("/api/v1/auth/token/", "/api/v1/auth/signup/"):
                assert "403" in responses, (method, path)
            for status, response in responses.items():
                if status in ("400", "401", "403", "404", "415", "429"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}


def test_quiz_endpoints_document_the_statuses_they_return(paths):
    assert "201" in paths["/api/v1/attempts/practice/"]["post"]["responses"]
    assert "201" in paths["/api/v1/problems/"]["post"]["responses"]
    assert "201" in paths["/api/v1/quizzes/"]["post"]["responses"]
    start = paths["/api/v1/quizzes/{quiz_id}/attempts/"]["post"]["responses"]
    assert {"201", "409"} <= set(start)
    generate = paths["/api/v1/quizzes/{quiz_id}/generate/"]["post"]["responses"]
    assert {"202", "503"} <= set(generate)
    assert "409" in paths["/api/v1/attempts/{attempt_id}/result/"]["get"]["responses"]


@pytest.mark.django_db
def test_a_lesson_never_loaded_from_content_matches_its_schema(learner_api, paths):
    lesson = LessonFactory()
    body = learner_api.get(f"/api/v1/lessons/{lesson.slug}/").json()
    assert body["loaded_at"] is None
    schema = SchemaGenerator().get_schema(request=None, public=True)
    loaded_at = schema["components"]["schemas"]["LessonDetailOutput"]["properties"][
        "loaded_at"
    ]
    assert loaded_at.get("nullable") is True


@pytest.mark.django_db
def test_a_malformed_multipart_body_is_a_documented_415(learner_api):
    response = learner_api.generic(
        "POST",
        "/api/v1/decks/",
        b"--b\r\n\xcb{--b--\r\n",
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code in (400, 415)
    assert response.json()["error"]["status"] == response.status_code
