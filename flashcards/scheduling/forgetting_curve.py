"""Retrievability: the probability of recall from the FSRS-6 forgetting curve.

`retrievability` asks the library for one card; `retrievability_many` computes
the same curve for many cards in one numpy pass.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from flashcards.scheduling.card_state import CardState, State, _to_fsrs_card, _utc
from flashcards.scheduling.options import DeckOptions, _scheduler


def retrievability(state: CardState, now: datetime, options: DeckOptions) -> float:
    """Return the probability that the card is recalled at ``now``.

    As in the library, elapsed time counts in whole days; a new card gives 0.

    Args:
        state: The card's state.
        now: The time to evaluate, UTC.
        options: The deck's options (the curve's decay is ``-w[20]``).

    Returns:
        The retrievability, between 0 and 1.
    """
    now = _utc(now, name="now")
    if state.state is State.NEW or state.last_review is None:
        return 0.0
    card = _to_fsrs_card(state=state)
    return float(_scheduler(options=options).get_card_retrievability(card, now))


def retrievability_many(
    stabilities: np.ndarray, elapsed_days: np.ndarray, decay: float
) -> np.ndarray:
    """Vectorised FSRS-6 forgetting curve ``R = (1 + f * t / S) ** decay``.

    ``f = 0.9 ** (1 / decay) - 1`` so that ``R = 0.9`` when ``t = S``. Elapsed
    days may be fractional; negative ones count as zero. A stability that is NaN
    or not positive (a new card) gives 0, as `retrievability` does.

    Args:
        stabilities: Stabilities in days.
        elapsed_days: Days since each card's last review.
        decay: The curve's exponent, ``-w[20]`` (negative).

    Returns:
        The retrievabilities, broadcast from the two arrays.
    """
    if not decay < 0:
        raise ValueError(f"decay must be negative (-w[20]), got {decay}")
    stability = np.asarray(stabilities, dtype=np.float64)
    elapsed = np.maximum(np.asarray(elapsed_days, dtype=np.float64), 0.0)
    factor = 0.9 ** (1 / decay) - 1
    known = np.isfinite(stability) & (stability > 0)
    safe = np.where(known, stability, 1.0)
    return np.where(known, (1 + factor * elapsed / safe) ** decay, 0.0)
