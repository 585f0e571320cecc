"""Training the mixed-precision demo's MLP in one precision mode.

``np_train`` emulates each mode on numpy by casting where a GPU rounds
(``_mlp.forward_backward``) and applies ``_gradscaler``'s loss-scaling rule;
``torch_train`` uses torch dtypes (autocast and GradScaler on CUDA, explicit
casts on the CPU). Both return a ``Trace``: the losses, test accuracy, bytes
held per parameter, time per step and the weight updates lost to rounding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workers.demos import _formats as F
from workers.demos import _mlp as M
from workers.demos._backend import Target, import_torch
from workers.demos._gradscaler import ScalerState, scaler_update

# mode: (compute format, fp32 master copy?, dynamic loss scaling?)
SETUP: dict[str, tuple[str, bool, bool]] = {
    "fp32": ("fp32", False, False),
    "fp16_pure": ("fp16", False, False),
    "fp16_master_scaled": ("fp16", True, True),
    "bf16_master": ("bf16", True, False),
}
N_TRAIN, N_TEST = 4096, 2048


@dataclass
class Trace:
    """What one training run produced."""

    losses: list[float] = field(default_factory=list)
    accuracy: float = 0.0
    bytes_held: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: int = 0
    lost: int = 0
    updates: int = 0
    final_scale: float | None = None


def _init(p: dict[str, Any]) -> dict[str, np.ndarray]:
    return M.init_params(
        features=p["features"], hidden=p["hidden"], classes=p["classes"], seed=p["seed"]
    )


def _np_cast(name: str) -> M.Cast:
    if name == "fp32":
        return M.identity
    dtype = F.FORMATS[name].numpy_dtype

    def cast(x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(x, np.float32).astype(dtype).astype(np.float32)

    return cast


def np_train(target: Target, mode: str, p: dict[str, Any], task: M.Task) -> Trace:
    fmt_name, master, scaled = SETUP[mode]
    cast = _np_cast(fmt_name)
    # Pure 16-bit keeps only the 16-bit weights; otherwise these are fp32.
    w = {k: (v if master or mode == "fp32" else cast(v)) for k, v in _init(p).items()}
    state, trace = ScalerState(), Trace()
    lr = np.float32(p["lr"])
    start = time.perf_counter()
    for idx in M.batch_indices(N_TRAIN, p["batch"], p["steps"], p["seed"]):
        scale = state.scale if scaled else 1.0
        loss, g = M.forward_backward(
            w, task.x_train[idx], task.y_train[idx], cast=cast, loss_scale=scale
        )
        trace.losses.append(loss)
        bad = scaled and not all(np.isfinite(v).all() for v in g.values())
        if scaled:
            state = scaler_update(state, found_inf=bad, interval=p["growth_interval"])
        if bad:
            trace.skipped += 1
            continue
        round_w = cast if not master else M.identity
        new = {k: round_w(w[k] - lr * (g[k] / np.float32(scale))) for k in w}
        _count_lost(trace, w, new, g)
        w = new
    trace.seconds = (time.perf_counter() - start) / p["steps"]
    trace.accuracy = M.accuracy(w, task.x_test, task.y_test)
    trace.bytes_held = _np_bytes(fmt_name, master)
    trace.final_scale = state.scale if scaled else None
    return trace


def _count_lost(
    trace: Trace, old: dict[str, Any], new: dict[str, Any], grads: dict[str, Any]
) -> None:
    """Count weights whose gradient was non-zero but which did not move."""
    for k in old:
        wanted = _as_np(grads[k]) != 0
        trace.updates += int(wanted.sum())
        trace.lost += int((wanted & (_as_np(new[k]) == _as_np(old[k]))).sum())


def _as_np(x: Any) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else x.detach().cpu().numpy()


def _np_bytes(fmt_name: str, master: bool) -> dict[str, float]:
    """Bytes per parameter the emulation holds (as the 16-bit formats store them)."""
    b = F.FORMATS[fmt_name].bits / 8
    return {"weights": b, "grads": b, "master": 4.0 if master else 0.0}


def torch_train(target: Target, mode: str, p: dict[str, Any], task: M.Task) -> Trace:
    torch = import_torch()
    fmt_name, master, scaled = SETUP[mode]
    dev, cdt = target.device, F.torch_dtype(torch, fmt_name)
    store = cdt if not master else torch.float32
    w = {
        k: torch.tensor(v, device=dev).to(store).requires_grad_()
        for k, v in _init(p).items()
    }
    opt = torch.optim.SGD(list(w.values()), lr=p["lr"])
    scaler = torch.amp.GradScaler(
        torch.device(dev).type,
        init_scale=2.0**16,
        growth_interval=p["growth_interval"],
        enabled=scaled,
    )
    x_all = torch.as_tensor(task.x_train, device=dev)
    y_all = torch.as_tensor(task.y_train, device=dev)
    idx_all = M.batch_indices(N_TRAIN, p["batch"], p["steps"], p["seed"])
    trace = Trace()
    losses = []
    _sync(torch, target)
    start = time.perf_counter()
    for idx in torch.as_tensor(idx_all, device=dev):
        loss = _torch_loss(torch, target, w, x_all[idx], y_all[idx], cdt, master)
        losses.append(loss.detach())
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        old = {k: v.detach().clone() for k, v in w.items()}
        grads = {k: v.grad.detach().clone() for k, v in w.items()}
        before = scaler.get_scale() if scaled else None
        scaler.step(opt)
        scaler.update()
        if scaled and scaler.get_scale() < before:
            trace.skipped += 1
            continue
        _count_lost(trace, old, {k: v.detach() for k, v in w.items()}, grads)
    _sync(torch, target)
    trace.seconds = (time.perf_counter() - start) / p["steps"]
    trace.losses = [float(v) for v in torch.stack(losses).cpu().tolist()]
    weights = {k: v.detach().float().cpu().numpy() for k, v in w.items()}
    trace.accuracy = M.accuracy(weights, task.x_test, task.y_test)
    trace.bytes_held = _torch_bytes(w, cdt, master)
    trace.final_scale = scaler.get_scale() if scaled else None
    return trace


def _torch_loss(
    torch: Any,
    target: Target,
    w: dict[str, Any],
    x: Any,
    y: Any,
    cdt: Any,
    master: bool,
) -> Any:
    """Forward pass: autocast on CUDA, explicit casts on the CPU; fp32 loss."""
    fn = torch.nn.functional
    if master and target.is_cuda and cdt != torch.float32:
        with torch.autocast("cuda", dtype=cdt):
            logits = _torch_forward(fn, w, x)
    else:
        wc = {k: v.to(cdt) for k, v in w.items()}
        logits = _torch_forward(fn, wc, x.to(cdt))
    return fn.cross_entropy(logits.float(), y)


def _torch_forward(fn: Any, w: dict[str, Any], x: Any) -> Any:
    h = fn.relu(fn.linear(x, w["w1"], w["b1"]))
    return fn.linear(h, w["w2"], w["b2"])


def _torch_bytes(w: dict[str, Any], cdt: Any, master: bool) -> dict[str, float]:
    """Bytes per parameter of the tensors torch holds.

    With master weights the parameters are fp32 and so are their gradients
    (as under autocast); the 16-bit copy is made per step.
    """
    v = next(iter(w.values()))
    if not master:
        return {
            "weights": v.element_size(),
            "grads": v.grad.element_size(),
            "master": 0,
        }
    return {
        "weights": cdt.itemsize,
        "grads": v.grad.element_size(),
        "master": v.element_size(),
    }


def _sync(torch: Any, target: Target) -> None:
    if target.is_cuda:
        torch.cuda.synchronize()
