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
"""

from lessons.problems import (  # noqa: F401  (registration side effect)
    templates_compute,
    templates_formats,
    templates_inference,
    templates_memory,
)
from lessons.problems.core import (
    MAX_SEED,
    MISCONCEPTION_TITLES,
    OBJECTIVES,
    SECTIONS,
    Misconception,
    ParamSpec,
    Part,
    Problem,
    ProblemInputError,
    Template,
    Tolerance,
    check_limits,
    check_seed,
    draw_params,
    generate,
    get_template,
    misconception_title,
    templates,
)
from lessons.problems.grading import Grade, ProblemGrade, grade, grade_part
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
