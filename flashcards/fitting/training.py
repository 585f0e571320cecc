"""Fitting FSRS-6 to one learner: the held-out split, the fit and its result.

`fit` trains the 21 parameters with ``fsrs-rs`` on the earlier, time-ordered
part of the items and compares the new parameters with the old ones on the
later part. The new ones are accepted only if their log loss is lower, as
Anki does; a fit that fails or returns non-finite parameters raises
`FitFailed` and so changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import fsrs_rs_python as fsrs_rs

from flashcards.fitting.history import Dataset, DayOf, ReviewRecord
from flashcards.fitting.metrics import Metrics
from flashcards.fitting.parameters import (
    DEFAULT_PARAMETERS,
    PARAMETER_NAMES,
    _checked_parameters,
)
from flashcards.fitting.prediction import _metrics_for

# fsrs-rs returns the defaults below 8 training items and fits only the four
# initial stabilities below 64; from 64 items on it trains all 21 parameters.
FSRS_RS_MIN_TRAINING_ITEMS = 64
DEFAULT_HOLDOUT_FRACTION = 0.2

Fitter = Callable[[Sequence[fsrs_rs.FSRSItem]], Sequence[float]]


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
