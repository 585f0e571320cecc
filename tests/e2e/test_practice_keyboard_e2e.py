"""A practice attempt by keyboard: Enter in an answer box saves and moves on.

The form's first submit button is what Enter presses. It used to be
"← Previous" from question 2 on; now a hidden default button saves and goes to
the next question, or saves and stays on the last one and on the page with
every question. Enter never goes back and never submits the attempt.
"""

from __future__ import annotations

import re

import pytest

from lessons.models import AttemptAnswer, QuizAttempt
from tests.e2e import axe
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def attempt_page(page):
    user = UserFactory(username="practiser")
    login(page, user.username, PASSWORD)
    page.goto(page.base_url + "/practice/")
    page.fill("#id_count", "3")
    page.click("form.practice-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/practice/attempts/\d+/$"))
    return page


def _saved(attempt: QuizAttempt, position: int) -> dict[str, str]:
    return {
        a.part_key: a.text
        for a in AttemptAnswer.objects.filter(
            item__attempt=attempt, item__position=position
        )
    }


def test_enter_on_question_2_saves_and_goes_to_question_3(attempt_page):
    page = attempt_page
    attempt = QuizAttempt.objects.get()
    assert "Question 1 of 3" in page.content()
    page.click("#attempt-form .actions button[value=next]")
    page.wait_for_url(re.compile(r".*q=2$"))
    axe.check(page, "practice attempt question 2")

    box = page.locator("#attempt-form input[data-part]").first
    part = box.get_attribute("data-part")
    box.fill("42 GB")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*q=3$"))
    assert "Question 3 of 3" in page.content()
    assert _saved(attempt, 2)[part] == "42 GB"
    attempt.refresh_from_db()
    assert not attempt.is_submitted

    # On the last question Enter saves and stays; it neither goes back nor submits.
    box = page.locator("#attempt-form input[data-part]").first
    part = box.get_attribute("data-part")
    box.fill("7 GB")
    with page.expect_navigation():
        box.press("Enter")
    assert re.search(r"q=3$", page.url)
    assert _saved(attempt, 3)[part] == "7 GB"
    attempt.refresh_from_db()
    assert not attempt.is_submitted


def test_enter_with_every_question_on_one_page_saves_and_stays(attempt_page):
    page = attempt_page
    attempt = QuizAttempt.objects.get()
    page.click("text=all on one page")
    page.wait_for_url(re.compile(r".*layout=all$"))
    # Leaving a box still saves it at once, without a page load.
    first = page.locator("#q1 input[data-part]").first
    first.fill("1 GB")
    first.press("Tab")
    page.wait_for_function(
        "() => document.querySelector('[data-role=saved]').textContent === 'saved'"
    )
    assert _saved(attempt, 1)[first.get_attribute("data-part")] == "1 GB"
    box = page.locator("#q2 input[data-part]").first
    part = box.get_attribute("data-part")
    box.fill("3 GB")
    with page.expect_navigation():
        box.press("Enter")
    assert "layout=all" in page.url and "/result/" not in page.url
    assert _saved(attempt, 2)[part] == "3 GB"
    attempt.refresh_from_db()
    assert not attempt.is_submitted

    # The hidden default button is out of the tab order: Tab from the last
    # answer reaches the visible buttons, and Save is the first of them.
    page.locator("#attempt-form input[data-part]").last.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "save"
    assert page.evaluate("document.activeElement.getAttribute('aria-hidden')") is None

    # Playwright dismisses dialogs unless told otherwise: only this one is confirmed.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#attempt-form button[value=submit]")
    page.wait_for_url(re.compile(r".*/result/$"))
    axe.check(page, "practice result")
