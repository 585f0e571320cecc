"""Progress figures for one learner: today, streak, heatmap, retention,
forecast, states, knowledge, mastery, quizzes, time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from flashcards.scheduling import State, retrievability_many
from lessons.progress import selectors
from lessons.progress.access import Scope
from tests.lessons.progress_factories import make_deck, memory, quiz_attempt, review

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def test_dashboard_runs_on_an_empty_learner(learner):
    data = selectors.dashboard(Scope(learner=learner), now=NOW)
    assert data["today"] == {
        "cards_due": 0,
        "due": 0,
        "learning": 0,
        "new": 0,
        "done": 0,
    }
    assert data["knowledge"]["estimated_known"] == 0


def test_today_counts_due_learning_new_and_done(learner):
    deck, cards = make_deck(learner, 6)
    memory(learner, cards[0], due=NOW - timedelta(days=2))  # review, overdue
    memory(learner, cards[1], due=NOW + timedelta(hours=10))  # review, later today
    memory(learner, cards[2], due=NOW + timedelta(days=3))  # not today
    memory(learner, cards[3], state=State.LEARNING, due=NOW + timedelta(minutes=5))
    memory(learner, cards[4], due=NOW, suspended=True)
    review(learner, cards[3], at=NOW - timedelta(hours=1), state=State.NEW)
    review(learner, cards[2], at=NOW - timedelta(hours=2))
    review(learner, cards[2], at=NOW - timedelta(hours=3), undone=True)
    today = selectors.today(Scope(learner=learner), now=NOW)
    # cards[5] is the one unseen card; the deck allows 20 new a day.
    assert today == {"cards_due": 3, "due": 2, "learning": 1, "new": 1, "done": 2}


def test_new_cards_left_today_respect_the_decks_daily_limit(learner):
    deck, cards = make_deck(learner, 30)
    deck.options = {"new_per_day": 5}
    deck.save()
    for card in cards[:2]:
        memory(learner, card, state=State.LEARNING, due=NOW + timedelta(days=1))
        review(learner, card, at=NOW - timedelta(minutes=5), state=State.NEW)
    assert selectors.today(Scope(learner=learner), now=NOW)["new"] == 3


def test_streak_counts_study_days_in_the_learners_zone_and_day_start(learner):
    learner.time_zone = "America/New_York"  # UTC-4 in March after the 8th
    learner.day_start_hour = 4
    learner.save()
    _, cards = make_deck(learner, 1)
    # 02:00 local on the 10th still belongs to study day the 9th.
    local_days = [
        datetime(2026, 3, 10, 6, 0, tzinfo=UTC),  # 02:00 local -> the 9th
        datetime(2026, 3, 8, 20, 0, tzinfo=UTC),  # the 8th
        datetime(2026, 3, 7, 20, 0, tzinfo=UTC),  # the 7th
        datetime(2026, 3, 1, 20, 0, tzinfo=UTC),  # a gap before
    ]
    for at in local_days:
        review(learner, cards[0], at=at)
    now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 local, the 10th
    data = selectors.heatmap(Scope(learner=learner), now=now)
    assert data["today"] == "2026-03-10"
    assert [d["date"] for d in data["days"]] == [
        "2026-03-01",
        "2026-03-07",
        "2026-03-08",
        "2026-03-09",
    ]
    # Nothing yet today: the streak runs up to yesterday.
    assert data["streak"] == {"current": 3, "longest": 3, "days_studied": 4}


def test_streak_is_broken_by_a_missed_day():
    today = date(2026, 3, 10)
    days = {today - timedelta(days=2), today - timedelta(days=3)}
    assert selectors.streak(days, today=today)["current"] == 0
    assert selectors.streak(days | {today}, today=today)["current"] == 1


def test_true_retention_splits_young_and_mature_by_the_interval_before(learner):
    _, cards = make_deck(learner, 1)
    card = cards[0]
    for rating in (3, 3, 1):
        review(
            learner, card, at=NOW - timedelta(days=1), rating=rating, interval_days=5
        )
    for rating in (3, 4, 3, 1):
        review(
            learner, card, at=NOW - timedelta(days=2), rating=rating, interval_days=40
        )
    # Learning-state answers and answers older than 30 days do not count.
    review(learner, card, at=NOW - timedelta(days=1), rating=1, state=State.LEARNING)
    review(learner, card, at=NOW - timedelta(days=45), rating=1, interval_days=40)
    data = selectors.retention(Scope(learner=learner), now=NOW)
    assert data["young"] == {"reviews": 3, "passed": 2, "rate": 0.6667}
    assert data["mature"] == {"reviews": 4, "passed": 3, "rate": 0.75}
    assert data["all"]["reviews"] == 7


def test_forecast_puts_overdue_cards_on_today(learner):
    _, cards = make_deck(learner, 4)
    memory(learner, cards[0], due=NOW - timedelta(days=3))
    memory(learner, cards[1], due=NOW + timedelta(hours=1))
    memory(learner, cards[2], due=NOW + timedelta(days=2))
    memory(learner, cards[3], due=NOW + timedelta(days=40))
    data = selectors.forecast(Scope(learner=learner), now=NOW)
    assert len(data["days"]) == 30
    assert data["days"][0] == {"date": "2026-03-10", "due": 2}
    assert data["days"][2]["due"] == 1
    assert data["overdue"] == 1 and data["total"] == 3


def test_cards_by_state_counts_unseen_cards_of_the_learners_decks_as_new(learner):
    _, cards = make_deck(learner, 5)
    memory(learner, cards[0], due=NOW)
    memory(learner, cards[1], state=State.RELEARNING, due=NOW, lapses=2)
    memory(learner, cards[2], due=NOW, suspended=True, leech=True)
    states = selectors.card_states(Scope(learner=learner))
    assert states == {
        "new": 2,
        "learning": 0,
        "review": 1,
        "relearning": 1,
        "suspended": 1,
        "leech": 1,
    }


def test_estimated_knowledge_is_the_sum_of_current_retrievabilities(learner):
    _, cards = make_deck(learner, 3)
    stabilities = [2.0, 10.0, 50.0]
    for card, s in zip(cards, stabilities, strict=True):
        memory(learner, card, due=NOW, stability=s, last_review=NOW - timedelta(days=4))
    data = selectors.knowledge(Scope(learner=learner), now=NOW)
    decay = cards[0].deck.scheduling_options.decay
    expected = retrievability_many(np.array(stabilities), np.full(3, 4.0), decay)
    assert data["studied"] == 3
    assert data["estimated_known"] == round(float(expected.sum()), 1)


def test_mastery_combines_card_memory_and_quiz_results_per_objective(learner):
    _, cards = make_deck(learner, 4, objective_key="fewer-bits-save")
    for card in cards[:2]:
        memory(learner, card, due=NOW, stability=1e6, last_review=NOW)  # R ~ 1
    quiz_attempt(
        learner,
        answers=[
            ("zero-per-gpu", "correct", ""),  # fewer-bits-save
            ("gb-vs-gib", "wrong", "bits-for-bytes"),  # fewer-bits-save
        ],
        submitted_at=NOW,
    )
    quiz_attempt(learner, answers=[("gb-vs-gib", "correct", "")], submitted_at=None)
    rows = {
        r["objective"]: r for r in selectors.mastery(Scope(learner=learner), now=NOW)
    }
    row = rows["fewer-bits-save"]
    assert row["cards"] == 4 and row["studied"] == 2
    assert row["memory"] == pytest.approx(0.5, abs=1e-3)
    assert row["quiz"] == 0.5 and row["quiz_parts"] == 2
    assert row["mastery"] == pytest.approx(0.5, abs=1e-3)
    assert row["text"].startswith("Compute what fewer bits save")


def test_quiz_history_is_newest_first_with_a_rising_trend(learner):
    for i, score in enumerate((0.2, 0.5, 0.9)):
        answers = [
            ("zero-per-gpu", "correct" if j < score * 10 else "wrong", "")
            for j in range(10)
        ]
        quiz_attempt(
            learner,
            answers=answers,
            submitted_at=NOW - timedelta(days=3 - i),
            started_at=NOW - timedelta(days=3 - i, minutes=10),
        )
    data = selectors.quiz_history(Scope(learner=learner))
    assert [h["score"] for h in data["history"]] == [0.9, 0.5, 0.2]
    assert data["trend"]["direction"] == "up"
    assert data["seconds"] == 3 * 600


def test_time_spent_sums_review_durations_per_period(learner):
    _, cards = make_deck(learner, 1)
    review(learner, cards[0], at=NOW - timedelta(hours=1), duration_ms=10_000)
    review(learner, cards[0], at=NOW - timedelta(days=3), duration_ms=20_000)
    review(learner, cards[0], at=NOW - timedelta(days=100), duration_ms=30_000)
    data = selectors.summary(Scope(learner=learner), now=NOW)["time"]
    assert data == {
        "review_today": 10,
        "review_7_days": 30,
        "review_30_days": 30,
        "review_total": 60,
        "quiz_total": 0,
    }


def test_a_teachers_scope_sees_only_the_assigned_decks(learner, teacher):
    assigned, a_cards = make_deck(teacher, 2, title="Assigned")
    _, own_cards = make_deck(learner, 2, title="Own")
    for card in a_cards + own_cards:
        memory(learner, card, due=NOW - timedelta(days=1))
        review(learner, card, at=NOW - timedelta(hours=1))
    scope = Scope(
        learner=learner, deck_ids=frozenset({assigned.pk}), quiz_ids=frozenset()
    )
    data = selectors.dashboard(scope, now=NOW)
    assert data["today"]["due"] == 2 and data["today"]["done"] == 2
    assert data["states"]["review"] == 2
    assert data["heatmap_total"] == 2


def _dashboard_queries(django_assert_max_num_queries, scope):
    with django_assert_max_num_queries(20):
        selectors.dashboard(scope, now=NOW)


def test_the_dashboard_query_count_does_not_grow_with_cards_or_decks(
    learner, django_assert_max_num_queries
):
    for i in range(8):
        _, cards = make_deck(learner, 10, title=f"D{i}", objective_key=f"obj-{i}")
        for j, card in enumerate(cards):
            memory(learner, card, due=NOW + timedelta(days=j - 3))
            review(learner, card, at=NOW - timedelta(days=j))
    quiz_attempt(learner, answers=[("zero-per-gpu", "correct", "")], submitted_at=NOW)
    _dashboard_queries(django_assert_max_num_queries, Scope(learner=learner))
