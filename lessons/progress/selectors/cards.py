"""Card memory figures: retention by interval, the due forecast and how many
cards are in each state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
)
from django.db.models.fields.json import KT

from flashcards.models import Card
from flashcards.scheduling import State
from lessons.progress.access import Scope
from lessons.progress.selectors.scope import (
    memories,
    reviews,
    study_date,
    study_day,
    study_deck_ids,
    today_date,
)

MATURE_DAYS = 21
RETENTION_DAYS = 30
FORECAST_DAYS = 30

STATE_NAMES = {s.value: s.name.lower() for s in State}


# --- retention ----------------------------------------------------------------------------


def retention(scope: Scope, *, now: datetime, days: int = RETENTION_DAYS) -> dict:
    """True retention: the share of review-state answers that were not Again.

    Young cards had an interval under 21 days before the answer, mature ones
    21 days or more (the interval the scheduler set: due - last review).
    """
    rows = (
        reviews(scope)
        .filter(review_state=State.REVIEW, reviewed_at__gte=now - timedelta(days=days))
        .values_list("rating", KT("state_before__due"), KT("state_before__last_review"))
    )
    counts = {"young": [0, 0], "mature": [0, 0]}
    for rating, due, last_review in rows:
        interval = _interval_days(due, last_review)
        cell = counts["mature" if interval >= MATURE_DAYS else "young"]
        cell[0] += 1
        cell[1] += rating > 1
    total = [counts["young"][0] + counts["mature"][0]]
    total.append(counts["young"][1] + counts["mature"][1])
    return {
        "days": days,
        "young": _rate(*counts["young"]),
        "mature": _rate(*counts["mature"]),
        "all": _rate(*total),
    }


def _interval_days(due: str | None, last_review: str | None) -> float:
    if not due or not last_review:
        return 0.0
    try:
        delta = datetime.fromisoformat(due) - datetime.fromisoformat(last_review)
    except (TypeError, ValueError):
        return 0.0
    return delta.total_seconds() / 86400


def _rate(reviews: int, passed: int) -> dict[str, Any]:
    rate = round(passed / reviews, 4) if reviews else None
    return {"reviews": reviews, "passed": passed, "rate": rate}


# --- forecast and states --------------------------------------------------------------------


def forecast(scope: Scope, *, now: datetime, days: int = FORECAST_DAYS) -> dict:
    """Cards coming due on each of the next ``days`` study days; anything
    overdue counts on today."""
    start, end = study_day(scope, now)
    today = today_date(scope, now)
    horizon = end + timedelta(days=days - 1, hours=2)  # DST-safe upper bound
    rows = (
        memories(scope)
        .filter(suspended=False, state__gt=0, due__lt=horizon)
        .annotate(day=study_date(scope, "due"))
        .values_list("day")
        .annotate(n=Count("id"))
    )
    per_day = [0] * days
    overdue = 0
    for day, n in rows:
        index = (day - today).days
        if index < 0:
            overdue += n
            per_day[0] += n
        elif index < days:
            per_day[index] += n
    return {
        "days": [
            {"date": (today + timedelta(days=i)).isoformat(), "due": n}
            for i, n in enumerate(per_day)
        ],
        "overdue": overdue,
        "total": sum(per_day),
    }


def card_states(scope: Scope) -> dict[str, int]:
    """Cards by state (suspended apart), and unseen cards of the study decks."""
    counts = dict.fromkeys(STATE_NAMES.values(), 0)
    counts["suspended"] = 0
    rows = memories(scope).values_list("state", "suspended").annotate(n=Count("id"))
    started = 0
    for state, suspended, n in rows:
        started += n
        if suspended:
            counts["suspended"] += n
        else:
            counts[STATE_NAMES.get(state, "new")] += n
    deck_ids = study_deck_ids(scope)
    total = Card.objects.filter(deck_id__in=deck_ids).count() if deck_ids else 0
    counts["new"] += max(0, total - started)
    counts["leech"] = memories(scope).filter(leech=True).count()
    return counts
