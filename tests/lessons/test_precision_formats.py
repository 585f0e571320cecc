"""The number format registry and encode(), checked against numpy/ml_dtypes."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from statistics import NormalDist

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.precision import formats
from lessons.precision.errors import PrecisionInputError
from lessons.precision.formats import (
    NF4_VALUES,
    UnknownFormatError,
    all_formats,
    decode_bits,
    encode,
    lookup,
    round_to,
    smallest_update_that_changes,
    spacing,
)

LIBRARY = {
    "fp64": np.float64,
    "fp32": np.float32,
    "fp16": np.float16,
    "bf16": ml_dtypes.bfloat16,
    "fp8_e4m3fn": ml_dtypes.float8_e4m3fn,
    "fp8_e5m2": ml_dtypes.float8_e5m2,
    "fp6_e2m3": ml_dtypes.float6_e2m3fn,
    "fp6_e3m2": ml_dtypes.float6_e3m2fn,
    "fp4_e2m1": ml_dtypes.float4_e2m1fn,
}
FLOATS = [f.name for f in all_formats() if f.kind == "float"]
SMALL = ["fp16", "bf16", "fp8_e4m3fn", "fp8_e5m2", "fp6_e2m3", "fp6_e3m2", "fp4_e2m1"]
EXAMPLES = settings(max_examples=200, deadline=None)


def values_for(name: str) -> st.SearchStrategy[float]:
    """Any float, plus many near the format's range and its subnormals."""
    fmt = lookup(name)
    top = min(fmt.max_finite * 1.2, 1.7e308)
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-top, max_value=top),
        st.floats(min_value=-4 * fmt.min_normal, max_value=4 * fmt.min_normal),
    )


def library_cast(name: str, value: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.array(value).astype(LIBRARY[name]))


def same(a: float | None, b: float | None) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


# --- registry ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "exp", "mant", "bias", "max_finite", "min_normal", "min_sub", "eps"),
    [
        ("fp32", 8, 23, 127, 3.4028234663852886e38, 2.0**-126, 2.0**-149, 2.0**-23),
        ("tf32", 8, 10, 127, (2 - 2**-10) * 2.0**127, 2.0**-126, 2.0**-136, 2**-10),
        ("fp16", 5, 10, 15, 65504.0, 2.0**-14, 2.0**-24, 2.0**-10),
        ("bf16", 8, 7, 127, 3.3895313892515355e38, 2.0**-126, 2.0**-133, 2.0**-7),
        ("fp8_e4m3fn", 4, 3, 7, 448.0, 2.0**-6, 2.0**-9, 2.0**-3),
        ("fp8_e5m2", 5, 2, 15, 57344.0, 2.0**-14, 2.0**-16, 2.0**-2),
        ("fp6_e2m3", 2, 3, 1, 7.5, 1.0, 0.125, 2.0**-3),
        ("fp6_e3m2", 3, 2, 3, 28.0, 0.25, 0.0625, 2.0**-2),
        ("fp4_e2m1", 2, 1, 1, 6.0, 1.0, 0.5, 2.0**-1),
    ],
)
def test_float_format_figures_match_the_facts_file(
    name, exp, mant, bias, max_finite, min_normal, min_sub, eps
):
    fmt = lookup(name)
    assert (fmt.exponent_bits, fmt.mantissa_bits, fmt.bias) == (exp, mant, bias)
    assert fmt.max_finite == max_finite
    assert fmt.min_finite == -max_finite
    assert (fmt.min_normal, fmt.min_subnormal, fmt.epsilon) == (
        min_normal,
        min_sub,
        eps,
    )


@pytest.mark.parametrize(
    ("name", "has_inf", "has_nan"),
    [
        ("fp16", True, True),
        ("bf16", True, True),
        ("fp8_e4m3fn", False, True),
        ("fp8_e5m2", True, True),
        ("fp6_e2m3", False, False),
        ("fp6_e3m2", False, False),
        ("fp4_e2m1", False, False),
        ("int8", False, False),
        ("nf4", False, False),
    ],
)
def test_inf_and_nan_support_matches_the_facts_file(name, has_inf, has_nan):
    fmt = lookup(name)
    assert (fmt.has_inf, fmt.has_nan) == (has_inf, has_nan)
    assert fmt.overflow == ("inf" if has_inf else "saturate")


