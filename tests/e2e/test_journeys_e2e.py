"""Whole journeys in the real browser, with a screenshot of every step.

A newcomer signs up, joins a class, reads the lesson, studies ten cards with the
keyboard, takes a practice quiz, runs a demo and opens the dashboard. A teacher
opens a class, writes a card with math and sees the preview, assigns a deck and
a quiz, and follows a learner's progress.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from flashcards import services as cards
from flashcards.models import ReviewLog
from lessons.classes import services as classes
from studysite.models import User
from tests.e2e.conftest import login
from tests.factories import PASSWORD, TeacherFactory, UserFactory
from tests.lessons.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)
LESSON = "why-precision-matters"


@pytest.fixture
def lessons():
    call_command("load_lessons", stdout=io.StringIO())


def ten_note_deck(owner):
    deck = cards.deck_create(owner=owner, title="Number formats")
    for n in range(10):
        cards.note_create(
            deck=deck,
            type="basic",
            fields={
                "front": f"Card {n}: bits in $2^{{{n}}}$?",
                "back": f"{n + 1} bits",
            },
        )
    return deck


def accept_dialogs(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_a_newcomer_reads_studies_practises_runs_a_demo_and_sees_progress(
    page, lessons
):
    teacher = TeacherFactory()
    school_class = classes.class_create(teacher=teacher, name="Precision 101")
    deck = ten_note_deck(teacher)
    classes.assignment_create(school_class=school_class, deck_id=deck.pk)
    accept_dialogs(page)

    # Sign up
    page.goto(page.base_url + "/")
    page.click("text=Create a free account")
    page.fill("#id_username", "newcomer")
    page.fill("#id_password1", "a-long-unusual-pass-42")
    page.fill("#id_password2", "a-long-unusual-pass-42")
    page.click("form button[type=submit]")
    page.wait_for_url(page.base_url + "/start/")
    page.shots("signed-up")
    newcomer = User.objects.get(username="newcomer")

    # Join the class with its code
    page.goto(page.base_url + "/classes/")
    page.fill("#id_code", school_class.join_code)
    page.click("form[action$='/classes/join/'] button[type=submit]")
    page.wait_for_load_state()
    assert "Precision 101" in page.content()
    page.shots("joined-class")

    # Read the lesson: math rendered, the contents work, scroll to the end
    page.goto(page.base_url + f"/lessons/{LESSON}/")
    page.wait_for_selector(".katex")
    assert page.locator(".katex").count() > 10
    page.shots("lesson")
    toc = page.locator(".lesson-toc a").nth(2)
    target = toc.get_attribute("href")
    toc.click()
    page.wait_for_function(f"() => location.hash === '{target}'")
    assert page.evaluate("window.scrollY") > 300
    page.mouse.wheel(0, 100_000)
    page.wait_for_timeout(300)
    page.shots("lesson-end")

    # Study ten cards with the keyboard: Space shows the answer, 3 rates Good
    page.goto(page.base_url + f"/study/deck/{deck.pk}/")
    for n in range(10):
        page.wait_for_function(
            f"() => document.querySelector('main').innerText.includes('Card {n}:')"
        )
        if n == 0:
            assert page.locator(".katex").count() >= 1
            page.shots("card-front")
        page.keyboard.press("Space")
        page.wait_for_selector("text=Good")
        if n == 0:
            page.shots("card-back")
        with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
            page.keyboard.press("3")
    assert ReviewLog.objects.filter(learner=newcomer).count() == 10
    page.shots("studied-ten")

    # A practice quiz
    page.goto(page.base_url + "/practice/")
    page.shots("practice")
    page.click("form.practice-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/practice/attempts/\d+/$"))
    for field in page.locator("#attempt-form input[data-part]").all():
        field.fill("1")
    page.shots("quiz")
    page.click("#attempt-form button[value=submit]")
    page.wait_for_url(re.compile(r".*/result/$"))
    page.shots("quiz-result")

    # Run a demo and watch its progress bar; eager tasks may finish at once
    page.goto(page.base_url + "/demos/range_precision/")
    page.click("text=Run the demo")
    page.wait_for_url(re.compile(r".*/demos/runs/\d+/$"))
    page.wait_for_selector("progress, figure svg")
    page.shots("demo-run")
    page.wait_for_selector("figure svg", timeout=60_000)
    assert page.locator("figure svg").count() >= 1
    page.shots("demo-charts")

    # The dashboard
    page.goto(page.base_url + "/progress/")
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1
    page.shots("dashboard")


def test_a_teacher_opens_a_class_writes_a_card_assigns_and_follows_a_learner(
    page, lessons
):
    teacher = TeacherFactory()
    quiz = QuizFactory(teacher=teacher, title="Memory quiz")
    deck = cards.deck_create(owner=teacher, title="Week 1")
    accept_dialogs(page)
    login(page, teacher.username, PASSWORD)

    # Open a class
    page.goto(page.base_url + "/classes/")
    page.fill("#id_name", "Precision 101")
    page.click("form[action$='/classes/new/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/classes/\d+/$"))
    page.shots("class-opened")
    class_id = int(re.search(r"/classes/(\d+)/", page.url).group(1))
    code = page.locator("code").first.inner_text().strip()

    # Write a card with math and see the preview
    page.goto(page.base_url + f"/decks/{deck.pk}/notes/new/")
    with page.expect_response(lambda r: "/notes/preview/" in r.url):
        page.fill("#id_front", "Bytes of a bf16 weight: $\\frac{16}{8}$")
        page.fill("#id_back", "$2$ bytes")
    page.wait_for_selector("#preview .katex")
    page.shots("card-preview")
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_load_state()
    assert deck.notes.count() == 1

    # Assign the deck and the quiz
    for title in ("Week 1", "Memory quiz"):
        page.goto(page.base_url + f"/classes/{class_id}/")
        option = page.locator("#id_item option", has_text=title).first
        page.select_option("#id_item", option.get_attribute("value"))
        page.click("form[action$='/assignments/'] button[type=submit]")
        page.wait_for_load_state()
    page.goto(page.base_url + f"/classes/{class_id}/")
    assert "Week 1" in page.content() and "Memory quiz" in page.content()
    page.shots("assigned")

    # A learner joins and studies; the teacher follows their progress
    learner = UserFactory(username="ada")
    classes.class_join(learner=learner, code=code)
    card = deck.notes.get().cards.first()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(learner)
    assert (
        api.post(
            "/api/v1/reviews/",
            {
                "card": card.pk,
                "rating": 3,
                "client_review_id": "0f1e2d3c-0000-4000-8000-000000000001",
            },
            format="json",
        ).status_code
        == 201
    )
    assert api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").status_code == 201
    page.goto(page.base_url + f"/classes/{class_id}/dashboard/")
    assert "ada" in page.content()
    page.shots("class-dashboard")
    page.goto(page.base_url + f"/classes/{class_id}/learners/{learner.pk}/")
    assert "ada" in page.content()
    page.shots("learner-progress")
