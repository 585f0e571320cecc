"""Templates, the families of problems, and the registry that holds them.

A :class:`Template` describes a family of problems: its parameter space
(:class:`~lessons.problems.params.ParamSpec`, visible to teachers, who may
narrow it) and a ``build`` function that turns drawn parameters into a prompt
and graded parts. A template module registers each of its builds with
:func:`problem_template`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lessons.problems.errors import ProblemInputError
from lessons.problems.params import ParamSpec
from lessons.problems.parts import Part
from lessons.problems.syllabus import OBJECTIVES, SECTIONS


@dataclass(frozen=True)
class Built:
    """What a template's ``build`` returns."""

    prompt: str
    parts: tuple[Part, ...]
    inputs: Mapping[str, str]
    derived: Mapping[str, Any] = field(default_factory=dict)
    convention: str | None = None


#: A template's build: the drawn parameters -> the prompt and parts.
Build = Callable[[dict[str, Any]], Built]


@dataclass(frozen=True)
class Template:
    """A family of problems.

    Attributes:
        key: Stable key ("training-memory-mixed").
        title: Short title.
        objective: Learning objective key (see :data:`OBJECTIVES`).
        section: Lesson section anchor (see :data:`SECTIONS`).
        summary: One sentence on what is practised.
        params: The parameter space, drawn in this order.
        inputs: Names of the displayed inputs the answers depend on; every one
            is shown in the prompt.
        build: Parameters (drawn + nothing else) -> :class:`Built`.
    """

    key: str
    title: str
    objective: str
    section: str
    summary: str
    params: tuple[ParamSpec, ...]
    inputs: tuple[str, ...]
    build: Build

    def describe(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "objective": self.objective,
            "section": self.section,
            "summary": self.summary,
            "params": [p.describe() for p in self.params],
        }


_REGISTRY: dict[str, Template] = {}


def register(template: Template) -> Template:
    """Add ``template`` to the registry; ValueError for an unknown objective or
    section, or a key already taken."""
    if template.objective not in OBJECTIVES:
        raise ValueError(f"{template.key}: unknown objective {template.objective}")
    if template.section not in SECTIONS:
        raise ValueError(f"{template.key}: unknown section {template.section}")
    if template.key in _REGISTRY:
        raise ValueError(f"duplicate template {template.key}")
    _REGISTRY[template.key] = template
    return template


def problem_template(
    *,
    key: str,
    title: str,
    objective: str,
    section: str,
    summary: str,
    params: tuple[ParamSpec, ...],
    inputs: tuple[str, ...],
) -> Callable[[Build], Build]:
    """Register the decorated build function as the template ``key``.

    The arguments are :class:`Template`'s fields; the function is its ``build``.
    """

    def add(build: Build) -> Build:
        register(
            Template(key, title, objective, section, summary, params, inputs, build)
        )
        return build

    return add


def templates() -> tuple[Template, ...]:
    """Every registered template, in the order of the lesson's sections."""
    return tuple(sorted(_REGISTRY.values(), key=lambda t: SECTIONS.index(t.section)))


def get_template(key: object) -> Template:
    """The template called ``key``; ProblemInputError("template") if unknown."""
    if not isinstance(key, str) or key not in _REGISTRY:
        raise ProblemInputError(
            "template", f"unknown template {key!r}; valid: {', '.join(_REGISTRY)}"
        )
    return _REGISTRY[key]
