"""The registry of number formats: what each format is, computed, not copied.

Float formats that numpy or ml_dtypes implement take every figure from
``ml_dtypes.finfo`` (which defers to ``numpy.finfo`` for numpy's own types) and
find out whether the format has inf and NaN by casting them. TF32 has no
library type, so its figures come from its definition: fp32's 8-bit exponent
with a 10-bit mantissa. The integer formats and NF4 are defined here too; their
figures are in units of the quantization scale (int) or block absmax (NF4).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import ml_dtypes
import numpy as np

from lessons.precision.errors import UnknownFormatError

Kind = Literal["float", "int", "lookup"]
Overflow = Literal["inf", "saturate"]

#: The 16 NF4 code values of QLoRA (Dettmers et al. 2023, appendix E), as
#: bitsandbytes stores them (float32): quantiles of N(0, 1) scaled to [-1, 1],
#: with an exact zero. A value is stored as the index of the nearest entry;
#: it decodes to ``NF4_VALUES[index] * absmax`` of its block.
NF4_VALUES: tuple[float, ...] = (
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
)


@dataclass(frozen=True)
class NumberFormat:
    """One number format and its properties.

    For ``kind == "int"`` the figures are in units of the scale (a stored
    integer ``q`` means ``q * scale``); for ``kind == "lookup"`` (NF4) in units
    of the block absmax. Fields that do not apply are ``None``.
    """

    name: str
    label: str
    kind: Kind
    bits: int
    exponent_bits: int | None
    mantissa_bits: int | None
    bias: int | None
    max_finite: float
    min_finite: float
    min_normal: float | None
    min_subnormal: float | None
    epsilon: float | None
    has_inf: bool
    has_nan: bool
    overflow: Overflow
    bytes_per_value: float
    dtype: str | None
    description: str

    @property
    def min_exponent(self) -> int | None:
        """The smallest normal exponent, ``1 - bias`` (floats only)."""
        return None if self.bias is None else 1 - self.bias

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of every field.

        Returns:
            The fields by name; all values are finite numbers, strings, bools
            or ``None``.
        """
        return asdict(self)


_UINT_FOR_BYTES = {1: np.uint8, 2: np.uint16}


def library_nan_codes(dtype: Any, bits: int) -> tuple[int, ...]:
    """Every ``bits``-bit pattern that the library type ``dtype`` decodes as NaN.

    Sub-byte types (fp6, fp4) are stored one per byte: only the low ``bits``
    bits are enumerated.
    """
    np_dtype = np.dtype(dtype)
    codes = np.arange(2**bits, dtype=_UINT_FOR_BYTES[np_dtype.itemsize])
    values = codes.view(np_dtype).astype(np.float32)
    return tuple(int(c) for c in codes[np.isnan(values)])


def _nan_patterns(codes: tuple[int, ...], bits: int, exponent_bits: int) -> str:
    """``2 NaN bit patterns (S.1111.111: 0x7f and 0xff)`` for one NaN per sign."""
    if len(codes) != 2:
        return f"{len(codes)} NaN bit patterns"
    pattern = format(codes[0], f"0{bits}b")[1:]
    hexes = " and ".join(f"0x{c:02x}" for c in codes)
    return (
        f"{len(codes)} NaN bit patterns "
        f"(S.{pattern[:exponent_bits]}.{pattern[exponent_bits:]}: {hexes})"
    )


def _from_library(name: str, label: str, dtype: Any, description: str) -> NumberFormat:
    """Describe a library type; ``description`` may use ``{max}`` and ``{nan}``."""
    info = ml_dtypes.finfo(dtype)  # type: ignore[no-untyped-call]
    with np.errstate(all="ignore"):
        inf_cast = float(np.array(math.inf).astype(dtype))
        nan_cast = float(np.array(math.nan).astype(dtype))
    has_inf = math.isinf(inf_cast)
    return NumberFormat(
        name=name,
        label=label,
        kind="float",
        bits=int(info.bits),
        exponent_bits=int(info.nexp),
        mantissa_bits=int(info.nmant),
        bias=1 - int(info.minexp),
        max_finite=float(info.max),
        min_finite=float(info.min),
        min_normal=float(info.smallest_normal),
        min_subnormal=float(info.smallest_subnormal),
        epsilon=float(info.eps),
        has_inf=has_inf,
        has_nan=math.isnan(nan_cast),
        overflow="inf" if has_inf else "saturate",
        bytes_per_value=int(info.bits) / 8,
        dtype=np.dtype(dtype).name,
        description=description.format(
            max=f"{float(info.max):g}",
            nan=_nan_patterns(
                library_nan_codes(dtype, int(info.bits)), int(info.bits), int(info.nexp)
            )
            if int(info.bits) <= 16
            else "",
        ),
    )


def _tf32() -> NumberFormat:
    exponent_bits, mantissa_bits, bias = 8, 10, 127
    max_exponent = 2**exponent_bits - 2 - bias
    return NumberFormat(
        name="tf32",
        label="TF32 (TensorFloat-32)",
        kind="float",
        bits=1 + exponent_bits + mantissa_bits,
        exponent_bits=exponent_bits,
        mantissa_bits=mantissa_bits,
        bias=bias,
        max_finite=math.ldexp(2 - 2.0**-mantissa_bits, max_exponent),
        min_finite=-math.ldexp(2 - 2.0**-mantissa_bits, max_exponent),
        min_normal=math.ldexp(1.0, 1 - bias),
        min_subnormal=math.ldexp(1.0, 1 - bias - mantissa_bits),
        epsilon=2.0**-mantissa_bits,
        has_inf=True,
        has_nan=True,
        overflow="inf",
        bytes_per_value=4.0,
        dtype=None,
        description=(
            f"Tensor-core input format: fp32's range with fp16's {mantissa_bits}-bit "
            f"mantissa, {1 + exponent_bits + mantissa_bits} significant bits "
            f"(1 + {exponent_bits} + {mantissa_bits}) for the math, but stored in "
            "32-bit registers and memory (4 bytes): fp32 operands are rounded on "
            "the way into the tensor core."
        ),
    )


