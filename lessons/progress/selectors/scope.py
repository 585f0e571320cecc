"""What a progress figure counts over: a scope's reviews, memory rows,
attempts and studied decks, and its study days (the learner's time zone and
``day_start_hour``, as for the due queue)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import TruncDate

from flashcards.models import CardMemory, Deck, ReviewLog
from flashcards.scheduling import day_bounds
from lessons.models import Enrollment, QuizAttempt
from lessons.progress.access import Scope

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


def zone_of(scope: Scope) -> ZoneInfo:
    return ZoneInfo(scope.learner.time_zone)


def study_date(scope: Scope, field: str) -> TruncDate:
    """The study day (a date) of a datetime column, in the DB."""
    shifted = ExpressionWrapper(
        F(field) - Value(timedelta(hours=scope.learner.day_start_hour)),
        output_field=DateTimeField(),
    )
    return TruncDate(shifted, tzinfo=zone_of(scope))


def today_date(scope: Scope, now: datetime) -> date:
    start, _ = study_day(scope, now)
    return start.astimezone(zone_of(scope)).date()


def study_day(scope: Scope, now: datetime) -> tuple[datetime, datetime]:
    learner = scope.learner
    return day_bounds(now, tz=learner.time_zone, day_start_hour=learner.day_start_hour)