def test_bytes_per_value_follow_the_bit_width():
    expected = {"fp64": 8, "fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2}
    expected |= {"fp8_e4m3fn": 1, "fp8_e5m2": 1, "int8": 1}
    expected |= {"fp6_e2m3": 0.75, "fp6_e3m2": 0.75}
    expected |= {"fp4_e2m1": 0.5, "int4": 0.5, "nf4": 0.5}
    assert {f.name: f.bytes_per_value for f in all_formats()} == expected


def test_integer_formats_use_a_symmetric_range():
    assert (lookup("int8").min_finite, lookup("int8").max_finite) == (-127, 127)
    assert (lookup("int4").min_finite, lookup("int4").max_finite) == (-7, 7)


def test_every_format_dict_is_json_safe():
    for fmt in all_formats():
        assert json.loads(json.dumps(fmt.to_dict(), allow_nan=False))["name"] == (
            fmt.name
        )


def test_lookup_of_an_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownFormatError) as caught:
        lookup("fp12")
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "format"
    assert "fp12" in caught.value.message
    assert "bf16" in caught.value.message
    assert "nf4" in caught.value.message


def test_nf4_table_is_the_qlora_normal_quantiles():
    """Rebuild the table as bitsandbytes' create_normal_map does."""
    offset = 0.9677083
    positive = [offset + (0.5 - offset) * i / 8 for i in range(8)]
    negative = [offset + (0.5 - offset) * i / 7 for i in range(7)]
    ppf = NormalDist().inv_cdf
    raw = sorted([ppf(p) for p in positive] + [0.0] + [-ppf(p) for p in negative])
    rebuilt = [v / max(raw) for v in raw]
    assert len(NF4_VALUES) == 16
    assert list(NF4_VALUES) == sorted(NF4_VALUES)
    assert rebuilt == pytest.approx(NF4_VALUES, abs=1e-6)


# --- encode against the libraries --------------------------------------------


@pytest.mark.parametrize("name", list(LIBRARY))
def test_encode_stores_what_the_library_casts(name):
    @EXAMPLES
    @given(values_for(name))
    def check(value):
        fmt = lookup(name)
        encoding = encode(name, value)
        if math.isnan(value):
            assert encoding.category == "nan"
            assert math.isnan(encoding.stored)
            return
        expected = library_cast(name, value)
        if fmt.name == "fp8_e4m3fn" and abs(value) > fmt.max_finite:
            expected = math.copysign(fmt.max_finite, value)  # clipped, documented
        assert same(encoding.stored, expected)
        assert math.copysign(1, encoding.stored) == math.copysign(1, expected)

    check()


@pytest.mark.parametrize("name", FLOATS)
def test_bits_round_trip_through_decode_bits(name):
    @EXAMPLES
    @given(values_for(name))
    def check(value):
        encoding = encode(name, value)
        if encoding.bits is None:
            assert math.isnan(value)
            assert not lookup(name).has_nan
            return
        assert same(decode_bits(name, encoding.bits), encoding.stored)
        grouped = " ".join(bits for _, bits in encoding.bit_fields)
        assert same(decode_bits(name, grouped), encoding.stored)
        assert encoding.code == int(encoding.bits, 2)

    check()


@pytest.mark.parametrize("name", [n for n in LIBRARY if n not in {"fp64", "fp32"}])
def test_bits_are_the_library_bit_pattern(name):
    fmt = lookup(name)
    for value in [1.0, -2.5, 0.1, fmt.min_subnormal, -fmt.max_finite, 0.0, -0.0]:
        raw = np.array(value).astype(LIBRARY[name])
        width = {1: np.uint8, 2: np.uint16}[raw.dtype.itemsize]
        assert encode(name, value).code == int(raw.view(width))


@pytest.mark.parametrize("name", SMALL)
def test_neighbours_are_the_adjacent_representable_values(name):
    fmt = lookup(name)
    width = np.uint16 if fmt.bits == 16 else np.uint8
    codes = np.arange(2**fmt.bits, dtype=width)
    with np.errstate(invalid="ignore"):
        grid = codes.view(LIBRARY[name]).astype(np.float64)
    grid = np.unique(grid[~np.isnan(grid)])

    @EXAMPLES
    @given(values_for(name))
    def check(value):
        encoding = encode(name, value)
        if math.isnan(encoding.stored):
            assert (encoding.below, encoding.above) == (None, None)
            return
        at = int(np.searchsorted(grid, encoding.stored))
        below = float(grid[at - 1]) if at > 0 else None
        above = float(grid[at + 1]) if at + 1 < len(grid) else None
        assert (encoding.below, encoding.above) == (below, above)

    check()