def _integer(name: str, bits: int, qmax: int, description: str) -> NumberFormat:
    return NumberFormat(
        name=name,
        label=name.upper(),
        kind="int",
        bits=bits,
        exponent_bits=None,
        mantissa_bits=None,
        bias=None,
        max_finite=float(qmax),
        min_finite=float(-qmax),
        min_normal=None,
        min_subnormal=None,
        epsilon=None,
        has_inf=False,
        has_nan=False,
        overflow="saturate",
        bytes_per_value=bits / 8,
        dtype=None,
        description=description,
    )


def _nf4() -> NumberFormat:
    return NumberFormat(
        name="nf4",
        label="NF4 (4-bit NormalFloat)",
        kind="lookup",
        bits=4,
        exponent_bits=None,
        mantissa_bits=None,
        bias=None,
        max_finite=max(NF4_VALUES),
        min_finite=min(NF4_VALUES),
        min_normal=None,
        min_subnormal=None,
        epsilon=None,
        has_inf=False,
        has_nan=False,
        overflow="saturate",
        bytes_per_value=0.5,
        dtype=None,
        description=(
            "QLoRA's 4-bit NormalFloat: 16 quantiles of a normal distribution, "
            "scaled by each block's absmax; suits normally distributed weights."
        ),
    )


_LIBRARY_TYPES: dict[str, Any] = {
    np.dtype(t).name: t
    for t in (
        np.float64,
        np.float32,
        np.float16,
        ml_dtypes.bfloat16,
        ml_dtypes.float8_e4m3fn,
        ml_dtypes.float8_e5m2,
        ml_dtypes.float6_e2m3fn,
        ml_dtypes.float6_e3m2fn,
        ml_dtypes.float4_e2m1fn,
    )
}


def _build() -> dict[str, NumberFormat]:
    lib = _from_library
    formats = [
        lib(
            "fp64",
            "FP64 (double)",
            np.float64,
            "IEEE double precision: the reference for scientific computing.",
        ),
        lib(
            "fp32",
            "FP32 (single)",
            np.float32,
            "IEEE single precision: master weights and optimizer states.",
        ),
        _tf32(),
        lib(
            "fp16",
            "FP16 (half)",
            np.float16,
            "IEEE half precision: fine steps but a small range (max {max}); "
            "needs loss scaling in training.",
        ),
        lib(
            "bf16",
            "BF16 (bfloat16)",
            ml_dtypes.bfloat16,
            "Brain float: fp32's range with only 7 mantissa bits; the usual "
            "16-bit training format.",
        ),
        lib(
            "fp8_e4m3fn",
            "FP8 E4M3 (fn)",
            ml_dtypes.float8_e4m3fn,
            "8-bit float for weights and activations: more precision, max {max}, "
            "no inf, {nan}.",
        ),
        lib(
            "fp8_e5m2",
            "FP8 E5M2",
            ml_dtypes.float8_e5m2,
            "8-bit float for gradients: more range (max {max}), IEEE-style inf "
            "and NaN.",
        ),
        lib(
            "fp6_e2m3",
            "FP6 E2M3",
            ml_dtypes.float6_e2m3fn,
            "6-bit OCP MX float: max {max}, no inf or NaN; used with block scales.",
        ),
        lib(
            "fp6_e3m2",
            "FP6 E3M2",
            ml_dtypes.float6_e3m2fn,
            "6-bit OCP MX float: max {max}, no inf or NaN; used with block scales.",
        ),
        lib(
            "fp4_e2m1",
            "FP4 E2M1",
            ml_dtypes.float4_e2m1fn,
            "4-bit OCP MX float: 15 distinct values up to {max}, no inf or NaN.",
        ),
        _integer(
            "int8",
            8,
            127,
            "Symmetric 8-bit integer quantization: round(x/scale) in "
            "[-127, 127] (-128 unused so the range is symmetric).",
        ),
        _integer(
            "int4",
            4,
            7,
            "Symmetric 4-bit integer quantization: round(x/scale) in "
            "[-7, 7] (-8 unused so the range is symmetric).",
        ),
        _nf4(),
    ]
    return {f.name: f for f in formats}


FORMATS: dict[str, NumberFormat] = _build()
#: The numpy dtype that rounds each library-backed format.
LIBRARY_DTYPES: dict[str, np.dtype[Any]] = {
    f.name: np.dtype(_LIBRARY_TYPES[f.dtype]) for f in FORMATS.values() if f.dtype
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)


def lookup(name: str, *, field: str = "format") -> NumberFormat:
    """Return the format called ``name``.

    Args:
        name: A registry name such as ``"bf16"`` or ``"fp8_e4m3fn"``.
        field: The input field to blame if the name is unknown.

    Returns:
        The format.

    Raises:
        UnknownFormatError: ``name`` is not a registered format; the message
            lists the valid names.
    """
    fmt = FORMATS.get(name) if isinstance(name, str) else None
    if fmt is None:
        raise UnknownFormatError(name, FORMAT_NAMES, field=field)
    return fmt


def all_formats() -> tuple[NumberFormat, ...]:
    """Return every registered format, widest first.

    Returns:
        The formats in registry order.
    """
    return tuple(FORMATS.values())
