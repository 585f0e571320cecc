"""Reviews: one answer, a batch of offline answers, and undo.

`card_review` reads the card, its note, its deck and the learner's memory
rows in one statement (`selectors.card_for_answer`) and writes in one
transaction: the memory row with a conditional ``UPDATE ... WHERE version =
<read version>`` (a new row by INSERT, against the unique learner-card pair),
so two answers racing for the same card write one review and the other gets
a 409. A client passes the
``version`` it was shown (the queue gives it), so an answer from a second tab
that saw the card before the first answer is also a 409, not a second review.

The same ``client_review_id`` sent again returns the first result and changes
nothing, also when the copies race. The answer path does not look for an
earlier copy first (an answer costs three statements: the read, the memory
row's write and the log, and one more where siblings are buried): a copy fails on the
moved version, the log's unique ``(learner, client_review_id)`` or another
check, and every failure looks for the first copy's log before it is reported,
so every copy gets the first result. A ``reviewed_at`` in the future (more than
`CLOCK_SKEW` ahead), before the card's last review, or older than
``FLASHCARDS_MAX_OFFLINE_AGE_DAYS`` (default 90) is refused. `card_review_many`
applies a batch of offline reviews in time order; each item's error is the
`studysite.errors.DomainError` it raised.

Undo marks the learner's last review ``undone_at`` (the log stays append-only:
nothing is deleted) and restores the memory state recorded in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from flashcards import numeric_answers, parametric
from flashcards.models import (
    Card,
    CardMemory,
    ReviewLog,
)
from flashcards.parameters import deck_options_for
from flashcards.scheduling import (
    CardState,
    LeechAction,
    Rating,
    bury_until,
    review,
)
from flashcards.selectors import AnswerTarget, card_for_answer, fresh_rng
from flashcards.services.memory import (
    Siblings,
    _save_memory,
    memory_snapshot,
    siblings_bury,
)
from studysite import errors, rows
from studysite.models import User

CLOCK_SKEW = timedelta(seconds=60)
DEFAULT_MAX_OFFLINE_AGE_DAYS = 90


def max_offline_age() -> timedelta:
    days = getattr(
        settings, "FLASHCARDS_MAX_OFFLINE_AGE_DAYS", DEFAULT_MAX_OFFLINE_AGE_DAYS
    )
    return timedelta(days=days)


@dataclass(frozen=True)
class ReviewResult:
    log: ReviewLog
    created: bool  # False: the same client_review_id was seen before


def _parse_rating(rating: Any) -> Rating:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 4:
        raise errors.Invalid(
            {"rating": "Must be 1 (again), 2 (hard), 3 (good) or 4 (easy)."}
        )
    return Rating(rating)


def _parse_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise errors.Invalid({"client_review_id": "Must be a valid UUID."}) from None


def _check_reviewed_at(
    *, reviewed_at: datetime | None, now: datetime, last_review: datetime | None
) -> datetime:
    if reviewed_at is None:
        reviewed_at = now
    if timezone.is_naive(reviewed_at):
        raise errors.Invalid({"reviewed_at": "Must include a time zone."})
    if reviewed_at > now + CLOCK_SKEW:
        raise errors.Invalid({"reviewed_at": "Is in the future."})
    reviewed_at = min(reviewed_at, now)
    limit = max_offline_age()
    if reviewed_at < now - limit:
        raise errors.Invalid(
            {"reviewed_at": f"Is older than {limit.days} days; it cannot be applied."}
        )
    if last_review is not None and reviewed_at < last_review:
        raise errors.Invalid({"reviewed_at": "Is before the card's last review."})
    return reviewed_at


def _existing(*, learner: User, client_review_id: uuid.UUID) -> ReviewLog | None:
    return (
        ReviewLog.objects.filter(learner=learner, client_review_id=client_review_id)
        .select_related("card")
        .first()
    )


def _replayed(log: ReviewLog, *, card_id: int) -> ReviewResult:
    if log.card_id != card_id:
        raise errors.Conflict(
            "This client_review_id was already used for another card."
        )
    return ReviewResult(log=log, created=False)


def apply_review(
    *,
    learner: User,
    card: Card,
    memory: CardMemory,
    rating: Rating,
    reviewed_at: datetime,
    client_review_id: uuid.UUID,
    duration_ms: int | None = None,
    answer: str = "",
    rng: Random,
    now: datetime,
    graded: Mapping[str, Any] | None = None,
    siblings: Siblings | None = None,
) -> ReviewLog:
    """Schedule one answer on a memory row, write it (if still at the version
    read) and its log.

    Called inside a transaction by `card_review` and the importer. ``graded``
    (parametric cards) gives the log's ``seed``, ``answer``, ``correct`` and
    ``variant``; ``siblings`` the note's other cards as `siblings_bury` takes
    them (read here if not given).
    """
    options = deck_options_for(learner=learner, deck=card.deck)
    version = memory.version
    before = memory_snapshot(memory)
    outcome = review(
        memory.card_state(), rating, options=options, now=reviewed_at, rng=rng
    )
    memory.apply_state(outcome.state)
    if outcome.leech_action is not None:
        memory.leech = True
        if outcome.leech_action is LeechAction.SUSPEND:
            memory.suspended = True
    _save_memory(memory, expected_version=version)
    after = memory_snapshot(memory)
    if options.bury_siblings or options.bury_new_siblings:
        until = bury_until(now, learner.time_zone, learner.day_start_hour)
        buried = siblings_bury(
            learner=learner,
            card=card,
            until=until,
            now=now,
            only_new=not options.bury_siblings,
            siblings=siblings,
        )
        if buried:
            after["buried_siblings"] = buried
            after["siblings_buried_until"] = until.isoformat()
    correct = None
    if card.note.type == "numeric":
        correct = numeric_answers.grade_numeric(card.note.fields, answer or "")
    extra: dict[str, Any] = {}
    if graded is not None:
        correct = graded["correct"]
        answer = graded["answer"]
        extra = {"seed": graded["seed"], "variant": graded["variant"]}
    values: dict[str, Any] = {
        "learner_id": learner.pk,
        "card_id": card.pk,
        "deck_id": card.deck_id,
        "client_review_id": client_review_id,
        "rating": int(rating),
        "reviewed_at": reviewed_at,
        "duration_ms": duration_ms,
        "review_state": before["state"],
        "state_before": before,
        "state_after": after,
        "interval_days": outcome.interval_days,
        "answer": answer or "",
        "correct": correct,
        "seed": extra.get("seed"),
        "variant": extra.get("variant"),
        "undone_at": None,
        "created_at": timezone.now(),
    }
    # Plain SQL (`studysite.rows`), as every answer writes one.
    log = ReviewLog(id=rows.insert(ReviewLog, values), **values)
    log._state.adding = False
    log.card = card
    return log


def _check_duration(duration_ms: Any) -> None:
    """Refuse a duration that is not a whole number of milliseconds ≥ 0."""
    if duration_ms is not None and (
        isinstance(duration_ms, bool)
        or not isinstance(duration_ms, int)
        or duration_ms < 0
    ):
        raise errors.Invalid(
            {"duration_ms": "Must be a whole number of milliseconds ≥ 0."}
        )


def _graded_rating(
    *,
    learner: User,
    card: Card,
    rating: Rating | None,
    variant: str | None,
    answers: Mapping[str, Any] | None,
) -> tuple[Rating, dict[str, Any] | None]:
    """The rating to apply and, for a parametric card, its graded log fields.

    A parametric card's wrong answer is rated Again; a right one takes the
    given rating 2-4 (None: Good). Other cards need a rating.
    """
    if card.note.type == "parametric":
        checked = parametric.check(
            card=card, learner_id=learner.pk, token=variant, answers=answers
        )
        if not checked.correct:
            rating = Rating.AGAIN
        elif rating is None:
            rating = Rating.GOOD
        elif rating == Rating.AGAIN:
            raise errors.Invalid(
                {"rating": "A right answer is rated 2 (hard), 3 (good) or 4 (easy)."}
            )
        return rating, parametric.log_fields(checked, card.note.fields)
    if rating is None:
        rating = _parse_rating(rating)
    return rating, None


def _review_locked(
    *,
    learner: User,
    card_id: int,
    target: AnswerTarget,
    rating: Rating,
    client_id: uuid.UUID,
    reviewed_at: datetime | None,
    duration_ms: int | None,
    answer: str,
    expected_version: int | None,
    now: datetime,
    rng: Random | None,
    graded: Mapping[str, Any] | None,
) -> ReviewResult:
    """Apply the answer to the memory row read with the card, in one
    transaction; the write is refused if the row moved since (`_save_memory`).

    The happy path looks for no earlier copy of this answer: a copy that
    committed first makes this one fail (a moved version, a unique
    constraint, a last review after this one, a suspension), and every such
    failure looks for the copy before it is reported (`_raced`).
    """
    card = target.card
    memory = target.memory
    if memory is None:
        memory = CardMemory(learner=learner, card=card, deck_id=card.deck_id, due=now)
    with transaction.atomic():
        if expected_version is not None and memory.version != expected_version:
            raise errors.Conflict(
                "This card changed since it was shown (answered in another tab?)."
            )
        if memory.suspended:
            raise errors.Invalid({"card": "This card is suspended."})
        when = _check_reviewed_at(
            reviewed_at=reviewed_at, now=now, last_review=memory.last_review
        )
        log = apply_review(
            learner=learner,
            card=card,
            memory=memory,
            rating=rating,
            reviewed_at=when,
            client_review_id=client_id,
            duration_ms=duration_ms,
            answer=answer,
            rng=rng or fresh_rng(),
            now=now,
            graded=graded,
            siblings=target.siblings,
        )
    return ReviewResult(log=log, created=True)


def _raced(
    exc: IntegrityError | errors.DomainError,
    *,
    learner: User,
    client_id: uuid.UUID,
    card_id: int,
) -> ReviewResult:
    """The first copy's result if this answer is a copy of one recorded, else
    the error (an ``IntegrityError`` is two first answers at once: a 409)."""
    existing = _existing(learner=learner, client_review_id=client_id)
    if existing is not None:
        return _replayed(existing, card_id=card_id)
    if isinstance(exc, errors.DomainError):
        raise exc
    raise errors.Conflict(
        "This card was answered elsewhere at the same time."
    ) from None


def card_review(
    *,
    learner: User,
    card_id: int,
    rating: Any,
    client_review_id: Any,
    reviewed_at: datetime | None = None,
    duration_ms: int | None = None,
    answer: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
    rng: Random | None = None,
    variant: str | None = None,
    answers: Mapping[str, Any] | None = None,
) -> ReviewResult:
    """Record one answer and reschedule the card for this learner.

    Args:
        learner: Who answered.
        card_id: The card (404 unless the learner may study it).
        rating: 1-4.
        client_review_id: The client's UUID for this answer; sending it again
            returns the first result.
        reviewed_at: When the answer was given (offline reviews); default now.
        duration_ms: How long the learner took.
        answer: The typed answer (numeric cards are graded within tolerance).
        expected_version: The card's memory version the client was shown; a
            different current version is a 409.
        now: The server's time (tests).
        rng: Fuzz source; default a fresh ``Random`` seeded from the system.
        variant: A parametric card's variant token (from the queue).
        answers: A parametric card's typed answers by part key. The server
            grades them: wrong is rated Again whatever ``rating`` says; right
            takes ``rating`` 2-4 (None: Good).

    Returns:
        The review's log row, and whether it was created now.

    Raises:
        Invalid: Bad rating, UUID, reviewed_at, or a suspended card (400).
        NotFound: The card is not the learner's to study.
        Conflict: The card changed since the client saw it (409).
    """
    now = now or timezone.now()
    if rating is not None:
        rating = _parse_rating(rating)
    client_id = _parse_uuid(client_review_id)
    _check_duration(duration_ms)
    try:
        target = card_for_answer(user=learner, card_id=card_id)
        rating, graded = _graded_rating(
            learner=learner,
            card=target.card,
            rating=rating,
            variant=variant,
            answers=answers,
        )
        return _review_locked(
            learner=learner,
            card_id=card_id,
            target=target,
            rating=rating,
            client_id=client_id,
            reviewed_at=reviewed_at,
            duration_ms=duration_ms,
            answer=answer,
            expected_version=expected_version,
            now=now,
            rng=rng,
            graded=graded,
        )
    except (IntegrityError, errors.DomainError) as exc:
        return _raced(exc, learner=learner, client_id=client_id, card_id=card_id)


@dataclass(frozen=True)
class BatchItem:
    index: int
    result: ReviewResult | None
    error: errors.DomainError | None


def card_review_many(
    *, learner: User, reviews: list[Mapping[str, Any]], now: datetime | None = None
) -> list[BatchItem]:
    """Apply reviews done offline in the order they were done.

    Each item has the arguments of `card_review`; items are applied by
    ``reviewed_at`` (then as given), each in its own transaction, so one bad
    item does not stop the others. Results come back in the order given.
    """
    now = now or timezone.now()
    order = sorted(
        range(len(reviews)),
        key=lambda i: (reviews[i].get("reviewed_at") or now, i),
    )
    results: dict[int, BatchItem] = {}
    for index in order:
        try:
            result = card_review(learner=learner, now=now, **reviews[index])
            results[index] = BatchItem(index, result, None)
        except errors.DomainError as exc:
            results[index] = BatchItem(index, None, exc)
    return [results[i] for i in range(len(reviews))]


def review_undo(*, learner: User, now: datetime | None = None) -> ReviewLog:
    """Undo the learner's last review: restore the card's memory from the log.

    The log row is kept and marked ``undone_at`` (append-only); undone reviews
    count for nothing (limits, export). Siblings it buried are unburied.

    Raises:
        NotFound: Nothing to undo.
    """
    now = now or timezone.now()
    with transaction.atomic():
        log = (
            ReviewLog.objects.select_for_update()
            .filter(learner=learner, undone_at=None)
            .order_by("-id")
            .first()
        )
        if log is None:
            raise errors.NotFound("Nothing to undo.")
        memory = CardMemory.objects.select_for_update().get(
            learner=learner, card_id=log.card_id
        )
        before, after = log.state_before, log.state_after
        version = memory.version
        memory.apply_state(CardState.from_dict(before))
        if after["suspended"] != before["suspended"]:
            memory.suspended = before["suspended"]
        if after["leech"] != before["leech"]:
            memory.leech = before["leech"]
        _save_memory(memory, expected_version=version)
        if after.get("buried_siblings"):
            CardMemory.objects.filter(
                learner=learner,
                card_id__in=after["buried_siblings"],
                buried_until=datetime.fromisoformat(after["siblings_buried_until"]),
            ).update(buried_until=None, version=F("version") + 1)
        log.undone_at = now
        log.save(update_fields=["undone_at"])
    return log
