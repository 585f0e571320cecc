"""Single problems: generate and store one, grade answers to it.

Every answer comes from :mod:`lessons.problems` (and so from
:mod:`lessons.precision`); a stored problem keeps only what regenerates it
and a copy of its parameters (:func:`json_params`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lessons.models import GeneratedProblem
from lessons.problems import (
    ProblemInputError,
    check_limits,
    generate,
    get_template,
    grade,
)
from lessons.quizzes.services.seeds import check_learner_seed, new_seed
from studysite import errors


def input_error(exc: ProblemInputError, prefix: str = "") -> errors.Invalid:
    """A problem's input error as `errors.Invalid` on its field."""
    return errors.Invalid({f"{prefix}{exc.field}": exc.message})


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The drawn parameters that JSON stores as they are (for analytics)."""
    return {
        k: v
        for k, v in params.items()
        if isinstance(v, str | int | float | bool) or v is None
    }


def problem_create(
    *, owner: Any, template: object, seed: object = None, limits: object = None
) -> GeneratedProblem:
    """Generate and store a problem for ``owner`` (a random seed if none)."""
    try:
        tpl = get_template(template)
    except ProblemInputError as exc:
        raise input_error(exc) from exc
    value = (
        new_seed() if seed is None else check_learner_seed(seed, template_key=tpl.key)
    )
    try:
        limits_ = check_limits(tpl, limits) if limits else {}  # type: ignore[arg-type]
        problem = generate(tpl.key, value, limits=limits_ or None)
    except ProblemInputError as exc:
        raise input_error(
            exc, "limits." if exc.field not in {"template", "seed", "limits"} else ""
        ) from exc
    return GeneratedProblem.objects.create(
        template_key=tpl.key,
        seed=value,
        limits=limits_,
        params=json_params(problem.params),
        owner=owner,
    )


def problem_answer(gp: GeneratedProblem, answers: object) -> dict[str, Any]:
    """Grade ``answers`` ({part: text}) to a stored problem; with the solution."""
    if not isinstance(answers, Mapping) or not answers:
        raise errors.Invalid({"answers": "Give answers as {part_key: text}."})
    problem = gp.problem()
    for key, text in answers.items():
        if key not in problem.part_keys:
            raise errors.Invalid(
                {
                    f"answers.{key}": f"Unknown part; this problem's parts: {', '.join(problem.part_keys)}."
                }
            )
        if (
            not isinstance(text, str | int | float)
            or isinstance(text, bool)
            or len(str(text)) > 200
        ):
            raise errors.Invalid(
                {f"answers.{key}": "An answer is text of at most 200 characters."}
            )
    result = grade(problem, {k: str(v) for k, v in answers.items()}, partial=True)
    return {
        "problem": problem.to_dict(with_answers=True),
        "grade": result.to_dict(),
    }
