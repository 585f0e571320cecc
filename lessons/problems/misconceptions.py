"""Named mistakes: their titles in words, and the wrong answer each produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Every misconception's name as a learner or a teacher reads it, by its id.
#: Ids are shared by templates that test the same slip.
MISCONCEPTION_TITLES: dict[str, str] = {
    "absolute_error": "Absolute error given as the relative error",
    "adam_one_state": "Adam counted with one state instead of two",
    "bits_as_bytes": "Bits counted as bytes",
    "capacity_read_as_gb": "Card capacity read as GB instead of GiB",
    "compared_with_epsilon": "Update compared with epsilon at 1, not the spacing at the weight",
    "converted_wrong_way": "Converted between GB and GiB the wrong way",
    "counted_all_bits": "Epsilon from all the bits, not the mantissa bits",
    "default_scale": "GradScaler's initial scale taken as the answer",
    "divided_by_1024_once": "GB and GiB taken to differ by 1024/1000 once",
    "eight_bytes_per_moment": "8-bit read as 8 bytes",
    "epsilon_as_error": "Machine epsilon taken as this value's error",
    "epsilon_times_weight": "Spacing taken as epsilon times the weight",
    "epsilon_unscaled": "Epsilon at 1 used at another magnitude",
    "everything_8_bit": "Everything counted in 8 bits, not only Adam's moments",
    "extra_master_copy": "A master copy counted for fp32 weights",
    "forgot_attention_term": "Attention-score term left out",
    "forgot_backward_factor": "Backward pass counted once, not twice the forward",
    "forgot_batch": "Batch left out",
    "forgot_block_scales": "Block scales left out",
    "forgot_implicit_bit_is_free": "Implicit leading bit counted as stored",
    "forgot_k_and_v": "Keys or values left out (the factor 2)",
    "forgot_mantissa": "Largest significand taken as 2",
    "forgot_master_weights": "fp32 master weights left out",
    "forgot_optimizer_states": "Optimizer states left out",
    "forgot_sign_bit": "Sign bit left out",
    "forgot_tensor_parallel": "Tensor/sequence parallel split left out",
    "forgot_utilization": "Utilization left out",
    "forward_only": "Forward pass only (2ND instead of 6ND)",
    "fp32_adam": "Adam's moments counted in fp32",
    "fp32_everything": "Counted as fp32 or mixed-precision training",
    "fp32_weights": "Working weights counted in fp32",
    "fraction_not_percent": "A fraction given where a percent is asked",
    "full_spacing": "The whole spacing taken as the threshold, not half",
    "gb_labelled_gib": "Right number in GB, labelled GiB",
    "gib_labelled_gb": "Size in GiB given where GB is asked",
    "half_epsilon_bound": "Worst-case rounding error given instead of this value's",
    "hours_as_days": "Hours given as days",
    "ignored_convention": "The stated gradient convention ignored",
    "ignored_factor": "The 6 of 6ND left out",
    "kept_master_weights": "A master copy counted in pure bf16",
    "kib_as_kb": "Size in kB given where KiB is asked",
    "master_in_16_bit": "Master weights counted in 16 bits",
    "mixed_precision_halves": "Mixed precision taken to halve memory",
    "multiplied_by_utilization": "Multiplied by the utilization instead of dividing",
    "no_rounding": "The value taken as exact, without rounding",
    "no_saving": "Recomputation taken to save nothing",
    "not_power_of_two": "A scale that is not a power of two",
    "one_layer": "One layer instead of all of them",
    "one_moment": "8-bit Adam counted with one moment",
    "query_heads": "Query heads used instead of key/value heads",
    "recompute_stores_nothing": "Full recomputation taken to store nothing",
    "rounded_down": "Rounded down where it must round up",
    "rounded_up": "Rounded up where it must not",
    "saved_everything": "The 8-bit moments taken to cost nothing",
    "saved_is_quantized_size": "The quantized size given as the saving",
    "saved_total_halved": "8-bit Adam taken to halve all of training memory",
    "scale_per_weight": "One scale per weight instead of per block",
    "sharded_gradients": "Gradients sharded at a stage that keeps them whole",
    "sharded_optimizer": "Optimizer states sharded at stage 0",
    "sharded_weights": "Weights sharded before stage 3",
    "significand_one": "Largest significand taken as 1",
    "smallest_subnormal": "Smallest subnormal taken as the spacing",
    "sparse_peak": "The 2:4-sparse peak used for dense training",
    "specials_fn": "Special values read as in the fn formats (no inf)",
    "specials_ieee": "Special values read as in IEEE formats (inf and NaN)",
    "specials_none": "Special values read as absent",
    "total_over_all_gpus": "Summed over all GPUs instead of per GPU",
    "truncated": "Truncated instead of rounded to nearest",
    "unit_roundoff": "Unit roundoff given instead of epsilon",
    "unquantized_size": "Size before quantization",
    "unsharded_gradients": "Gradients not sharded at stage 2 or 3",
    "unsharded_optimizer": "Optimizer states not sharded from stage 1",
    "unsharded_weights": "Weights not sharded at stage 3",
    "update_always_applies": "An update taken to always change the weight",
    "used_16_bit": "Counted in 16 bits",
    "used_16_convention": "The 16 bytes/param convention used instead of the stated one",
    "used_18_convention": "The 18 bytes/param convention used instead of the stated one",
    "used_20_convention": "The 20 bytes/param convention used instead of the stated one",
    "used_2_16": "65,536 used instead of fp16's largest value",
    "used_full": "Full recomputation used instead of selective",
    "used_selective": "Selective recomputation used instead of full",
    "used_stage_0": "ZeRO stage 0's figure",
    "used_stage_1": "ZeRO stage 1's figure",
    "used_stage_2": "ZeRO stage 2's figure",
    "used_stage_3": "ZeRO stage 3's figure",
    "used_subnormal": "Aimed at the smallest subnormal, not the smallest normal",
    "used_total_params": "A mixture of experts' total parameters used for compute",
    "weights_only": "Weights only",
    "divided_everything": "Every state divided by the GPUs",
}


def misconception_title(name: str) -> str:
    """A misconception id as words: its registered title, else the id spelled out.

    Args:
        name: A misconception id ("gib_labelled_gb"), as grades and answers store it.

    Returns:
        The human name ("Size in GiB given where GB is asked").
    """
    if name in MISCONCEPTION_TITLES:
        return MISCONCEPTION_TITLES[name]
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class Misconception:
    """A named mistake, the answer it produces and what to tell the learner.

    Attributes:
        name: Stable id ("gib_labelled_gb"); :attr:`title` is its name in words.
        value: The wrong answer, in ``unit``.
        unit: The unit ``value`` is stated in.
        feedback: What the mistake is, for the learner.
        typed_units: For a mix-up of units: the units (canonical symbols, ""
            for none) the learner must have typed for this to be the mistake;
            None when the mistake lies in the number, whatever unit is typed.
    """

    name: str
    value: float
    unit: str
    feedback: str
    typed_units: tuple[str, ...] | None = None

    @property
    def title(self) -> str:
        """The misconception's name in words (see :func:`misconception_title`)."""
        return misconception_title(self.name)

    def applies_to(self, typed_unit: str) -> bool:
        """Whether an answer typed in ``typed_unit`` ("" for none) can show it."""
        return self.typed_units is None or typed_unit in self.typed_units

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "value": self.value,
            "unit": self.unit,
            "typed_units": list(self.typed_units)
            if self.typed_units is not None
            else None,
            "feedback": self.feedback,
        }
