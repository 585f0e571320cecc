"""Writes of the flashcards app: decks, notes and cards, reviews.

Errors are the API's: `FieldError` (400 naming the field), `Conflict` (409),
``Http404`` for what the learner may not see; a service that refuses changes
nothing.

Reviews
-------
`card_review` runs in one transaction. The learner's memory row is locked
(``select_for_update``; a no-op on SQLite) and then written with a conditional
``UPDATE ... WHERE version = <read version>``, so two answers racing for the
same card write one review and the other gets a 409. A client passes the
``version`` it was shown (the queue gives it), so an answer from a second tab
that saw the card before the first answer is also a 409, not a second review.

The same ``client_review_id`` sent again returns the first result and changes
nothing, also when the copies race: each looks for the log again once it holds
the memory row (and after a unique-constraint or version conflict), so every
copy gets the first result. A ``reviewed_at`` in the future (more than
`CLOCK_SKEW` ahead), before the card's last review, or older than
``FLASHCARDS_MAX_OFFLINE_AGE_DAYS`` (default 90) is refused. `card_review_many` applies a batch of offline reviews
in time order.

Undo marks the learner's last review ``undone_at`` (the log stays append-only:
nothing is deleted) and restores the memory state recorded in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import APIException, NotFound

from flashcards import content, parametric
from flashcards.models import (
    Card,
    CardMemory,
    Deck,
    DeckSubscription,
    Note,
    ReviewLog,
    Visibility,
)
from flashcards.scheduling import (
    CardState,
    DeckOptions,
    LeechAction,
    Rating,
    SchedulingOptionsError,
    State,
    bury_until,
    review,
)
from flashcards.selectors import card_get_readable, fresh_rng
from studysite.api_errors import Conflict, FieldError
from studysite.models import User

CLOCK_SKEW = timedelta(seconds=60)
DEFAULT_MAX_OFFLINE_AGE_DAYS = 90
DECK_FIELDS = (
    "title",
    "description",
    "lesson_slug",
    "objective_key",
    "options",
    "visibility",
)


def max_offline_age() -> timedelta:
    days = getattr(
        settings, "FLASHCARDS_MAX_OFFLINE_AGE_DAYS", DEFAULT_MAX_OFFLINE_AGE_DAYS
    )
    return timedelta(days=days)


# --- decks ----------------------------------------------------------------------


def clean_options(options: Any) -> dict[str, Any]:
    """Validate deck options; return the given keys, normalised.

    Raises:
        FieldError: Naming each bad option as ``options.<name>``.
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise FieldError({"options": "Must be an object."})
    try:
        full = DeckOptions.from_dict(options).to_dict()
    except SchedulingOptionsError as exc:
        raise FieldError(
            {f"options.{key}": message for key, message in exc.errors.items()}
        ) from None
    return {key: full[key] for key in options}


def _clean_text(name: str, value: Any, *, max_length: int, required: bool) -> str:
    if not isinstance(value, str):
        raise FieldError({name: "Must be text."})
    value = value.strip()
    if required and not value:
        raise FieldError({name: "This field is required."})
    if len(value) > max_length:
        raise FieldError({name: f"At most {max_length} characters."})
    return value


def clean_visibility(value: Any) -> str:
    if value not in Visibility.values:
        raise FieldError(
            {"visibility": "One of: " + ", ".join(Visibility.values) + "."}
        )
    return value


def deck_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    options: Mapping[str, Any] | None = None,
    lesson_slug: str = "",
    objective_key: str = "",
    visibility: str = Visibility.PRIVATE,
) -> Deck:
    """A new deck of ``owner``'s, private unless said otherwise."""
    return Deck.objects.create(
        owner=owner,
        visibility=clean_visibility(visibility),
        title=_clean_text("title", title, max_length=200, required=True),
        description=_clean_text(
            "description", description, max_length=20_000, required=False
        ),
        lesson_slug=_clean_text(
            "lesson_slug", lesson_slug, max_length=100, required=False
        ),
        objective_key=_clean_text(
            "objective_key", objective_key, max_length=100, required=False
        ),
        options=clean_options(options),
    )


