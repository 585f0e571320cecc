"""One definition of a due card, on the learner's progress page and on the
teacher's class dashboard: started, not suspended, not buried, next review
before the end of the learner's study day (in their time zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from flashcards.scheduling import State, day_bounds
from lessons.classes.dashboard import class_dashboard
from lessons.progress import selectors as progress
from lessons.progress.access import Scope
from tests.factories import UserFactory
from tests.lessons.classes_factories import SchoolClassFactory, assign, enroll
from tests.lessons.progress_factories import make_deck, memory

pytestmark = pytest.mark.django_db

# 20:00 UTC on the 10th is 09:00 on the 11th in Auckland (UTC+13 in March).
NOW = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)


def _cards_for(learner, cards, *, now):
    """Two learning cards due already, a review due later today (not yet
    "now"), one buried, one suspended, one due tomorrow: 3 are due."""
    _, end = day_bounds(now, tz=learner.time_zone, day_start_hour=4)
    later_today = now + (end - now) / 2
    memory(learner, cards[0], state=State.LEARNING, due=now - timedelta(hours=1))
    memory(learner, cards[1], state=State.RELEARNING, due=now - timedelta(days=1))
    memory(learner, cards[2], due=later_today)
    buried = memory(learner, cards[3], due=now - timedelta(days=1), save=False)
    buried.buried_until = now + timedelta(hours=3)
    buried.save()
    memory(learner, cards[4], due=now - timedelta(days=2), suspended=True)
    memory(learner, cards[5], due=end + timedelta(hours=1))


@pytest.fixture
def klass(teacher, learner):
    learner.time_zone = "Pacific/Auckland"
    learner.save()
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    deck, cards = make_deck(teacher, 6, title="Formats")
    assign(school_class, deck=deck)
    return school_class, cards


def test_the_dashboard_and_the_learners_page_count_the_same_due_cards(klass, learner):
    school_class, cards = klass
    _cards_for(learner, cards, now=NOW)
    row = class_dashboard(school_class=school_class, now=NOW)["learners"][0]
    today = progress.today(Scope(learner=learner), now=NOW)
    assert row["due"] == 3
    assert today["cards_due"] == 3
    assert today["due"] + today["learning"] == today["cards_due"]


def test_due_is_counted_on_each_learners_own_study_day(klass, teacher, learner):
    school_class, cards = klass
    # In UTC the study day of NOW ends at 04:00 on the 11th: a card due at
    # 06:00 UTC on the 11th is due tomorrow there, but today in Auckland.
    utc_learner = UserFactory(time_zone="UTC")
    enroll(school_class, utc_learner)
    at = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
    memory(learner, cards[0], due=at)
    memory(utc_learner, cards[0], due=at)
    rows = {
        r["username"]: r["due"]
        for r in class_dashboard(school_class=school_class, now=NOW)["learners"]
    }
    assert rows == {learner.username: 1, utc_learner.username: 0}
    for who, expected in ((learner, 1), (utc_learner, 0)):
        assert progress.today(Scope(learner=who), now=NOW)["cards_due"] == expected


def test_both_pages_state_the_definition_and_show_the_same_number(
    klass, client, teacher, learner
):
    school_class, cards = klass
    _cards_for(learner, cards, now=timezone.now())
    client.force_login(teacher)
    board = client.get(f"/classes/{school_class.pk}/dashboard/").content.decode()
    client.force_login(learner)
    own = client.get("/progress/").content.decode()
    for html in (board, own):
        assert "Due: cards whose next review is today or earlier" in html
        assert "Overdue" not in html
    assert '<td class="num" data-due>3</td>' in board
    assert '<span class="value" data-due>3</span>' in own
