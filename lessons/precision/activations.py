"""Activation memory of a transformer layer (Korthikanti et al. 2022).

See :func:`activation_memory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from lessons.precision.steps import Explained, Step, show, size
from lessons.precision.validation import Checker

Recompute = Literal["none", "selective", "full"]
RECOMPUTE_CHOICES: tuple[str, ...] = ("none", "selective", "full")


@dataclass(frozen=True)
class ActivationMemory(Explained):
    """Activation memory per GPU for a transformer (Korthikanti et al. 2022).

    Attributes:
        per_layer_bytes: Bytes per transformer layer on one GPU.
        total_bytes: ``per_layer_bytes × layers``.
        formula: The equation used, in the paper's symbols.
    """

    seq_len: int
    micro_batch: int
    hidden: int
    heads: int
    layers: int
    tensor_parallel: int
    sequence_parallel: bool
    recompute: str
    per_layer_bytes: float
    total_bytes: float
    formula: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of inputs, sizes, formula and steps."""
        return {
            "seq_len": self.seq_len,
            "micro_batch": self.micro_batch,
            "hidden": self.hidden,
            "heads": self.heads,
            "layers": self.layers,
            "tensor_parallel": self.tensor_parallel,
            "sequence_parallel": self.sequence_parallel,
            "recompute": self.recompute,
            "per_layer": size(self.per_layer_bytes),
            "total": size(self.total_bytes),
            "formula": self.formula,
            "steps": self.steps_dict(),
        }


def activation_memory(
    seq_len: int,
    micro_batch: int,
    hidden: int,
    heads: int,
    layers: int = 1,
    tensor_parallel: int = 1,
    sequence_parallel: bool = False,
    recompute: str = "none",
) -> ActivationMemory:
    """Activation memory per GPU, 16-bit activations (Korthikanti et al. 2022).

    With s = ``seq_len``, b = ``micro_batch``, h = ``hidden``, a = ``heads``,
    t = ``tensor_parallel``, the bytes per transformer layer are (the paper's
    equations 1-4 and section 5):

    * no parallelism: ``s·b·h·(34 + 5·a·s/h)`` (eq. 1);
    * tensor parallel: ``s·b·h·(10 + 24/t + 5·a·s/(h·t))`` (eq. 2);
    * tensor + sequence parallel: ``s·b·h/t·(34 + 5·a·s/h)`` (eq. 3);
    * selective recomputation drops the ``5·a·s/h`` attention term (eq. 4);
    * full recomputation keeps only each layer's input, ``2·s·b·h``, divided
      by t with sequence parallelism.

    Embeddings, the output layer and pipeline parallelism are not counted.

    Args:
        seq_len: Sequence length s.
        micro_batch: Micro-batch size b.
        hidden: Hidden size h.
        heads: Attention heads a.
        layers: Transformer layers L.
        tensor_parallel: Tensor-parallel size t.
        sequence_parallel: Whether sequence parallelism is on.
        recompute: "none", "selective" or "full".

    Returns:
        Bytes per layer and for all layers, with the formula and steps.

    Raises:
        PrecisionInputError: naming every invalid field.
    """
    check = Checker()
    s, b = check.count("seq_len", seq_len), check.count("micro_batch", micro_batch)
    h, a = check.count("hidden", hidden), check.count("heads", heads)
    n_layers, t = (
        check.count("layers", layers),
        check.count("tensor_parallel", tensor_parallel),
    )
    sp = check.flag("sequence_parallel", sequence_parallel)
    mode = check.choice("recompute", recompute, RECOMPUTE_CHOICES)
    check.done()

    formula, per_layer = _activation_formula(s, b, h, a, t, sp=sp, mode=mode)
    sbh = s * b * h
    per_layer_bytes = float(per_layer)
    total = per_layer_bytes * n_layers
    steps = (
        Step("s·b·h", f"{show(s)} × {show(b)} × {show(h)}", sbh, ""),
        Step("Per layer", formula, per_layer_bytes, "B"),
        Step("All layers", f"{show(per_layer_bytes)} B × {n_layers}", total, "B"),
    )
    return ActivationMemory(
        steps=steps,
        seq_len=s,
        micro_batch=b,
        hidden=h,
        heads=a,
        layers=n_layers,
        tensor_parallel=t,
        sequence_parallel=sp,
        recompute=mode,
        per_layer_bytes=per_layer_bytes,
        total_bytes=total,
        formula=formula,
    )


def _activation_formula(
    s: int, b: int, h: int, a: int, t: int, *, sp: bool, mode: str
) -> tuple[str, Fraction]:
    sbh = Fraction(s * b * h)
    attention = Fraction(5 * a * s, h)
    if mode == "full":
        return ("2·s·b·h/t", 2 * sbh / t) if sp else ("2·s·b·h", 2 * sbh)
    keep_attention = mode == "none"
    if sp or t == 1:
        inner = 34 + (attention if keep_attention else 0)
        text = "s·b·h·(34 + 5·a·s/h)" if keep_attention else "34·s·b·h"
        return (f"{text}/t", sbh * inner / t) if t > 1 else (text, sbh * inner)
    inner = 10 + Fraction(24, t) + (attention / t if keep_attention else 0)
    text = "s·b·h·(10 + 24/t" + (" + 5·a·s/(h·t))" if keep_attention else ")")
    return text, sbh * inner
