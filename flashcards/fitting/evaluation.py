"""Evaluating parameters, and fitting itself, on srs-benchmark's time-series folds.

The time-ordered items are cut into ``n_splits + 1`` segments and each of the
last ``n_splits`` is predicted: `evaluate` with fixed parameters,
`evaluate_fitting` retraining on all earlier segments for each one, as
``fsrs_rs_python.evaluate_with_time_series_splits`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from flashcards.fitting.history import Dataset, DayOf, ReviewRecord
from flashcards.fitting.metrics import Metrics, _bin_keys, compute_metrics
from flashcards.fitting.prediction import _metrics_for, _outcomes, predict
from flashcards.fitting.training import (
    Fitter,
    NotEnoughHistory,
    _run_fitter,
    compute_parameters,
)

DEFAULT_SPLITS = 5  # srs-benchmark's TimeSeriesSplit(n_splits=5)

Progress = Callable[[int, int], None]


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
