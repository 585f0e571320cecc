"""Reads of the lessons app, one module per idea; this package's public API.

- `course`: the outline, lesson pages, objective links.
- `inputs`: raw input read into numbers and flags; JSON-safe output.
- `encodings`: what each number format does to a typed value.
- `calculators`: the memory and compute calculators.

Callers write ``from lessons import selectors`` and ``selectors.lesson_get``;
the names below are what pages, APIs and other apps use. A lesson that is not
published is `studysite.errors.NotFound`; bad calculator input raises
`lessons.precision.PrecisionInputError` naming every bad field.
"""

from lessons.selectors.calculators import (
    CALCULATORS,
    CARDS,
    UNITS,
    Calculator,
    calculate,
    training_memory_choices,
)
from lessons.selectors.course import (
    LESSON_TOOLS,
    ObjectiveLink,
    course_outline,
    lesson_get,
    lesson_list,
    lesson_objectives,
    lesson_page_links,
    objective_links,
    phase_neighbours,
)
from lessons.selectors.encodings import (
    against_exact,
    exact_value,
    format_encode,
    format_encode_all,
    format_list,
)
from lessons.selectors.inputs import (
    Param,
    Parser,
    json_safe,
    parse_number,
)

__all__ = [
    "CALCULATORS",
    "CARDS",
    "Calculator",
    "LESSON_TOOLS",
    "ObjectiveLink",
    "Param",
    "Parser",
    "UNITS",
    "against_exact",
    "calculate",
    "course_outline",
    "exact_value",
    "format_encode",
    "format_encode_all",
    "format_list",
    "json_safe",
    "lesson_get",
    "lesson_list",
    "lesson_objectives",
    "lesson_page_links",
    "objective_links",
    "parse_number",
    "phase_neighbours",
    "training_memory_choices",
]
