"""CSRF: every page refuses a POST without the token, and so does every API
write made with a session cookie (a token-authenticated client is not at risk)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.security.test_permissions import (
    ADMIN,
    LEARNER,
    RULES,
    TEACHER,
    World,
    probes,
)

# The two account endpoints of the API take no cookie and set none.
NO_SESSION = {"api/v1/auth/token/", "api/v1/auth/signup/"}


def _url(world: World, template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(world[m.group(1)]), template)


def _role(allowed: frozenset[str]) -> str | None:
    for role in (LEARNER, TEACHER, ADMIN):
        if role in allowed:
            return role
    return LEARNER if allowed else None


# Each route's probes (one per sharing state of the object it names).
PAGES = [
    pytest.param(route, probe, id=f"{route} {probe[1]}")
    for route in sorted(RULES)
    if not route.startswith("api/")
    for probe in probes(route)
]
API_WRITES = [
    pytest.param(route, probe, id=f"{route} {probe[0]} {probe[1]}")
    for route in sorted(RULES)
    if route.startswith("api/v1/") and route not in NO_SESSION
    for probe in probes(route)
    if probe[0] != "GET"
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "probe"), PAGES)
def test_a_page_refuses_a_post_without_the_csrf_token(route, probe):
    _, template, allowed = probe
    world = World()
    client = Client(enforce_csrf_checks=True)
    role = _role(allowed)
    if role is not None:
        client.force_login(world.users[role])
    response = client.post(_url(world, template), {"title": "x"})
    assert response.status_code == 403, (route, response.status_code)
    assert b"CSRF" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "probe"), API_WRITES)
def test_a_session_api_write_refuses_a_request_without_the_csrf_token(route, probe):
    method, template, allowed = probe
    world = World()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[_role(allowed) or LEARNER])
    response = client.generic(
        method, _url(world, template), b"{}", content_type="application/json"
    )
    assert response.status_code == 403, (route, response.status_code, response.content)
    assert "CSRF" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_the_login_form_needs_the_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": learner.username, "password": "x"}
    )
    assert response.status_code == 403
