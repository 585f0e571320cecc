"""Reads of the flashcards app, one module per idea; this package's public API.

- `decks`: the decks, notes and cards a user may see (a deck the user may not
  see is `studysite.errors.NotFound`, never `Forbidden`), summaries, catalog,
  sharing.
- `queue`: the learner's study day, what they did today, the due queue.

Callers write ``from flashcards import selectors`` and ``selectors.study_queue``:
the names below are the selectors pages, APIs, services and other apps use.
"""

from flashcards.selectors.answering import AnswerTarget, card_for_answer
from flashcards.selectors.decks import (
    NOTES_PER_PAGE,
    StudySource,
    card_get_readable,
    deck_catalog,
    deck_class_names,
    deck_descendants,
    deck_get_owned,
    deck_get_readable,
    deck_get_studied,
    deck_is_studied,
    deck_notes,
    deck_sharing,
    deck_source,
    deck_study_tree,
    deck_summaries,
    decks_readable,
    decks_studied,
    decks_writable,
    note_get_readable,
)
from flashcards.selectors.queue import (
    MAX_QUEUE_LIMIT,
    DoneToday,
    QueuedCard,
    StudyQueue,
    done_today,
    fresh_rng,
    review_order_label,
    study_day,
    study_queue,
)

__all__ = [
    "MAX_QUEUE_LIMIT",
    "NOTES_PER_PAGE",
    "DoneToday",
    "QueuedCard",
    "StudyQueue",
    "StudySource",
    "AnswerTarget",
    "card_for_answer",
    "card_get_readable",
    "deck_catalog",
    "deck_class_names",
    "deck_descendants",
    "deck_get_owned",
    "deck_get_readable",
    "deck_get_studied",
    "deck_is_studied",
    "deck_notes",
    "deck_sharing",
    "deck_study_tree",
    "deck_source",
    "deck_summaries",
    "decks_readable",
    "decks_studied",
    "decks_writable",
    "done_today",
    "fresh_rng",
    "note_get_readable",
    "review_order_label",
    "study_day",
    "study_queue",
]
