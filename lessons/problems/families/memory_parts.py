"""Building blocks of the memory templates: a model's inputs, misconceptions given
in bytes, and parts whose answer is a byte count shown in GB.
"""

from __future__ import annotations

from lessons.precision import Step, TrainingMemory
from lessons.problems import units
from lessons.problems.misconceptions import Misconception
from lessons.problems.models_catalog import ALL_MODELS, MODELS, moe_sentence
from lessons.problems.params import ParamSpec
from lessons.problems.parts import Part, in_unit, part
from lessons.problems.wording import fmt

MODEL = ParamSpec(
    "model",
    "Model",
    choices=ALL_MODELS,
    help="Real model sizes (parameters rounded to 3 significant figures).",
)
#: The displayed inputs of a template that asks only about ``MODEL``.
MODEL_INPUTS = ("model", "params")
GB = "GB"


def mc(
    name: str,
    num_bytes: float,
    feedback: str,
    unit: str = GB,
    *,
    typed_units: tuple[str, ...] | None = None,
) -> Misconception:
    """A misconception given in bytes, stated in ``unit``.

    ``typed_units`` limits it to answers typed in those units (see
    :class:`~lessons.problems.misconceptions.Misconception`).
    """
    return Misconception(
        name, units.unit(unit).from_base(num_bytes), unit, feedback, typed_units
    )


def model_inputs(name: str) -> tuple[float, dict[str, str], str]:
    """A model's parameter count Ψ, its displayed inputs and its words.

    Memory counts every parameter stored: for a mixture of experts all the
    experts, not the active parameters that compute uses.
    """
    model = MODELS[name]
    psi = fmt(model.params)
    text = f"**{name}** ($\\Psi$ = {psi} parameters)"
    if moe := moe_sentence(name):
        text = (
            f"**{name}** ($\\Psi$ = {psi} parameters; {moe}, but every expert is "
            "stored, so memory counts all of them)"
        )
    return model.params, {"model": name, "params": psi}, text


def component_part(
    key: str,
    label: str,
    lines: tuple[Step, ...],
    params: float,
    per_param: float,
    misconceptions: list[Misconception],
    *,
    unit: str = GB,
    divide: int = 1,
) -> Part:
    """A part for ``params × per_param`` bytes (divided over ``divide`` GPUs)."""
    num_bytes = params * per_param / divide
    expr = f"{fmt(params)} × {fmt(per_param)} B" + (
        f" / {divide} GPUs" if divide > 1 else ""
    )
    steps = (
        *lines,
        Step(f"{label} in bytes", expr, num_bytes, "B"),
        in_unit(f"{label} in {unit}", num_bytes, unit),
    )
    return part(key, label, steps[-1].value, unit, steps, misconceptions)


def total_part(
    key: str,
    label: str,
    steps: tuple[Step, ...],
    num_bytes: float,
    misconceptions: list[Misconception],
    *,
    unit: str = GB,
) -> Part:
    """A part whose bytes are the last of ``steps``, converted to ``unit``."""
    if steps[-1].value != num_bytes or steps[-1].unit != "B":
        raise ValueError(f"{key}: the steps must end in {num_bytes} B")
    done = (*steps, in_unit(f"{label} in {unit}", num_bytes, unit))
    return part(key, label, done[-1].value, unit, done, misconceptions)


def step_of(tm: TrainingMemory, label: str) -> Step:
    """The step of ``tm``'s worked solution labelled ``label``."""
    return next(s for s in tm.steps if s.label == label)
