from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_is_issued_for_a_right_password(api, learner):
    response = api.post(
        "/api/v1/auth/token/", {"username": learner.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=learner).key == token
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/auth/me/").json()["username"] == learner.username


def test_a_wrong_password_gets_a_400_naming_the_field(api, learner):
    response = api.post(
        "/api/v1/auth/token/", {"username": learner.username, "password": "x"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert "password" in error["fields"]
    assert error["message"].startswith("password:")


def test_missing_fields_are_named(api):
    response = api.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"username", "password"}


def test_signup_creates_a_learner_with_a_token(api):
    response = api.post(
        "/api/v1/auth/signup/",
        {
            "username": "grace",
            "password": "a-long-unusual-pass-42",
            "time_zone": "Europe/Oslo",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "learner"
    assert body["user"]["time_zone"] == "Europe/Oslo"
    assert Token.objects.get(key=body["token"]).user.username == "grace"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "grace", "password": "123"}, "password"),
        ({"username": "bad name!", "password": "a-long-unusual-pass-42"}, "username"),
        (
            {
                "username": "grace",
                "password": "a-long-unusual-pass-42",
                "time_zone": "X/Y",
            },
            "time_zone",
        ),
        (
            {
                "username": "grace",
                "password": "a-long-unusual-pass-42",
                "day_start_hour": 30,
            },
            "day_start_hour",
        ),
        (
            {
                "username": "grace",
                "password": "a-long-unusual-pass-42",
                "email": "nope",
            },
            "email",
        ),
    ],
)
def test_signup_bad_input_is_a_400_and_creates_nobody(api, payload, field):
    from studysite.models import User

    response = api.post("/api/v1/auth/signup/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not User.objects.filter(username="grace").exists()


def test_signup_takes_the_blank_email_its_schema_advertises_as_default(api):
    # The schema's default for email is ""; a client that sends it gets an account.
    response = api.post(
        "/api/v1/auth/signup/",
        {"username": "noemail", "password": PASSWORD, "email": ""},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["user"]["email"] == ""


def test_signup_refuses_a_taken_username(api, learner):
    response = api.post(
        "/api/v1/auth/signup/",
        {"username": learner.username.upper(), "password": "a-long-unusual-pass-42"},
        format="json",
    )
    assert response.status_code == 400
    assert "username" in response.json()["error"]["fields"]


def test_me_requires_authentication(api):
    response = api.get("/api/v1/auth/me/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["status"] == response.status_code


def test_me_patch_changes_preferences_and_refuses_bad_values(learner_api, learner):
    ok = learner_api.patch("/api/v1/auth/me/", {"day_start_hour": 2}, format="json")
    assert ok.status_code == 200 and ok.json()["day_start_hour"] == 2
    bad = learner_api.patch("/api/v1/auth/me/", {"time_zone": "Nope"}, format="json")
    assert bad.status_code == 400 and "time_zone" in bad.json()["error"]["fields"]
    learner.refresh_from_db()
    assert learner.day_start_hour == 2


def test_me_patch_turns_the_single_key_shortcuts_off_and_refuses_a_non_boolean(
    learner_api, learner
):
    assert learner_api.get("/api/v1/auth/me/").json()["keyboard_shortcuts"] is True
    off = learner_api.patch(
        "/api/v1/auth/me/", {"keyboard_shortcuts": False}, format="json"
    )
    assert off.status_code == 200 and off.json()["keyboard_shortcuts"] is False
    bad = learner_api.patch(
        "/api/v1/auth/me/", {"keyboard_shortcuts": "sometimes"}, format="json"
    )
    assert bad.status_code == 400
    assert "keyboard_shortcuts" in bad.json()["error"]["fields"]
    learner.refresh_from_db()
    assert learner.keyboard_shortcuts is False


def test_login_attempts_are_throttled(api, learner, settings):
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/min"}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            api.post(
                "/api/v1/auth/token/", {"username": learner.username, "password": "x"}
            ).status_code
            for _ in range(4)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert codes == [400, 400, 400, 429]


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg" not in html


def test_openapi_schema_is_valid_and_free_of_warnings():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi:" in out.getvalue()