@pytest.mark.parametrize("name", FLOATS)
def test_neighbours_straddle_the_stored_value(name):
    @EXAMPLES
    @given(values_for(name))
    def check(value):
        encoding = encode(name, value)
        if encoding.below is not None:
            assert encoding.below < encoding.stored
            assert round_to(name, encoding.below) == encoding.below
        if encoding.above is not None:
            assert encoding.stored < encoding.above
            assert round_to(name, encoding.above) == encoding.above

    check()


# --- categories at the thresholds ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "category", "stored"),
    [
        ("fp16", 0.0, "zero", 0.0),
        ("fp16", 65504.0, "normal", 65504.0),
        ("fp16", 65519.0, "normal", 65504.0),
        ("fp16", 65520.0, "overflow", math.inf),
        ("fp16", -1e6, "overflow", -math.inf),
        ("fp16", 1e400, "inf", math.inf),
        ("fp16", 2.0**-14, "normal", 2.0**-14),
        ("fp16", 2.0**-14 - 2.0**-24, "subnormal", 2.0**-14 - 2.0**-24),
        ("fp16", 2.0**-24, "subnormal", 2.0**-24),
        ("fp16", 2.0**-25, "zero", 0.0),
        ("fp16", 2.0**-25 * 1.01, "subnormal", 2.0**-24),
        ("bf16", 1e-45, "zero", 0.0),
        ("fp8_e4m3fn", 448.0, "normal", 448.0),
        ("fp8_e4m3fn", 448.5, "saturated", 448.0),
        ("fp8_e4m3fn", 470.0, "saturated", 448.0),
        ("fp8_e4m3fn", -math.inf, "saturated", -448.0),
        ("fp8_e4m3fn", 2.0**-7, "subnormal", 2.0**-7),
        ("fp8_e5m2", 57344.0, "normal", 57344.0),
        ("fp8_e5m2", 61440.0, "overflow", math.inf),
        ("fp6_e2m3", 7.6, "saturated", 7.5),
        ("fp6_e3m2", math.inf, "saturated", 28.0),
        ("fp4_e2m1", 6.0, "normal", 6.0),
        ("fp4_e2m1", 0.5, "subnormal", 0.5),
        ("fp4_e2m1", 0.25, "zero", 0.0),
        ("fp4_e2m1", -100.0, "saturated", -6.0),
        ("tf32", 1e39, "overflow", math.inf),
        ("int8", 127.4, "normal", 127.0),
        ("int8", 127.6, "saturated", 127.0),
        ("int8", -0.4, "zero", 0.0),
        ("int4", -math.inf, "saturated", -7.0),
        ("nf4", 0.03, "zero", 0.0),
        ("nf4", 1.0, "normal", 1.0),
        ("nf4", -1.5, "saturated", -1.0),
    ],
)
def test_category_at_the_thresholds(name, value, category, stored):
    encoding = encode(name, value)
    assert encoding.category == category
    assert encoding.stored == stored


def test_e4m3fn_saturates_where_ml_dtypes_would_give_nan():
    assert math.isnan(library_cast("fp8_e4m3fn", 500.0))
    encoding = encode("fp8_e4m3fn", 500.0)
    assert (encoding.stored, encoding.category) == (448.0, "saturated")
    assert "clipped" in encoding.note.lower()


