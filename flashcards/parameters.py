"""The FSRS parameters and daily limits each learner's reviews use.

A deck carries its own scheduling options (`Deck.scheduling_options`). Two
kinds of per-learner rows replace parts of them for that learner alone:

* a fit of the learner's reviews that wins on held-out reviews replaces the
  options' parameters (`SchedulerParameters`): for one deck (a deck fit) or
  for every deck (a fit of all their reviews), the deck's row first. The
  fitting service in `workers` writes the winner through
  `scheduler_parameters_set`; nothing here knows how a fit is run;
* the learner's own daily limits for a deck (`LearnerDeckLimits`, written by
  `flashcards.services.limits`) replace ``new_per_day`` and
  ``reviews_per_day``.

The review service (every answer), the queue and the interval preview read
through `deck_options_for` and `deck_options_map`. What they need besides the
deck's row, all of one learner's rows of both kinds, is kept in the shared
cache (see "The shared cache" below): one cache read a call, no query while
it holds, the database whenever it misses or the cache is down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from flashcards.models import Deck, LearnerDeckLimits, SchedulerParameters
from flashcards.scheduling import DeckOptions
from studysite.cache import ResilientRedisCache

logger = logging.getLogger(__name__)


def _validated(parameters: Sequence[float]) -> list[float]:
    values = [float(p) for p in parameters]
    if len(values) != len(DeckOptions().parameters):
        raise ValueError(
            f"FSRS takes {len(DeckOptions().parameters)} parameters, not {len(values)}"
        )
    return values


@transaction.atomic
def scheduler_parameters_set(
    *,
    learner: Any,
    deck: Deck | None,
    parameters: Sequence[float],
    fit_id: int | None = None,
) -> SchedulerParameters:
    """Make ``parameters`` the learner's for ``deck`` (None: every deck)."""
    forget_learner_rows(learner.pk)
    row, _ = SchedulerParameters.objects.update_or_create(
        learner=learner,
        deck=deck,
        defaults={
            "parameters": _validated(parameters),
            "fit_id": fit_id,
            "updated_at": timezone.now(),
        },
    )
    return row


def scheduler_parameters_get(
    *, learner: Any, deck: Deck | None = None
) -> SchedulerParameters | None:
    """The row that applies: the deck's own, else the learner's general one."""
    scope = Q(deck=None) if deck is None else Q(deck=None) | Q(deck=deck)
    rows = {
        row.deck_id: row
        for row in SchedulerParameters.objects.filter(scope, learner=learner)
    }
    if deck is not None and deck.pk in rows:
        return rows[deck.pk]
    return rows.get(None)


def learner_parameters(learner: Any, deck: Deck | None = None) -> list[float] | None:
    """The learner's fitted parameters for a deck, or None to use the deck's own."""
    row = scheduler_parameters_get(learner=learner, deck=deck)
    return None if row is None else list(row.parameters)


# --- The shared cache ----------------------------------------------------------
#
# One entry per learner: every SchedulerParameters and LearnerDeckLimits row
# of theirs (a few per deck they changed at most), for CACHE_SECONDS. Rows of
# a deck that is gone are never looked up again (decks are found by their
# row first), and deleting it drops the entry anyway (the signals below).
#
# Only the shared store is used. While Redis is down, `ResilientRedisCache`
# answers from the process's own memory; rows kept there would outlive a
# change made through another web process, so here a Redis outage is a miss:
# the rows come from the database and nothing is kept.
#
# A write drops the entry: at once it puts WRITING in its place (readers go
# to the database and may not add their copy while the transaction runs),
# and once the transaction commits it deletes the key (the next reader adds
# the committed rows). A drop that could not reach Redis is sent again by
# this process on its next call that reaches it; should the process end
# first, the old entry lasts CACHE_SECONDS at most.

CACHE_SECONDS = 600
WRITING_SECONDS = 30
_KEY = "flashcards:learner-rows:v1:{}"
_WRITING = "writing"
_SHAPE = 1  # the first item of a cached tuple; a new shape is a new number
_UNREACHABLE = object()
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
_unsent: set[str] = set()
_unsent_lock = threading.Lock()


@dataclass(frozen=True)
class LearnerRows:
    """One learner's rows: fitted parameters by deck id (None: every deck),
    and daily limits by deck id (``(new_per_day, reviews_per_day)``)."""

    parameters: dict[int | None, tuple[float, ...]]
    limits: dict[int, tuple[int | None, int | None]]


def _shared(name: str, *args: Any) -> Any:
    """Call the shared cache (``name`` is a cache method); `_UNREACHABLE` when
    it is down or fails, never this process's stand-in for Redis."""
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        if backend.using_fallback:
            return _UNREACHABLE
        call = partial(getattr(RedisCache, name), backend)
    else:
        call = getattr(backend, name)
    try:
        return call(*args)
    except Exception as exc:  # a cache that fails is a miss, never an error
        logger.warning("options cache: %s failed (%s); using the database", name, exc)
        if isinstance(backend, ResilientRedisCache) and isinstance(exc, _DOWN):
            # Share the outage with the process's other cache users, so that
            # later calls skip Redis instead of each waiting for its timeout.
            backend._failed(exc)
        return _UNREACHABLE


def _send_unsent() -> None:
    with _unsent_lock:
        keys = sorted(_unsent)
    if keys and _shared("delete_many", keys) is not _UNREACHABLE:
        with _unsent_lock:
            _unsent.difference_update(keys)


