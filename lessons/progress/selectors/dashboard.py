"""Quiz history, time spent, and the whole dashboard (one call for every
figure of a scope)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from lessons.progress import charts
from lessons.progress.access import Scope
from lessons.progress.selectors.cards import card_states, forecast, retention
from lessons.progress.selectors.daily import activity, streak, today
from lessons.progress.selectors.mastery import knowledge, mastery
from lessons.progress.selectors.scope import attempts, today_date

QUIZ_HISTORY = 50
# A quiz left open for hours did not take hours: cap each attempt's time.
MAX_ATTEMPT_MINUTES = 120


# --- quizzes ---------------------------------------------------------------------------------


def quiz_history(scope: Scope) -> dict[str, Any]:
    """Submitted attempts, newest first (the last 50), with the score trend."""
    rows = list(
        attempts(scope)
        .order_by("submitted_at", "pk")
        .values(
            "pk",
            "quiz_id",
            "quiz__title",
            "number",
            "score",
            "correct_parts",
            "total_parts",
            "started_at",
            "submitted_at",
        )
    )
    cap = timedelta(minutes=MAX_ATTEMPT_MINUTES)
    seconds = sum(
        min(r["submitted_at"] - r["started_at"], cap).total_seconds() for r in rows
    )
    scores = [r["score"] or 0.0 for r in rows]
    history = [
        {
            "id": r["pk"],
            "quiz": r["quiz_id"],
            "title": r["quiz__title"] or "Practice",
            "number": r["number"],
            "score": r["score"],
            "correct_parts": r["correct_parts"],
            "total_parts": r["total_parts"],
            "submitted_at": r["submitted_at"],
        }
        for r in reversed(rows[-QUIZ_HISTORY:])
    ]
    return {
        "attempts": len(rows),
        "mean": round(sum(scores) / len(scores), 4) if scores else None,
        "trend": charts.trend(scores),
        "history": history,
        "seconds": round(seconds),
    }


# --- time ------------------------------------------------------------------------------------


def time_spent(
    days: dict[date, tuple[int, int]], *, today: date, quiz_seconds: int
) -> dict[str, int]:
    """Seconds spent reviewing (today, last 7 and 30 days, all) and on quizzes."""

    def since(n: int) -> int:
        first = today - timedelta(days=n - 1)
        return round(sum(ms for d, (_, ms) in days.items() if d >= first) / 1000)

    return {
        "review_today": since(1),
        "review_7_days": since(7),
        "review_30_days": since(30),
        "review_total": round(sum(ms for _, ms in days.values()) / 1000),
        "quiz_total": quiz_seconds,
    }


# --- the whole dashboard ---------------------------------------------------------------------


def summary(scope: Scope, *, now: datetime) -> dict[str, Any]:
    """Today, streak, cards by state, estimated knowledge and time spent."""
    days = activity(scope)
    today_day = today_date(scope, now)
    known = knowledge(scope, now=now)
    quizzes = quiz_history(scope)
    return _summary(scope, now, days, today_day, known, quizzes)


def _summary(scope, now, days, today_day, known, quizzes) -> dict[str, Any]:
    return {
        "learner": {"id": scope.learner.pk, "username": scope.learner.username},
        "scoped": not scope.is_full,
        "today": today(scope, now=now),
        "streak": streak(set(days), today=today_day),
        "states": card_states(scope),
        "knowledge": {k: v for k, v in known.items() if k != "per_objective"},
        "time": time_spent(days, today=today_day, quiz_seconds=quizzes["seconds"]),
    }


def dashboard(scope: Scope, *, now: datetime | None = None) -> dict[str, Any]:
    """Every figure of the dashboard, each computed once."""
    now = now or timezone.now()
    days = activity(scope)
    today_day = today_date(scope, now)
    known = knowledge(scope, now=now)
    quizzes = quiz_history(scope)
    counts = {d: n for d, (n, _) in days.items()}
    return {
        **_summary(scope, now, days, today_day, known, quizzes),
        "today_date": today_day,
        "heatmap": charts.heatmap(counts, today=today_day),
        "heatmap_total": sum(
            n for d, n in counts.items() if d > today_day - timedelta(days=371)
        ),
        "active_days": [
            {"date": d, "reviews": counts[d], "minutes": round(days[d][1] / 60000, 1)}
            for d in sorted(counts, reverse=True)
            if d > today_day - timedelta(days=371)
        ],
        "retention": retention(scope, now=now),
        "forecast": forecast(scope, now=now),
        "mastery": mastery(scope, now=now, known=known),
        "quizzes": quizzes,
    }
