"""How well predicted recall probabilities match outcomes, as srs-benchmark says.

The metrics are computed here with numpy rather than taken from ``fsrs-rs``:
its ``evaluate`` weights items by recency and reports no AUC, while
srs-benchmark reports unweighted log loss, RMSE(bins) and AUC. The bins are
``fsrs-rs``'s port of srs-benchmark's ``rmse_matrix`` bins (interval, review
count, lapses).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from flashcards.fitting.history import Dataset, ItemRef

_PROBABILITY_FLOOR = 1e-7  # predictions are clipped to [floor, 1 - floor]


@dataclass(frozen=True)
class Metrics:
    """How well predicted recall probabilities match what happened.

    Attributes:
        log_loss: Mean binary cross-entropy (lower is better).
        rmse_bins: RMSE between mean prediction and recall rate over the
            srs-benchmark bins, weighted by bin size (lower is better).
        auc: Area under the ROC curve, or None if every outcome was the same.
        reviews: How many reviews were predicted.
        recall_rate: The share recalled.
        mean_prediction: The mean predicted probability.
    """

    log_loss: float
    rmse_bins: float
    auc: float | None
    reviews: int
    recall_rate: float
    mean_prediction: float

    def to_dict(self) -> dict[str, Any]:
        """Return the metrics as a JSON-safe dict."""
        return {
            "log_loss": self.log_loss,
            "rmse_bins": self.rmse_bins,
            "auc": self.auc,
            "reviews": self.reviews,
            "recall_rate": self.recall_rate,
            "mean_prediction": self.mean_prediction,
        }


def log_loss(predictions: np.ndarray, recalled: np.ndarray) -> float:
    """Return the mean binary cross-entropy (natural log).

    Predictions are clipped to ``[1e-7, 1 - 1e-7]``.

    Args:
        predictions: Predicted recall probabilities.
        recalled: Outcomes, 1 (recalled) or 0.

    Returns:
        The log loss.
    """
    p = np.clip(
        np.asarray(predictions, dtype=np.float64),
        _PROBABILITY_FLOOR,
        1 - _PROBABILITY_FLOOR,
    )
    y = np.asarray(recalled, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def rmse_bins(predictions: np.ndarray, recalled: np.ndarray, bins: np.ndarray) -> float:
    """Return srs-benchmark's RMSE(bins).

    Reviews are grouped by bin; in each bin the mean prediction is compared
    with the recall rate, and the squared differences are averaged with the
    bins' sizes as weights.

    Args:
        predictions: Predicted recall probabilities.
        recalled: Outcomes, 1 or 0.
        bins: One bin key per review: an int array, or rows of ints.

    Returns:
        The RMSE.
    """
    p = np.asarray(predictions, dtype=np.float64)
    y = np.asarray(recalled, dtype=np.float64)
    keys = np.asarray(bins)
    keys = keys.reshape(len(p), -1)
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.reshape(-1)
    counts = np.bincount(group).astype(np.float64)
    mean_p = np.bincount(group, weights=p) / counts
    mean_y = np.bincount(group, weights=y) / counts
    return float(np.sqrt(np.sum(counts * (mean_p - mean_y) ** 2) / counts.sum()))


def auc(predictions: np.ndarray, recalled: np.ndarray) -> float | None:
    """Return the ROC AUC (Mann-Whitney; tied predictions count one half).

    Args:
        predictions: Predicted recall probabilities.
        recalled: Outcomes, 1 or 0.

    Returns:
        The AUC, or None if all outcomes are equal.
    """
    p = np.asarray(predictions, dtype=np.float64)
    y = np.asarray(recalled).astype(bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return None
    _, inverse, counts = np.unique(p, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    average_rank = ends - (counts - 1) / 2  # 1-based ranks, ties averaged
    ranks = average_rank[inverse.reshape(-1)]
    u = ranks[y].sum() - positives * (positives + 1) / 2
    return float(u / (positives * negatives))


def compute_metrics(
    predictions: np.ndarray, recalled: np.ndarray, bins: np.ndarray
) -> Metrics:
    """Compute all metrics for predictions and outcomes.

    Args:
        predictions: Predicted recall probabilities.
        recalled: Outcomes, 1 or 0.
        bins: Bin keys for `rmse_bins`.

    Returns:
        The metrics.

    Raises:
        ValueError: If there are no predictions or any is not finite.
    """
    p = np.asarray(predictions, dtype=np.float64)
    if p.size == 0:
        raise ValueError("no predictions to evaluate")
    if not np.all(np.isfinite(p)):
        raise ValueError("predictions must be finite")
    y = np.asarray(recalled, dtype=np.float64)
    return Metrics(
        log_loss=log_loss(p, y),
        rmse_bins=rmse_bins(p, y, bins),
        auc=auc(p, y),
        reviews=int(p.size),
        recall_rate=float(y.mean()),
        mean_prediction=float(p.mean()),
    )


def _bin_keys(dataset: Dataset, items: Sequence[ItemRef]) -> np.ndarray:
    # fsrs-rs FSRSItem::r_matrix_index, its port of srs-benchmark's rmse_matrix.
    keys = np.empty((len(items), 3), dtype=np.int64)
    for row, item in enumerate(items):
        history = dataset.histories[item.card]
        deltas = history.delta_ts[: item.position + 1]
        ratings = history.ratings[: item.position]
        delta_t = deltas[-1]
        length = sum(1 for delta in deltas if delta > 0) + 1
        lapses = sum(
            1
            for rating, delta in zip(ratings, deltas, strict=False)
            if rating == 1 and delta > 0
        )
        keys[row, 0] = round(2.48 * 3.62 ** math.floor(math.log(delta_t, 3.62)) * 100)
        keys[row, 1] = round(1.99 * 1.89 ** math.floor(math.log(length, 1.89)))
        keys[row, 2] = (
            round(1.65 * 1.73 ** math.floor(math.log(lapses, 1.73))) if lapses else 0
        )
    return keys