def _drop(key: str, *, writing: bool) -> None:
    if writing:
        result = _shared("set", key, _WRITING, WRITING_SECONDS)
    else:
        result = _shared("delete", key)
    if result is _UNREACHABLE:
        with _unsent_lock:
            _unsent.add(key)


def forget_learner_rows(learner_id: int) -> None:
    """Drop the learner's cached rows: call it in the transaction that
    changes them (the signals below do for every save and delete)."""
    key = _KEY.format(learner_id)
    _drop(key, writing=True)
    transaction.on_commit(lambda: _drop(key, writing=False))


def _decoded(value: Any) -> LearnerRows | None:
    if (
        isinstance(value, tuple)
        and len(value) == 3
        and value[0] == _SHAPE
        and isinstance(value[1], dict)
        and isinstance(value[2], dict)
    ):
        return LearnerRows(parameters=value[1], limits=value[2])
    return None


def _cached_rows(learner_id: int, *, load: Callable[[int], LearnerRows]) -> LearnerRows:
    """The learner's rows: one cache read, the database when it misses."""
    if _unsent:
        _send_unsent()
    key = _KEY.format(learner_id)
    cached = _shared("get", key)
    rows = _decoded(cached)
    if rows is not None:
        return rows
    rows = load(learner_id)
    # Plain tuples and dicts: any version of this module can read them back.
    value = (_SHAPE, rows.parameters, rows.limits)
    if cached is None:
        _shared("add", key, value, CACHE_SECONDS)  # not over a WRITING mark
    elif cached is not _UNREACHABLE and cached != _WRITING:
        _shared("set", key, value, CACHE_SECONDS)  # an entry of another shape
    return rows


def _load_rows(learner_id: int) -> LearnerRows:
    """The learner's rows from the database (two queries)."""
    parameters: dict[int | None, tuple[float, ...]] = {
        deck_id: tuple(float(value) for value in values)
        for deck_id, values in SchedulerParameters.objects.filter(
            learner_id=learner_id
        ).values_list("deck_id", "parameters")
    }
    limits: dict[int, tuple[int | None, int | None]] = {
        deck_id: (new, reviews)
        for deck_id, new, reviews in LearnerDeckLimits.objects.filter(
            learner_id=learner_id
        ).values_list("deck_id", "new_per_day", "reviews_per_day")
    }
    return LearnerRows(parameters=parameters, limits=limits)


def _rows_of(learner: Any) -> LearnerRows:
    if getattr(learner, "pk", None) is None:
        return LearnerRows(parameters={}, limits={})
    return _cached_rows(learner.pk, load=_load_rows)


def _apply(options: DeckOptions, rows: LearnerRows, deck_id: int) -> DeckOptions:
    """The deck's options with what the learner's rows replace."""
    changes: dict[str, Any] = {}
    fitted = rows.parameters.get(deck_id, rows.parameters.get(None))
    if fitted is not None and tuple(fitted) != options.parameters:
        changes["parameters"] = tuple(fitted)
    new, reviews = rows.limits.get(deck_id, (None, None))
    if new is not None and new != options.new_per_day:
        changes["new_per_day"] = new
    if reviews is not None and reviews != options.reviews_per_day:
        changes["reviews_per_day"] = reviews
    return replace(options, **changes) if changes else options


def deck_options_for(*, learner: Any, deck: Deck) -> DeckOptions:
    """The deck's scheduling options with the learner's fitted parameters and
    daily limits (one cache read; no query while the cache holds them)."""
    return _apply(deck.scheduling_options, _rows_of(learner), deck.pk)


def deck_options_map(*, learner: Any, decks: Iterable[Deck]) -> dict[int, DeckOptions]:
    """`deck_options_for` for many decks with one cache read (the study queue)."""
    rows = _rows_of(learner)
    return {deck.pk: _apply(deck.scheduling_options, rows, deck.pk) for deck in decks}


@dataclass(frozen=True)
class DeckLimits:
    """A deck's daily limits for one learner: the deck's, the learner's own
    (None: the deck's) and the ones that apply."""

    deck_new_per_day: int
    deck_reviews_per_day: int
    new_per_day: int | None
    reviews_per_day: int | None
    updated_at: datetime | None

    @property
    def effective_new_per_day(self) -> int:
        return self.deck_new_per_day if self.new_per_day is None else self.new_per_day

    @property
    def effective_reviews_per_day(self) -> int:
        if self.reviews_per_day is None:
            return self.deck_reviews_per_day
        return self.reviews_per_day

    @property
    def overridden(self) -> bool:
        return self.new_per_day is not None or self.reviews_per_day is not None


def deck_limits_for(*, learner: Any, deck: Deck) -> DeckLimits:
    """The learner's daily limits for ``deck``, read from the database."""
    options = deck.scheduling_options
    row = LearnerDeckLimits.objects.filter(learner=learner, deck=deck).first()
    return DeckLimits(
        deck_new_per_day=options.new_per_day,
        deck_reviews_per_day=options.reviews_per_day,
        new_per_day=None if row is None else row.new_per_day,
        reviews_per_day=None if row is None else row.reviews_per_day,
        updated_at=None if row is None else row.updated_at,
    )


def _row_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Any save or delete of a learner's row (the admin, a shell, a deck or
    learner deleted with its rows) drops the learner's cached rows."""
    if not raw:
        forget_learner_rows(instance.learner_id)


for _model in (SchedulerParameters, LearnerDeckLimits):
    for _name, _signal in (("saved", post_save), ("deleted", post_delete)):
        _signal.connect(
            _row_changed,
            sender=_model,
            dispatch_uid=f"flashcards.parameters.{_model.__name__}.{_name}",
        )
