"""Fit FSRS-6 to one learner, evaluate it, reschedule and simulate workload.

A pure module (no Django): review histories come in as plain `ReviewRecord`
values and results go out as frozen dataclasses with ``to_dict()``.

* **Items.** A review history becomes FSRS items the way the FSRS optimizer
  and srs-benchmark build them: reviews are grouped by card and ordered by time;
  ``delta_t`` is the number of the learner's *study days* since the card's
  previous review (``day_of`` turns a UTC time into a day number, so the day
  boundary is the learner's, 4 am local by default); the first review of a card
  has ``delta_t = 0``. Every review made on a later day than the card's previous
  review is one item: the card's reviews up to and including it, the last one
  being the outcome to predict (recalled unless rated Again). Same-day reviews
  (learning steps) stay inside the histories with ``delta_t = 0``, where FSRS-6
  uses its short-term stability formula, but are never predicted themselves.
* **Fitting** (`fit`) trains the 21 parameters with ``fsrs-rs`` on the earlier,
  time-ordered part of the items and compares the new parameters with the old
  ones on the later part. The new ones are accepted only if their log loss is
  lower, as Anki does; a fit that fails or returns non-finite parameters raises
  `FitFailed` and so changes nothing.
* **Evaluation** follows srs-benchmark: the time-ordered items are cut into
  ``n_splits + 1`` segments and each of the last ``n_splits`` is predicted
  (`evaluate` for fixed parameters, `evaluate_fitting` retraining on all earlier
  segments for each one, as ``fsrs_rs_python.evaluate_with_time_series_splits``
  does). The metrics are computed here with numpy rather than
  taken from ``fsrs-rs``: its ``evaluate`` weights items by recency and reports
  no AUC, while srs-benchmark reports unweighted log loss, RMSE(bins) and AUC.
  Predictions are the library's own (``historical_memory_state_batch`` and the
  FSRS-6 forgetting curve); the bins are ``fsrs-rs``'s port of srs-benchmark's
  ``rmse_matrix`` bins (interval, review count, lapses).
* **Rescheduling** (`reschedule`) recomputes due dates for many cards in one
  numpy pass, with the same interval formula and rounding as ``fsrs``.
* **Simulation** (`simulate_workload`) runs ``fsrs_rs_python.simulate`` for a
  range of desired retentions and reports reviews, minutes and retention per
  day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fsrs_rs_python as fsrs_rs
import numpy as np
from fsrs.scheduler import DEFAULT_PARAMETERS as FSRS_DEFAULT_PARAMETERS
from fsrs.scheduler import FUZZ_RANGES

from flashcards.scheduling import (
    DEFAULT_DAY_START_HOUR,
    MAX_INTERVAL_DAYS,
    MAX_RETENTION,
    MIN_RETENTION,
    retrievability_many,
)

PARAMETER_COUNT = 21
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(map(float, FSRS_DEFAULT_PARAMETERS))
# fsrs-rs returns the defaults below 8 training items and fits only the four
# initial stabilities below 64; from 64 items on it trains all 21 parameters.
FSRS_RS_MIN_TRAINING_ITEMS = 64
DEFAULT_HOLDOUT_FRACTION = 0.2
DEFAULT_SPLITS = 5  # srs-benchmark's TimeSeriesSplit(n_splits=5)
_PROBABILITY_FLOOR = 1e-7  # predictions are clipped to [floor, 1 - floor]
_DAY = np.timedelta64(86_400_000_000, "us")

PARAMETER_NAMES: tuple[str, ...] = (
    "initial stability (Again)",
    "initial stability (Hard)",
    "initial stability (Good)",
    "initial stability (Easy)",
    "initial difficulty",
    "initial difficulty: rating effect",
    "difficulty change per rating",
    "difficulty mean reversion",
    "recall stability: scale",
    "recall stability: stability decay",
    "recall stability: retrievability effect",
    "forget stability: scale",
    "forget stability: difficulty effect",
    "forget stability: stability effect",
    "forget stability: retrievability effect",
    "hard penalty",
    "easy bonus",
    "same-day stability: rating effect",
    "same-day stability: offset",
    "same-day stability: stability effect",
    "forgetting curve decay",
)

DayOf = Callable[[datetime], int]
Fitter = Callable[[Sequence[fsrs_rs.FSRSItem]], Sequence[float]]
Progress = Callable[[int, int], None]


def _check_fraction(holdout_fraction: float) -> None:
    if not 0 < holdout_fraction < 1:
        raise ValueError(
            f"holdout_fraction must be between 0 and 1, got {holdout_fraction}"
        )


def _train_size(total: int, holdout_fraction: float) -> int:
    return math.floor(total * (1 - holdout_fraction) + 1e-9)


def reviews_needed(holdout_fraction: float = DEFAULT_HOLDOUT_FRACTION) -> int:
    """Return how many usable reviews `fit` needs for a given held-out share.

    A usable review is one made on a later study day than the card's previous
    review. The earlier ``1 - holdout_fraction`` of them must reach
    `FSRS_RS_MIN_TRAINING_ITEMS`, the size from which ``fsrs-rs`` trains all
    21 parameters.

    Args:
        holdout_fraction: The share of (the latest) reviews held out, in (0, 1).

    Returns:
        The smallest number of usable reviews.
    """
    _check_fraction(holdout_fraction)
    needed = math.ceil(FSRS_RS_MIN_TRAINING_ITEMS / (1 - holdout_fraction))
    while _train_size(needed, holdout_fraction) < FSRS_RS_MIN_TRAINING_ITEMS:
        needed += 1
    return needed


MIN_REVIEWS_FOR_FIT = reviews_needed(DEFAULT_HOLDOUT_FRACTION)  # 80


class NotEnoughHistory(ValueError):
    """Too few usable reviews; ``needed`` and ``available`` say how many."""

    def __init__(self, *, needed: int, available: int, what: str = "fit") -> None:
        self.needed = needed
        self.available = available
        super().__init__(
            f"not enough review history to {what}: needs at least {needed} "
            f"reviews made on a later day than the card's previous review, "
            f"has {available}"
        )


class FitFailed(RuntimeError):
    """The optimizer failed or returned unusable parameters; nothing changes."""


# --- input ------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRecord:
    """One review as the fitter needs it.

    Attributes:
        card_id: The card reviewed.
        reviewed_at: When, timezone-aware UTC.
        rating: The answer, 1 (Again) to 4 (Easy).
        duration_ms: Time spent answering, in milliseconds.
    """

    card_id: int
    reviewed_at: datetime
    rating: int
    duration_ms: int = 0

    def __post_init__(self) -> None:
        when = self.reviewed_at
        if not isinstance(when, datetime) or when.utcoffset() != timedelta(0):
            raise ValueError(f"reviewed_at must be timezone-aware UTC, got {when!r}")
        if isinstance(self.rating, bool) or self.rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1, 2, 3 or 4, got {self.rating!r}")
        if self.duration_ms < 0:
            raise ValueError(f"duration_ms cannot be negative, got {self.duration_ms}")


def day_counter(tz: str, day_start_hour: int = DEFAULT_DAY_START_HOUR) -> DayOf:
    """Return a ``day_of`` function numbering the learner's study days.

    A study day starts at ``day_start_hour`` local time, as in
    `flashcards.scheduling.day_bounds` (4 am by default, as in Anki).

    Args:
        tz: An IANA time zone name such as ``"Europe/Berlin"``.
        day_start_hour: The local hour (0-23) at which a new day starts.

    Returns:
        A function from a UTC datetime to an increasing day number.

    Raises:
        ValueError: For an unknown time zone or a bad hour.
    """
    if not 0 <= day_start_hour <= 23:
        raise ValueError(f"day_start_hour must be 0-23, got {day_start_hour}")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc
    shift = timedelta(hours=day_start_hour)

    def day_of(moment: datetime) -> int:
        local = moment.astimezone(zone).replace(tzinfo=None)
        return (local - shift).date().toordinal()

    return day_of


@dataclass(frozen=True)
class CardHistory:
    """One card's reviews in time order, with study-day gaps.

    Attributes:
        card_id: The card.
        reviewed_at: Review times, UTC, oldest first.
        ratings: The ratings, 1-4.
        delta_ts: Study days since the previous review (0 for the first).
    """

    card_id: int
    reviewed_at: tuple[datetime, ...]
    ratings: tuple[int, ...]
    delta_ts: tuple[int, ...]

    def fsrs_reviews(self) -> list[fsrs_rs.FSRSReview]:
        """Return the reviews as ``fsrs-rs`` review objects."""
        return [
            fsrs_rs.FSRSReview(rating, delta_t)
            for rating, delta_t in zip(self.ratings, self.delta_ts, strict=True)
        ]

    def item_positions(self) -> list[int]:
        """Return the indices of the reviews that are FSRS items (predicted)."""
        return [index for index, delta in enumerate(self.delta_ts) if delta > 0]


def group_by_card(
    records: Iterable[ReviewRecord], *, day_of: DayOf
) -> list[CardHistory]:
    """Group reviews by card, order each card's reviews by time, count the days.

    Reviews with equal times keep their input order.

    Args:
        records: Reviews in any order.
        day_of: The learner's study-day number of a UTC time (`day_counter`).

    Returns:
        One history per card, ordered by card id.

    Raises:
        ValueError: If ``day_of`` goes backwards in time.
    """
    grouped: dict[int, list[ReviewRecord]] = {}
    for record in records:
        grouped.setdefault(record.card_id, []).append(record)
    histories = []
    for card_id in sorted(grouped):
        reviews = sorted(grouped[card_id], key=lambda record: record.reviewed_at)
        days = [day_of(record.reviewed_at) for record in reviews]
        deltas = [0, *(later - earlier for earlier, later in pairwise(days))]
        if min(deltas) < 0:
            raise ValueError(f"day_of went backwards in time for card {card_id}")
        histories.append(
            CardHistory(
                card_id=card_id,
                reviewed_at=tuple(record.reviewed_at for record in reviews),
                ratings=tuple(record.rating for record in reviews),
                delta_ts=tuple(deltas),
            )
        )
    return histories


@dataclass(frozen=True)
class ItemRef:
    """One FSRS item: review ``position`` of ``histories[card]``."""

    reviewed_at: datetime
    card: int
    position: int


@dataclass(frozen=True)
class Dataset:
    """A learner's histories and their FSRS items in time order.

    Attributes:
        histories: One per card.
        items: Every predicted review, ordered by time (then card, position).
        review_count: All reviews, including first and same-day ones.
    """

    histories: tuple[CardHistory, ...]
    items: tuple[ItemRef, ...]
    review_count: int

    @classmethod
    def from_records(cls, records: Iterable[ReviewRecord], *, day_of: DayOf) -> Dataset:
        """Build the dataset from plain review records.

        Args:
            records: The learner's reviews, any order.
            day_of: The learner's study-day number of a UTC time.

        Returns:
            The dataset.
        """
        histories = tuple(group_by_card(records, day_of=day_of))
        items = [
            ItemRef(history.reviewed_at[position], card, position)
            for card, history in enumerate(histories)
            for position in history.item_positions()
        ]
        items.sort(key=lambda item: (item.reviewed_at, item.card, item.position))
        count = sum(len(history.ratings) for history in histories)
        return cls(histories=histories, items=tuple(items), review_count=count)

    def fsrs_items(self, items: Sequence[ItemRef]) -> list[fsrs_rs.FSRSItem]:
        """Return ``fsrs-rs`` items (each card's reviews up to the predicted one).

        Args:
            items: Item references from this dataset.

        Returns:
            The items, in the same order.
        """
        reviews = [history.fsrs_reviews() for history in self.histories]
        return [
            fsrs_rs.FSRSItem(reviews[item.card][: item.position + 1]) for item in items
        ]


def to_fsrs_items(
    records: Iterable[ReviewRecord], *, day_of: DayOf
) -> list[fsrs_rs.FSRSItem]:
    """Convert reviews to time-ordered ``fsrs-rs`` items, as the optimizer expects.

    Args:
        records: The learner's reviews, any order.
        day_of: The learner's study-day number of a UTC time.

    Returns:
        One item per review made on a later day than the card's previous one,
        ordered by that review's time.
    """
    dataset = Dataset.from_records(records, day_of=day_of)
    return dataset.fsrs_items(dataset.items)


# --- metrics ----------------------------------------------------------------


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


# --- predictions --------------------------------------------------------------


def _checked_parameters(parameters: Sequence[float], *, name: str) -> tuple[float, ...]:
    values = tuple(float(weight) for weight in parameters)
    if len(values) != PARAMETER_COUNT:
        raise ValueError(
            f"{name}: expected {PARAMETER_COUNT} parameters, got {len(values)}"
        )
    if not all(math.isfinite(weight) for weight in values):
        raise ValueError(f"{name}: parameters must be finite numbers")
    try:
        fsrs_rs.check_and_fill_parameters(list(values))
    except ValueError as exc:
        raise ValueError(f"{name}: invalid FSRS parameters ({exc})") from exc
    return values


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


# --- fitting ------------------------------------------------------------------


def compute_parameters(items: Sequence[fsrs_rs.FSRSItem]) -> list[float]:
    """Train FSRS-6 parameters with ``fsrs-rs`` (the default `fit` fitter).

    Args:
        items: Time-ordered training items.

    Returns:
        21 parameters.
    """
    return fsrs_rs.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(list(items))


@dataclass(frozen=True)
class ParameterChange:
    """How one parameter changed.

    Attributes:
        index: 0-20 (``w[index]``).
        name: What the parameter does.
        old: The old value.
        new: The new value.
    """

    index: int
    name: str
    old: float
    new: float

    @property
    def delta(self) -> float:
        """``new - old``."""
        return self.new - self.old

    @property
    def relative(self) -> float | None:
        """``delta / |old|``, or None when ``old`` is 0."""
        return self.delta / abs(self.old) if self.old else None

    def to_dict(self) -> dict[str, Any]:
        """Return the change as a JSON-safe dict."""
        return {
            "index": self.index,
            "name": self.name,
            "old": self.old,
            "new": self.new,
            "delta": self.delta,
            "relative": self.relative,
        }


@dataclass(frozen=True)
class FitResult:
    """The outcome of fitting one learner.

    Attributes:
        old_parameters: The parameters in use before (defaults if none).
        new_parameters: The freshly fitted parameters.
        old_metrics: The old parameters on the held-out reviews.
        new_metrics: The new parameters on the held-out reviews.
        accepted: Whether the new parameters have the lower log loss.
        review_count: All reviews given.
        card_count: Cards reviewed.
        train_reviews: Usable reviews fitted on (the earlier part).
        holdout_reviews: Usable reviews held out (the later part).
        holdout_from: Time of the first held-out review.
    """

    old_parameters: tuple[float, ...]
    new_parameters: tuple[float, ...]
    old_metrics: Metrics
    new_metrics: Metrics
    accepted: bool
    review_count: int
    card_count: int
    train_reviews: int
    holdout_reviews: int
    holdout_from: datetime
    changes: tuple[ParameterChange, ...] = field(init=False)

    def __post_init__(self) -> None:
        changes = tuple(
            ParameterChange(index, PARAMETER_NAMES[index], old, new)
            for index, (old, new) in enumerate(
                zip(self.old_parameters, self.new_parameters, strict=True)
            )
        )
        object.__setattr__(self, "changes", changes)

    @property
    def parameters(self) -> tuple[float, ...]:
        """The parameters to use from now on: new if accepted, else old."""
        return self.new_parameters if self.accepted else self.old_parameters

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-safe dict (times in ISO 8601)."""
        return {
            "accepted": self.accepted,
            "parameters": list(self.parameters),
            "old_parameters": list(self.old_parameters),
            "new_parameters": list(self.new_parameters),
            "old_metrics": self.old_metrics.to_dict(),
            "new_metrics": self.new_metrics.to_dict(),
            "changes": [change.to_dict() for change in self.changes],
            "review_count": self.review_count,
            "card_count": self.card_count,
            "train_reviews": self.train_reviews,
            "holdout_reviews": self.holdout_reviews,
            "holdout_from": self.holdout_from.isoformat(),
        }


def _run_fitter(fitter: Fitter, items: Sequence[fsrs_rs.FSRSItem]) -> tuple[float, ...]:
    try:
        raw = fitter(items)
    except BaseException as exc:
        # fsrs-rs reports errors as ValueError, but a Rust panic arrives as
        # pyo3's PanicException, which derives from BaseException.
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise FitFailed(f"the optimizer failed: {exc}") from exc
    try:
        return _checked_parameters(raw, name="fitted parameters")
    except (TypeError, ValueError) as exc:
        raise FitFailed(f"the optimizer returned unusable parameters: {exc}") from exc


def fit(
    records: Iterable[ReviewRecord],
    *,
    day_of: DayOf,
    current_parameters: Sequence[float] | None = None,
    holdout_fraction: float = DEFAULT_HOLDOUT_FRACTION,
    fitter: Fitter | None = None,
) -> FitResult:
    """Fit FSRS-6 to a learner and compare with the parameters in use.

    The usable reviews are ordered by time; the earlier ``1 - holdout_fraction``
    are fitted on and both parameter sets are evaluated on the rest.

    Args:
        records: The learner's reviews (one deck preset's, or all).
        day_of: The learner's study-day number of a UTC time (`day_counter`).
        current_parameters: The parameters in use; None means the defaults.
        holdout_fraction: The share of the latest usable reviews held out.
        fitter: Trains parameters from items; `compute_parameters` if None.

    Returns:
        Both parameter sets, their held-out metrics and whether to switch.

    Raises:
        NotEnoughHistory: With fewer usable reviews than `reviews_needed`.
        FitFailed: If the optimizer fails or returns non-finite or invalid
            parameters.
        ValueError: For invalid current parameters or holdout fraction.
    """
    _check_fraction(holdout_fraction)
    old = _checked_parameters(
        DEFAULT_PARAMETERS if current_parameters is None else current_parameters,
        name="current_parameters",
    )
    dataset = Dataset.from_records(records, day_of=day_of)
    available = len(dataset.items)
    needed = reviews_needed(holdout_fraction)
    if available < needed:
        raise NotEnoughHistory(needed=needed, available=available)
    split = _train_size(available, holdout_fraction)
    train, holdout = dataset.items[:split], dataset.items[split:]
    new = _run_fitter(fitter or compute_parameters, dataset.fsrs_items(train))
    old_metrics = _metrics_for(dataset, holdout, old)
    try:
        new_metrics = _metrics_for(dataset, holdout, new)
    except ValueError as exc:
        raise FitFailed(
            f"the fitted parameters give unusable predictions: {exc}"
        ) from exc
    return FitResult(
        old_parameters=old,
        new_parameters=new,
        old_metrics=old_metrics,
        new_metrics=new_metrics,
        accepted=new_metrics.log_loss < old_metrics.log_loss,
        review_count=dataset.review_count,
        card_count=len(dataset.histories),
        train_reviews=len(train),
        holdout_reviews=len(holdout),
        holdout_from=holdout[0].reviewed_at,
    )


# --- evaluation ---------------------------------------------------------------


def _time_series_splits(count: int, n_splits: int) -> list[tuple[int, int]]:
    # srs-benchmark / fsrs-rs TimeSeriesSplit: n_splits + 1 equal segments;
    # fold i trains on segments 0..i and tests on segment i + 1 (the last
    # fold also takes the remainder).
    segment = count // (n_splits + 1)
    return [
        ((i + 1) * segment, count if i == n_splits - 1 else (i + 2) * segment)
        for i in range(n_splits)
    ]


def _split_dataset(
    records: Iterable[ReviewRecord], *, day_of: DayOf, n_splits: int
) -> tuple[Dataset, list[tuple[int, int]]]:
    if n_splits < 1:
        raise ValueError(f"n_splits must be at least 1, got {n_splits}")
    dataset = Dataset.from_records(records, day_of=day_of)
    if len(dataset.items) < n_splits + 1:
        raise NotEnoughHistory(
            needed=n_splits + 1, available=len(dataset.items), what="evaluate"
        )
    return dataset, _time_series_splits(len(dataset.items), n_splits)


def evaluate(
    records: Iterable[ReviewRecord],
    *,
    day_of: DayOf,
    parameters: Sequence[float],
    n_splits: int = DEFAULT_SPLITS,
) -> Metrics:
    """Evaluate fixed parameters on srs-benchmark's time-series test folds.

    With fixed parameters nothing is trained, so this predicts every usable
    review after the first of ``n_splits + 1`` time-ordered segments (the
    union of the test folds), as srs-benchmark does for default parameters.
    Parameters fitted on this same history have seen the test folds; use
    `evaluate_fitting` for a fair figure for fitting.

    Args:
        records: The learner's reviews.
        day_of: The learner's study-day number of a UTC time.
        parameters: 21 FSRS-6 parameters.
        n_splits: Number of test folds.

    Returns:
        Log loss, RMSE(bins) and AUC.

    Raises:
        NotEnoughHistory: With fewer than ``n_splits + 1`` usable reviews.
    """
    dataset, splits = _split_dataset(records, day_of=day_of, n_splits=n_splits)
    return _metrics_for(dataset, dataset.items[splits[0][0] :], parameters)


def evaluate_fitting(
    records: Iterable[ReviewRecord],
    *,
    day_of: DayOf,
    n_splits: int = DEFAULT_SPLITS,
    fitter: Fitter | None = None,
    progress: Progress | None = None,
) -> Metrics:
    """Evaluate fitting itself with srs-benchmark's time-series split.

    For each fold the parameters are fitted on all earlier reviews and predict
    the fold; the metrics pool every fold's predictions. This is what
    ``fsrs_rs_python.evaluate_with_time_series_splits`` does, with the metrics
    (and AUC) computed here.

    Args:
        records: The learner's reviews.
        day_of: The learner's study-day number of a UTC time.
        n_splits: Number of folds.
        fitter: Trains parameters from items; `compute_parameters` if None.
        progress: Called with ``(folds done, folds)`` after each fold.

    Returns:
        Log loss, RMSE(bins) and AUC of the fitted parameters.

    Raises:
        NotEnoughHistory: With fewer than ``n_splits + 1`` usable reviews.
        FitFailed: If a fold's fit fails.
    """
    dataset, splits = _split_dataset(records, day_of=day_of, n_splits=n_splits)
    predictions = []
    for done, (start, end) in enumerate(splits, start=1):
        train = dataset.fsrs_items(dataset.items[:start])
        parameters = _run_fitter(fitter or compute_parameters, train)
        predictions.append(predict(dataset, dataset.items[start:end], parameters))
        if progress is not None:
            progress(done, len(splits))
    tested = dataset.items[splits[0][0] :]
    return compute_metrics(
        np.concatenate(predictions),
        _outcomes(dataset, tested),
        _bin_keys(dataset, tested),
    )


# --- rescheduling ---------------------------------------------------------------


def next_intervals(
    stabilities: np.ndarray,
    *,
    desired_retention: float,
    decay: float,
    maximum_interval: int = MAX_INTERVAL_DAYS,
) -> np.ndarray:
    """Whole-day intervals that bring each card down to the desired retention.

    ``S / factor * (R ** (1 / decay) - 1)`` with ``factor = 0.9 ** (1 / decay)
    - 1``, rounded half to even and clamped to ``[1, maximum_interval]``
    exactly as ``fsrs.Scheduler._next_interval`` does.

    Args:
        stabilities: Stabilities in days (positive).
        desired_retention: The target retrievability.
        decay: The curve's exponent, ``-w[20]`` (negative).
        maximum_interval: The longest interval in days.

    Returns:
        Intervals in days (int64).
    """
    if not MIN_RETENTION <= desired_retention <= MAX_RETENTION:
        raise ValueError(
            f"desired_retention must be from {MIN_RETENTION} to {MAX_RETENTION}"
        )
    if not decay < 0:
        raise ValueError(f"decay must be negative (-w[20]), got {decay}")
    factor = 0.9 ** (1 / decay) - 1
    s = np.asarray(stabilities, dtype=np.float64)
    raw = s / factor * (desired_retention ** (1 / decay) - 1)
    return np.clip(np.round(raw), 1, maximum_interval).astype(np.int64)


def fuzz_intervals(
    intervals: np.ndarray, *, maximum_interval: int, rng: np.random.Generator
) -> np.ndarray:
    """Apply the ``fsrs`` library's fuzz to many intervals at once.

    The same ranges (``FUZZ_RANGES``) and formula as
    `flashcards.scheduling.fuzz_bounds`; intervals under 2.5 days stay as they
    are.

    Args:
        intervals: Whole-day intervals.
        maximum_interval: The longest interval in days.
        rng: The source of the draws.

    Returns:
        Fuzzed intervals (int64).
    """
    days = np.asarray(intervals, dtype=np.int64)
    delta = np.ones(days.shape, dtype=np.float64)
    for fuzz_range in FUZZ_RANGES:
        span = np.minimum(days, fuzz_range["end"]) - fuzz_range["start"]
        delta += fuzz_range["factor"] * np.maximum(span, 0.0)
    high = np.minimum(np.round(days + delta), maximum_interval)
    low = np.minimum(np.maximum(2, np.round(days - delta)), high)
    drawn = rng.random(days.shape) * (high - low + 1) + low
    fuzzed = np.minimum(np.round(drawn), maximum_interval).astype(np.int64)
    return np.where(days < 2.5, days, fuzzed)


@dataclass(frozen=True)
class Rescheduled:
    """New due dates for many cards.

    Attributes:
        intervals: New intervals in days (0 where a card has no memory state).
        due: New due dates as ``datetime64[us]`` in UTC (``NaT`` where a card
            has no memory state and keeps its due date).
        changed: Which cards got a new due date.
    """

    intervals: np.ndarray
    due: np.ndarray
    changed: np.ndarray

    def due_datetimes(self) -> list[datetime | None]:
        """Return the due dates as aware UTC datetimes (None where unchanged)."""
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        micros = self.due.astype("datetime64[us]").astype(np.int64)
        return [
            epoch + timedelta(microseconds=int(value)) if keep else None
            for value, keep in zip(micros, self.changed, strict=True)
        ]


def _as_datetime64(values: Sequence[datetime] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[us]")
    converted = []
    for value in values:
        if value is None:
            converted.append(np.datetime64("NaT", "us"))
            continue
        if value.utcoffset() != timedelta(0):
            raise ValueError(f"times must be timezone-aware UTC, got {value!r}")
        converted.append(np.datetime64(value.replace(tzinfo=None), "us"))
    return np.array(converted, dtype="datetime64[us]")


def reschedule(
    stabilities: np.ndarray | Sequence[float | None],
    last_reviews: np.ndarray | Sequence[datetime | None],
    *,
    desired_retention: float,
    parameters: Sequence[float] | None = None,
    decay: float | None = None,
    maximum_interval: int = MAX_INTERVAL_DAYS,
    now: datetime,
    rng: np.random.Generator | None = None,
) -> Rescheduled:
    """Recompute due dates of many cards in one vectorized pass.

    Each card with a memory state is due ``next_intervals`` days after its
    last review (an overdue card stays overdue, as in Anki). Cards without a
    stability or last review (new cards) are left unchanged.

    Args:
        stabilities: Each card's stability in days (NaN/None for none).
        last_reviews: Each card's last review, aware UTC datetimes or
            ``datetime64`` in UTC (None/NaT for none).
        desired_retention: The deck's (new) desired retention.
        parameters: The 21 parameters; only ``w[20]`` is used.
        decay: The curve's exponent ``-w[20]`` (negative), instead of
            ``parameters``.
        maximum_interval: The deck's maximum interval in days.
        now: The current time, UTC; a last review after it is an error.
        rng: If given, fuzz the intervals as reviews do.

    Returns:
        The new intervals and due dates.

    Raises:
        ValueError: For mismatched lengths, bad arguments or future reviews.
    """
    if (parameters is None) == (decay is None):
        raise ValueError("give exactly one of parameters and decay")
    if decay is None:
        decay = -_checked_parameters(parameters or (), name="parameters")[20]
    s = np.array(
        [np.nan if value is None else value for value in stabilities]
        if not isinstance(stabilities, np.ndarray)
        else stabilities,
        dtype=np.float64,
    )
    last = _as_datetime64(last_reviews)
    if s.shape != last.shape:
        raise ValueError(f"{s.shape[0]} stabilities but {last.shape[0]} last reviews")
    now64 = _as_datetime64([now])[0]
    if np.any(last > now64):
        raise ValueError("a last review is after now")
    changed = np.isfinite(s) & (s > 0) & ~np.isnat(last)
    intervals = next_intervals(
        np.where(changed, s, 1.0),
        desired_retention=desired_retention,
        decay=decay,
        maximum_interval=maximum_interval,
    )
    if rng is not None:
        intervals = fuzz_intervals(
            intervals, maximum_interval=maximum_interval, rng=rng
        )
    intervals = np.where(changed, intervals, 0)
    due = np.where(changed, last + intervals * _DAY, np.datetime64("NaT", "us"))
    return Rescheduled(intervals=intervals, due=due, changed=changed)


# --- simulation ------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadSeries:
    """One desired retention's simulated year (one value per day).

    Attributes:
        desired_retention: The retention simulated.
        reviews_per_day: Reviews of cards already learned.
        new_per_day: Cards learned.
        minutes_per_day: Time spent, in minutes.
        retention_per_day: Share of reviews recalled (NaN on a day without
            reviews).
        memorized: Expected number of cards recalled (sum of
            retrievabilities) at the end of each day: the knowledge.
    """

    desired_retention: float
    reviews_per_day: tuple[int, ...]
    new_per_day: tuple[int, ...]
    minutes_per_day: tuple[float, ...]
    retention_per_day: tuple[float, ...]
    memorized: tuple[float, ...]

    @property
    def total_minutes(self) -> float:
        """All time spent over the simulation."""
        return float(sum(self.minutes_per_day))

    @property
    def average_reviews(self) -> float:
        """Mean reviews per day."""
        return float(np.mean(self.reviews_per_day))

    @property
    def average_minutes(self) -> float:
        """Mean minutes per day."""
        return float(np.mean(self.minutes_per_day))

    @property
    def final_memorized(self) -> float:
        """Cards known at the end."""
        return self.memorized[-1]

    @property
    def memorized_per_minute(self) -> float:
        """Knowledge gained per minute studied (higher is more efficient)."""
        total = self.total_minutes
        return self.final_memorized / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the series as a JSON-safe dict (NaN becomes None)."""
        return {
            "desired_retention": self.desired_retention,
            "reviews_per_day": list(self.reviews_per_day),
            "new_per_day": list(self.new_per_day),
            "minutes_per_day": list(self.minutes_per_day),
            "retention_per_day": [
                None if math.isnan(value) else value for value in self.retention_per_day
            ],
            "memorized": list(self.memorized),
            "average_reviews": self.average_reviews,
            "average_minutes": self.average_minutes,
            "final_memorized": self.final_memorized,
            "memorized_per_minute": self.memorized_per_minute,
        }


def simulator_config(
    *,
    days: int,
    deck_size: int,
    learn_per_day: int,
    review_limit: int,
    maximum_interval: int = MAX_INTERVAL_DAYS,
    seconds_per_review: float | None = None,
    state_rating_costs: Sequence[Sequence[float]] | None = None,
) -> fsrs_rs.SimulatorConfig:
    """Build an ``fsrs-rs`` simulator config from the library's defaults.

    Args:
        days: Days to simulate.
        deck_size: Cards in the deck (all new at the start).
        learn_per_day: New cards per day.
        review_limit: Reviews per day at most.
        maximum_interval: The longest interval in days.
        seconds_per_review: If given, every review costs this many seconds.
        state_rating_costs: Seconds per review by state (learning, review,
            relearning) and rating (Again..Easy); overrides the above.

    Returns:
        The config (daily time budget unlimited).
    """
    for name, value in (("days", days), ("deck_size", deck_size)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if min(learn_per_day, review_limit) < 0:
        raise ValueError("learn_per_day and review_limit cannot be negative")
    base = fsrs_rs.default_simulator_config()
    costs = [list(row) for row in base.state_rating_costs]
    if seconds_per_review is not None:
        if not seconds_per_review > 0:
            raise ValueError("seconds_per_review must be positive")
        costs = [[float(seconds_per_review)] * 4 for _ in range(3)]
    if state_rating_costs is not None:
        costs = [[float(value) for value in row] for row in state_rating_costs]
        if len(costs) != 3 or any(len(row) != 4 for row in costs):
            raise ValueError("state_rating_costs must be 3 rows of 4 seconds")
    return fsrs_rs.SimulatorConfig(
        deck_size=deck_size,
        learn_span=days,
        max_cost_perday=float("inf"),
        max_ivl=float(maximum_interval),
        first_rating_prob=base.first_rating_prob,
        review_rating_prob=base.review_rating_prob,
        learn_limit=learn_per_day,
        review_limit=review_limit,
        new_cards_ignore_review_limit=base.new_cards_ignore_review_limit,
        learning_step_transitions=base.learning_step_transitions,
        relearning_step_transitions=base.relearning_step_transitions,
        state_rating_costs=costs,
        learning_step_count=base.learning_step_count,
        relearning_step_count=base.relearning_step_count,
    )


def simulate_workload(
    parameters: Sequence[float],
    *,
    desired_retentions: Sequence[float],
    days: int = 365,
    deck_size: int,
    learn_per_day: int,
    review_limit: int = 9999,
    maximum_interval: int = MAX_INTERVAL_DAYS,
    seconds_per_review: float | None = None,
    state_rating_costs: Sequence[Sequence[float]] | None = None,
    seed: int,
    progress: Progress | None = None,
) -> list[WorkloadSeries]:
    """Simulate a learner's year for each desired retention ("help me decide").

    Each retention is one run of ``fsrs_rs_python.simulate`` with the same seed,
    so the runs differ only in the retention.

    Args:
        parameters: The learner's 21 FSRS-6 parameters.
        desired_retentions: The retentions to compare.
        days: Days to simulate.
        deck_size: Cards in the deck, all new at the start.
        learn_per_day: New cards per day.
        review_limit: Reviews per day at most.
        maximum_interval: The longest interval in days.
        seconds_per_review: If given, every review costs this many seconds;
            otherwise the library's default costs by state and rating.
        state_rating_costs: Seconds by state and rating (see
            `simulator_config`).
        seed: The simulation's random seed.
        progress: Called with ``(retentions done, retentions)`` after each.

    Returns:
        One series per desired retention, in the order given.
    """
    weights = _checked_parameters(parameters, name="parameters")
    retentions = [float(value) for value in desired_retentions]
    bad = [value for value in retentions if not MIN_RETENTION <= value <= MAX_RETENTION]
    if not retentions or bad:
        raise ValueError(
            f"desired_retentions must be numbers from {MIN_RETENTION} to {MAX_RETENTION}"
        )
    config = simulator_config(
        days=days,
        deck_size=deck_size,
        learn_per_day=learn_per_day,
        review_limit=review_limit,
        maximum_interval=maximum_interval,
        seconds_per_review=seconds_per_review,
        state_rating_costs=state_rating_costs,
    )
    results = []
    for done, retention in enumerate(retentions, start=1):
        run = fsrs_rs.simulate(list(weights), retention, config, seed)
        results.append(_series(retention=retention, run=run))
        if progress is not None:
            progress(done, len(retentions))
    return results


def _series(*, retention: float, run: fsrs_rs.SimulationResult) -> WorkloadSeries:
    reviews = np.asarray(run.review_cnt_per_day, dtype=np.int64)
    correct = np.asarray(run.correct_cnt_per_day, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(reviews > 0, correct / np.maximum(reviews, 1), np.nan)
    minutes = np.asarray(run.cost_per_day, dtype=np.float64) / 60
    return WorkloadSeries(
        desired_retention=retention,
        reviews_per_day=tuple(int(value) for value in reviews),
        new_per_day=tuple(int(value) for value in run.learn_cnt_per_day),
        minutes_per_day=tuple(float(value) for value in minutes),
        retention_per_day=tuple(float(value) for value in rate),
        memorized=tuple(float(value) for value in run.memorized_cnt_per_day),
    )


def workload_to_dict(series: Sequence[WorkloadSeries]) -> dict[str, Any]:
    """Return simulated series as one JSON-safe dict (for a chart).

    Args:
        series: `simulate_workload`'s result.

    Returns:
        ``{"retentions": [...], "series": [...]}``.
    """
    return {
        "retentions": [item.desired_retention for item in series],
        "series": [item.to_dict() for item in series],
    }
