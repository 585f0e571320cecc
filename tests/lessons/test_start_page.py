"""The "Start here" page: the lesson, today's cards, a practice quiz and the
learner's class, in that order; sign-in required; no internal ids shown."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from flashcards import services as cards
from lessons.models import Lesson
from tests.factories import TeacherFactory, UserFactory
from tests.lessons.classes_factories import SchoolClassFactory, enroll
from tests.lessons.factories import LessonFactory, PhaseFactory

pytestmark = pytest.mark.django_db

START = "/start/"


def _visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", body)).split())


def _deck_with_cards(owner, count: int):
    deck = cards.deck_create(owner=owner, title="Numbers", options={})
    for n in range(count):
        cards.note_create(
            deck=deck, type="basic", fields={"front": f"Q{n}", "back": f"A{n}"}
        )
    return deck


@pytest.fixture
def lesson() -> Lesson:
    phase = PhaseFactory(number=1)
    LessonFactory(phase=phase, order=1, published=False, title="Coming later")
    return LessonFactory(
        phase=phase,
        order=2,
        slug="why-precision-matters",
        title="Why precision matters: quantization and mixed precision",
    )


def test_the_start_page_is_named_in_the_lessons_urls():
    assert reverse("lessons:start") == START


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={START}"


def test_the_page_answers_only_get(client, learner):
    client.force_login(learner)
    assert client.post(START).status_code == 405


def test_the_first_step_is_the_first_published_lesson(client, learner, lesson):
    client.force_login(learner)
    response = client.get(START)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{lesson.get_absolute_url()}"' in html
    assert lesson.title in html
    assert "Coming later" not in html


def test_without_a_published_lesson_the_step_leads_to_the_outline(client, learner):
    client.force_login(learner)
    html = client.get(START).content.decode()
    assert "No lesson is published yet" in html
    assert f'href="{reverse("lessons:index")}"' in html


def test_the_review_step_counts_the_cards_waiting_today(client, learner, lesson):
    _deck_with_cards(learner, 3)
    client.force_login(learner)
    text = _visible_text(client.get(START).content.decode())
    assert "3 cards waiting today: 3 new, 0 learning, 0 to review." in text
    assert "Review 3 cards" in text


def test_the_review_step_links_to_the_study_page(client, learner, lesson):
    _deck_with_cards(learner, 1)
    client.force_login(learner)
    html = client.get(START).content.decode()
    assert f'href="{reverse("flashcards:study")}"' in html
    assert "1 card waiting today" in _visible_text(html)


def test_another_learners_cards_are_not_counted(client, learner, other_learner, lesson):
    _deck_with_cards(other_learner, 4)
    client.force_login(learner)
    text = _visible_text(client.get(START).content.decode())
    assert "No cards are waiting today." in text
    assert "waiting today:" not in text


def test_the_practice_step_links_to_the_lessons_practice_quiz(client, learner, lesson):
    client.force_login(learner)
    html = client.get(START).content.decode()
    practice = f"{reverse('quizzes:practice')}?lesson=why-precision-matters"
    assert f'href="{practice}"' in html
    # The link leads somewhere the learner may go.
    assert client.get(practice).status_code == 200


def test_the_steps_come_in_order(client, learner, lesson):
    school_class = SchoolClassFactory(name="Thursday group")
    enroll(school_class, learner)
    client.force_login(learner)
    text = _visible_text(client.get(START).content.decode())
    headings = ["Read the lesson", "first review", "practice quiz", "your class"]
    places = [text.find(h) for h in headings]
    assert -1 not in places
    assert places == sorted(places)


def test_a_learner_in_a_class_is_shown_their_class(client, learner, lesson):
    school_class = SchoolClassFactory(name="Thursday group")
    enroll(school_class, learner)
    client.force_login(learner)
    html = client.get(START).content.decode()
    assert "Thursday group" in html
    assert f'href="{reverse("classes:detail", args=[school_class.pk])}"' in html
    assert school_class.join_code not in html


def test_a_class_the_learner_left_or_never_joined_is_not_shown(
    client, learner, other_learner, lesson
):
    left = SchoolClassFactory(name="Left behind")
    enroll(left, learner, left=True)
    enroll(SchoolClassFactory(name="Somebody else's"), other_learner)
    client.force_login(learner)
    html = client.get(START).content.decode()
    assert "Left behind" not in html
    assert "Somebody else" not in html
    assert "Go to your class" not in html
    assert "Join their class" in html


def test_the_page_shows_no_internal_ids(client):
    # Ids no count or time on the page could equal.
    learner = UserFactory(pk=64208)
    lesson = LessonFactory(pk=97531, phase=PhaseFactory(number=1), order=1)
    school_class = SchoolClassFactory(pk=86420, name="Evening class")
    enroll(school_class, learner)
    _deck_with_cards(learner, 2)
    client.force_login(learner)
    text = _visible_text(client.get(START).content.decode())
    assert "Evening class" in text and "2 cards waiting today" in text
    for internal in (lesson.pk, school_class.pk, learner.pk):
        assert str(internal) not in text


def test_a_teacher_is_offered_to_open_a_class(client, lesson):
    client.force_login(TeacherFactory())
    html = client.get(START).content.decode()
    assert "Open a class" in html
    assert "Join their class" not in html


def test_a_learner_is_not_offered_to_open_a_class(client, learner, lesson):
    client.force_login(learner)
    assert "Open a class" not in client.get(START).content.decode()


def test_the_page_names_the_learners_time_zone(client, learner, lesson):
    learner.time_zone = "Asia/Tokyo"
    learner.save(update_fields=["time_zone"])
    client.force_login(learner)
    html = client.get(START).content.decode()
    assert "Asia/Tokyo" in html
    assert f'href="{reverse("preferences")}"' in html


def test_the_home_page_links_a_signed_in_user_to_the_start_page(client, learner):
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert f'href="{START}"' in html
    assert "Start here" in html


def test_the_home_page_offers_no_start_link_to_anonymous_visitors(client):
    assert f'href="{START}"' not in client.get("/").content.decode()
