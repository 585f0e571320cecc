"""Rate limits on logging in (the page and the API) and on the API as a whole;
size limits on request bodies and uploads."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_the_login_page_refuses_an_eleventh_attempt_in_a_minute(learner):
    client = Client()
    codes = [_login(client, learner.username, "wrong").status_code for _ in range(10)]
    assert codes == [200] * 10
    refused = _login(client, learner.username, PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b"Too many attempts" in refused.content
    assert "_auth_user_id" not in client.session


def test_the_login_limit_holds_per_username_across_addresses(learner):
    client = Client()
    for n in range(10):
        _login(client, learner.username, "wrong", ip=f"10.0.1.{n}")
    assert _login(client, learner.username, PASSWORD, ip="10.0.2.1").status_code == 429


def test_the_login_limit_holds_per_address_across_usernames(learner, other_learner):
    client = Client()
    for n in range(10):
        _login(client, f"someone{n}", "wrong", ip="10.0.3.1")
    assert (
        _login(client, other_learner.username, PASSWORD, ip="10.0.3.1").status_code
        == 429
    )
    assert (
        _login(Client(), learner.username, PASSWORD, ip="10.0.3.2").status_code == 302
    )


def test_the_api_token_endpoint_is_throttled_with_the_error_body(api, learner):
    body = {"username": learner.username, "password": "wrong"}
    codes = [
        api.post("/api/v1/auth/token/", body, format="json").status_code
        for _ in range(10)
    ]
    assert codes == [400] * 10
    refused = api.post("/api/v1/auth/token/", body, format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["status"] == 429
    assert "Retry-After" in refused


def test_anonymous_api_requests_are_throttled(api, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    codes = [api.get("/api/v1/formats/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_signed_in_api_requests_are_throttled_per_user(learner_api, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    codes = [learner_api.get("/api/v1/decks/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert learner_api.get("/api/v1/decks/").json()["error"]["code"] == "throttled"


def test_a_json_body_over_the_upload_limit_is_refused(learner):
    client = Client()
    client.force_login(learner)
    body = json.dumps({"title": "big", "description": "x" * (6 * MB)})
    response = client.post("/api/v1/decks/", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.json()["error"]["status"] == response.status_code


def test_a_form_post_over_the_upload_limit_is_refused(learner):
    client = Client()
    client.force_login(learner)
    response = client.post("/accounts/preferences/", {"email": "x" * (6 * MB)})
    assert response.status_code == 400


def test_an_image_over_its_limit_is_refused_naming_the_field(learner, settings):
    client = Client()
    client.force_login(learner)
    png = io.BytesIO(
        b"\x89PNG\r\n\x1a\n" + b"\x00" * (settings.FLASHCARDS_MAX_IMAGE_BYTES + 1)
    )
    png.name = "big.png"
    response = client.post("/api/v1/media/", {"file": png})
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_a_deck_import_over_its_limit_is_refused_naming_the_field(learner, settings):
    settings.FLASHCARDS_IMPORT_MAX_BYTES = 64 * 1024
    client = Client()
    client.force_login(learner)
    upload = io.BytesIO(b"front,back\n" + b"q,a\n" * 20_000)
    upload.name = "cards.csv"
    response = client.post("/api/v1/imports/", {"file": upload})
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]