def deck_update(*, deck: Deck, **changes: Any) -> Deck:
    """Change a deck; ``options`` are merged into the deck's own options."""
    unknown = set(changes) - set(DECK_FIELDS)
    if unknown:
        raise FieldError(dict.fromkeys(sorted(unknown), "Unknown field."))
    limits = {"title": 200, "description": 20_000, "lesson_slug": 100}
    updates: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "options":
            updates[name] = clean_options({**deck.options, **(value or {})})
        elif name == "visibility":
            updates[name] = _visibility_change(deck, clean_visibility(value))
        else:
            updates[name] = _clean_text(
                name, value, max_length=limits.get(name, 100), required=name == "title"
            )
    for name, value in updates.items():
        setattr(deck, name, value)
    deck.save()
    return deck


def _visibility_change(deck: Deck, visibility: str) -> str:
    """A deck assigned to a class stays shared with it: making it private is
    refused until the assignments are removed (nothing changes)."""
    if deck.is_system and visibility != Visibility.PUBLIC:
        raise FieldError({"visibility": "A lesson's deck is public."})
    if visibility == Visibility.PRIVATE and deck.assignments.exists():
        names = ", ".join(
            deck.assignments.order_by("school_class__name").values_list(
                "school_class__name", flat=True
            )[:5]
        )
        raise FieldError(
            {
                "visibility": f"This deck is assigned to {names}; remove the "
                "assignment before making it private."
            }
        )
    return visibility


def deck_share_with_class(*, deck: Deck) -> Deck:
    """An assigned private deck becomes a class deck (a public one stays public)."""
    if deck.visibility == Visibility.PRIVATE:
        deck.visibility = Visibility.CLASS
        deck.save(update_fields=["visibility", "updated_at"])
    return deck


# --- subscriptions ----------------------------------------------------------------


@transaction.atomic
def deck_subscribe(
    *, learner: User, deck: Deck, origin: str = DeckSubscription.Origin.CATALOG
) -> tuple[DeckSubscription, bool]:
    """Study a public deck; again after unsubscribing, memory resumes as it was.

    Returns the subscription and whether it is new. Raises `FieldError` for a
    deck that is not public or is the learner's own (the caller has checked
    that the learner may see it at all: a deck they may not see is a 404).
    """
    if deck.owner_id == learner.pk:
        raise FieldError({"deck": "This is your own deck; you study it already."})
    if deck.visibility != Visibility.PUBLIC:
        raise FieldError(
            {
                "deck": "Only catalog (public) decks take subscriptions; a class "
                "deck is studied while you are enrolled in its class."
            }
        )
    return DeckSubscription.objects.get_or_create(
        learner=learner, deck=deck, defaults={"origin": origin}
    )


@transaction.atomic
def deck_unsubscribe(*, learner: User, deck: Deck) -> bool:
    """Stop studying a subscribed deck: no new cards, out of "Study all due".

    Memory states and review logs stay, so subscribing again resumes. Returns
    whether there was a subscription.
    """
    deleted, _ = DeckSubscription.objects.filter(learner=learner, deck=deck).delete()
    return bool(deleted)


def subscribe_to_lesson_decks(*, learner: User) -> int:
    """A new learner studies every lesson deck of the course (one click undoes
    it). Returns how many subscriptions were made."""
    decks = Deck.objects.filter(is_system=True, visibility=Visibility.PUBLIC)
    made = DeckSubscription.objects.bulk_create(
        [
            DeckSubscription(
                learner=learner, deck=deck, origin=DeckSubscription.Origin.DEFAULT
            )
            for deck in decks
        ],
        ignore_conflicts=True,
    )
    return len(made)


def subscribe_everyone(*, deck: Deck) -> int:
    """A new lesson deck goes to every active learner, as at sign-up."""
    learners = User.objects.filter(is_active=True).values_list("pk", flat=True)
    rows = [
        DeckSubscription(
            learner_id=pk, deck=deck, origin=DeckSubscription.Origin.DEFAULT
        )
        for pk in learners.iterator()
    ]
    DeckSubscription.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def deck_delete(*, deck: Deck) -> None:
    """Delete a deck with its notes, cards, memory states and review logs."""
    deck.delete()


# --- notes and cards ------------------------------------------------------------------


def _note_errors(exc: content.NoteContentError) -> FieldError:
    return FieldError(dict(exc.errors))


