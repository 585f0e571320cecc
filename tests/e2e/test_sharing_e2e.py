"""A school's sharing, in the browser with the Content-Security-Policy on.

Two teachers, one class, a member and a learner in no class. Each sees
exactly their own decks, their class's decks and their subscriptions on
/decks/ and /study/, their class's quizzes on /practice/, and the public
decks in the catalog. The outsider subscribes to a public deck from the
catalog, studies it, and unsubscribes again.
"""

from __future__ import annotations

import pytest

from flashcards import services as cards
from flashcards.models import CardMemory, ReviewLog
from lessons.classes import services as classes
from tests.e2e.conftest import login
from tests.factories import PASSWORD, TeacherFactory, UserFactory
from tests.lessons.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _deck(owner, title, *, visibility="private", notes=3):
    deck = cards.deck_create(owner=owner, title=title, visibility=visibility)
    for n in range(notes):
        cards.note_create(
            deck=deck, type="basic", fields={"front": f"{title} {n}", "back": "x"}
        )
    return deck


@pytest.fixture
def school():
    ada = TeacherFactory(username="ada")
    ben = TeacherFactory(username="ben")
    mia = UserFactory(username="mia")
    omar = UserFactory(username="omar")
    seven_b = classes.class_create(teacher=ada, name="7b")
    classes.class_join(learner=mia, code=seven_b.join_code)
    fractions = _deck(ada, "Fractions drill")
    classes.assignment_create(school_class=seven_b, deck_id=fractions.pk)
    _deck(ada, "Ada's drafts")
    _deck(ben, "Units of memory", visibility="public", notes=4)
    _deck(ben, "Ben's private notes")
    quiz = QuizFactory(teacher=ada, title="Class quiz on memory")
    classes.assignment_create(school_class=seven_b, quiz_id=quiz.pk)
    QuizFactory(teacher=ada, title="Ada's unassigned quiz")
    QuizFactory(teacher=ben, title="Ben's quiz")
    return {"ada": ada, "ben": ben, "mia": mia, "omar": omar}


def _as(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def _studied(page) -> list[str]:
    page.goto(page.base_url + "/decks/")
    return page.locator(
        "table[aria-labelledby=studied] tbody tr td:first-child a.deck-title"
    ).all_inner_texts()


def _in_review(page) -> list[str]:
    page.goto(page.base_url + "/study/")
    page.click("summary:has-text('Decks in this review')")
    return page.locator("details ul li a").all_inner_texts()


def _quizzes(page) -> str:
    page.goto(page.base_url + "/practice/")
    return page.locator("main").inner_text()


def _catalog(page) -> list[str]:
    page.goto(page.base_url + "/decks/catalog/")
    return page.locator(".catalog h2 a").all_inner_texts()


EXPECTED = {
    "ada": ["Ada's drafts", "Fractions drill"],
    "ben": ["Ben's private notes", "Units of memory"],
    "mia": ["Fractions drill"],
    "omar": [],
}
QUIZZES = {
    "ada": {"Class quiz on memory", "Ada's unassigned quiz"},
    "ben": {"Ben's quiz"},
    "mia": {"Class quiz on memory"},
    "omar": set(),
}
ALL_QUIZZES = {"Class quiz on memory", "Ada's unassigned quiz", "Ben's quiz"}


@pytest.mark.parametrize("who", ["ada", "ben", "mia", "omar"])
def test_each_person_sees_exactly_their_decks_and_quizzes(page, school, who):
    _as(page, who)
    assert _studied(page) == EXPECTED[who]
    page.shots(f"{who}-decks")
    if EXPECTED[who]:
        assert sorted(_in_review(page)) == EXPECTED[who]
        page.shots(f"{who}-study")
    else:
        page.goto(page.base_url + "/study/")
        assert "Decks in this review" not in page.content()
    html = _quizzes(page)
    for title in ALL_QUIZZES:
        assert (title in html) == (title in QUIZZES[who]), title
    page.shots(f"{who}-practice")
    assert _catalog(page) == ["Units of memory"]


def test_the_outsider_subscribes_from_the_catalog_and_unsubscribes(page, school):
    _as(page, "omar")
    page.goto(page.base_url + "/decks/catalog/")
    page.shots("catalog")
    page.get_by_role("button", name="Subscribe to Units of memory").click()
    page.wait_for_load_state()
    assert "in your daily review" in page.content()
    assert _studied(page) == ["Units of memory"]
    assert _in_review(page) == ["Units of memory"]
    page.goto(page.base_url + "/study/")
    page.wait_for_selector("text=Units of memory 0")  # the first new card
    page.keyboard.press("Space")
    page.keyboard.press("3")
    page.wait_for_selector("text=Units of memory 1")  # saved, the next one
    page.shots("studied-one")
    omar = school["omar"]
    assert ReviewLog.objects.filter(learner=omar).count() == 1
    page.goto(page.base_url + "/decks/catalog/")
    page.get_by_role("button", name="Unsubscribe from Units of memory").click()
    page.wait_for_load_state()
    assert "Your progress on it is kept" in page.content()
    assert _studied(page) == []
    assert ReviewLog.objects.filter(learner=omar).count() == 1
    assert CardMemory.objects.filter(learner=omar).count() == 1
    page.shots("unsubscribed")


def test_a_teacher_shares_a_deck_and_sees_who_has_it(page, school):
    _as(page, "ada")
    page.goto(page.base_url + "/decks/")
    page.click("text=Fractions drill")
    assert "Assigned to" in page.content() and "(1 learner)" in page.content()
    page.get_by_label("Private: only you").check()
    page.click("text=Save sharing")
    assert "remove the assignment" in page.content()
    page.shots("private-refused")
    page.get_by_label("Public: listed in the deck catalog").check()
    page.click("text=Save sharing")
    assert "is now Public" in page.content()
    page.shots("made-public")
    _as(page, "omar")
    assert "Fractions drill" in _catalog(page)
