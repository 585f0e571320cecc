"""The number formats the demos use, and exact spacing from bit patterns.

ml_dtypes and torch give ``finfo`` but neither gives "the gap to the next
representable value" for every format (``nextafter`` is missing for fp8 in
torch), so we compute it ourselves the exact way: a positive float's bit
pattern read as an integer, plus one, is the next float up. The same trick
runs on both backends, so their answers can be compared bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ml_dtypes
import numpy as np


@dataclass(frozen=True)
class Format:
    """A floating-point storage format.

    Attributes:
        name: Slug used in parameters, e.g. ``"fp8_e4m3fn"``.
        label: Short human name, e.g. ``"fp8 E4M3"``.
        numpy_dtype: The numpy or ml_dtypes scalar type.
        torch_name: Attribute of torch holding the dtype, or None if torch has
            no unpacked dtype for it.
        exp_bits: Exponent bits.
        mant_bits: Stored mantissa bits.
    """

    name: str
    label: str
    numpy_dtype: Any
    torch_name: str | None
    exp_bits: int
    mant_bits: int

    @property
    def bits(self) -> int:
        """Total bits including the sign."""
        return 1 + self.exp_bits + self.mant_bits


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("fp32", "fp32", np.float32, "float32", 8, 23),
        Format("fp16", "fp16", np.float16, "float16", 5, 10),
        Format("bf16", "bf16", ml_dtypes.bfloat16, "bfloat16", 8, 7),
        Format(
            "fp8_e4m3fn", "fp8 E4M3", ml_dtypes.float8_e4m3fn, "float8_e4m3fn", 4, 3
        ),
        Format("fp8_e5m2", "fp8 E5M2", ml_dtypes.float8_e5m2, "float8_e5m2", 5, 2),
        Format("fp6_e2m3fn", "fp6 E2M3", ml_dtypes.float6_e2m3fn, None, 2, 3),
        Format("fp6_e3m2fn", "fp6 E3M2", ml_dtypes.float6_e3m2fn, None, 3, 2),
        Format("fp4_e2m1fn", "fp4 E2M1", ml_dtypes.float4_e2m1fn, None, 2, 1),
    )
}

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32}


def finfo(name: str) -> Any:
    """Return numpy's or ml_dtypes' finfo for a format."""
    return ml_dtypes.finfo(FORMATS[name].numpy_dtype)  # type: ignore[no-untyped-call]


def np_cast(x: np.ndarray, name: str) -> np.ndarray:
    """Round ``x`` to the format and return the values as float64."""
    dtype = FORMATS[name].numpy_dtype
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(x, np.float32).astype(dtype).astype(np.float64)


def np_thresholds(name: str) -> dict[str, float]:
    """Return max finite, min normal, min subnormal and eps, read from the format.

    The smallest subnormal is the bit pattern 1, read back as a float.
    """
    info = finfo(name)
    dtype = np.dtype(FORMATS[name].numpy_dtype)
    one = np.array([1], _UINT[dtype.itemsize]).view(dtype)
    return {
        "max": float(info.max),
        "min_normal": float(info.smallest_normal),
        "min_subnormal": float(one.astype(np.float64)[0]),
        "eps": float(info.eps),
    }


def np_spacing(x: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the rounded values of positive ``x`` and the gap above each.

    At the largest finite value the gap below is used (the next pattern up is
    inf or NaN); zeros get a gap of 0.

    Args:
        x: Positive magnitudes, exactly representable in float32.
        name: Format slug.

    Returns:
        ``(rounded, spacing)`` as float64 arrays.
    """
    dtype = np.dtype(FORMATS[name].numpy_dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        q = np.asarray(x, np.float32).astype(dtype)
    bits = q.view(_UINT[dtype.itemsize])
    up = (bits + 1).astype(bits.dtype).view(dtype).astype(np.float64)
    down = (bits - 1).astype(bits.dtype).view(dtype).astype(np.float64)
    qf = q.astype(np.float64)
    at_max = qf == float(finfo(name).max)
    with np.errstate(invalid="ignore"):
        gap = np.where(at_max, qf - down, up - qf)
    return qf, np.where(qf == 0, 0.0, gap)


def torch_dtype(torch: Any, name: str) -> Any:
    """Return the torch dtype for a format slug, or None if torch lacks it."""
    attr = FORMATS[name].torch_name
    return getattr(torch, attr, None) if attr else None


def _torch_int(torch: Any, itemsize: int) -> Any:
    return {1: torch.uint8, 2: torch.int16, 4: torch.int32}[itemsize]


def torch_thresholds(torch: Any, name: str, device: str) -> dict[str, float]:
    """Return the same thresholds as ``np_thresholds``, read from torch."""
    dtype = torch_dtype(torch, name)
    info = torch.finfo(dtype)
    ints = _torch_int(torch, info.bits // 8)
    one = torch.ones(1, dtype=ints, device=device).view(dtype)
    return {
        "max": float(info.max),
        "min_normal": float(info.smallest_normal),
        "min_subnormal": float(one.double().item()),
        "eps": float(info.eps),
    }


def torch_spacing(
    torch: Any, x: np.ndarray, name: str, device: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``np_spacing``'s answer computed with torch on ``device``."""
    dtype = torch_dtype(torch, name)
    q = torch.as_tensor(np.asarray(x, np.float32), device=device).to(dtype)
    ints = _torch_int(torch, torch.finfo(dtype).bits // 8)
    bits = q.view(ints)
    up = (bits + 1).to(ints).view(dtype).double()
    down = (bits - 1).to(ints).view(dtype).double()
    qf = q.double()
    at_max = qf == float(torch.finfo(dtype).max)
    gap = torch.where(at_max, qf - down, up - qf)
    gap = torch.where(qf == 0, torch.zeros_like(gap), gap)
    return qf.cpu().numpy(), gap.cpu().numpy()


def half_spacing_threshold(w: float, name: str, *, upward: bool = True) -> float:
    """Return the smallest update that is not lost when added to ``w``.

    An update below half the gap between ``w`` and its neighbour (in the
    update's direction) rounds back to ``w``.

    Args:
        w: The weight, rounded to the format.
        name: Format slug.
        upward: Whether the update is positive.

    Returns:
        Half the gap to the neighbour in that direction.
    """
    dtype = np.dtype(FORMATS[name].numpy_dtype)
    q = np.array([w], np.float32).astype(dtype)
    bits = q.view(_UINT[dtype.itemsize]).astype(np.int64)
    step = 1 if (upward == (float(q[0]) >= 0)) else -1
    if float(q[0]) == 0:
        return float(np_thresholds(name)["min_subnormal"]) / 2
    other = np.array(bits + step).astype(_UINT[dtype.itemsize]).view(dtype)
    return abs(float(other.astype(np.float64)[0]) - float(q.astype(np.float64)[0])) / 2


def _bracket(x: float, stored: float, lower: float, upper: float) -> dict[str, float]:
    """The stored value of ``x`` and the two representable values around ``x``."""
    if stored > x:
        return {"stored": stored, "below": lower, "above": stored}
    return {"stored": stored, "below": stored, "above": upper}


def np_neighbours(x: float, name: str) -> dict[str, float]:
    """Return where positive ``x`` is stored and the representable values around it.

    ``below`` is the largest representable value at most ``x`` and ``above``
    the next one up, so ``above - below`` is the spacing where ``x`` lies
    (1000 in fp8 E5M2 is stored as 1024, between 896 and 1024). Read from bit
    patterns, like ``np_spacing``.

    Args:
        x: A positive magnitude within the format's range.
        name: Format slug.

    Returns:
        ``{"stored", "below", "above"}`` as floats.
    """
    dtype = np.dtype(FORMATS[name].numpy_dtype)
    q = np.array([x], np.float32).astype(dtype)
    bits = q.view(_UINT[dtype.itemsize])
    lower = (bits - 1).astype(bits.dtype).view(dtype).astype(np.float64)[0]
    upper = (bits + 1).astype(bits.dtype).view(dtype).astype(np.float64)[0]
    return _bracket(x, float(q.astype(np.float64)[0]), float(lower), float(upper))


def torch_neighbours(torch: Any, x: float, name: str, device: str) -> dict[str, float]:
    """Return ``np_neighbours``'s answer computed with torch on ``device``."""
    dtype = torch_dtype(torch, name)
    q = torch.tensor([x], dtype=torch.float32, device=device).to(dtype)
    ints = _torch_int(torch, torch.finfo(dtype).bits // 8)
    bits = q.view(ints)
    lower = float((bits - 1).to(ints).view(dtype).double().item())
    upper = float((bits + 1).to(ints).view(dtype).double().item())
    return _bracket(x, float(q.double().item()), lower, upper)
