"""Fit FSRS-6 to one learner, evaluate it, reschedule and simulate workload.

A pure package (no Django): review histories come in as plain `ReviewRecord`
values and results go out as frozen dataclasses with ``to_dict()``.

* **Items** (`history`): a review history becomes time-ordered FSRS items,
  counting the learner's study days between reviews.
* **Fitting** (`training`): `fit` trains the 21 parameters (`parameters`)
  with ``fsrs-rs`` on the earlier items and accepts them only if they predict
  the later ones better than the parameters in use.
* **Evaluation** (`evaluation`, `prediction`, `metrics`): srs-benchmark's
  time-series folds, predictions from ``fsrs-rs`` and unweighted log loss,
  RMSE(bins) and AUC computed with numpy.
* **Rescheduling** (`rescheduling`): `reschedule` recomputes due dates for
  many cards in one numpy pass, with the same interval formula and rounding
  as ``fsrs``.
* **Simulation** (`simulation`): `simulate_workload` runs
  ``fsrs_rs_python.simulate`` for a range of desired retentions.

This module is the package's public API: callers use ``fitting.fit``,
``fitting.reschedule`` and the other names below. A test that replaces the
default fitter patches ``flashcards.fitting.training.compute_parameters``,
where `fit` looks it up.
"""

from __future__ import annotations

from flashcards.fitting.evaluation import DEFAULT_SPLITS, evaluate, evaluate_fitting
from flashcards.fitting.history import (
    CardHistory,
    Dataset,
    DayOf,
    ItemRef,
    ReviewRecord,
    day_counter,
    group_by_card,
    to_fsrs_items,
)
from flashcards.fitting.metrics import (
    Metrics,
    auc,
    compute_metrics,
    log_loss,
    rmse_bins,
)
from flashcards.fitting.parameters import (
    DEFAULT_PARAMETERS,
    PARAMETER_COUNT,
    PARAMETER_NAMES,
)
from flashcards.fitting.prediction import predict
from flashcards.fitting.rescheduling import (
    Rescheduled,
    fuzz_intervals,
    next_intervals,
    reschedule,
)
from flashcards.fitting.simulation import (
    Progress,
    WorkloadSeries,
    simulate_workload,
    simulator_config,
    workload_to_dict,
)
from flashcards.fitting.training import (
    DEFAULT_HOLDOUT_FRACTION,
    FSRS_RS_MIN_TRAINING_ITEMS,
    MIN_REVIEWS_FOR_FIT,
    FitFailed,
    FitResult,
    Fitter,
    NotEnoughHistory,
    ParameterChange,
    compute_parameters,
    fit,
    reviews_needed,
)

__all__ = [
    "DEFAULT_HOLDOUT_FRACTION",
    "DEFAULT_PARAMETERS",
    "DEFAULT_SPLITS",
    "FSRS_RS_MIN_TRAINING_ITEMS",
    "MIN_REVIEWS_FOR_FIT",
    "PARAMETER_COUNT",
    "PARAMETER_NAMES",
    "CardHistory",
    "Dataset",
    "DayOf",
    "FitFailed",
    "FitResult",
    "Fitter",
    "ItemRef",
    "Metrics",
    "NotEnoughHistory",
    "ParameterChange",
    "Progress",
    "Rescheduled",
    "ReviewRecord",
    "WorkloadSeries",
    "auc",
    "compute_metrics",
    "compute_parameters",
    "day_counter",
    "evaluate",
    "evaluate_fitting",
    "fit",
    "fuzz_intervals",
    "group_by_card",
    "log_loss",
    "next_intervals",
    "predict",
    "reschedule",
    "reviews_needed",
    "rmse_bins",
    "simulate_workload",
    "simulator_config",
    "to_fsrs_items",
    "workload_to_dict",
]
