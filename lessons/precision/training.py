"""Model-state memory for training: weights, gradients, master copy, optimizer.

See :func:`training_memory`. Bytes per value come from the format registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from lessons.precision._registry import NumberFormat
from lessons.precision.steps import Explained, Step, show, size
from lessons.precision.validation import Checker

Optimizer = Literal["sgd", "sgd_momentum", "adam", "adamw", "adam8bit"]

#: Optimizer states per parameter, before choosing their dtype.
OPTIMIZER_STATES: dict[str, int] = {
    "sgd": 0,
    "sgd_momentum": 1,
    "adam": 2,
    "adamw": 2,
    "adam8bit": 2,
}
#: bitsandbytes' 8-bit Adam: block-wise quantized moments, one fp32 absmax
#: per block of 2048 values (Dettmers et al. 2022).
ADAM8BIT_BLOCK = 2048


@dataclass(frozen=True)
class MemoryBreakdown:
    """Model-state memory by component, in bytes (or bytes per parameter)."""

    weights: float
    gradients: float
    master_weights: float
    optimizer_states: float
    total: float

    @classmethod
    def of(
        cls, weights: float, gradients: float, master: float, states: float
    ) -> MemoryBreakdown:
        """Build a breakdown; the total is the sum."""
        return cls(
            weights, gradients, master, states, weights + gradients + master + states
        )

    def times(self, factor: float) -> MemoryBreakdown:
        """Every component multiplied by ``factor``."""
        return MemoryBreakdown.of(
            self.weights * factor,
            self.gradients * factor,
            self.master_weights * factor,
            self.optimizer_states * factor,
        )

    def to_dict(self, *, per_param: bool = False) -> dict[str, Any]:
        """Return JSON-safe components: numbers per parameter, else sizes."""
        fields = ("weights", "gradients", "master_weights", "optimizer_states", "total")
        if per_param:
            return {name: getattr(self, name) for name in fields}
        return {name: size(getattr(self, name)) for name in fields}


@dataclass(frozen=True)
class TrainingMemory(Explained):
    """Model-state memory for training (activations are separate).

    Attributes:
        per_param: Bytes per parameter by component, before any sharding.
        per_gpu: Bytes on each GPU after ZeRO sharding.
        all_gpus: Bytes summed over all GPUs (replicas included).
        k: ZeRO's K: bytes per parameter of optimizer states including the
            master weights (12 for mixed-precision Adam).
        convention: The bytes-per-parameter sum in words, e.g.
            ``"2 + 2 + 4 + 8 = 16 bytes/param (K = 12)"``.
        notes: Assumptions that shape the figure.
    """

    params: int
    weights_dtype: str
    grads_dtype: str
    accumulation_dtype: str | None
    master_dtype: str | None
    optimizer: str
    optimizer_dtype: str | None
    zero_stage: int
    gpus: int
    per_param: MemoryBreakdown
    per_gpu: MemoryBreakdown
    all_gpus: MemoryBreakdown
    k: float
    convention: str
    notes: tuple[str, ...]

    @property
    def bytes_per_param(self) -> float:
        """Bytes per parameter, unsharded."""
        return self.per_param.total

    @property
    def total_bytes(self) -> float:
        """Bytes of model states on each GPU (the answer)."""
        return self.per_gpu.total

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of inputs, breakdowns, notes and steps."""
        return {
            "params": self.params,
            "weights_dtype": self.weights_dtype,
            "grads_dtype": self.grads_dtype,
            "accumulation_dtype": self.accumulation_dtype,
            "master_dtype": self.master_dtype,
            "optimizer": self.optimizer,
            "optimizer_dtype": self.optimizer_dtype,
            "zero_stage": self.zero_stage,
            "gpus": self.gpus,
            "bytes_per_param": self.bytes_per_param,
            "k": self.k,
            "convention": self.convention,
            "per_param": self.per_param.to_dict(per_param=True),
            "per_gpu": self.per_gpu.to_dict(),
            "all_gpus": self.all_gpus.to_dict(),
            "total": size(self.total_bytes),
            "notes": list(self.notes),
            "steps": self.steps_dict(),
        }


@dataclass(frozen=True)
class _StateBytes:
    """Bytes per parameter of each model state, and the words for them."""

    weights: float
    gradients: float
    master: float
    states: float
    lines: tuple[Step, ...]
    notes: tuple[str, ...]


