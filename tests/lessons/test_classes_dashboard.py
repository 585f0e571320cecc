"""The teacher's dashboard: per learner and per item, CSV, bounded queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from flashcards.scheduling import State
from lessons.classes.dashboard import class_dashboard
from tests.factories import UserFactory
from tests.lessons.classes_factories import SchoolClassFactory, assign, enroll
from tests.lessons.progress_factories import make_deck, memory, quiz_attempt, review
from tests.lessons.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass(teacher, learner, other_learner):
    now = timezone.now()
    school_class = SchoolClassFactory(teacher=teacher, name="Tuesday")
    enroll(school_class, learner, other_learner)
    deck, cards = make_deck(
        teacher, 3, title="Formats", objective_key="fp-representation"
    )
    quiz = QuizFactory(teacher=teacher, title="Memory quiz")
    assign(school_class, deck=deck)
    assign(school_class, quiz=quiz)
    # learner: 3 reviews (one Again), one card due, a hard card.
    memory(learner, cards[0], due=now - timedelta(days=2), reps=4, lapses=3)
    memory(learner, cards[1], due=now + timedelta(days=3), reps=4, lapses=0)
    for rating in (3, 1, 3):
        review(learner, cards[0], at=now - timedelta(days=1), rating=rating)
    quiz_attempt(
        learner,
        quiz=quiz,
        answers=[
            ("zero-per-gpu", "correct", ""),
            ("gb-vs-gib", "wrong", "gb-for-gib"),
        ],
        submitted_at=now - timedelta(hours=2),
    )
    quiz_attempt(
        other_learner,
        quiz=quiz,
        answers=[("gb-vs-gib", "wrong", "gb-for-gib"), ("zero-per-gpu", "wrong", "")],
        submitted_at=now - timedelta(hours=1),
    )
    # Outside the class's scope: a private deck's review, a non-member.
    private, p_cards = make_deck(learner, 1)
    review(learner, p_cards[0], at=now)
    stranger = UserFactory()
    memory(stranger, cards[2], due=now - timedelta(days=9), reps=3, lapses=3)
    return school_class, quiz


def test_per_learner_figures_on_the_assignments_only(klass, learner, other_learner):
    school_class, quiz = klass
    data = class_dashboard(school_class=school_class)
    rows = {r["username"]: r for r in data["learners"]}
    assert set(rows) == {learner.username, other_learner.username}
    mine = rows[learner.username]
    assert mine["reviews"] == 3
    assert mine["retention"] == pytest.approx(2 / 3, abs=1e-4)
    assert mine["due"] == 1
    assert mine["quiz_scores"] == {str(quiz.pk): 0.5}
    assert set(mine["mastery"]) == {"fp-representation", "fewer-bits-save"}
    assert mine["mastery"]["fewer-bits-save"] == 0.5
    assert mine["last_active"] is not None
    theirs = rows[other_learner.username]
    assert theirs["reviews"] == 0 and theirs["quiz_scores"] == {str(quiz.pk): 0.0}


def test_per_item_hardest_cards_and_most_missed(klass):
    school_class, _ = klass
    data = class_dashboard(school_class=school_class)
    hardest = data["hardest_cards"]
    assert len(hardest) == 1  # the stranger's lapses do not count
    assert hardest[0]["lapse_rate"] == 0.75 and hardest[0]["front"] == "Formats q0"
    assert data["missed_parts"][0] == {
        "template": "gb-vs-gib",
        "template_title": "GB versus GiB",
        "part": "answer",
        "part_label": "Answer",  # not a part of the template: the key, humanised
        "answers": 2,
        "missed": 2,
        "miss_rate": 1.0,
    }
    assert data["misconceptions"][0]["misconception"] == "gb-for-gib"
    assert data["misconceptions"][0]["learners"] == 2


def test_the_csv_has_a_row_per_learner(klass, teacher_api, learner):
    school_class, quiz = klass
    response = teacher_api.get(f"/api/v1/classes/{school_class.pk}/dashboard.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    mine = next(r for r in rows if r["username"] == learner.username)
    assert mine["reviews"] == "3" and mine["quiz:Memory quiz"] == "0.5000"
    assert "mastery:fp-representation" in mine


def test_the_dashboard_page_shows_learners_and_items(klass, client, teacher, learner):
    school_class, _ = klass
    client.force_login(teacher)
    html = client.get(f"/classes/{school_class.pk}/dashboard/").content.decode()
    assert learner.username in html and "Hardest cards" in html
    assert "GB for GiB" in html and "Download CSV" in html  # the key, humanised


def test_the_dashboard_query_count_does_not_grow_with_the_class(
    klass, teacher, django_assert_max_num_queries
):
    school_class, _ = klass
    now = timezone.now()
    deck = school_class.assignments.get(deck__isnull=False).deck
    cards = list(deck.cards.all())
    for _ in range(15):
        someone = UserFactory()
        enroll(school_class, someone)
        memory(someone, cards[0], due=now, state=State.REVIEW, reps=2, lapses=1)
        review(someone, cards[0], at=now)
    with django_assert_max_num_queries(16):
        data = class_dashboard(school_class=school_class)
    assert len(data["learners"]) == 17
