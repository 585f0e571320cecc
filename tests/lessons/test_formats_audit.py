"""Issue 18: format facts the registry and the encode notes state, computed.

E4M3FN has two NaN bit patterns (S.1111.111), not one; values at or below
half the smallest subnormal flush to zero and those just above round up; the
torch version that saturates fp8 E4M3 casts is named.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons import precision
from lessons.precision import formats
from lessons.precision.formats import nan_codes, underflow_threshold


def library_nan_codes(dtype) -> list[int]:
    codes = np.arange(256, dtype=np.uint8).view(dtype).astype(np.float32)
    return [i for i in range(256) if math.isnan(float(codes[i]))]


def test_e4m3fn_has_two_nan_patterns_counted_by_ml_dtypes():
    assert library_nan_codes(ml_dtypes.float8_e4m3fn) == [0x7F, 0xFF]
    assert nan_codes("fp8_e4m3fn") == (0x7F, 0xFF)


def test_nan_codes_match_the_library_for_every_8_bit_float():
    assert nan_codes("fp8_e5m2") == tuple(library_nan_codes(ml_dtypes.float8_e5m2))
    assert len(nan_codes("fp8_e5m2")) == 6  # 2 signs × 3 non-zero mantissas
    assert nan_codes("fp4_e2m1") == ()


def test_the_e4m3_description_counts_its_nan_patterns():
    text = precision.lookup("fp8_e4m3fn").description
    assert "one NaN" not in text
    assert "2 NaN bit patterns (S.1111.111: 0x7f and 0xff)" in text
    assert "max 448" in text


def test_the_saturation_note_names_the_torch_version_and_the_midpoint():
    note = precision.encode("fp8_e4m3fn", 1000.0).note
    assert "torch 2.12 and later saturate eager casts" in note
    assert "NaN past 464" in note
    assert "recent torch" not in note.lower()
    assert "recent torch" not in (formats.__doc__ or "").lower()


def test_the_installed_torch_saturates_as_the_note_says():
    torch = pytest.importorskip("torch")
    major, minor = (int(p) for p in torch.__version__.split(".")[:2])
    out = torch.tensor([464.0, 465.0, 1000.0, -1000.0]).to(torch.float8_e4m3fn)
    got = out.float().tolist()
    if (major, minor) >= (2, 12):
        assert got == [448.0, 448.0, 448.0, -448.0]
    # ml_dtypes keeps NaN past the midpoint 464 (which ties to 448).
    lib = np.array([464.0, 465.0], np.float32).astype(ml_dtypes.float8_e4m3fn)
    assert float(lib[0]) == 448.0 and math.isnan(float(lib[1]))


def test_half_the_smallest_subnormal_flushes_and_says_at_most_half():
    encoding = precision.encode("fp16", 2.0**-25)
    assert encoding.category == "zero" and encoding.stored == 0.0
    assert "at most half" in encoding.note


def test_values_just_above_the_flush_point_round_up_and_say_so():
    encoding = precision.encode("fp16", 1.5 * 2.0**-25)
    assert encoding.stored == 2.0**-24
    assert "rounds up to the smallest subnormal" in encoding.note


@given(st.floats(min_value=0.0, max_value=2.0**-24, allow_subnormal=False))
def test_fp16_stores_zero_exactly_at_or_below_the_threshold(x):
    stored = precision.round_to("fp16", x)
    if x <= underflow_threshold("fp16"):
        assert stored == 0.0
    else:
        assert stored == 2.0**-24