@transaction.atomic
def note_create(
    *,
    deck: Deck,
    type: str,  # noqa: A002 - the API's name
    fields: Mapping[str, Any],
    tags: Iterable[str] | None = None,
    external_id: str = "",
    source_key: str = "",
    lesson_slug: str = "",
    section_anchor: str = "",
    objective_key: str = "",
) -> Note:
    """Create a note and its cards (basic 1, basic_reversed 2, cloze one per
    number, numeric 1, parametric 1)."""
    try:
        clean_fields, clean_tags = content.validate_note(type, fields, tags)
    except content.NoteContentError as exc:
        raise _note_errors(exc) from None
    note = Note.objects.create(
        deck=deck,
        type=type,
        fields=clean_fields,
        tags=clean_tags,
        external_id=external_id,
        source_key=source_key,
        lesson_slug=lesson_slug,
        section_anchor=section_anchor,
        objective_key=objective_key,
    )
    Card.objects.bulk_create(
        Card(note=note, deck=deck, ordinal=ordinal)
        for ordinal in content.card_ordinals(type, clean_fields)
    )
    return note


@transaction.atomic
def note_update(
    *,
    note: Note,
    fields: Mapping[str, Any] | None = None,
    tags: Iterable[str] | None = None,
) -> Note:
    """Edit a note's text or tags; every learner's schedule is kept.

    Cards keep their ids (and so their memory states) by ordinal: editing the
    text of a cloze keeps ``c1``'s schedule; a new ``c3`` makes a new card and a
    removed ``c2`` deletes its card.
    """
    new_fields = note.fields if fields is None else fields
    new_tags = note.tags if tags is None else tags
    try:
        clean_fields, clean_tags = content.validate_note(
            note.type, new_fields, new_tags
        )
    except content.NoteContentError as exc:
        raise _note_errors(exc) from None
    wanted = set(content.card_ordinals(note.type, clean_fields))
    have = set(note.cards.values_list("ordinal", flat=True))
    note.cards.filter(ordinal__in=have - wanted).delete()
    Card.objects.bulk_create(
        Card(note=note, deck_id=note.deck_id, ordinal=ordinal)
        for ordinal in sorted(wanted - have)
    )
    note.fields = clean_fields
    note.tags = clean_tags
    note.save(update_fields=["fields", "tags", "updated_at"])
    return note


# --- memory ------------------------------------------------------------------------


def memory_snapshot(memory: CardMemory) -> dict[str, Any]:
    """What a log records of a memory row (before or after a review)."""
    return {
        **memory.card_state().to_dict(),
        "suspended": memory.suspended,
        "leech": memory.leech,
        "buried_until": memory.buried_until.isoformat()
        if memory.buried_until
        else None,
        "version": memory.version,
    }


def _memory_for_update(*, learner: User, card: Card, now: datetime) -> CardMemory:
    CardMemory.objects.get_or_create(
        learner=learner, card=card, defaults={"deck_id": card.deck_id, "due": now}
    )
    return CardMemory.objects.select_for_update().get(learner=learner, card=card)


def _save_memory(memory: CardMemory, *, expected_version: int) -> None:
    """Write the row only if nobody changed it since it was read."""
    memory.version = expected_version + 1
    values = {
        f.attname: getattr(memory, f.attname)
        for f in CardMemory._meta.concrete_fields
        if f.attname not in ("id", "learner_id", "card_id", "updated_at")
    }
    values["updated_at"] = timezone.now()
    written = CardMemory.objects.filter(pk=memory.pk, version=expected_version).update(
        **values
    )
    if written != 1:
        raise Conflict("This card was answered elsewhere at the same time; reload it.")


def _card_memory_change(
    *, learner: User, card_id: int, now: datetime | None, change: str
) -> CardMemory:
    now = now or timezone.now()
    card = card_get_readable(user=learner, card_id=card_id)
    with transaction.atomic():
        memory = _memory_for_update(learner=learner, card=card, now=now)
        version = memory.version
        if change == "suspend":
            memory.suspended = True
        elif change == "unsuspend":
            memory.suspended = False
        elif change == "bury":
            memory.buried_until = bury_until(
                now, learner.time_zone, learner.day_start_hour
            )
        elif change == "unbury":
            memory.buried_until = None
        else:  # pragma: no cover - programming error
            raise ValueError(change)
        _save_memory(memory, expected_version=version)
    return memory