@pytest.mark.parametrize("name", ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8_e5m2"])
def test_nan_is_stored_as_nan_with_a_nan_bit_pattern(name):
    encoding = encode(name, math.nan)
    assert encoding.category == "nan"
    assert encoding.bits is not None
    assert math.isnan(decode_bits(name, encoding.bits))
    assert encoding.abs_error is None


@pytest.mark.parametrize("name", ["fp6_e2m3", "fp6_e3m2", "fp4_e2m1", "int8", "nf4"])
def test_nan_in_a_format_without_nan_has_no_bits(name):
    encoding = encode(name, math.nan)
    assert encoding.category == "nan"
    assert math.isnan(encoding.stored)
    assert (encoding.bits, encoding.bit_fields, encoding.code) == (None, (), None)
    assert "no NaN" in encoding.note


def test_fp16_fields_of_one():
    encoding = encode("fp16", 1.0)
    assert encoding.bit_fields == (
        ("sign", "0"),
        ("exponent", "01111"),
        ("mantissa", "0000000000"),
    )
    assert (encoding.sign, encoding.exponent, encoding.mantissa) == (0, 15, 0)
    assert encoding.unbiased_exponent == 0
    assert (encoding.below, encoding.above) == (1 - 2**-11, 1 + 2**-10)


def test_subnormal_unbiased_exponent_is_the_minimum_exponent():
    assert encode("fp16", 2.0**-20).unbiased_exponent == -14
    assert encode("fp16", 0.0).unbiased_exponent is None


def test_errors_are_undefined_where_they_make_no_sense():
    assert encode("fp16", 0.0).rel_error is None
    assert encode("fp16", 0.0).abs_error == 0.0
    assert encode("fp16", 1e6).abs_error is None
    assert encode("bf16", math.inf).rel_error is None
    assert encode("fp16", 0.1).rel_error == pytest.approx(
        abs(float(np.float16(0.1)) - 0.1) / 0.1
    )


def test_encoding_dict_is_json_safe_and_flags_non_finite_values():
    for name in FLOATS + ["int8", "nf4"]:
        for value in [0.1, -1e9, math.inf, math.nan, 0.0]:
            data = encode(name, value).to_dict()
            json.dumps(data, allow_nan=False)
    data = encode("fp16", 1e6).to_dict()
    assert data["stored"] is None
    assert data["nonfinite"] == {"stored": "inf"}


# --- own implementations: tf32, int, nf4 -----------------------------------------


def tf32_by_fractions(value: float) -> float:
    """Round the fp32 value to 11 significant bits, ties to even, exactly."""
    single = float(np.float32(value))
    if single == 0 or math.isinf(single):
        return single
    exponent = max(math.frexp(single)[1] - 1, -126)
    step = Fraction(2) ** (exponent - 10)
    steps = Fraction(single) / step
    rounded = round(steps)  # Fraction.__round__ rounds ties to even
    result = float(rounded * step)
    return math.copysign(result, single) if result == 0 else result


@EXAMPLES
@given(
    st.one_of(
        st.floats(min_value=-3.4e38, max_value=3.4e38),
        st.floats(min_value=-1e-36, max_value=1e-36),
    )
)
def test_tf32_rounds_the_fp32_mantissa_to_ten_bits(value):
    with np.errstate(over="ignore"):
        expected = tf32_by_fractions(value)
    if abs(expected) > lookup("tf32").max_finite:
        expected = math.copysign(math.inf, expected)
    assert encode("tf32", value).stored == expected


def test_tf32_ties_go_to_even():
    assert round_to("tf32", 1 + 2**-11) == 1.0
    assert round_to("tf32", 1 + 3 * 2**-11) == 1 + 2**-9
    assert round_to("tf32", -(1 + 2**-11)) == -1.0


@pytest.mark.parametrize("name", ["int8", "int4"])
@EXAMPLES
@given(
    value=st.floats(min_value=-1e6, max_value=1e6),
    scale=st.floats(min_value=1e-3, max_value=1e3),
)
def test_integer_quantization_rounds_to_the_scaled_grid(name, value, scale):
    qmax = int(lookup(name).max_finite)
    encoding = encode(name, value, scale=scale)
    assert encoding.level is not None
    assert -qmax <= encoding.level <= qmax
    assert encoding.stored == encoding.level * scale
    assert decode_bits(name, encoding.bits, scale=scale) == encoding.stored
    if encoding.category != "saturated":
        assert abs(encoding.stored - value) <= scale / 2 * (1 + 1e-12)
    else:
        assert abs(value) > qmax * scale


@EXAMPLES
@given(
    value=st.floats(min_value=-10, max_value=10),
    absmax=st.floats(min_value=1e-3, max_value=10),
)
def test_nf4_stores_the_nearest_table_value_times_absmax(value, absmax):
    encoding = encode("nf4", value, scale=absmax)
    candidates = [t * absmax for t in NF4_VALUES]
    assert encoding.stored in candidates
    assert encoding.stored == NF4_VALUES[encoding.level] * absmax
    nearest = min(abs(c - value) for c in candidates)
    assert abs(encoding.stored - value) == pytest.approx(nearest, abs=1e-12)
    assert decode_bits("nf4", encoding.bits, scale=absmax) == encoding.stored


def test_int8_bits_are_twos_complement():
    assert encode("int8", -1.0).bits == "11111111"
    assert encode("int4", -7.0).bits == "1001"
    assert decode_bits("int8", "10000001") == -127.0


# --- spacing and the update-swallowing threshold -------------------------------


def test_updates_below_half_a_spacing_are_swallowed_at_one():
    assert smallest_update_that_changes("fp16", 1.0) == 2.0**-11
    assert smallest_update_that_changes("bf16", 1.0) == 2.0**-8
    assert smallest_update_that_changes("fp32", 1.0) == 2.0**-24
    assert round_to("fp16", 1.0 + 2.0**-11) == 1.0  # a tie goes to even


@pytest.mark.parametrize("name", FLOATS)
def test_spacing_at_one_is_epsilon(name):
    assert spacing(name, 1.0) == lookup(name).epsilon


@pytest.mark.parametrize("name", ["fp16", "bf16", "fp32", "fp8_e4m3fn", "fp8_e5m2"])
def test_an_update_past_the_threshold_changes_the_weight(name):
    fmt = lookup(name)

    @EXAMPLES
    @given(st.floats(min_value=fmt.min_subnormal, max_value=fmt.max_finite / 4))
    def check(weight):
        w = round_to(name, weight)
        threshold = smallest_update_that_changes(name, w)
        assert round_to(name, w + threshold * 0.99) == w
        assert round_to(name, w + threshold * 1.01) > w

    check()


@EXAMPLES
@given(st.floats(min_value=0, max_value=60000))
def test_fp16_spacing_matches_numpy(value):
    assert spacing("fp16", value) == float(np.spacing(np.float16(value)))


def test_spacing_of_quantized_formats():
    assert spacing("int8", 3.0, scale=0.5) == 0.5
    assert spacing("nf4", 0.0, scale=2.0) == NF4_VALUES[8] * 2.0
    assert spacing("nf4", 1.0) == pytest.approx(1.0 - NF4_VALUES[14])


def test_spacing_of_a_non_finite_value_names_the_field():
    with pytest.raises(PrecisionInputError) as caught:
        spacing("fp16", 1e6)
    assert caught.value.field == "value"


# --- input validation ----------------------------------------------------------


@pytest.mark.parametrize("bad", ["1.5", None, True, [1.0], object()])
def test_encode_rejects_non_numbers_naming_the_value_field(bad):
    with pytest.raises(PrecisionInputError) as caught:
        encode("fp16", bad)
    assert caught.value.field == "value"
    assert "number" in caught.value.message


def test_encode_accepts_numpy_and_huge_python_numbers():
    assert encode("bf16", np.float32(0.5)).stored == 0.5
    assert encode("bf16", ml_dtypes.bfloat16(0.5)).stored == 0.5
    assert encode("fp16", np.int64(3)).stored == 3.0
    assert encode("fp32", 10**400).category == "inf"


def test_a_scale_belongs_only_to_quantized_formats():
    with pytest.raises(PrecisionInputError) as caught:
        encode("fp16", 1.0, scale=2.0)
    assert caught.value.field == "scale"
    for bad in [0, -1.0, math.inf, math.nan, "2"]:
        with pytest.raises(PrecisionInputError) as caught:
            encode("int8", 1.0, scale=bad)
        assert caught.value.field == "scale"


@pytest.mark.parametrize("bits", ["0101", "01010101010101012", "", None])
def test_decode_bits_rejects_malformed_patterns(bits):
    with pytest.raises(PrecisionInputError) as caught:
        decode_bits("fp16", bits)
    assert caught.value.field == "bits"


def test_encode_with_unknown_format_names_the_format_field():
    with pytest.raises(PrecisionInputError) as caught:
        encode("float7", 1.0)
    assert caught.value.field == "format"


def test_the_module_exports_what_it_documents():
    for name in formats.__all__:
        assert hasattr(formats, name)
