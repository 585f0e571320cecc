"""The XSS corpus through every rich-text input, rendered in the real browser.

Payloads from tests/security/xss_payloads.txt set ``window.__xss``; those from
tests/flashcards/xss_payloads.txt call ``alert``. On every page that shows them
the marker must stay unset and no dialog may open (the `page` fixture also
fails on a request to another host and on any JavaScript error).
"""

from __future__ import annotations

import pytest

from flashcards import services as cards
from lessons.classes import services as classes
from tests.e2e.conftest import login
from tests.factories import PASSWORD, TeacherFactory, UserFactory
from tests.lessons.quiz_factories import QuizFactory
from tests.security.xss import payloads

pytestmark = pytest.mark.django_db(transaction=True)
PAYLOADS = payloads()


@pytest.fixture
def dialogs(page):
    opened: list[str] = []

    def on_dialog(dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


def assert_no_script_ran(page, dialogs, where: str) -> None:
    page.wait_for_timeout(250)  # onerror/onload handlers of broken images
    page.mouse.move(5, 5)
    page.mouse.move(640, 450)
    assert page.evaluate("window.__xss") is None, f"a payload ran on {where}"
    assert dialogs == [], f"a dialog opened on {where}: {dialogs}"


def visit(page, dialogs, path: str) -> None:
    response = page.goto(page.base_url + path)
    assert response.status < 400, (path, response.status)
    assert_no_script_ran(page, dialogs, path)


def test_the_corpus_is_loaded_from_both_files():
    assert len(PAYLOADS) > 60
    assert any("window.__xss" in p for p in PAYLOADS)
    assert any("alert(1)" in p for p in PAYLOADS)


def test_deck_titles_descriptions_and_note_fields_never_run_a_script(page, dialogs):
    learner = UserFactory()
    for n, payload in enumerate(PAYLOADS):
        cards.deck_create(owner=learner, title=f"{n} {payload}"[:200])
    deck = cards.deck_create(
        owner=learner, title="All payloads", description="\n\n".join(PAYLOADS)[:2000]
    )
    notes = [
        cards.note_create(
            deck=deck, type="basic", fields={"front": payload, "back": payload}
        )
        for payload in PAYLOADS
    ]
    cards.note_create(
        deck=deck,
        type="cloze",
        fields={
            "text": '{{c1::<img src=x onerror="window.__xss=1">}}',
            "extra": PAYLOADS[0],
        },
    )
    login(page, learner.username, PASSWORD)
    visit(page, dialogs, "/decks/")
    page.shots("deck-list")
    visit(page, dialogs, f"/decks/{deck.pk}/")
    page.shots("deck-detail")
    visit(page, dialogs, f"/notes/{notes[0].pk}/edit/")
    visit(page, dialogs, f"/study/deck/{deck.pk}/")
    for _ in range(3):  # show the answer, rate Good, next card
        page.keyboard.press("Space")
        assert_no_script_ran(page, dialogs, "a revealed card")
        page.keyboard.press("3")
        assert_no_script_ran(page, dialogs, "the next card")
    page.shots("study")


def test_the_live_markdown_preview_never_runs_a_script(page, dialogs):
    teacher = TeacherFactory()
    deck = cards.deck_create(owner=teacher, title="Preview")
    login(page, teacher.username, PASSWORD)
    visit(page, dialogs, f"/decks/{deck.pk}/notes/new/")
    chunk = 12
    for start in range(0, len(PAYLOADS), chunk):
        text = "\n\n".join(PAYLOADS[start : start + chunk])
        with page.expect_response(lambda r: "/notes/preview/" in r.url):
            page.fill("#id_front", text)
            page.fill("#id_back", text)
        page.wait_for_function(
            "() => !document.querySelector('#preview').classList.contains('htmx-request')"
        )
        assert_no_script_ran(page, dialogs, f"the preview of payloads {start}+")
    page.shots("preview")


def test_quiz_titles_and_class_names_never_run_a_script(page, dialogs):
    teacher = TeacherFactory()
    learner = UserFactory()
    for n, payload in enumerate(PAYLOADS):
        QuizFactory(teacher=teacher, title=f"{n} {payload}"[:200])
    joined = None
    for n, payload in enumerate(PAYLOADS[:20]):
        school_class = classes.class_create(
            teacher=teacher, name=f"{n} {payload}"[:100]
        )
        joined = joined or school_class
    classes.class_join(learner=learner, code=joined.join_code)
    login(page, teacher.username, PASSWORD)
    visit(page, dialogs, "/teach/quizzes/")
    visit(page, dialogs, "/classes/")
    visit(page, dialogs, f"/classes/{joined.pk}/")
    page.shots("teacher-views")
    page.context.clear_cookies()
    login(page, learner.username, PASSWORD)
    visit(page, dialogs, "/practice/")
    visit(page, dialogs, "/classes/")
    visit(page, dialogs, f"/classes/{joined.pk}/")
    page.shots("learner-views")
