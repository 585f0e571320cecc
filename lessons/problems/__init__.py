"""Worked problems with randomized parameters, and their grading.

Pure Python: imports nothing from Django. Every answer comes from
:mod:`lessons.precision`, the single source of truth.

* :func:`generate` (template key, seed[, limits]) -> :class:`Problem`, a pure
  function: ``random.Random(seed)`` is the only randomness.
* :func:`templates`, :func:`get_template`: the registry (15 templates).
* :func:`grade`, :func:`grade_part`: read typed answers (``208 GB``,
  ``193.7 GiB``, ``2.08e11 bytes``...), judge value and unit separately and
  name the misconception a wrong answer shows (its id, and
  :func:`misconception_title` for its name in words).

This ``__init__`` is the package's public API: callers import from
``lessons.problems`` (and read units through :mod:`.units`); the helpers that
build parts (:mod:`.parts`) are for template modules and their tests. Where
things live: the framework
(:mod:`.syllabus`, :mod:`.errors`, :mod:`.tolerance`, :mod:`.misconceptions`,
:mod:`.wording`, :mod:`.parts`, :mod:`.params`, :mod:`.registry`,
:mod:`.generation`), grading (:mod:`.grading`), units and the answer reader
(:mod:`.units`), the templates by topic (:mod:`.families`) and the models and
GPUs they draw from (:mod:`.models_catalog`).
"""

from lessons.problems import families  # noqa: F401  (registers the templates)
from lessons.problems.errors import ProblemInputError
from lessons.problems.generation import (
    MAX_SEED,
    Problem,
    check_limits,
    check_seed,
    draw_params,
    generate,
)
from lessons.problems.grading import Grade, ProblemGrade, grade, grade_part
from lessons.problems.misconceptions import (
    MISCONCEPTION_TITLES,
    Misconception,
    misconception_title,
)
from lessons.problems.params import ParamSpec
from lessons.problems.parts import Part
from lessons.problems.registry import Template, get_template, templates
from lessons.problems.syllabus import OBJECTIVES, SECTIONS
from lessons.problems.tolerance import Tolerance
from lessons.problems.units import Reading, read_answer

__all__ = [
    "MAX_SEED",
    "MISCONCEPTION_TITLES",
    "OBJECTIVES",
    "SECTIONS",
    "Grade",
    "Misconception",
    "ParamSpec",
    "Part",
    "Problem",
    "ProblemGrade",
    "ProblemInputError",
    "Reading",
    "Template",
    "Tolerance",
    "check_limits",
    "check_seed",
    "draw_params",
    "generate",
    "get_template",
    "grade",
    "grade_part",
    "misconception_title",
    "read_answer",
    "templates",
]
