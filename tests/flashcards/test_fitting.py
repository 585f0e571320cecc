"""Tests for `flashcards.fitting`: items, metrics, fitting, evaluation."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs_rs_python as fsrs_rs
import numpy as np
import pytest

from flashcards import fitting
from flashcards.fitting import (
    DEFAULT_PARAMETERS,
    MIN_REVIEWS_FOR_FIT,
    Dataset,
    FitFailed,
    NotEnoughHistory,
    ReviewRecord,
    auc,
    day_counter,
    evaluate,
    evaluate_fitting,
    fit,
    group_by_card,
    log_loss,
    metrics,
    prediction,
    rmse_bins,
    to_fsrs_items,
    training,
)
from tests.bench.fitting import (
    TRUE_PARAMETERS,
    bench_fit_time,
    synthetic_log,
    synthetic_reviews,
)

ROOT = Path(__file__).resolve().parents[2]
UTC_DAYS = day_counter("UTC", 4)
T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)


def at(days: float, minutes: int = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


@pytest.fixture(scope="module")
def learner_log() -> list[ReviewRecord]:
    """About 3,000 reviews of a learner whose memory is not the default one."""
    return synthetic_log(3_000, rng=np.random.default_rng(3_000))


# --- input and items ------------------------------------------------------------


def test_review_record_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="UTC"):
        ReviewRecord(1, datetime(2024, 1, 1), 3)  # noqa: DTZ001
    with pytest.raises(ValueError, match="rating"):
        ReviewRecord(1, T0, 5)
    with pytest.raises(ValueError, match="rating"):
        ReviewRecord(1, T0, True)
    with pytest.raises(ValueError, match="duration"):
        ReviewRecord(1, T0, 3, -1)


def test_day_counter_uses_the_learners_day_start() -> None:
    day_of = day_counter("Europe/Berlin", 4)
    # 02:59 UTC is 03:59 in Berlin (winter): still the previous study day.
    before = datetime(2024, 1, 10, 2, 59, tzinfo=UTC)
    after = datetime(2024, 1, 10, 3, 0, tzinfo=UTC)
    assert day_of(after) - day_of(before) == 1
    assert day_of(datetime(2024, 1, 10, 22, tzinfo=UTC)) == day_of(after)
    with pytest.raises(ValueError, match="time zone"):
        day_counter("Mars/Olympus")
    with pytest.raises(ValueError, match="day_start_hour"):
        day_counter("UTC", 24)


def test_day_counter_across_daylight_saving() -> None:
    day_of = day_counter("Europe/Berlin", 4)
    # Clocks go forward on 31 March 2024; 4 am local is 02:00 UTC after it.
    assert day_of(datetime(2024, 3, 31, 1, 59, tzinfo=UTC)) == day_of(
        datetime(2024, 3, 30, 12, tzinfo=UTC)
    )
    assert (
        day_of(datetime(2024, 3, 31, 2, 0, tzinfo=UTC))
        == day_of(datetime(2024, 3, 30, 12, tzinfo=UTC)) + 1
    )


def test_histories_are_grouped_ordered_and_counted_in_study_days() -> None:
    records = [
        ReviewRecord(7, at(3), 3),
        ReviewRecord(7, at(0), 1),
        ReviewRecord(7, at(0, 10), 3),  # same-day relearning step
        ReviewRecord(2, at(1), 4),
        ReviewRecord(7, at(1, 20 * 60), 2),  # 05:00 next calendar day: day 2
    ]
    histories = group_by_card(records, day_of=UTC_DAYS)
    assert [history.card_id for history in histories] == [2, 7]
    card = histories[1]
    assert card.ratings == (1, 3, 2, 3)
    assert card.delta_ts == (0, 0, 2, 1)
    assert card.item_positions() == [2, 3]


def test_items_are_the_optimizers_items_in_time_order() -> None:
    records = [
        ReviewRecord(1, at(0), 3),
        ReviewRecord(1, at(0, 5), 3),
        ReviewRecord(2, at(1), 1),
        ReviewRecord(1, at(2), 3),
        ReviewRecord(2, at(3), 3),
        ReviewRecord(1, at(9), 1),
    ]
    items = to_fsrs_items(records, day_of=UTC_DAYS)

    def expected(*reviews: tuple[int, int]) -> str:
        return repr(fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(r, t) for r, t in reviews]))

    assert [repr(item) for item in items] == [
        expected((3, 0), (3, 0), (3, 2)),
        expected((1, 0), (3, 2)),
        expected((3, 0), (3, 0), (3, 2), (1, 7)),
    ]


def test_day_of_going_backwards_is_an_error() -> None:
    records = [ReviewRecord(1, at(0), 3), ReviewRecord(1, at(2), 3)]
    with pytest.raises(ValueError, match="backwards"):
        group_by_card(records, day_of=lambda moment: -moment.toordinal())


# --- metrics on hand-computed examples ---------------------------------------------


def test_log_loss_by_hand() -> None:
    value = log_loss(np.array([0.8, 0.4]), np.array([1, 0]))
    assert value == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)


def test_log_loss_clips_certain_predictions() -> None:
    assert math.isfinite(log_loss(np.array([1.0, 0.0]), np.array([0, 1])))


def test_auc_by_hand() -> None:
    # Of the 4 (recalled, forgotten) pairs, 3 rank the recalled one higher.
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5  # a tie is half
    assert auc(np.array([0.9, 0.1]), np.array([1, 0])) == 1.0
    assert auc(np.array([0.9, 0.8]), np.array([1, 1])) is None


def test_rmse_bins_by_hand() -> None:
    predictions = np.array([0.9, 0.7, 0.6])
    recalled = np.array([1, 0, 1])
    bins = np.array([[1, 1, 0], [1, 1, 0], [2, 1, 0]])
    # Bin 1: mean prediction 0.8, recall 0.5 (2 reviews); bin 2: 0.6 vs 1.
    expected = math.sqrt((2 * 0.3**2 + 1 * 0.4**2) / 3)
    assert rmse_bins(predictions, recalled, bins) == pytest.approx(expected)


def test_bins_follow_srs_benchmark() -> None:
    records = [
        ReviewRecord(1, at(0), 3),
        ReviewRecord(1, at(1), 1),
        ReviewRecord(1, at(2), 3),
        ReviewRecord(1, at(12), 3),
    ]
    dataset = Dataset.from_records(records, day_of=UTC_DAYS)
    keys = metrics._bin_keys(dataset, dataset.items)
    # delta_t 1, 1, 10 -> 248, 248, 898; reviews 2, 3, 4 -> 4, 4, 7;
    # lapses 0, 1, 1 -> 0, 2, 2 (a lapse is an Again after a day or more).
    assert keys.tolist() == [[248, 4, 0], [248, 4, 2], [898, 7, 2]]


def test_predictions_match_fsrs_rs_item_by_item(learner_log) -> None:
    dataset = Dataset.from_records(learner_log[:600], day_of=UTC_DAYS)
    items = dataset.items[:50]
    predictions = fitting.predict(dataset, items, DEFAULT_PARAMETERS)
    recalled = prediction._outcomes(dataset, items)
    model = fsrs_rs.FSRS(list(DEFAULT_PARAMETERS))
    library = [model.evaluate([item]).log_loss for item in dataset.fsrs_items(items)]
    ours = -(recalled * np.log(predictions) + (1 - recalled) * np.log(1 - predictions))
    np.testing.assert_allclose(ours, library, atol=1e-5)


# --- fitting ---------------------------------------------------------------------


def test_fit_beats_the_defaults_on_held_out_reviews(learner_log) -> None:
    result = fit(learner_log, day_of=UTC_DAYS)

    assert result.accepted
    assert result.new_metrics.log_loss < result.old_metrics.log_loss
    assert result.new_metrics.rmse_bins < result.old_metrics.rmse_bins
    assert result.parameters == result.new_parameters
    assert result.old_parameters == DEFAULT_PARAMETERS
    assert result.review_count == len(learner_log)
    assert result.train_reviews + result.holdout_reviews == len(
        Dataset.from_records(learner_log, day_of=UTC_DAYS).items
    )
    assert result.holdout_reviews == pytest.approx(
        0.2 * (result.train_reviews + result.holdout_reviews), abs=1
    )
    assert [change.index for change in result.changes] == list(range(21))
    change = result.changes[20]
    assert change.delta == pytest.approx(change.new - change.old)
    assert change.name == "forgetting curve decay"


def test_fit_result_is_json_safe(learner_log) -> None:
    data = json.loads(json.dumps(fit(learner_log, day_of=UTC_DAYS).to_dict()))
    assert data["accepted"] is True
    assert len(data["parameters"]) == 21
    assert set(data["old_metrics"]) == {
        "log_loss",
        "rmse_bins",
        "auc",
        "reviews",
        "recall_rate",
        "mean_prediction",
    }
    assert len(data["changes"]) == 21
    assert datetime.fromisoformat(data["holdout_from"]).tzinfo is not None


def test_fitter_sees_only_the_earlier_reviews(learner_log) -> None:
    seen = []

    def fitter(items):
        seen.append(len(items))
        return list(TRUE_PARAMETERS)

    result = fit(learner_log, day_of=UTC_DAYS, fitter=fitter)
    assert seen == [result.train_reviews]
    dataset = Dataset.from_records(learner_log, day_of=UTC_DAYS)
    train_end = dataset.items[result.train_reviews - 1].reviewed_at
    assert train_end <= result.holdout_from


def test_worse_parameters_are_not_accepted(learner_log) -> None:
    current = TRUE_PARAMETERS
    result = fit(
        learner_log,
        day_of=UTC_DAYS,
        current_parameters=current,
        fitter=lambda items: list(DEFAULT_PARAMETERS),
    )
    assert not result.accepted
    assert result.parameters == current
    assert result.old_parameters == current


def test_too_little_history_says_how_much_is_needed() -> None:
    records = synthetic_reviews(
        TRUE_PARAMETERS, cards=10, days=60, rng=np.random.default_rng(1)
    )
    available = len(Dataset.from_records(records, day_of=UTC_DAYS).items)
    assert available < MIN_REVIEWS_FOR_FIT == 80
    with pytest.raises(NotEnoughHistory) as caught:
        fit(records, day_of=UTC_DAYS)
    assert caught.value.needed == MIN_REVIEWS_FOR_FIT
    assert caught.value.available == available
    assert f"at least {MIN_REVIEWS_FOR_FIT} reviews" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_reviews_needed_grows_with_the_held_out_share() -> None:
    assert fitting.reviews_needed(0.2) == 80
    assert fitting.reviews_needed(0.5) == 128
    with pytest.raises(ValueError, match="holdout_fraction"):
        fitting.reviews_needed(1.0)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ([math.nan] * 21, "unusable"),
        ([math.inf, *DEFAULT_PARAMETERS[1:]], "unusable"),
        (list(DEFAULT_PARAMETERS[:19]), "unusable"),
        ([-5.0] * 21, "unusable"),
    ],
)
def test_unusable_fits_raise_and_change_nothing(learner_log, returned, message) -> None:
    with pytest.raises(FitFailed, match=message):
        fit(learner_log, day_of=UTC_DAYS, fitter=lambda items: returned)


def test_a_failing_optimizer_raises_fit_failed(learner_log, monkeypatch) -> None:
    def broken(items):
        raise ValueError("InvalidInput")

    monkeypatch.setattr(training, "compute_parameters", broken)
    with pytest.raises(FitFailed, match="InvalidInput"):
        fit(learner_log, day_of=UTC_DAYS)


def test_bad_current_parameters_are_rejected(learner_log) -> None:
    with pytest.raises(ValueError, match="current_parameters"):
        fit(learner_log, day_of=UTC_DAYS, current_parameters=[1.0] * 3)


# --- evaluation -------------------------------------------------------------------


def test_evaluate_prefers_the_true_parameters(learner_log) -> None:
    default = evaluate(learner_log, day_of=UTC_DAYS, parameters=DEFAULT_PARAMETERS)
    true = evaluate(learner_log, day_of=UTC_DAYS, parameters=TRUE_PARAMETERS)
    assert true.log_loss < default.log_loss
    assert true.rmse_bins < default.rmse_bins
    assert 0.5 < true.auc < 1
    items = len(Dataset.from_records(learner_log, day_of=UTC_DAYS).items)
    assert true.reviews == items - items // 6  # all but the first segment


def test_evaluate_fitting_refits_each_fold(learner_log) -> None:
    calls = []
    metrics = evaluate_fitting(
        learner_log, day_of=UTC_DAYS, progress=lambda done, total: calls.append(done)
    )
    default = evaluate(learner_log, day_of=UTC_DAYS, parameters=DEFAULT_PARAMETERS)
    assert calls == [1, 2, 3, 4, 5]
    assert metrics.reviews == default.reviews
    assert metrics.log_loss < default.log_loss


def test_evaluate_needs_a_few_reviews() -> None:
    records = [ReviewRecord(1, at(0), 3), ReviewRecord(1, at(2), 3)]
    with pytest.raises(NotEnoughHistory) as caught:
        evaluate(records, day_of=UTC_DAYS, parameters=DEFAULT_PARAMETERS)
    assert (caught.value.needed, caught.value.available) == (6, 1)


# --- purity and benchmark -----------------------------------------------------------


def test_fitting_modules_import_no_django() -> None:
    probe = (
        "import sys, flashcards.fitting, tests.bench.fitting\n"
        "print(','.join(sorted(n for n in sys.modules "
        "if n.split('.')[0] in {'django', 'rest_framework', 'celery'})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert result.stdout.strip() == ""


def test_bench_fit_time_quick_prints_the_10k_fit() -> None:
    out = io.StringIO()
    results = bench_fit_time(out=out, quick=True)
    assert list(results) == ["10k"]
    assert results["10k"]["reviews"] == 10_000
    assert out.getvalue().startswith("fit 10k reviews: ")
