from __future__ import annotations

import pytest

from studysite.models import User
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_newcomer_signs_up_logs_out_and_logs_in_again(page):
    page.goto(page.base_url + "/")
    page.shots("home")
    assert "Why precision matters" in page.content()
    page.click("text=Create a free account")
    page.fill("#id_username", "newcomer")
    page.fill("#id_password1", "a-long-unusual-pass-42")
    page.fill("#id_password2", "a-long-unusual-pass-42")
    page.select_option("#id_time_zone", "Europe/Berlin")
    page.shots("signup-form")
    page.click("form button[type=submit]")
    page.wait_for_url(page.base_url + "/start/")
    assert "Start here" in page.content()
    page.shots("signed-up")
    assert User.objects.get(username="newcomer").time_zone == "Europe/Berlin"
    page.click("text=Log out")
    page.wait_for_load_state()
    assert "Log in" in page.content()
    login(page, "newcomer", "a-long-unusual-pass-42")
    assert "newcomer" in page.inner_text("header")
    page.shots("logged-in")


def test_signup_errors_are_shown_next_to_the_field(page):
    page.goto(page.base_url + "/accounts/signup/")
    page.fill("#id_username", "someone")
    page.fill("#id_password1", "a-long-unusual-pass-42")
    page.fill("#id_password2", "another-pass-entirely")
    page.click("form button[type=submit]")
    assert page.locator(".field.has-error .field-error").count() >= 1
    page.shots("mismatch")
    assert not User.objects.filter(username="someone").exists()


def test_the_menu_works_on_a_phone(phone_page):
    user = UserFactory()
    page = phone_page
    login(page, user.username, PASSWORD)
    links = page.locator(".nav-links")
    assert not links.is_visible()
    page.click("[data-menu-button]")
    assert page.locator(".nav-account").is_visible()
    assert page.get_attribute("[data-menu-button]", "aria-expanded") == "true"
