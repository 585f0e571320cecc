"""The setting that turns the study page's single-key shortcuts off (WCAG 2.1.4)."""

from __future__ import annotations

import pytest

from studysite.forms import PreferencesForm
from studysite.models import User

pytestmark = pytest.mark.django_db


def _preferences(learner: User, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": learner.email,
        "time_zone": learner.time_zone,
        "day_start_hour": learner.day_start_hour,
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


def test_shortcuts_are_on_for_a_new_account(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "password1": "a-long-unusual-pass-42",
            "password2": "a-long-unusual-pass-42",
            "time_zone": "UTC",
            "day_start_hour": 4,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="ada").keyboard_shortcuts is True


def test_the_preferences_page_offers_the_setting_checked_by_default(client, learner):
    client.force_login(learner)
    html = client.get("/accounts/preferences/").content.decode()
    assert 'name="keyboard_shortcuts"' in html
    assert 'id="id_keyboard_shortcuts" checked' in html
    assert "Single-key shortcuts on the study page" in html


def test_the_preferences_form_turns_the_shortcuts_off_and_on(client, learner):
    client.force_login(learner)
    # An unticked checkbox is not sent: the shortcuts go off.
    response = client.post("/accounts/preferences/", _preferences(learner))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.keyboard_shortcuts is False
    response = client.post(
        "/accounts/preferences/", _preferences(learner, keyboard_shortcuts="on")
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.keyboard_shortcuts is True


def test_the_preferences_form_saves_the_setting(learner):
    form = PreferencesForm(_preferences(learner), instance=learner)
    assert form.is_valid(), form.errors
    form.save()
    assert User.objects.get(pk=learner.pk).keyboard_shortcuts is False
    form = PreferencesForm(
        _preferences(learner, keyboard_shortcuts="on"), instance=learner
    )
    assert form.is_valid(), form.errors
    form.save()
    assert User.objects.get(pk=learner.pk).keyboard_shortcuts is True


@pytest.mark.parametrize(("on", "value"), [(True, "on"), (False, "off")])
def test_the_study_page_carries_the_setting_and_says_which_mode_is_on(
    client, learner, on, value
):
    learner.keyboard_shortcuts = on
    learner.save(update_fields=["keyboard_shortcuts"])
    client.force_login(learner)
    html = client.get("/study/").content.decode()
    assert f'data-shortcuts="{value}"' in html
    assert f"Keyboard shortcuts are {value}" in html
    assert 'href="/accounts/preferences/#id_keyboard_shortcuts"' in html
    # The buttons show their key only while the key works.
    assert ("Again <kbd>1</kbd>" in html) is on
