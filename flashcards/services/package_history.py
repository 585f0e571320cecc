"""An Anki package's review history, replayed in bulk for the cards an import
just made: the machinery of `flashcards.services.review_import` (one pass in
memory, bulk inserts), fed from the package instead of a CSV file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from random import Random

from flashcards.models import Card
from flashcards.parameters import deck_options_map
from flashcards.scheduling import Rating
from flashcards.services.review_import import (
    ImportedReview,
    _load_memories,
    _load_siblings,
    _Replay,
    _replay_one,
    _write,
    import_rng,
)
from studysite.models import User


def package_history_replay(
    *,
    learner: User,
    histories: Sequence[tuple[Card, Sequence[tuple[int, int, int]]]],
    now: datetime,
) -> int:
    """Replay the review histories an Anki package brings for cards just made
    (``(card, [(millis, ease, duration ms), ...])``), in bulk and in the
    caller's transaction, as `review_history_import` replays a file's; a
    review after ``now`` is left out. The cards need their note and deck
    loaded. Returns the reviews written."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    rows: dict[tuple[int, int], tuple[Card, ImportedReview]] = {}
    for card, history in histories:
        for millis, ease, duration in history:
            when = epoch + timedelta(milliseconds=millis)
            if when <= now:
                rows[card.pk, millis] = (
                    card,
                    ImportedReview(
                        line=0,
                        card_key=str(card.pk),
                        time=when,
                        millis=millis,
                        rating=Rating(ease),
                        duration_ms=duration,
                    ),
                )
    if not rows:
        return 0
    cards = list({card.pk: card for card, _ in rows.values()}.values())
    siblings = _load_siblings(cards)
    touched = {card.pk for card in cards}
    touched.update(pk for others in siblings.values() for pk in others)
    memories = _load_memories(learner=learner, card_ids=sorted(touched))
    replay = _Replay(
        learner=learner,
        options=deck_options_map(
            learner=learner, decks={c.deck_id: c.deck for c in cards}.values()
        ),
        memories=memories,
        siblings=siblings,
        loaded={pk: memory.version for pk, memory in memories.items()},
    )
    rngs: dict[str, Random] = {}
    for card, row in sorted(rows.values(), key=lambda cr: (cr[1].time, cr[0].pk)):
        rng = rngs.setdefault(
            row.card_key, import_rng(card_key=row.card_key, millis=row.millis)
        )
        _replay_one(replay, card=card, row=row, rng=rng)
    _write(replay)
    return len(rows)
