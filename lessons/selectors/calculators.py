"""The memory and compute calculators: their parameters, how each is run
(:mod:`lessons.precision.memory`), the cards a result fits on, and
`calculate`, which parses raw input and returns a JSON-safe result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lessons import precision
from lessons.precision import memory
from lessons.precision.errors import PrecisionInputError
from lessons.selectors.inputs import Param, Parser, json_safe

UNITS = "GB = 10^9 bytes, GiB = 2^30 bytes"
#: The cards the calculators check a result against: 24, 40, 80 and 141 GB.
CARDS = ("rtx4090_24gb", "a100_40gb", "h100_80gb", "h200_141gb")


_FORMATS = precision.FORMAT_NAMES


@dataclass(frozen=True)
class Calculator:
    """A calculator of the API: its inputs and the function it runs."""

    name: str
    summary: str
    params: tuple[Param, ...]
    run: Callable[..., dict[str, Any]]

    def __call__(self, data: Mapping[str, Any]) -> dict[str, Any]:
        parser = Parser(data)
        values = {p.name: parser.parse(p) for p in self.params}
        if parser.errors:
            self._check_the_rest(values, parser)
        result = self.run(**values)
        result["inputs"] = {k: _optional(v) for k, v in values.items()}
        result["defaults"] = {k: _optional(v) for k, v in parser.defaults.items()}
        result["units"] = UNITS
        return json_safe(result)

    def _check_the_rest(self, values: dict[str, Any], parser: Parser) -> None:
        """Raise every problem at once: the unparsable fields, and what the
        domain says about the others (run with stand-ins for the bad ones)."""
        stand_in = {
            p.name: 1 if p.default is None else p.default
            for p in self.params
            if p.name in parser.errors
        }
        errors = dict(parser.errors)
        try:
            self.run(**{**values, **stand_in})
        except PrecisionInputError as error:
            errors = {**error.errors, **errors}
        order = [p.name for p in self.params]
        raise PrecisionInputError(
            dict(sorted(errors.items(), key=lambda kv: _index(order, kv[0])))
        )


def _index(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def _fits(total_bytes: float) -> list[dict[str, Any]]:
    if not total_bytes > 0:
        return []
    out = []
    for name in CARDS:
        card = precision.gpu(name)
        fit = precision.fits(total_bytes, card)
        out.append(
            {
                "gpu": card.name,
                "label": card.label,
                "capacity_gb": round(card.memory_bytes / 2**30),
                "fits": fit.fits,
                "fraction_used": fit.fraction_used,
                "min_gpus": fit.min_gpus,
                "free": {
                    "bytes": fit.free_bytes,
                    "GB": fit.free_bytes / 1e9,
                    "GiB": fit.free_bytes / 2**30,
                },
            }
        )
    return out


def _size(nbytes: float) -> dict[str, float]:
    return {"bytes": nbytes, "GB": nbytes / 1e9, "GiB": nbytes / 2**30}


def _training(**kw: Any) -> dict[str, Any]:
    result = memory.training_memory(**kw)
    data = result.to_dict()
    return {
        **data,
        **_size(result.total_bytes),
        "convention": (
            f"Model states only (activations separate): {result.convention}; "
            f"ZeRO stage {result.zero_stage} over {result.gpus} "
            f"GPU{'s' if result.gpus != 1 else ''}; per GPU unless under all_gpus"
        ),
        "fits": _fits(result.total_bytes),
    }


def _inference(**kw: Any) -> dict[str, Any]:
    result = memory.inference_memory(**kw)
    block = (
        f"one fp32 scale per block of {result.block_size}"
        + (" (double-quantized)" if result.double_quant else "")
        if result.block_size
        else "no block scales"
    )
    return {
        **result.to_dict(),
        **_size(result.total_bytes),
        "convention": (
            f"Weights only: {result.dtype} at {result.bits_per_param:g} bits per "
            f"parameter, {block}"
        ),
        "fits": _fits(result.total_bytes),
    }


def _kv(**kw: Any) -> dict[str, Any]:
    result = memory.kv_cache(**kw)
    return {
        **result.to_dict(),
        **_size(result.total_bytes),
        "convention": (
            "2 (K and V) × layers × kv_heads × head_dim × bytes per value "
            f"({result.dtype}) × seq_len × batch"
        ),
        "fits": _fits(result.total_bytes),
    }


def _activations(**kw: Any) -> dict[str, Any]:
    result = memory.activation_memory(**kw)
    return {
        **result.to_dict(),
        **_size(result.total_bytes),
        "convention": (
            "16-bit activations per GPU, Korthikanti et al. 2022: "
            f"{result.formula} per layer; embeddings and output layer not counted"
        ),
    }


def _compute(**kw: Any) -> dict[str, Any]:
    result = precision.training_compute(**kw)
    return {
        **result.to_dict(),
        "petaflop_days": result.flops / (1e15 * 86_400),
        "convention": "6·N·D FLOPs (Kaplan et al. 2020): 2·N·D forward, 4·N·D backward",
    }


def _optional(value: Any) -> Any:
    """An optional input left out ("") is None for the domain; 0 stays 0."""
    return None if value == "" else value


_DTYPE_HELP = "Number format: " + ", ".join(_FORMATS)
CALCULATORS: dict[str, Calculator] = {
    c.name: c
    for c in (
        Calculator(
            "training-memory",
            "Model-state memory of training: weights, gradients, master weights, "
            "optimizer states, per GPU and in all (ZeRO).",
            (
                Param("params", "count", None, "Parameters (7e9 is fine)"),
                Param("weights_dtype", "format", "bf16", _DTYPE_HELP),
                Param(
                    "grads_dtype",
                    "format",
                    "",
                    "Gradient format (default: weights_dtype)",
                ),
                Param(
                    "accumulation_dtype",
                    "format",
                    "",
                    "Format of a separate gradient accumulation buffer, counted "
                    "besides the gradients (default: none). fp32 gives the 20 "
                    "B/param of the Ultra-Scale Playbook and DeepSpeed's ZeRO-2 "
                    "estimator",
                ),
                Param(
                    "master_weights",
                    "master",
                    True,
                    "true (fp32 copy), false, or a format",
                ),
                Param(
                    "optimizer",
                    "choice",
                    "adam",
                    "Optimizer",
                    tuple(memory.OPTIMIZER_STATES),
                ),
                Param(
                    "optimizer_dtype",
                    "format",
                    "",
                    "Format of the optimizer states (default: fp32; not with "
                    "adam8bit). bf16 with master_weights=false is pure bf16 "
                    "training, 8 B/param with Adam",
                ),
                Param("zero_stage", "count", 0, "ZeRO stage 0-3"),
                Param("gpus", "count", 1, "Data-parallel GPUs"),
            ),
            lambda **kw: _training(
                **{
                    **kw,
                    "grads_dtype": _optional(kw["grads_dtype"]),
                    "accumulation_dtype": _optional(kw["accumulation_dtype"]),
                    "optimizer_dtype": _optional(kw["optimizer_dtype"]),
                }
            ),
        ),
        Calculator(
            "inference-memory",
            "Weight memory for inference, quantization constants included.",
            (
                Param("params", "count", None, "Parameters"),
                Param("dtype", "format", "bf16", _DTYPE_HELP),
                Param("block_size", "count", "", "Values per quantization block"),
                Param("double_quant", "bool", False, "Quantize the block scales too"),
            ),
            lambda **kw: _inference(
                **{**kw, "block_size": _optional(kw["block_size"])}
            ),
        ),
        Calculator(
            "kv-cache",
            "KV cache of autoregressive inference.",
            (
                Param("layers", "count", None, "Transformer layers"),
                Param("kv_heads", "count", None, "Key/value heads"),
                Param("head_dim", "count", None, "Dimension per head"),
                Param("seq_len", "count", None, "Tokens per sequence"),
                Param("batch", "count", 1, "Sequences"),
                Param("dtype", "format", "bf16", _DTYPE_HELP),
            ),
            _kv,
        ),
        Calculator(
            "activation-memory",
            "Activation memory per GPU (Korthikanti et al. 2022).",
            (
                Param("seq_len", "count", None, "Sequence length s"),
                Param("micro_batch", "count", 1, "Micro-batch size b"),
                Param("hidden", "count", None, "Hidden size h"),
                Param("heads", "count", None, "Attention heads a"),
                Param("layers", "count", None, "Transformer layers L"),
                Param("tensor_parallel", "count", 1, "Tensor-parallel size t"),
                Param("sequence_parallel", "bool", False, "Sequence parallelism"),
                Param(
                    "recompute",
                    "choice",
                    "none",
                    "Recomputation",
                    tuple(memory.RECOMPUTE_CHOICES),
                ),
            ),
            _activations,
        ),
        Calculator(
            "training-compute",
            "Training compute, 6·N·D FLOPs.",
            (
                Param("params", "count", None, "Parameters N"),
                Param("tokens", "count", None, "Training tokens D"),
            ),
            _compute,
        ),
    )
}


def calculate(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Run calculator ``name`` on raw input (query strings or form data).

    Raises:
        PrecisionInputError: naming every bad field.
    """
    return CALCULATORS[name](data)


def training_memory_choices() -> dict[str, Iterable[str]]:
    """Choices for the memory calculator's form."""
    return {
        "formats": [f.name for f in precision.all_formats() if f.kind == "float"],
        "optimizers": tuple(memory.OPTIMIZER_STATES),
    }
