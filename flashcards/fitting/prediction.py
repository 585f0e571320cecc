"""Predicted recall for a dataset's items, and the metrics of those predictions.

Predictions are the library's own: the memory state before each predicted
review comes from ``fsrs-rs`` (``historical_memory_state_batch``) and the
probability from the FSRS-6 forgetting curve.
"""

from __future__ import annotations

from collections.abc import Sequence

import fsrs_rs_python as fsrs_rs
import numpy as np

from flashcards.fitting.history import Dataset, ItemRef
from flashcards.fitting.metrics import Metrics, _bin_keys, compute_metrics
from flashcards.fitting.parameters import _checked_parameters
from flashcards.scheduling import retrievability_many


def predict(
    dataset: Dataset, items: Sequence[ItemRef], parameters: Sequence[float]
) -> np.ndarray:
    """Predict the recall probability of each item with fixed parameters.

    The memory state before each predicted review comes from ``fsrs-rs``
    (one pass per card through ``historical_memory_state_batch``); the
    probability is the FSRS-6 forgetting curve at the item's ``delta_t``.

    Args:
        dataset: The learner's dataset.
        items: Items of that dataset.
        parameters: 21 FSRS-6 parameters.

    Returns:
        One probability per item.
    """
    weights = _checked_parameters(parameters, name="parameters")
    if not items:
        return np.empty(0)
    longest: dict[int, int] = {}
    for item in items:
        longest[item.card] = max(longest.get(item.card, 0), item.position)
    cards = sorted(longest)
    fsrs_items = [
        fsrs_rs.FSRSItem(dataset.histories[card].fsrs_reviews()[: longest[card]])
        for card in cards
    ]
    states = fsrs_rs.FSRS(list(weights)).historical_memory_state_batch(fsrs_items)
    row = {card: index for index, card in enumerate(cards)}
    stabilities = np.array(
        [states[row[item.card]][item.position - 1].stability for item in items]
    )
    elapsed = np.array(
        [dataset.histories[item.card].delta_ts[item.position] for item in items]
    )
    return retrievability_many(stabilities, elapsed, -weights[20])


def _outcomes(dataset: Dataset, items: Sequence[ItemRef]) -> np.ndarray:
    return np.array(
        [dataset.histories[item.card].ratings[item.position] > 1 for item in items],
        dtype=np.float64,
    )


def _metrics_for(
    dataset: Dataset, items: Sequence[ItemRef], parameters: Sequence[float]
) -> Metrics:
    predictions = predict(dataset, items, parameters)
    return compute_metrics(
        predictions, _outcomes(dataset, items), _bin_keys(dataset, items)
    )
