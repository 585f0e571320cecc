"""Spaced-repetition scheduling: a pure adapter around py-fsrs (FSRS-6).

The `fsrs` package computes each review: stability, difficulty, learning steps
and the next interval. This package adds what the library leaves to the
application, and imports nothing from Django:

* our own `Rating` and `State` enums and the `CardState` value
  (`card_state`);
* validated deck options (`DeckOptions`), all problems reported together
  (`options`);
* explicit ``now`` and ``rng``: the library reads the clock and the global
  ``random``; we never let it. Fuzz is applied here, from the caller's
  ``random.Random``, with the library's own ranges and formula; reps, lapses
  and leeches are counted (`reviewing`);
* retrievability, for one card or many at once (`forgetting_curve`);
* the learner's study day (time zone and day start hour, `study_day`), daily
  limits, queue order and sibling burying (`study_queue`).

All datetimes are timezone-aware UTC; anything else raises ``ValueError``.

This module is the package's public API: import the names below from
``flashcards.scheduling``, not from its modules.
"""

from __future__ import annotations

from flashcards.scheduling.card_state import CardState, Rating, State
from flashcards.scheduling.forgetting_curve import (
    retrievability,
    retrievability_many,
)
from flashcards.scheduling.options import (
    MAX_DAILY_LIMIT,
    MAX_INTERVAL_DAYS,
    MAX_RETENTION,
    MAX_STEP,
    MIN_RETENTION,
    DeckOptions,
    LeechAction,
    NewOrder,
    ReviewOrder,
    SchedulingOptionsError,
)
from flashcards.scheduling.reviewing import (
    ReviewOutcome,
    format_interval,
    fuzz_bounds,
    leech_action,
    preview,
    review,
)
from flashcards.scheduling.study_day import (
    DEFAULT_DAY_START_HOUR,
    bury_until,
    day_bounds,
)
from flashcards.scheduling.study_queue import (
    Queue,
    QueueCard,
    build_queue,
    buries_new_siblings,
    order_new,
)

__all__ = [
    "DEFAULT_DAY_START_HOUR",
    "MAX_DAILY_LIMIT",
    "MAX_INTERVAL_DAYS",
    "MAX_RETENTION",
    "MAX_STEP",
    "MIN_RETENTION",
    "CardState",
    "DeckOptions",
    "LeechAction",
    "NewOrder",
    "Queue",
    "QueueCard",
    "Rating",
    "ReviewOrder",
    "ReviewOutcome",
    "SchedulingOptionsError",
    "State",
    "build_queue",
    "buries_new_siblings",
    "bury_until",
    "day_bounds",
    "format_interval",
    "fuzz_bounds",
    "leech_action",
    "order_new",
    "preview",
    "retrievability",
    "retrievability_many",
    "review",
]
