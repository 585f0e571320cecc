"""Generating a problem from (template key, seed, limits), and checking those inputs.

:func:`generate` is a pure function of (template key, seed, limits): it draws
every parameter from ``random.Random(seed)`` in the order the template lists
them, so the same seed gives the same problem forever.

Pure Python; imports nothing from Django.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lessons.problems.errors import ProblemInputError
from lessons.problems.parts import Part
from lessons.problems.registry import Template, get_template

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Problem:
    """One generated problem: a pure function of (template, seed, limits)."""

    template: str
    seed: int
    title: str
    params: Mapping[str, Any]
    inputs: Mapping[str, str]
    prompt: str
    parts: tuple[Part, ...]
    convention: str | None = None

    def part(self, key: str) -> Part:
        for part in self.parts:
            if part.key == key:
                return part
        raise ProblemInputError(key, f"this problem has no part {key!r}")

    @property
    def part_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.parts)

    def to_dict(self, *, with_answers: bool = False) -> dict[str, Any]:
        return {
            "template": self.template,
            "seed": self.seed,
            "title": self.title,
            "params": dict(self.params),
            "prompt": self.prompt,
            "convention": self.convention,
            "parts": [p.to_dict(with_answer=with_answers) for p in self.parts],
        }


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int in [0, 2^63); ProblemInputError("seed") if not."""
    if isinstance(seed, bool):
        raise ProblemInputError("seed", "seed must be a whole number")
    if isinstance(seed, str) and seed.strip().isdigit():
        seed = int(seed.strip())
    if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ProblemInputError(
            "seed", f"seed must be a whole number in [0, {MAX_SEED}]"
        )
    return seed


def check_limits(
    template: Template, limits: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Validate teacher limits for ``template`` (names and overlap)."""
    if not limits:
        return {}
    if not isinstance(limits, Mapping):
        raise ProblemInputError("limits", "limits must map parameter names to values")
    specs = {p.name: p for p in template.params}
    for name, limit in limits.items():
        if name not in specs:
            raise ProblemInputError(name, f"{template.key} has no parameter {name!r}")
        specs[name].check_limit(limit)
    return dict(limits)


def draw_params(
    template_key: str, seed: int, *, limits: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The parameters :func:`generate` draws for (template, seed, limits).

    Cheap (no problem is built): for choosing among seeds by their numbers.

    Raises:
        ProblemInputError: naming ``template``, ``seed`` or the parameter.
    """
    template = get_template(template_key)
    rng = random.Random(check_seed(seed))
    limits = check_limits(template, limits)
    return {
        spec.name: spec.draw(rng, limits.get(spec.name)) for spec in template.params
    }


def generate(
    template_key: str, seed: int, *, limits: Mapping[str, Any] | None = None
) -> Problem:
    """Generate the problem for (template, seed): the same inputs, the same problem.

    Args:
        template_key: A registered template key.
        seed: A whole number in [0, 2^63).
        limits: Optional teacher limits per parameter (choices subset or
            [low, high]); omitted parameters use their full space.

    Raises:
        ProblemInputError: naming ``template``, ``seed`` or the parameter.
    """
    template = get_template(template_key)
    seed = check_seed(seed)
    params = draw_params(template.key, seed, limits=limits)
    built = template.build(dict(params))
    return Problem(
        template=template.key,
        seed=seed,
        title=template.title,
        params={**params, **built.derived},
        inputs=dict(built.inputs),
        prompt=built.prompt,
        parts=built.parts,
        convention=built.convention,
    )