def training_memory(
    params: int,
    *,
    weights_dtype: str = "bf16",
    grads_dtype: str | None = None,
    accumulation_dtype: str | None = None,
    master_weights: bool | str = True,
    optimizer: str = "adam",
    optimizer_dtype: str | None = None,
    zero_stage: int = 0,
    gpus: int = 1,
) -> TrainingMemory:
    """Model-state memory of training: weights, gradients, master copy, optimizer.

    The lesson's default is mixed-precision Adam: bf16 weights 2 + bf16
    gradients 2 + fp32 master weights 4 + two fp32 moments 4 + 4 = 16 bytes per
    parameter (ZeRO, Rajbhandari et al. 2020, K = 12). Other conventions are
    one argument away: ``grads_dtype="fp32"`` gives 18 (Hugging Face's memory
    anatomy); ``accumulation_dtype="fp32"`` keeps an extra fp32 gradient
    buffer and gives 20 (the Ultra-Scale Playbook, DeepSpeed's ZeRO-2
    estimator). Pure fp32 training (``weights_dtype="fp32"``) is 4 + 4 + 8 = 16;
    pure bf16 with ``master_weights=False, optimizer_dtype="bf16"`` is 8.

    ZeRO with N_d = ``gpus`` data-parallel GPUs, per GPU: stage 1 shards the
    optimizer states including the master weights (``W + G + K/N_d``), stage 2
    also the gradients (``W + (G + K)/N_d``), stage 3 also the weights
    (``(W + G + K)/N_d``); W, G, K are bytes per parameter times Ψ.

    8-bit Adam stores each moment in 1 byte plus one fp32 absmax per block of
    2048 values, which is counted (4/2048 B per moment). Its per-tensor
    256-entry quantization map, and bitsandbytes' habit of keeping tensors
    under 4096 values in 32 bits, are ignored.

    Args:
        params: Number of parameters Ψ (a whole number; 7e9 is fine).
        weights_dtype: Format of the working weights.
        grads_dtype: Format of the gradients; defaults to ``weights_dtype``.
        accumulation_dtype: Format of a separate gradient accumulation
            buffer, or None for none.
        master_weights: True for an fp32 master copy, False for none, or a
            format name. No separate copy is counted when it would have the
            weights' own format.
        optimizer: sgd, sgd_momentum, adam, adamw or adam8bit.
        optimizer_dtype: Format of the optimizer states (default fp32); not
            allowed with adam8bit, whose states are 8-bit by definition.
        zero_stage: ZeRO stage 0 (none) to 3.
        gpus: Data-parallel GPUs N_d.

    Returns:
        The breakdown per parameter, per GPU and over all GPUs, with steps.

    Raises:
        PrecisionInputError: naming every invalid field.
    """
    check = Checker()
    count = check.count("params", params)
    weights = check.format("weights_dtype", weights_dtype)
    grads = check.format("grads_dtype", grads_dtype or weights.name)
    accum = _optional_format(check, "accumulation_dtype", accumulation_dtype)
    master = _master_format(check, master_weights)
    opt = check.choice("optimizer", optimizer, OPTIMIZER_STATES)
    states_fmt = _optimizer_format(check, opt, optimizer_dtype)
    stage = check.in_range("zero_stage", zero_stage, 0, 3)
    n_gpus = check.count("gpus", gpus)
    check.done()

    state = _state_bytes(weights, grads, accum, master, opt, states_fmt)
    per_param = MemoryBreakdown.of(
        state.weights, state.gradients, state.master, state.states
    )
    per_gpu = _sharded(per_param, stage, n_gpus).times(count)
    k = state.master + state.states
    steps = (*state.lines, *_training_tail(per_param, k, count, stage, n_gpus, per_gpu))
    return TrainingMemory(
        steps=steps,
        params=count,
        weights_dtype=weights.name,
        grads_dtype=grads.name,
        accumulation_dtype=accum.name if accum else None,
        master_dtype=master.name if master and state.master else None,
        optimizer=opt,
        optimizer_dtype=None
        if opt == "adam8bit" or not state.states
        else states_fmt.name,
        zero_stage=stage,
        gpus=n_gpus,
        per_param=per_param,
        per_gpu=per_gpu,
        all_gpus=per_gpu.times(n_gpus),
        k=k,
        convention=_convention(state, per_param.total, k),
        notes=state.notes,
    )


def _optional_format(check: Checker, field: str, value: object) -> NumberFormat | None:
    return None if value is None else check.format(field, value)


def _master_format(check: Checker, master_weights: object) -> NumberFormat | None:
    if master_weights is True:
        return check.format("master_weights", "fp32")
    if master_weights is False or master_weights is None:
        return None
    return check.format("master_weights", master_weights)


def _optimizer_format(check: Checker, optimizer: str, dtype: object) -> NumberFormat:
    if optimizer == "adam8bit" and dtype is not None:
        check.fail(
            "optimizer_dtype", "adam8bit keeps its moments in 8 bits; leave unset"
        )
    return check.format("optimizer_dtype", "fp32" if dtype is None else dtype)


