"""Post-training quantizers: absmax integers, fp8 with a scale, NF4.

Written here rather than taken from bitsandbytes or torchao because those
need CUDA or torch, pack bits and hide the scales; the demo needs the
dequantized values and the scale count on any CPU, the same arithmetic in
numpy and torch, and nothing else. All schemes are symmetric absmax:
``scale = absmax / qmax``, ``q = clip(round(w / scale))``, ``w' = q * scale``.
Rounding is half to even in both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lessons.precision.formats import NF4_VALUES

FP8_MAX = 448.0  # fp8 E4M3 largest finite value; clip before the cast.
NF4_BLOCK = 64
SCALE_BITS = 32  # each block's scale (absmax) is stored as fp32


@dataclass(frozen=True)
class Scheme:
    """A quantization scheme.

    Attributes:
        name: Slug, e.g. ``"int4_group"``.
        label: Human name.
        kind: ``"int"``, ``"fp8"`` or ``"nf4"``.
        bits: Bits per stored value.
        blocking: ``"tensor"``, ``"channel"`` (per row), ``"group"`` (runs of
            ``group_size`` along each row) or ``"block64"`` (NF4).
    """

    name: str
    label: str
    kind: str
    bits: int
    blocking: str


SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme("int8_tensor", "int8 per tensor", "int", 8, "tensor"),
        Scheme("int8_channel", "int8 per channel", "int", 8, "channel"),
        Scheme("int8_group", "int8 per group", "int", 8, "group"),
        Scheme("int4_tensor", "int4 per tensor", "int", 4, "tensor"),
        Scheme("int4_channel", "int4 per channel", "int", 4, "channel"),
        Scheme("int4_group", "int4 per group", "int", 4, "group"),
        Scheme("fp8_e4m3fn", "fp8 E4M3 per tensor", "fp8", 8, "tensor"),
        Scheme("nf4", "NF4 (block 64)", "nf4", 4, "block64"),
    )
}


def _blocks(w: np.ndarray, blocking: str, group: int) -> tuple[np.ndarray, int]:
    """Return ``w`` as (blocks, block length), zero-padded, and the pad count."""
    rows, cols = w.shape
    if blocking == "tensor":
        return w.reshape(1, -1), 0
    if blocking == "channel":
        return w, 0
    if blocking == "group":
        g = min(group, cols)
        pad = (-cols) % g
        return np.pad(w, ((0, 0), (0, pad))).reshape(-1, g), pad
    flat = w.reshape(-1)
    pad = (-flat.size) % NF4_BLOCK
    return np.pad(flat, (0, pad)).reshape(-1, NF4_BLOCK), pad


def _unblock(
    b: np.ndarray, shape: tuple[int, int], blocking: str, pad: int
) -> np.ndarray:
    rows, cols = shape
    if blocking == "group":
        return b.reshape(rows, -1)[:, :cols]
    return b.reshape(-1)[: rows * cols].reshape(shape)


def np_quantize(w: np.ndarray, scheme: str, group: int) -> tuple[np.ndarray, int]:
    """Quantize and dequantize a float32 matrix with numpy and ml_dtypes.

    Args:
        w: Weight matrix (rows are output channels).
        scheme: Key of ``SCHEMES``.
        group: Group size for the per-group schemes.

    Returns:
        The dequantized matrix (float32) and the number of scales stored.
    """
    import ml_dtypes

    s = SCHEMES[scheme]
    b, pad = _blocks(w.astype(np.float32), s.blocking, group)
    absmax = np.abs(b).max(axis=1, keepdims=True)
    absmax = np.where(absmax == 0, np.float32(1), absmax).astype(np.float32)
    if s.kind == "int":
        qmax = np.float32(2 ** (s.bits - 1) - 1)
        scale = absmax / qmax
        d = np.clip(np.rint(b / scale), -qmax, qmax) * scale
    elif s.kind == "fp8":
        scale = absmax / np.float32(FP8_MAX)
        x = np.clip(b / scale, -FP8_MAX, FP8_MAX).astype(ml_dtypes.float8_e4m3fn)
        d = x.astype(np.float32) * scale
    else:
        table = np.asarray(NF4_VALUES, np.float32)
        mids = (table[1:] + table[:-1]) / 2
        idx = np.searchsorted(mids, b / absmax, side="left")
        d = table[idx] * absmax
    return _unblock(d.astype(np.float32), w.shape, s.blocking, pad), b.shape[0]


def torch_quantize(
    torch: Any, w: np.ndarray, scheme: str, group: int, device: str
) -> tuple[np.ndarray, int]:
    """``np_quantize`` computed with torch on ``device``; same blocks, same rules."""
    s = SCHEMES[scheme]
    b_np, pad = _blocks(w.astype(np.float32), s.blocking, group)
    b = torch.as_tensor(b_np, device=device)
    absmax = b.abs().amax(dim=1, keepdim=True)
    absmax = torch.where(absmax == 0, torch.ones_like(absmax), absmax)
    if s.kind == "int":
        qmax = float(2 ** (s.bits - 1) - 1)
        scale = absmax / qmax
        d = torch.clamp(torch.round(b / scale), -qmax, qmax) * scale
    elif s.kind == "fp8":
        scale = absmax / FP8_MAX
        x = torch.clamp(b / scale, -FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn)
        d = x.float() * scale
    else:
        table = torch.tensor(NF4_VALUES, dtype=torch.float32, device=device)
        mids = (table[1:] + table[:-1]) / 2
        idx = torch.bucketize((b / absmax).contiguous(), mids, right=False)
        d = table[idx] * absmax
    d_np = d.float().cpu().numpy()
    return _unblock(d_np, w.shape, s.blocking, pad), b_np.shape[0]


def bits_per_param(scheme: str, n_params: int, n_scales: int) -> float:
    """Return stored bits per parameter including the fp32 scales."""
    return SCHEMES[scheme].bits + SCALE_BITS * n_scales / n_params
