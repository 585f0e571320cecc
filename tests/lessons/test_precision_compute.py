"""Training compute, time and GPU fit."""

from __future__ import annotations

import json

import pytest

from lessons.precision.compute import (
    GPUS,
    fits,
    gpu,
    training_compute,
    training_days,
)
from lessons.precision.errors import PrecisionInputError
from lessons.precision.memory import training_memory


def test_training_compute_is_six_n_d():
    result = training_compute(7e9, 2e12)
    assert result.flops == 6 * 7e9 * 2e12
    assert result.result == result.flops
    assert [s.value for s in result.steps[:2]] == [2 * 7e9 * 2e12, 4 * 7e9 * 2e12]


def test_training_days_from_flops_gpus_peak_and_utilization():
    h100 = GPUS["h100_80gb"]
    result = training_days(8.4e22, 1024, h100.peak_flops("bf16"), 0.4)
    assert result.seconds == pytest.approx(8.4e22 / (1024 * 989e12 * 0.4))
    assert result.days == pytest.approx(result.seconds / 86400)
    assert result.result == result.days
    assert result.gpu_hours == pytest.approx(result.seconds * 1024 / 3600)


def test_gpu_peaks_follow_the_datasheets():
    assert GPUS["a100_80gb"].peak_flops("bf16") == 312e12
    assert GPUS["a100_80gb"].peak_flops("tf32") == 156e12
    assert GPUS["a100_80gb"].peak_flops("fp8_e4m3fn") is None
    assert GPUS["h200_141gb"].peak_flops("fp8_e5m2") == 1979e12
    assert GPUS["h100_80gb"].peak_flops("fp32") == 67e12
    assert GPUS["rtx4090_24gb"].peak_flops("bf16") is None


def test_the_registry_has_the_lesson_gpus():
    assert set(GPUS) == {
        "a100_40gb",
        "a100_80gb",
        "h100_80gb",
        "h200_141gb",
        "rtx4090_24gb",
        "l40s_48gb",
    }
    assert GPUS["h100_80gb"].memory_bytes == 80 * 2**30
    for device in GPUS.values():
        assert json.dumps(device.to_dict(), allow_nan=False)


def test_a_7b_mixed_precision_model_fits_an_h200_but_not_an_h100():
    need = training_memory(7e9).total_bytes
    assert not fits(need, "h100_80gb").fits
    assert fits(need, gpu("h200_141gb")).fits
    assert fits(need, "h100_80gb").min_gpus == 2
    verdict = fits(need, "a100_40gb")
    assert verdict.free_bytes == 40 * 2**30 - need
    assert json.dumps(verdict.to_dict(), allow_nan=False)


def test_compute_validation_names_the_fields():
    with pytest.raises(PrecisionInputError) as caught:
        training_days(0, 0, -1, 1.5)
    assert set(caught.value.errors) == {
        "flops",
        "gpus",
        "peak_flops_per_gpu",
        "utilization",
    }
    with pytest.raises(PrecisionInputError) as caught:
        fits(10, "tpu_v5")
    assert caught.value.field == "gpu"
    with pytest.raises(PrecisionInputError) as caught:
        training_compute(1e9, 0.5)
    assert caught.value.field == "tokens"
