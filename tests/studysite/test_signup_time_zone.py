"""Sign-up and the learner's time zone: the form offers every zone the server
knows (the browser's is proposed by time-zone.js), the API takes one too, both
refuse an unknown zone by naming ``time_zone``, and without one it is UTC.
Sign-up through the page lands on the "Start here" page."""

from __future__ import annotations

import re
import zoneinfo

import pytest
from django.urls import reverse

from studysite.models import User

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
API = "/api/v1/auth/signup/"
PASS = "a-long-unusual-pass-42"


def _form(**overrides) -> dict:
    return {
        "username": "kenji",
        "password1": PASS,
        "password2": PASS,
        "time_zone": "Asia/Tokyo",
        "day_start_hour": 4,
        **overrides,
    }


def _select(html: str) -> str:
    found = re.search(r'<select name="time_zone".*?</select>', html, flags=re.S)
    assert found, "no time zone select on the page"
    return found.group(0)


# --- the form ---------------------------------------------------------------


def test_the_form_saves_the_chosen_zone(client):
    response = client.post(SIGNUP, _form())
    assert response.status_code == 302
    assert User.objects.get(username="kenji").time_zone == "Asia/Tokyo"


def test_the_form_offers_every_zone_the_server_knows_sorted(client):
    select = _select(client.get(SIGNUP).content.decode())
    values = re.findall(r'<option value="([^"]*)"', select)
    assert values == sorted(zoneinfo.available_timezones())


def test_without_script_the_form_proposes_utc(client):
    select = _select(client.get(SIGNUP).content.decode())
    assert re.search(r'<option value="UTC"[^>]*\bselected\b', select)
    assert len(re.findall(r"\bselected\b", select)) == 1


def test_the_zone_select_is_labelled_and_described(client):
    html = client.get(SIGNUP).content.decode()
    assert '<label for="id_time_zone">Time zone</label>' in html
    select = _select(html)
    assert 'aria-describedby="id_time_zone_helptext"' in select
    assert 'id="id_time_zone_helptext"' in html


def test_a_fresh_form_asks_the_script_to_propose_the_browsers_zone(client):
    html = client.get(SIGNUP).content.decode()
    assert "data-browser-time-zone" in _select(html)
    assert re.search(r'<script src="[^"]*js/time-zone[^"]*\.js" defer></script>', html)


def test_a_form_sent_back_keeps_the_learners_choice(client):
    response = client.post(SIGNUP, _form(time_zone="Europe/Lisbon", password2="x"))
    assert response.status_code == 400
    select = _select(response.content.decode())
    # The script leaves a sent-back form alone, so the choice is not overridden.
    assert "data-browser-time-zone" not in select
    assert re.search(r'<option value="Europe/Lisbon"[^>]*\bselected\b', select)


@pytest.mark.parametrize("zone", ["Mars/Base", "asia/tokyo", "Asia/Tokyo ", "+09:00"])
def test_the_form_refuses_an_unknown_zone_naming_the_field(client, zone):
    response = client.post(SIGNUP, _form(time_zone=zone))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["time_zone"]
    assert 'id="id_time_zone_error"' in response.content.decode()
    assert not User.objects.filter(username="kenji").exists()


def test_the_form_without_a_zone_names_the_field(client):
    data = _form()
    del data["time_zone"]
    response = client.post(SIGNUP, data)
    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors


def test_signup_lands_on_the_start_page(client):
    response = client.post(SIGNUP, _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("lessons:start")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Welcome, kenji" in page.content.decode()


def test_a_signed_in_user_is_sent_home_and_creates_no_account(client, learner):
    client.force_login(learner)
    response = client.post(SIGNUP, _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(username="kenji").exists()


# --- the API ----------------------------------------------------------------


def test_the_api_saves_the_given_zone(api):
    response = api.post(
        API, {"username": "kenji", "password": PASS, "time_zone": "Asia/Tokyo"}
    )
    assert response.status_code == 201
    assert response.json()["user"]["time_zone"] == "Asia/Tokyo"
    assert User.objects.get(username="kenji").time_zone == "Asia/Tokyo"


def test_the_api_without_a_zone_gives_utc(api):
    response = api.post(API, {"username": "kenji", "password": PASS}, format="json")
    assert response.status_code == 201
    assert User.objects.get(username="kenji").time_zone == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Base", "asia/tokyo", "", None, 9, "x" * 100])
def test_the_api_refuses_an_unknown_zone_with_a_400_naming_it(api, zone):
    response = api.post(
        API,
        {"username": "kenji", "password": PASS, "time_zone": zone},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == ["time_zone"]
    assert not User.objects.filter(username="kenji").exists()


# --- one rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "known"),
    [
        ("Asia/Tokyo", True),
        ("America/Argentina/Buenos_Aires", True),
        ("UTC", True),
        ("Mars/Base", False),
        ("asia/tokyo", False),
    ],
)
def test_sign_up_api_and_preferences_agree_on_which_zones_exist(
    client, api, learner, zone, known
):
    form = client.post(SIGNUP, _form(time_zone=zone))
    by_api = api.post(
        API, {"username": "kenji2", "password": PASS, "time_zone": zone}, format="json"
    )
    client.force_login(learner)
    preferences = client.post(
        reverse("preferences"),
        {"time_zone": zone, "day_start_hour": 4, "keyboard_shortcuts": "on"},
    )
    assert (form.status_code == 302) is known
    assert (by_api.status_code == 201) is known
    assert (preferences.status_code == 302) is known