def _state_bytes(
    weights: NumberFormat,
    grads: NumberFormat,
    accum: NumberFormat | None,
    master: NumberFormat | None,
    optimizer: str,
    states_fmt: NumberFormat,
) -> _StateBytes:
    w, g = weights.bytes_per_value, grads.bytes_per_value
    a = accum.bytes_per_value if accum else 0.0
    separate_master = master is not None and master.name != weights.name
    m = master.bytes_per_value if master and separate_master else 0.0
    states, states_text, notes = _optimizer_bytes(optimizer, states_fmt)
    if master is not None and not separate_master:
        notes = (
            f"The weights are already {weights.name}: they are the master copy.",
            *notes,
        )
    lines = (
        Step("Weights", f"{show(w)} B ({weights.name})", w, "B/param"),
        Step("Gradients", _grads_text(g, grads, a, accum), g + a, "B/param"),
        Step(
            "Master weights",
            f"{show(m)} B ({master.name} copy)" if master and m else "none",
            m,
            "B/param",
        ),
        Step("Optimizer states", states_text, states, "B/param"),
        Step(
            "Bytes per parameter",
            f"{show(w)} + {show(g + a)} + {show(m)} + {show(states)}",
            w + g + a + m + states,
            "B/param",
        ),
    )
    return _StateBytes(w, g + a, m, states, lines, notes)


def _grads_text(
    g: float, grads: NumberFormat, a: float, accum: NumberFormat | None
) -> str:
    text = f"{show(g)} B ({grads.name})"
    return f"{text} + {show(a)} B ({accum.name} accumulation buffer)" if accum else text


def _optimizer_bytes(
    optimizer: str, fmt: NumberFormat
) -> tuple[float, str, tuple[str, ...]]:
    count = OPTIMIZER_STATES[optimizer]
    if optimizer == "adam8bit":
        per_state = 1 + 4 / ADAM8BIT_BLOCK
        text = f"2 moments × (1 B + 4 B fp32 absmax / {ADAM8BIT_BLOCK}-value block)"
        note = (
            f"8-bit Adam: each moment 1 byte, block-wise quantized in blocks of "
            f"{ADAM8BIT_BLOCK} with one fp32 absmax per block (counted); the "
            "per-tensor quantization map is ignored."
        )
        return count * per_state, text, (note,)
    if count == 0:
        return 0.0, "none (plain SGD keeps no state)", ()
    b = fmt.bytes_per_value
    names = "momentum" if count == 1 else "first and second moments"
    return count * b, f"{count} × {show(b)} B ({names}, {fmt.name})", ()


def _sharded(per_param: MemoryBreakdown, stage: int, gpus: int) -> MemoryBreakdown:
    def part(value: float, from_stage: int) -> float:
        return value / gpus if stage >= from_stage else value

    return MemoryBreakdown.of(
        part(per_param.weights, 3),
        part(per_param.gradients, 2),
        part(per_param.master_weights, 1),
        part(per_param.optimizer_states, 1),
    )


def _training_tail(
    per_param: MemoryBreakdown,
    k: float,
    params: int,
    stage: int,
    gpus: int,
    per_gpu: MemoryBreakdown,
) -> tuple[Step, ...]:
    w, g, total = per_param.weights, per_param.gradients, per_param.total
    one_copy = total * params
    steps = [
        Step(
            "ZeRO's K (master weights + optimizer states)",
            f"{show(per_param.master_weights)} + {show(per_param.optimizer_states)}",
            k,
            "B/param",
        ),
        Step(
            "Model states, one full copy",
            f"{show(params)} × {show(total)} B",
            one_copy,
            "B",
        ),
    ]
    psi, nd = f"{show(params)}", f"{gpus}"
    shard = {
        0: f"({show(w)} + {show(g)} + {show(k)}) × {psi} (replicated on every GPU)",
        1: f"({show(w)} + {show(g)} + {show(k)}/{nd}) × {psi}",
        2: f"({show(w)} + ({show(g)} + {show(k)})/{nd}) × {psi}",
        3: f"({show(w)} + {show(g)} + {show(k)})/{nd} × {psi}",
    }[stage]
    label = f"Per GPU, ZeRO stage {stage}, N_d = {gpus}"
    steps.append(Step(label, shard, per_gpu.total, "B"))
    return tuple(steps)


def _convention(state: _StateBytes, total: float, k: float) -> str:
    parts = [state.weights, state.gradients, state.master, state.states]
    terms = " + ".join(show(p) for p in parts if p)
    return f"{terms} = {show(total)} bytes/param (K = {show(k)})"