def card_suspend(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    return _card_memory_change(
        learner=learner, card_id=card_id, now=now, change="suspend"
    )


def card_unsuspend(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    return _card_memory_change(
        learner=learner, card_id=card_id, now=now, change="unsuspend"
    )


def card_bury(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    """Hide the card until the learner's next study day starts."""
    return _card_memory_change(learner=learner, card_id=card_id, now=now, change="bury")


def card_unbury(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    return _card_memory_change(
        learner=learner, card_id=card_id, now=now, change="unbury"
    )


# --- reviews -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewResult:
    log: ReviewLog
    created: bool  # False: the same client_review_id was seen before


def _parse_rating(rating: Any) -> Rating:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 4:
        raise FieldError(
            {"rating": "Must be 1 (again), 2 (hard), 3 (good) or 4 (easy)."}
        )
    return Rating(rating)


def _parse_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise FieldError({"client_review_id": "Must be a valid UUID."}) from None


def _check_reviewed_at(
    *, reviewed_at: datetime | None, now: datetime, last_review: datetime | None
) -> datetime:
    if reviewed_at is None:
        reviewed_at = now
    if timezone.is_naive(reviewed_at):
        raise FieldError({"reviewed_at": "Must include a time zone."})
    if reviewed_at > now + CLOCK_SKEW:
        raise FieldError({"reviewed_at": "Is in the future."})
    reviewed_at = min(reviewed_at, now)
    limit = max_offline_age()
    if reviewed_at < now - limit:
        raise FieldError(
            {"reviewed_at": f"Is older than {limit.days} days; it cannot be applied."}
        )
    if last_review is not None and reviewed_at < last_review:
        raise FieldError({"reviewed_at": "Is before the card's last review."})
    return reviewed_at


def _existing(*, learner: User, client_review_id: uuid.UUID) -> ReviewLog | None:
    return (
        ReviewLog.objects.filter(learner=learner, client_review_id=client_review_id)
        .select_related("card")
        .first()
    )


def _replayed(log: ReviewLog, *, card_id: int) -> ReviewResult:
    if log.card_id != card_id:
        raise Conflict("This client_review_id was already used for another card.")
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
) -> ReviewLog:
    """Schedule one answer on a locked memory row, write it and its log.

    Called inside a transaction by `card_review` and the importer. ``graded``
    (parametric cards) gives the log's ``seed``, ``answer``, ``correct`` and
    ``variant``.
    """
    from workers.selectors import deck_options_for  # the learner's fitted FSRS

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
    if options.bury_siblings:
        until = bury_until(now, learner.time_zone, learner.day_start_hour)
        after["buried_siblings"] = _bury_siblings(
            learner=learner, card=card, until=until, now=now
        )
        after["siblings_buried_until"] = until.isoformat()
    correct = None
    if card.note.type == "numeric":
        correct = content.grade_numeric(card.note.fields, answer or "")
    extra: dict[str, Any] = {}
    if graded is not None:
        correct = graded["correct"]
        answer = graded["answer"]
        extra = {"seed": graded["seed"], "variant": graded["variant"]}
    return ReviewLog.objects.create(
        learner=learner,
        card=card,
        deck_id=card.deck_id,
        client_review_id=client_review_id,
        rating=int(rating),
        reviewed_at=reviewed_at,
        duration_ms=duration_ms,
        review_state=before["state"],
        state_before=before,
        state_after=after,
        interval_days=outcome.interval_days,
        answer=answer or "",
        correct=correct,
        **extra,
    )


def _bury_siblings(
    *, learner: User, card: Card, until: datetime, now: datetime
) -> list[int]:
    siblings = list(
        Card.objects.filter(note_id=card.note_id)
        .exclude(pk=card.pk)
        .values_list("pk", flat=True)
    )
    if not siblings:
        return []
    have = set(
        CardMemory.objects.filter(learner=learner, card_id__in=siblings).values_list(
            "card_id", flat=True
        )
    )
    CardMemory.objects.bulk_create(
        CardMemory(learner=learner, card_id=pk, deck_id=card.deck_id, due=now)
        for pk in siblings
        if pk not in have
    )
    CardMemory.objects.filter(learner=learner, card_id__in=siblings).update(
        buried_until=until, version=F("version") + 1
    )
    return siblings


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
        FieldError: Bad rating, UUID, reviewed_at, or a suspended card (400).
        Http404: The card is not the learner's to study.
        Conflict: The card changed since the client saw it (409).
    """
    now = now or timezone.now()
    if rating is not None:
        rating = _parse_rating(rating)
    client_id = _parse_uuid(client_review_id)
    if duration_ms is not None and (
        isinstance(duration_ms, bool)
        or not isinstance(duration_ms, int)
        or duration_ms < 0
    ):
        raise FieldError({"duration_ms": "Must be a whole number of milliseconds ≥ 0."})
    existing = _existing(learner=learner, client_review_id=client_id)
    if existing is not None:
        return _replayed(existing, card_id=card_id)
    card = card_get_readable(user=learner, card_id=card_id)
    graded = None
    if card.note.type == "parametric":
        checked = parametric.check(
            card=card, learner_id=learner.pk, token=variant, answers=answers
        )
        if not checked.correct:
            rating = Rating.AGAIN
        elif rating is None:
            rating = Rating.GOOD
        elif rating == Rating.AGAIN:
            raise FieldError(
                {"rating": "A right answer is rated 2 (hard), 3 (good) or 4 (easy)."}
            )
        graded = parametric.log_fields(checked, card.note.fields)
    elif rating is None:
        rating = _parse_rating(rating)
    try:
        with transaction.atomic():
            memory = _memory_for_update(learner=learner, card=card, now=now)
            # A copy of this answer may have committed while this one waited
            # for the memory row: its log is the answer for every copy, before
            # the row's new version, suspension or last review refuse this one.
            twin = _existing(learner=learner, client_review_id=client_id)
            if twin is not None:
                return _replayed(twin, card_id=card_id)
            if expected_version is not None and memory.version != expected_version:
                raise Conflict(
                    "This card changed since it was shown (answered in another tab?)."
                )
            if memory.suspended:
                raise FieldError({"card": "This card is suspended."})
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
            )
    except (IntegrityError, Conflict) as exc:
        # The same client_review_id racing itself (its log written first, or
        # the unique constraint hit), or two first answers at once.
        existing = _existing(learner=learner, client_review_id=client_id)
        if existing is not None:
            return _replayed(existing, card_id=card_id)
        if isinstance(exc, Conflict):
            raise
        raise Conflict("This card was answered elsewhere at the same time.") from None
    return ReviewResult(log=log, created=True)


@dataclass(frozen=True)
class BatchItem:
    index: int
    result: ReviewResult | None
    error: APIException | None


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
        except Http404:
            results[index] = BatchItem(index, None, NotFound("No such card."))
        except APIException as exc:
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
            raise NotFound("Nothing to undo.")
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


def memory_of(*, learner: User, card_id: int) -> CardMemory | None:
    return CardMemory.objects.filter(learner=learner, card_id=card_id).first()


def state_name(value: int) -> str:
    return State(value).name.lower()


# --- bulk edits ------------------------------------------------------------------------

BULK_ACTIONS = ("add_tags", "remove_tags", "move", "delete")


@transaction.atomic
def notes_bulk_update(
    *,
    deck: Deck,
    note_ids: Iterable[int],
    action: str,
    tags: Iterable[str] = (),
    target: Deck | None = None,
) -> int:
    """Add or remove tags on, move or delete some of a deck's notes.

    Moving keeps every card (and so every learner's schedule and history):
    the notes, their cards and the memory rows change deck. The caller checks
    that the user owns ``deck`` and ``target``.

    Returns:
        How many notes were changed.

    Raises:
        FieldError: Unknown action, bad tags, no target, or notes not in the deck.
    """
    if action not in BULK_ACTIONS:
        raise FieldError({"action": f"Must be one of {list(BULK_ACTIONS)}."})
    ids = sorted({int(i) for i in note_ids})
    notes = list(Note.objects.select_for_update().filter(deck=deck, pk__in=ids))
    if not ids or len(notes) != len(ids):
        raise FieldError({"notes": "Choose notes of this deck."})
    if action == "delete":
        Note.objects.filter(pk__in=ids).delete()
        return len(ids)
    if action == "move":
        if target is None or target.pk == deck.pk:
            raise FieldError({"target": "Choose another deck of yours."})
        Note.objects.filter(pk__in=ids).update(deck=target, source_key="")
        Card.objects.filter(note_id__in=ids).update(deck=target)
        CardMemory.objects.filter(card__note_id__in=ids).update(
            deck=target, version=F("version") + 1
        )
        return len(ids)
    try:
        _, clean = content.validate_note(
            "basic", {"front": "x", "back": "x"}, list(tags)
        )
    except content.NoteContentError as exc:
        raise _note_errors(exc) from None
    if not clean:
        raise FieldError({"tags": "Give at least one tag."})
    for note in notes:
        if action == "add_tags":
            new = [*note.tags, *(t for t in clean if t not in note.tags)]
        else:
            new = [t for t in note.tags if t not in clean]
        if new != note.tags:
            note_update(note=note, tags=new)
    return len(notes)


@transaction.atomic
def note_delete(*, note: Note) -> None:
    note.delete()
