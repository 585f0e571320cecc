"""The client's address comes from the socket, or from the number of trusted
proxies in front (``NUM_PROXIES``), never from what the client writes in
``X-Forwarded-For``: every address-keyed limit (the API's throttles, the login
page, password resets, CSP reports) holds however the header is rotated."""

from __future__ import annotations

import ipaddress
import json

import pytest
from django.test import Client, RequestFactory
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.throttling import AnonRateThrottle, BaseThrottle

from studysite.throttling import client_address

pytestmark = pytest.mark.django_db


def _spoofed(n: int) -> dict[str, str]:
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}", "REMOTE_ADDR": "10.9.9.9"}


def test_rotating_x_forwarded_for_does_not_reset_the_token_endpoints_limit(
    learner,
):
    client = Client()
    body = json.dumps({"username": learner.username, "password": "wrong"})
    codes = [
        client.post(
            "/api/v1/auth/token/",
            body,
            content_type="application/json",
            **_spoofed(n),
        ).status_code
        for n in range(11)
    ]
    assert codes == [400] * 10 + [429]


def test_rotating_x_forwarded_for_does_not_reset_the_signup_limit(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["signup"] == "10/hour"
    client = Client()
    codes = []
    for n in range(11):
        body = {"username": f"new{n}", "password": "a-long-unusual-pass-42"}
        codes.append(
            client.post(
                "/api/v1/auth/signup/",
                json.dumps(body),
                content_type="application/json",
                **_spoofed(n),
            ).status_code
        )
    assert codes == [201] * 10 + [429]


def test_rotating_x_forwarded_for_does_not_reset_the_anonymous_limit(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    client = Client()
    codes = [
        client.get("/api/v1/formats/", **_spoofed(n)).status_code for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_rotating_x_forwarded_for_does_not_reset_the_login_pages_limit(learner):
    client = Client()
    codes = [
        client.post(
            "/accounts/login/",
            {"username": f"someone{n}", "password": "wrong"},
            **_spoofed(n),
        ).status_code
        for n in range(11)
    ]
    assert codes == [200] * 10 + [429]


def test_rotating_x_forwarded_for_does_not_reset_the_csp_report_limit(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "csp_report": "3/min",
        },
    }
    report = json.dumps(
        {"csp-report": {"violated-directive": "img-src", "blocked-uri": "x"}}
    )
    client = Client()
    codes = [
        client.post(
            "/csp-report/",
            report,
            content_type="application/csp-report",
            **_spoofed(n),
        ).status_code
        for n in range(4)
    ]
    assert codes == [204, 204, 204, 429]


def test_behind_one_proxy_each_client_has_its_own_budget_and_spoofing_is_ignored(
    settings, learner
):
    """With ``NUM_PROXIES=1`` the address the proxy appended is the client's:
    what the client put in front of it changes nothing."""
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    body = json.dumps({"username": learner.username, "password": "wrong"})

    def attempt(xff: str) -> int:
        return client.post(
            "/api/v1/auth/token/",
            body,
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=xff,
            REMOTE_ADDR="10.0.0.2",  # the proxy
        ).status_code

    spoofer = [attempt(f"198.51.100.{n}, 203.0.113.7") for n in range(11)]
    assert spoofer == [400] * 10 + [429]
    # Another client behind the same proxy is not held by the first one's limit.
    assert attempt("203.0.113.8") == 400


# --- the rule, for every header ---------------------------------------------------

addresses = st.one_of(
    st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str)
).filter(lambda a: "," not in a)
# Whatever a client may write into the header: any text, commas included.
anything = st.text(
    alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=60
)


def _request(xff: str | None, remote: str):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


@hsettings(max_examples=200, deadline=None)
@given(xff=st.one_of(st.none(), anything), remote=addresses)
def test_without_trusted_proxies_the_address_is_the_sockets(xff, remote):
    from django.test import override_settings

    with override_settings(NUM_PROXIES=0):
        assert client_address(_request(xff, remote)) == remote


@hsettings(max_examples=200, deadline=None)
@given(
    spoofed=st.lists(anything, max_size=4),
    client=addresses,
    proxies=st.lists(addresses, min_size=1, max_size=4),
)
def test_behind_n_proxies_the_address_is_what_the_outermost_one_saw(
    spoofed, client, proxies
):
    """Client -> proxies[0] -> ... -> proxies[-1] -> us. Each proxy appends
    the address it was connected from; the socket is the last proxy."""
    from django.test import override_settings

    chain = [*spoofed, client, *proxies[:-1]]
    with override_settings(NUM_PROXIES=len(proxies)):
        found = client_address(_request(",".join(chain), proxies[-1]))
    assert found == client
    ipaddress.ip_address(found)


@hsettings(max_examples=200, deadline=None)
@given(
    xff=st.one_of(st.none(), anything),
    remote=addresses,
    num_proxies=st.integers(min_value=0, max_value=5),
)
def test_drf_throttles_and_our_limits_agree_on_the_address(xff, remote, num_proxies):
    """A DRF throttle class used anywhere (NUM_PROXIES in REST_FRAMEWORK) keys
    on the same address as the site's own limits."""
    from django.conf import settings
    from django.test import override_settings

    rest = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    with override_settings(NUM_PROXIES=num_proxies, REST_FRAMEWORK=rest):
        request = _request(xff, remote)
        assert client_address(request) == BaseThrottle().get_ident(request)


def test_the_settings_give_drf_the_same_number_of_proxies(settings):
    assert settings.NUM_PROXIES == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.NUM_PROXIES


def test_behind_one_proxy_the_login_page_counts_each_client_apart(settings):
    settings.NUM_PROXIES = 1
    client = Client()

    def attempt(xff: str) -> int:
        return client.post(
            "/accounts/login/",
            {"username": "someone", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=xff,
            REMOTE_ADDR="10.0.0.2",
        ).status_code

    # Ten attempts for ten different usernames from one client behind the proxy.
    for n in range(10):
        client.post(
            "/accounts/login/",
            {"username": f"someone{n}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7",
            REMOTE_ADDR="10.0.0.2",
        )
    assert attempt("203.0.113.7") == 429
    assert attempt("203.0.113.8") == 200
