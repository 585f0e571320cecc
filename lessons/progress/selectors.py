"""Reads behind the progress dashboard: every figure for one learner's scope.

Every function aggregates in the database (grouped counts, sums, maxima) and
returns plain dicts and lists for the API and the templates; none loops over
rows with a query inside. The one figure that needs every studied card's
state, estimated knowledge, loads only ``(deck, objective, stability,
last_review)`` of started cards (the objective is `card_objective`: the note's
link, which generated lesson cards carry) and computes all retrievabilities in one
numpy pass (`flashcards.scheduling.retrievability_many`, once per distinct
forgetting-curve decay: in practice once).

Days are the learner's study days: in their time zone, starting at their
``day_start_hour`` (as for the due queue).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.fields.json import KT, KeyTextTransform
from django.db.models.functions import Coalesce, NullIf, Substr, TruncDate
from django.utils import timezone

from flashcards.models import Card, CardMemory, Deck, ReviewLog
from flashcards.scheduling import DeckOptions, State, day_bounds, retrievability_many
from lessons.models import AttemptAnswer, Enrollment, LearningObjective, QuizAttempt
from lessons.progress import charts
from lessons.progress.access import Scope
from studysite.models import User

MATURE_DAYS = 21
RETENTION_DAYS = 30
FORECAST_DAYS = 30
QUIZ_HISTORY = 50
# A quiz left open for hours did not take hours: cap each attempt's time.
MAX_ATTEMPT_MINUTES = 120

STATE_NAMES = {s.value: s.name.lower() for s in State}


# --- scope ----------------------------------------------------------------------


def reviews(scope: Scope) -> QuerySet[ReviewLog]:
    rows = ReviewLog.objects.filter(learner=scope.learner, undone_at__isnull=True)
    if scope.deck_ids is not None:
        rows = rows.filter(deck_id__in=scope.deck_ids)
    return rows


def memories(scope: Scope) -> QuerySet[CardMemory]:
    rows = CardMemory.objects.filter(learner=scope.learner)
    if scope.deck_ids is not None:
        rows = rows.filter(deck_id__in=scope.deck_ids)
    return rows


def attempts(scope: Scope) -> QuerySet[QuizAttempt]:
    rows = QuizAttempt.objects.filter(learner=scope.learner, submitted_at__isnull=False)
    if scope.quiz_ids is not None:
        rows = rows.filter(quiz_id__in=scope.quiz_ids)
    return rows


def study_deck_ids(scope: Scope) -> list[int]:
    """Decks whose cards count as the learner's: assigned ones in a teacher's
    scope; otherwise their own, those they have studied, and those assigned."""
    if scope.deck_ids is not None:
        return sorted(scope.deck_ids)
    learner = scope.learner
    studied = CardMemory.objects.filter(learner=learner).values("deck_id")
    classes = Enrollment.objects.filter(learner=learner, left_at__isnull=True)
    assigned = classes.values("school_class__assignments__deck_id")
    return list(
        Deck.objects.filter(
            Q(owner=learner) | Q(pk__in=studied) | Q(pk__in=assigned)
        ).values_list("pk", flat=True)
    )


def _zone(scope: Scope) -> ZoneInfo:
    return ZoneInfo(scope.learner.time_zone)


def study_date(scope: Scope, field: str) -> TruncDate:
    """The study day (a date) of a datetime column, in the DB."""
    shifted = ExpressionWrapper(
        F(field) - Value(timedelta(hours=scope.learner.day_start_hour)),
        output_field=DateTimeField(),
    )
    return TruncDate(shifted, tzinfo=_zone(scope))


def today_date(scope: Scope, now: datetime) -> date:
    start, _ = _day(scope, now)
    return start.astimezone(_zone(scope)).date()


def _day(scope: Scope, now: datetime) -> tuple[datetime, datetime]:
    learner = scope.learner
    return day_bounds(now, tz=learner.time_zone, day_start_hour=learner.day_start_hour)


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
    start, end = _day(scope, now)
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
    options = _deck_options(list(unseen))
    return sum(
        min(n, max(0, options[deck_id].new_per_day - done_new.get(deck_id, 0)))
        for deck_id, n in unseen.items()
    )


def _deck_options(deck_ids: list[int]) -> dict[int, DeckOptions]:
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
    zone = _zone(scope)
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
    start, end = _day(scope, now)
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


# --- knowledge and mastery ---------------------------------------------------------------------


def card_objective(*, note: str = "note", deck: str = "deck") -> Coalesce:
    """The objective a card counts towards, in the DB: its note's link
    (``Note.objective_key``, which every generated lesson card has), else an
    ``objective`` field of the note (an imported note may carry one), else its
    deck's. ``note`` and ``deck`` are the paths to them from the queried model
    (``"card__note"`` from a memory row)."""

    def key(expression):
        return NullIf(expression, Value(""))

    return Coalesce(
        key(F(f"{note}__objective_key")),
        key(KeyTextTransform("objective", f"{note}__fields")),
        key(F(f"{deck}__objective_key")),
        output_field=CharField(),
    )


def _studied_rows(scope: Scope) -> list[tuple]:
    return list(
        memories(scope)
        .filter(state__gt=0, last_review__isnull=False)
        .annotate(objective=card_objective(note="card__note"))
        .values_list("deck_id", "objective", "stability", "last_review")
    )


def retrievabilities(rows: list[tuple], *, now: datetime) -> np.ndarray:
    """Every row's retrievability now, one vectorised pass per decay.

    Rows start ``(deck_id, objective, stability, last_review, ...)``.
    """
    if not rows:
        return np.zeros(0)
    deck_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    stability = np.array([r[2] if r[2] is not None else np.nan for r in rows])
    now_ts = now.timestamp()
    elapsed = np.fromiter(
        ((now_ts - r[3].timestamp()) / 86400 for r in rows),
        dtype=np.float64,
        count=len(rows),
    )
    decays = {
        k: o.decay for k, o in _deck_options(list(set(deck_ids.tolist()))).items()
    }
    out = np.zeros(len(rows))
    by_decay: dict[float, list[int]] = defaultdict(list)
    for deck_id, decay in decays.items():
        by_decay[decay].append(deck_id)
    for decay, ids in by_decay.items():
        mask = np.isin(deck_ids, ids)
        out[mask] = retrievability_many(stability[mask], elapsed[mask], decay)
    return out


def knowledge(scope: Scope, *, now: datetime) -> dict[str, Any]:
    """Estimated knowledge: the sum of current retrievabilities (cards you
    would recall right now), with per-objective sums for mastery."""
    rows = _studied_rows(scope)
    r = retrievabilities(rows, now=now)
    per_objective: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for row, value in zip(rows, r, strict=True):
        key = row[1]
        if key:
            per_objective[key][0] += float(value)
            per_objective[key][1] += 1
    return {
        "estimated_known": round(float(r.sum()), 1),
        "studied": len(rows),
        "mean_retrievability": round(float(r.mean()), 4) if len(rows) else None,
        "per_objective": dict(per_objective),
    }


def objective_cards(scope: Scope) -> dict[str, int]:
    """Cards linked to each objective in the study decks (`card_objective`)."""
    return cards_per_objective(study_deck_ids(scope))


def cards_per_objective(deck_ids: list[int]) -> dict[str, int]:
    """How many cards of these decks count towards each objective."""
    if not deck_ids:
        return {}
    rows = (
        Card.objects.filter(deck_id__in=deck_ids)
        .annotate(objective=card_objective())
        .exclude(objective__isnull=True)
        .values_list("objective")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def lesson_objectives(deck_ids: list[int]) -> list[str]:
    """The objectives of the lessons these decks belong to (a lesson's deck,
    or a deck linked to a lesson), in the lessons' order: each shows on the
    dashboards even before any of its cards is studied."""
    if not deck_ids:
        return []
    slugs = Deck.objects.filter(pk__in=deck_ids).exclude(lesson_slug="")
    keys = (
        LearningObjective.objects.filter(
            lesson__slug__in=slugs.values("lesson_slug"), retired=False
        )
        .order_by("lesson__order", "lesson_id", "order", "pk")
        .values_list("key", flat=True)
    )
    return list(dict.fromkeys(keys))


def objective_order(keys: set[str], lesson_keys: list[str]) -> list[str]:
    """The lessons' objectives first, in their order, then those of the
    problem registry in its order (the lesson's), then any other key."""
    from lessons.problems import OBJECTIVES

    ordered = list(dict.fromkeys([*lesson_keys, *OBJECTIVES]))
    known = [k for k in ordered if k in keys]
    return known + sorted(keys - set(known))


def quiz_parts_by_template(scope: Scope) -> dict[str, tuple[int, int]]:
    """(parts answered, parts correct) per problem template, submitted only."""
    rows = (
        AttemptAnswer.objects.filter(item__attempt__in=attempts(scope))
        .values_list("item__problem__template_key")
        .annotate(total=Count("id"), correct=Count("id", filter=Q(status="correct")))
    )
    return {key: (total, correct) for key, total, correct in rows}


def template_objectives() -> dict[str, str]:
    from lessons.problems import templates

    return {t.key: t.objective for t in templates()}


def objective_labels(keys: set[str]) -> dict[str, dict[str, str]]:
    """Each objective's text: the lesson's (``lesson.toml``), else the problem
    registry's, else the key made readable (never the bare key)."""
    from lessons.classes.selectors import humanize_key
    from lessons.problems import OBJECTIVES

    labels = {
        k: {"text": OBJECTIVES.get(k) or humanize_key(k), "lesson": ""} for k in keys
    }
    rows = LearningObjective.objects.filter(key__in=keys, retired=False).values_list(
        "key", "text", "lesson__title"
    )
    for key, text, lesson in rows:
        labels[key] = {"text": text, "lesson": lesson}
    return labels


def mastery(scope: Scope, *, now: datetime, known: dict | None = None) -> list[dict]:
    """Mastery per learning objective, from memory and from quizzes.

    ``memory`` is the sum of retrievabilities of the objective's cards over
    the number of its cards (an unseen card counts 0); ``quiz`` is the share
    of quiz parts answered correctly on templates of that objective;
    ``mastery`` is the mean of the parts that exist.
    """
    known = known or knowledge(scope, now=now)
    per_objective = known["per_objective"]
    deck_ids = study_deck_ids(scope)
    totals = cards_per_objective(deck_ids)
    lesson_keys = lesson_objectives(deck_ids)
    quiz: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    objective_of = template_objectives()
    for key, (total, correct) in quiz_parts_by_template(scope).items():
        if key in objective_of:
            quiz[objective_of[key]][0] += total
            quiz[objective_of[key]][1] += correct
    keys = set(per_objective) | set(totals) | set(quiz) | set(lesson_keys)
    labels = objective_labels(keys)
    out = []
    for key in objective_order(keys, lesson_keys):
        r_sum, studied = per_objective.get(key, (0.0, 0))
        cards = max(totals.get(key, 0), studied)
        memory = round(r_sum / cards, 4) if cards else None
        answered, correct = quiz.get(key, (0, 0))
        quiz_rate = round(correct / answered, 4) if answered else None
        parts = [x for x in (memory, quiz_rate) if x is not None]
        out.append(
            {
                "objective": key,
                "text": labels[key]["text"],
                "lesson": labels[key]["lesson"],
                "cards": cards,
                "studied": studied,
                "memory": memory,
                "quiz_parts": answered,
                "quiz": quiz_rate,
                "mastery": round(sum(parts) / len(parts), 4) if parts else None,
            }
        )
    return out


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
