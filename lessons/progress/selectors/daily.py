"""The learner's days: what "due" means, today's counts (due, new left, done)
and the activity heatmap with its streak."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Substr

from flashcards.models import Card, CardMemory, Deck
from flashcards.scheduling import DeckOptions, State, day_bounds
from lessons.progress.access import Scope
from lessons.progress.selectors.scope import (
    memories,
    reviews,
    study_date,
    study_day,
    study_deck_ids,
    today_date,
    zone_of,
)
from studysite.models import User

# --- due cards ----------------------------------------------------------------------


def due_definition(*, whose: str = "the learner's") -> str:
    """The definition of a due card, as both dashboards state it."""
    return (
        f"Due: cards whose next review is today or earlier, in {whose} time zone "
        f"and study day; suspended and buried cards are not counted."
    )


def due_q(*, now: datetime, day_end: datetime) -> Q:
    """A due card (memory row): started, not suspended, not buried now, its
    next review before ``day_end``, the end of the learner's study day. The
    study queue reads the same rows (`flashcards.selectors`)."""
    return Q(suspended=False, state__gt=0, due__lt=day_end) & (
        Q(buried_until__isnull=True) | Q(buried_until__lte=now)
    )


def learners_due_q(learners: Iterable[User], *, now: datetime) -> Q:
    """`due_q` for several learners at once, each on their own study day: one
    condition per time zone and day start among them (a handful), OR-ed."""
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for learner in learners:
        groups[(learner.time_zone, learner.day_start_hour)].append(learner.pk)
    condition = Q(pk__in=[])
    for (zone, hour), ids in groups.items():
        _, end = day_bounds(now, tz=zone, day_start_hour=hour)
        condition |= Q(learner_id__in=ids) & due_q(now=now, day_end=end)
    return condition


# --- today --------------------------------------------------------------------------


def today(scope: Scope, *, now: datetime) -> dict[str, Any]:
    """Cards due today (`due_q`: reviews and learning cards), new cards left
    today; answers done today."""
    start, end = study_day(scope, now)
    live = memories(scope).filter(due_q(now=now, day_end=end))
    due = live.aggregate(
        review=Count("id", filter=Q(state=State.REVIEW)),
        learning=Count("id", filter=Q(state__in=(State.LEARNING, State.RELEARNING))),
    )
    done_rows = list(
        reviews(scope)
        .filter(reviewed_at__gte=start, reviewed_at__lt=end)
        .values_list("deck_id")
        .annotate(n=Count("id"), new=Count("id", filter=Q(review_state=State.NEW)))
    )
    done_new = {deck_id: new for deck_id, _, new in done_rows}
    done = sum(n for _, n, _ in done_rows)
    return {
        "cards_due": due["review"] + due["learning"],
        "due": due["review"],
        "learning": due["learning"],
        "new": _new_available(scope, done_new=done_new, now=now),
        "done": done,
    }


def _new_available(scope: Scope, *, done_new: dict[int, int], now: datetime) -> int:
    deck_ids = study_deck_ids(scope)
    if not deck_ids:
        return 0
    mine = CardMemory.objects.filter(learner=scope.learner, card=OuterRef("pk"))
    started = mine.filter(Q(state__gt=0) | Q(suspended=True) | Q(buried_until__gt=now))
    unseen = dict(
        Card.objects.filter(deck_id__in=deck_ids)
        .exclude(Exists(started))
        .values_list("deck_id")
        .annotate(n=Count("id"))
    )
    options = deck_options(list(unseen))
    return sum(
        min(n, max(0, options[deck_id].new_per_day - done_new.get(deck_id, 0)))
        for deck_id, n in unseen.items()
    )


def deck_options(deck_ids: list[int]) -> dict[int, DeckOptions]:
    if not deck_ids:
        return {}
    return {
        deck.pk: deck.scheduling_options
        for deck in Deck.objects.filter(pk__in=deck_ids).only("pk", "options")
    }


# --- activity: heatmap, streak, time ---------------------------------------------------


def activity(scope: Scope) -> dict[date, tuple[int, int]]:
    """Reviews and milliseconds per study day, over all time (one grouped query).

    On SQLite every date function is a Python callback run per row, so there
    the rows are grouped by the UTC hour, read off the stored text with the
    native ``substr`` (Django stores ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC),
    and the few thousand hours are mapped to study days here. Elsewhere the
    database groups by study day directly.
    """
    rows = reviews(scope)
    if connection.vendor != "sqlite":
        grouped = (
            rows.annotate(day=study_date(scope, "reviewed_at"))
            .values_list("day")
            .annotate(n=Count("id"), ms=Sum("duration_ms"))
        )
        return {day: (n, ms or 0) for day, n, ms in grouped}
    hours = (
        rows.annotate(hour=Substr("reviewed_at", 1, 13))
        .values_list("hour")
        .annotate(n=Count("id"), ms=Sum("duration_ms"))
    )
    zone = zone_of(scope)
    shift = timedelta(hours=scope.learner.day_start_hour)
    out: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for hour, n, ms in hours:
        utc = datetime.fromisoformat(f"{hour}:00:00+00:00")
        cell = out[(utc.astimezone(zone) - shift).date()]
        cell[0] += n
        cell[1] += ms or 0
    return {day: (n, ms) for day, (n, ms) in out.items()}


def streak(days: set[date], *, today: date) -> dict[str, int]:
    """Consecutive study days with reviews: current (today, or up to yesterday
    while today is still open) and longest."""
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return {"current": current, "longest": longest, "days_studied": len(days)}


def heatmap(scope: Scope, *, now: datetime) -> dict[str, Any]:
    today = today_date(scope, now)
    counts = {day: n for day, (n, _) in activity(scope).items()}
    year_ago = today - timedelta(days=364)
    days = [
        {"date": d.isoformat(), "reviews": counts[d]}
        for d in sorted(counts)
        if year_ago <= d <= today
    ]
    return {
        "today": today.isoformat(),
        "days": days,
        "total": sum(d["reviews"] for d in days),
        "streak": streak(set(counts), today=today),
    }
