"""API tokens end with the password that earned them, and a client may revoke
its own token (``DELETE /api/v1/auth/token/``)."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "n3w-long-pass-x"


def _token_client(user) -> tuple[APIClient, str]:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/auth/me/").status_code == 200
    return client, token.key


def test_changing_the_password_on_the_page_ends_every_token(learner):
    api, _ = _token_client(learner)
    page = Client()
    page.force_login(learner)
    other_session = Client()
    other_session.force_login(learner)
    response = page.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert api.get("/api/v1/auth/me/").status_code in (401, 403)
    assert not Token.objects.filter(user=learner).exists()
    # The session that changed it stays signed in; every other one is out.
    assert page.get("/accounts/preferences/").status_code == 200
    assert other_session.get("/accounts/preferences/").status_code == 302


def test_a_completed_password_reset_ends_every_token(learner):
    api, _ = _token_client(learner)
    client = Client()
    client.post("/accounts/password_reset/", {"email": learner.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    assert api.get("/api/v1/auth/me/").status_code == 200  # asking changes nothing
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert api.get("/api/v1/auth/me/").status_code in (401, 403)


def test_a_password_set_by_the_admin_or_a_command_ends_every_token(
    learner, admin_user, monkeypatch
):
    api, _ = _token_client(learner)
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        f"/admin/studysite/user/{learner.pk}/password/",
        {
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert api.get("/api/v1/auth/me/").status_code in (401, 403)

    api, _ = _token_client(learner)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "an0ther-long-pass")
    call_command("changepassword", learner.username, stdout=io.StringIO())
    assert api.get("/api/v1/auth/me/").status_code in (401, 403)


def test_other_accounts_keep_their_tokens(learner, other_learner):
    _token_client(learner)
    theirs, _ = _token_client(other_learner)
    learner.set_password(NEW_PASSWORD)
    learner.save()
    assert theirs.get("/api/v1/auth/me/").status_code == 200


def test_saving_the_account_without_a_new_password_keeps_the_token(learner):
    api, _ = _token_client(learner)
    learner.day_start_hour = 6
    learner.save()
    assert api.patch("/api/v1/auth/me/", {"email": "x@example.org"}).status_code == 200
    assert api.get("/api/v1/auth/me/").status_code == 200


def test_signing_in_with_a_password_whose_hash_is_upgraded_keeps_the_token(
    settings,
):
    """Django rehashes a password on login when the hasher changed: the same
    password, so the tokens stay."""
    user = UserFactory()  # hashed with the test suite's MD5 hasher
    api, key = _token_client(user)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and response.json()["token"] == key
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert api.get("/api/v1/auth/me/").status_code == 200


# --- revoking one's own token -------------------------------------------------------


def test_a_client_revokes_its_own_token(learner):
    api, key = _token_client(learner)
    response = api.delete("/api/v1/auth/token/")
    assert response.status_code == 204
    assert response.content == b""
    assert not Token.objects.filter(key=key).exists()
    again = api.get("/api/v1/auth/me/")
    assert again.status_code in (401, 403)
    assert again.json()["error"]["status"] == again.status_code
    # A new sign-in gets a new token.
    fresh = APIClient().post(
        "/api/v1/auth/token/", {"username": learner.username, "password": PASSWORD}
    )
    assert fresh.status_code == 200 and fresh.json()["token"] != key


def test_revoking_leaves_other_accounts_tokens_alone(learner, other_learner):
    api, _ = _token_client(learner)
    theirs, _ = _token_client(other_learner)
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert theirs.get("/api/v1/auth/me/").status_code == 200


def test_a_signed_in_session_revokes_the_accounts_token(learner):
    api, _ = _token_client(learner)
    page = Client()
    page.force_login(learner)
    assert page.delete("/api/v1/auth/token/").status_code == 204
    assert api.get("/api/v1/auth/me/").status_code in (401, 403)
    # Nothing left to revoke is still a 204.
    assert page.delete("/api/v1/auth/token/").status_code == 204


def test_revoking_needs_a_token_or_a_session(api):
    response = api.delete("/api/v1/auth/token/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["status"] == response.status_code
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.delete("/api/v1/auth/token/").status_code in (401, 403)


def test_a_bad_token_header_does_not_block_signing_in(learner):
    """Issuing a token reads no credentials: a stale header is no 401."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token revoked-long-ago")
    response = client.post(
        "/api/v1/auth/token/", {"username": learner.username, "password": PASSWORD}
    )
    assert response.status_code == 200


def test_the_schema_documents_revoking_a_token():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = schema["paths"]["/api/v1/auth/token/"]
    assert {"post", "delete"} <= set(operations)
    revoke = operations["delete"]
    assert "204" in revoke["responses"] and "401" in revoke["responses"]
    assert {"tokenAuth": []} in revoke["security"] and {} not in revoke["security"]
    assert "security" not in operations["post"]  # no credentials to get one


def test_making_the_password_unusable_ends_every_token(learner):
    api, _ = _token_client(learner)
    learner.set_unusable_password()
    learner.save(update_fields=["password"])
    assert api.get("/api/v1/auth/me/").status_code in (401, 403)
