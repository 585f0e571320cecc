"""A newcomer's first minutes in the real browser: sign-up proposes the
browser's own time zone (a browser in Tokyo), the account keeps it, and the
"Start here" page comes next with the lesson, today's cards and a quiz.
Without script the form stays at UTC."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from flashcards import selectors as cards
from lessons.models import Lesson
from studysite.models import User
from tests.e2e.conftest import guarded_page

pytestmark = pytest.mark.django_db(transaction=True)
PASS = "a-long-unusual-pass-42"


@pytest.fixture
def lessons() -> None:
    call_command("load_lessons", stdout=io.StringIO())


@pytest.fixture
def tokyo_page(browser, live_server, request) -> Iterator[object]:
    yield from guarded_page(browser, live_server, request, timezone_id="Asia/Tokyo")


@pytest.fixture
def scriptless_tokyo_page(browser, live_server, request) -> Iterator[object]:
    yield from guarded_page(
        browser,
        live_server,
        request,
        timezone_id="Asia/Tokyo",
        java_script_enabled=False,
    )


def _fill_signup(page, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password1", PASS)
    page.fill("#id_password2", PASS)


def test_a_newcomer_in_tokyo_signs_up_in_tokyo_time_and_lands_on_start(
    tokyo_page, lessons
):
    page = tokyo_page
    page.goto(page.base_url + "/accounts/signup/")
    assert page.input_value("#id_time_zone") == "Asia/Tokyo"
    _fill_signup(page, "kenji")
    page.shots("signup-form")
    page.click("form button[type=submit]")
    page.wait_for_url(page.base_url + "/start/")

    kenji = User.objects.get(username="kenji")
    assert kenji.time_zone == "Asia/Tokyo"
    lesson = Lesson.objects.get(slug="why-precision-matters")
    due = cards.study_queue(learner=kenji, limit=0).remaining
    assert due > 0  # a new learner studies the lesson's deck
    main = page.inner_text("main")
    assert "Welcome, kenji" in main
    assert page.locator("h1").inner_text() == "Start here"
    assert page.locator(f"a[href='{lesson.get_absolute_url()}']").inner_text() == (
        lesson.title
    )
    assert f"{due} cards waiting today" in main
    assert page.locator("a[href='/practice/?lesson=why-precision-matters']").count()
    assert "Asia/Tokyo" in main
    page.shots("start-page")

    # Every step's link is reached from the keyboard, in order.
    page.locator(f"a[href='{lesson.get_absolute_url()}']").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/study/"

    # The home page leads back here.
    page.goto(page.base_url + "/")
    page.click("main >> text=Start here")
    page.wait_for_url(page.base_url + "/start/")


def test_a_learner_may_choose_another_zone_than_the_browsers(tokyo_page, lessons):
    page = tokyo_page
    page.goto(page.base_url + "/accounts/signup/")
    _fill_signup(page, "aiko")
    page.select_option("#id_time_zone", "Europe/Berlin")
    page.click("form button[type=submit]")
    page.wait_for_url(page.base_url + "/start/")
    assert User.objects.get(username="aiko").time_zone == "Europe/Berlin"


def test_a_form_sent_back_keeps_the_zone_the_learner_chose(tokyo_page, lessons):
    page = tokyo_page
    page.goto(page.base_url + "/accounts/signup/")
    _fill_signup(page, "aiko")
    page.fill("#id_password2", "not-the-same-pass-99")
    page.select_option("#id_time_zone", "Europe/Berlin")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#id_password2_error").count() == 1
    assert page.input_value("#id_time_zone") == "Europe/Berlin"
    assert not User.objects.filter(username="aiko").exists()


def test_without_script_the_form_stays_at_utc(scriptless_tokyo_page, lessons):
    page = scriptless_tokyo_page
    page.goto(page.base_url + "/accounts/signup/")
    assert page.input_value("#id_time_zone") == "UTC"
    _fill_signup(page, "noscript")
    page.click("form button[type=submit]")
    page.wait_for_url(page.base_url + "/start/")
    assert User.objects.get(username="noscript").time_zone == "UTC"
