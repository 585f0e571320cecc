"""Parametric cards: a fresh problem variant per review, graded by the server.

The queue shows a parametric card with a new seed and a signed ``token``
(card, learner, seed; `django.core.signing`), so a client cannot pick a
variant it already knows. The learner types an answer per part;
``POST /api/v1/cards/{id}/grade/`` grades it without writing (the page shows
right/wrong, the expected answers and the worked solution), then
``POST /api/v1/reviews/`` with the same token and answers grades again and
records the review: wrong is always Again; right is the learner's Hard, Good
or Easy (Good by default). The log keeps the seed, the answers and the
grades, so `variant_of_log` shows the exact variant again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from random import Random
from typing import Any

from django.core import signing

from flashcards import content
from flashcards.models import Card, ReviewLog
from lessons import problems
from lessons.markup import render_user_markdown
from studysite.errors import Invalid

SALT = "flashcards.parametric.variant"
#: A shown variant may be answered for this long (offline reviews included).
TOKEN_MAX_AGE_S = 100 * 24 * 3600
MAX_ANSWER_CHARS = 200


@dataclass(frozen=True)
class Checked:
    seed: int
    correct: bool
    grades: list[dict[str, Any]]
    answers: dict[str, str]
    problem: problems.Problem


def new_seed(rng: Random) -> int:
    return rng.randrange(problems.MAX_SEED + 1)


def variant_token(*, card_id: int, learner_id: int | None, seed: int) -> str:
    return signing.dumps({"c": card_id, "u": learner_id, "s": seed}, salt=SALT)


def seed_from_token(token: Any, *, card_id: int, learner_id: int | None) -> int:
    """The seed a token was issued with, for this card and learner.

    Raises:
        Invalid: ``variant`` is missing, forged, expired or not this card's.
    """
    if not isinstance(token, str) or not token:
        raise Invalid(
            {"variant": "A parametric card is answered with its variant token."}
        )
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE_S)
    except signing.SignatureExpired:
        raise Invalid(
            {"variant": "This variant has expired; load the card again."}
        ) from None
    except signing.BadSignature:
        raise Invalid({"variant": "Not a valid variant token."}) from None
    if data.get("c") != card_id or data.get("u") != learner_id:
        raise Invalid({"variant": "This variant token belongs to another card."})
    return int(data["s"])


def part_data(part: problems.Part) -> dict[str, Any]:
    return {
        "key": part.key,
        "label": part.label,
        "unit": part.unit,
        "choices": list(part.choices) if part.choices else None,
    }


def variant_payload(*, card: Card, learner_id: int | None, seed: int) -> dict[str, Any]:
    """What the study page shows of variant ``seed``: prompt, parts, token."""
    problem = content.parametric_problem(card.note.fields, seed)
    parts = content.parametric_parts(card.note.fields, problem)
    return {
        "seed": seed,
        "token": variant_token(card_id=card.pk, learner_id=learner_id, seed=seed),
        "template": problem.template,
        "title": problem.title,
        "prompt": render_user_markdown(problem.prompt),
        "parts": [part_data(p) for p in parts],
    }


def clean_answers(answers: Any) -> dict[str, str]:
    if answers is None:
        return {}
    if not isinstance(answers, Mapping):
        raise Invalid({"answers": "Must map part keys to typed answers."})
    clean: dict[str, str] = {}
    for key, value in answers.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise Invalid({f"answers.{key}": "Must be text."})
        text = str(value)
        if len(text) > MAX_ANSWER_CHARS:
            raise Invalid({f"answers.{key}": f"At most {MAX_ANSWER_CHARS} characters."})
        clean[str(key)] = text
    return clean


def check(*, card: Card, learner_id: int | None, token: Any, answers: Any) -> Checked:
    """Grade answers to the variant a token names (no writes)."""
    seed = seed_from_token(token, card_id=card.pk, learner_id=learner_id)
    clean = clean_answers(answers)
    problem = content.parametric_problem(card.note.fields, seed)
    parts = content.parametric_parts(card.note.fields, problem)
    keys = {p.key for p in parts}
    unknown = sorted(set(clean) - keys)
    if unknown:
        raise Invalid(
            {
                f"answers.{k}": f"Not a part of this problem ({sorted(keys)})."
                for k in unknown
            }
        )
    grades = [problems.grade_part(p, clean.get(p.key, "")).to_dict() for p in parts]
    return Checked(
        seed=seed,
        correct=all(g["status"] == "correct" for g in grades),
        grades=grades,
        answers=clean,
        problem=problem,
    )


def result_payload(checked: Checked, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Grades with the expected answers and the worked solution of each part."""
    parts = content.parametric_parts(fields, checked.problem)
    return {
        "seed": checked.seed,
        "correct": checked.correct,
        "grades": checked.grades,
        "solution": [
            {
                "key": p.key,
                "label": p.label,
                "answer_text": p.answer_text,
                "tolerance": p.tolerance.describe(),
                "steps": [s.to_dict() for s in p.solution],
            }
            for p in parts
        ],
        "back": render_user_markdown(_solution_markdown(parts)),
    }


def _solution_markdown(parts: tuple[problems.Part, ...]) -> str:
    lines: list[str] = []
    for p in parts:
        within = f" ({p.tolerance_text})" if p.tolerance_text else ""
        lines.append(f"**{p.field_label}** {p.answer_text}{within}")
        lines.append("")
        lines += [f"- {line}" for line in p.solution_lines()]
        lines.append("")
    return "\n".join(lines)


def log_fields(checked: Checked, fields: Mapping[str, Any]) -> dict[str, Any]:
    """What a review log keeps of a parametric answer."""
    return {
        "seed": checked.seed,
        "answer": json.dumps(checked.answers, ensure_ascii=False, sort_keys=True),
        "correct": checked.correct,
        "variant": {
            "template": fields["template"],
            "limits": fields.get("limits") or {},
            "part": fields.get("part") or "",
            "answers": checked.answers,
            "grades": checked.grades,
        },
    }


def variant_of_log(log: ReviewLog) -> dict[str, Any]:
    """The exact variant a review answered, regenerated from its seed."""
    variant = log.variant or {}
    fields = {
        "template": variant["template"],
        "limits": variant.get("limits") or {},
        "part": variant.get("part") or "",
    }
    problem = content.parametric_problem(fields, log.seed)
    parts = content.parametric_parts(fields, problem)
    checked = Checked(
        seed=log.seed,
        correct=bool(log.correct),
        grades=variant.get("grades") or [],
        answers=variant.get("answers") or {},
        problem=problem,
    )
    return {
        "review": log.pk,
        "card": log.card_id,
        "rating": log.rating,
        "reviewed_at": log.reviewed_at.isoformat(),
        "template": problem.template,
        "title": problem.title,
        "params": {k: v for k, v in problem.params.items() if _json_safe(v)},
        "prompt": render_user_markdown(problem.prompt),
        "parts": [part_data(p) for p in parts],
        "answers": checked.answers,
        **result_payload(checked, fields),
    }


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
