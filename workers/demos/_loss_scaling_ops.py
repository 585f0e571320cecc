"""The loss-scaling demo's measurements, on numpy and on torch.

``NumpyOps`` and ``TorchOps`` answer the same three questions: what share of
gradients a cast leaves zero, subnormal, normal or overflowed; the same at a
given loss scale; and what a dynamic loss-scaling run did (numpy applies
``_gradscaler``'s copy of GradScaler's rule, torch its own
``_amp_update_scale_`` kernel). Both return plain dicts of floats.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workers.demos import _formats as F
from workers.demos._backend import import_torch
from workers.demos._gradscaler import (
    BACKOFF_FACTOR,
    GROWTH_FACTOR,
    INIT_SCALE,
    ScalerState,
    scaler_update,
)

SCALED_FORMAT = "fp16"


class NumpyOps:
    def shares(self, g: np.ndarray, name: str) -> dict[str, float]:
        return _shares(F.np_cast(g, name), F.np_thresholds(name)["min_normal"])

    def under_over(self, g: np.ndarray, scale: float, name: str) -> dict[str, float]:
        with np.errstate(over="ignore"):
            q = F.np_cast(g * np.float32(scale), name)
        return _sweep_shares(_shares(q, F.np_thresholds(name)["min_normal"]))

    def dynamic(self, grads: np.ndarray, interval: int) -> dict[str, Any]:
        state = ScalerState()
        scales, found, under = [], [], []
        for row in grads:
            with np.errstate(over="ignore"):
                q = F.np_cast(row * np.float32(state.scale), SCALED_FORMAT)
            bad = not np.isfinite(q).all()
            scales.append(state.scale)
            found.append(bad)
            under.append(float(np.mean(q == 0)))
            state = scaler_update(state, found_inf=bad, interval=interval)
        return _dynamic_facts(scales, found, under, state.scale)


class TorchOps:
    def __init__(self, device: str) -> None:
        self.torch = import_torch()
        self.device = device

    def _cast(self, g: np.ndarray, scale: float, name: str) -> Any:
        t = self.torch.as_tensor(g, device=self.device) * scale
        return t.to(F.torch_dtype(self.torch, name)).double()

    def shares(self, g: np.ndarray, name: str) -> dict[str, float]:
        q = self._cast(g, 1.0, name).cpu().numpy()
        return _shares(
            q, F.torch_thresholds(self.torch, name, self.device)["min_normal"]
        )

    def under_over(self, g: np.ndarray, scale: float, name: str) -> dict[str, float]:
        torch = self.torch
        q = self._cast(g, scale, name).abs()
        tiny = F.torch_thresholds(torch, name, self.device)["min_normal"]
        finite = torch.isfinite(q)

        def share(mask: Any) -> float:
            return float(mask.double().mean().item())

        return {
            "underflow": share(q == 0),
            "subnormal": share(finite & (q > 0) & (q < tiny)),
            "normal": share(finite & (q >= tiny)),
            "overflow": share(~finite),
        }

    def dynamic(self, grads: np.ndarray, interval: int) -> dict[str, Any]:
        torch, dev = self.torch, self.device
        g = torch.as_tensor(grads, device=dev)
        scale = torch.full((1,), INIT_SCALE, dtype=torch.float32, device=dev)
        tracker = torch.zeros(1, dtype=torch.int32, device=dev)
        steps = g.shape[0]
        scales = torch.empty(steps, dtype=torch.float64, device=dev)
        found = torch.empty(steps, dtype=torch.bool, device=dev)
        under = torch.empty(steps, dtype=torch.float64, device=dev)
        for k in range(steps):
            q = (g[k] * scale).to(torch.float16)
            bad = (~torch.isfinite(q)).any()
            scales[k], found[k] = scale[0], bad
            under[k] = (q == 0).double().mean()
            _update_scale(torch, scale, tracker, bad.float().reshape(1), interval)
        return _dynamic_facts(
            scales.cpu().tolist(),
            found.cpu().tolist(),
            under.cpu().tolist(),
            float(scale.item()),
        )


def _update_scale(torch: Any, scale: Any, tracker: Any, found: Any, n: int) -> None:
    """Apply torch's own scale update, in place, without a device sync."""
    torch._amp_update_scale_(scale, tracker, found, GROWTH_FACTOR, BACKOFF_FACTOR, n)


def _shares(q: np.ndarray, min_normal: float) -> dict[str, float]:
    a = np.abs(q)
    finite = np.isfinite(a)
    return {
        "zero": float(np.mean(a == 0)),
        "subnormal": float(np.mean(finite & (a > 0) & (a < min_normal))),
        "normal": float(np.mean(finite & (a >= min_normal))),
        "overflow": float(np.mean(~finite)),
    }


def _sweep_shares(s: dict[str, float]) -> dict[str, float]:
    """A sweep entry: "underflow" is the share flushed to zero."""
    return {
        "underflow": s["zero"],
        "subnormal": s["subnormal"],
        "normal": s["normal"],
        "overflow": s["overflow"],
    }


def _dynamic_facts(
    scales: list[float], found: list[bool], under: list[float], final: float
) -> dict[str, Any]:
    events = []
    for k in range(1, len(scales)):
        if scales[k] != scales[k - 1]:
            kind = "backoff" if scales[k] < scales[k - 1] else "growth"
            events.append({"step": k, "scale": scales[k], "kind": kind})
    if final != scales[-1]:
        kind = "backoff" if final < scales[-1] else "growth"
        events.append({"step": len(scales), "scale": final, "kind": kind})
    kept = [u for u, bad in zip(under, found, strict=True) if not bad]
    return {
        "steps": len(scales),
        "skipped_steps": [k for k, bad in enumerate(found) if bad],
        "initial_scale": scales[0],
        "final_scale": final,
        "events": events,
        "mean_underflow_kept": float(np.mean(kept)) if kept else None,
    }
