"""Writes of the flashcards app, one module per idea; this package's public API.

- `decks`: create, change, share with a class, delete a deck.
- `subscriptions`: study a public deck and stop; lesson decks for everyone.
- `notes`: notes and their cards, bulk edits.
- `memory`: a learner's memory row of a card; suspend and bury.
- `reviews`: one answer, an offline batch, undo.
- `review_import`: a learner's review history imported in bulk.
- `limits`: a learner's own daily limits for a deck they read.

Callers write ``from flashcards import services`` and ``services.deck_create``:
the names below are the service functions other apps, pages and APIs use.
Errors are `studysite.errors` (`Invalid` naming the field, `Conflict`,
`NotFound` for what the learner may not see); a service that refuses changes
nothing.
"""

from flashcards.services.decks import (
    DECK_FIELDS,
    clean_options,
    clean_visibility,
    deck_create,
    deck_delete,
    deck_share_with_class,
    deck_update,
)
from flashcards.services.limits import deck_limits_clear, deck_limits_set
from flashcards.services.memory import (
    card_bury,
    card_suspend,
    card_unbury,
    card_unsuspend,
    memory_of,
    memory_snapshot,
    state_name,
)
from flashcards.services.notes import (
    BULK_ACTIONS,
    note_create,
    note_delete,
    note_update,
    notes_bulk_update,
)
from flashcards.services.package_history import package_history_replay
from flashcards.services.review_import import (
    ImportedReview,
    duplicate_rows,
    review_history_import,
)
from flashcards.services.reviews import (
    CLOCK_SKEW,
    BatchItem,
    ReviewResult,
    apply_review,
    card_review,
    card_review_many,
    max_offline_age,
    review_undo,
)
from flashcards.services.subscriptions import (
    deck_subscribe,
    deck_unsubscribe,
    subscribe_everyone,
    subscribe_to_lesson_decks,
)

__all__ = [
    "BULK_ACTIONS",
    "CLOCK_SKEW",
    "DECK_FIELDS",
    "BatchItem",
    "ImportedReview",
    "ReviewResult",
    "apply_review",
    "card_bury",
    "card_review",
    "card_review_many",
    "card_suspend",
    "card_unbury",
    "card_unsuspend",
    "clean_options",
    "clean_visibility",
    "deck_create",
    "deck_delete",
    "deck_limits_clear",
    "deck_limits_set",
    "deck_share_with_class",
    "deck_subscribe",
    "deck_unsubscribe",
    "deck_update",
    "duplicate_rows",
    "max_offline_age",
    "memory_of",
    "memory_snapshot",
    "note_create",
    "note_delete",
    "note_update",
    "notes_bulk_update",
    "package_history_replay",
    "review_history_import",
    "review_undo",
    "state_name",
    "subscribe_everyone",
    "subscribe_to_lesson_decks",
]
