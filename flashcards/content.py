"""Note types: which fields a note needs, which cards it makes, what they show.

No Django code: the services validate a note's fields here, ask how many
cards (and which ordinals) it makes, and render a card's two sides as
markdown; the HTML comes from ``lessons.markup.render_user_markdown``.
Clozes are read by the one cloze parser (`lessons.markup.cloze`), typed
numbers by `flashcards.numeric_answers`. Every text of a note (field names
and values, nested ones such as a parametric note's limits, tags) must be
text a database can store (`studysite.text`): imports and pages reach here
without the API's parser.

=================  =========================================  ================
type               fields                                     cards (ordinals)
=================  =========================================  ================
``basic``          ``front``, ``back``                        1 (1)
``basic_reversed`` ``front``, ``back``                        2 (1: front→back,
                                                              2: back→front)
``cloze``          ``text`` with ``{{c1::answer::hint}}``,    one per cloze
                   optional ``extra``                         number (N)
``numeric``        ``question``, ``answer`` (a number),       1 (1), answered
                   optional ``tolerance`` (absolute),         by typing a
                   ``relative_tolerance`` (fraction),         number
                   ``unit``, ``explanation``
``parametric``     ``template`` (a `lessons.problems` key),        1 (1), a fresh
                   optional ``limits`` (parameter -> choices   variant per
                   or ``[low, high]``), ``part`` (one part     review, graded
                   key; default all parts)                     automatically
=================  =========================================  ================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flashcards.numeric_answers import parse_number
from lessons import problems
from lessons.markup.cloze import cloze_numbers, cloze_sides
from studysite import storable

MAX_FIELD_CHARS = 20_000
MAX_TAGS = 50
MAX_TAG_CHARS = 64
MAX_CLOZE_NUMBER = 500

_TAG = re.compile(r"^[^\s,]+$")


class NoteContentError(ValueError):
    """A note's fields or tags are invalid; ``errors`` maps field to message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class Sides:
    """A card's question and answer as markdown, and how it is answered."""

    front: str
    back: str
    typed: bool = False


# --- note types -------------------------------------------------------------


def _text(fields: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        return "This field is required." if required else None
    if not isinstance(value, str):
        return "Must be text."
    if len(value) > MAX_FIELD_CHARS:
        return f"At most {MAX_FIELD_CHARS} characters."
    if required and not value.strip():
        return "This field is required."
    return None


def _number(
    fields: Mapping[str, Any], name: str, *, required: bool, minimum: float | None
) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        return "This field is required." if required else None
    number = parse_number(value)
    if number is None:
        return "Must be a number."
    if minimum is not None and number < minimum:
        return f"Must be at least {minimum:g}."
    return None


@dataclass(frozen=True)
class NoteType:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    check: Callable[[Mapping[str, Any]], dict[str, str]]
    ordinals: Callable[[Mapping[str, Any]], list[int]]
    sides: Callable[[Mapping[str, Any], int], Sides]


def _check_front_back(fields: Mapping[str, Any]) -> dict[str, str]:
    errors = {name: _text(fields, name, required=True) for name in ("front", "back")}
    return {k: v for k, v in errors.items() if v}


def _check_cloze(fields: Mapping[str, Any]) -> dict[str, str]:
    errors = {
        "text": _text(fields, "text", required=True),
        "extra": _text(fields, "extra", required=False),
    }
    if not errors["text"]:
        numbers = cloze_numbers(fields["text"])
        if not numbers:
            errors["text"] = "A cloze note needs at least one {{c1::…}}."
        elif numbers[0] < 1 or numbers[-1] > MAX_CLOZE_NUMBER:
            errors["text"] = f"Cloze numbers go from 1 to {MAX_CLOZE_NUMBER}."
    return {k: v for k, v in errors.items() if v}


def _check_numeric(fields: Mapping[str, Any]) -> dict[str, str]:
    errors = {
        "question": _text(fields, "question", required=True),
        "answer": _number(fields, "answer", required=True, minimum=None),
        "tolerance": _number(fields, "tolerance", required=False, minimum=0),
        "relative_tolerance": _number(
            fields, "relative_tolerance", required=False, minimum=0
        ),
        "unit": _text(fields, "unit", required=False),
        "explanation": _text(fields, "explanation", required=False),
    }
    return {k: v for k, v in errors.items() if v}


def _check_parametric(fields: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str | None] = {
        "template": _text(fields, "template", required=True)
    }
    if errors["template"]:
        return {k: v for k, v in errors.items() if v}
    try:
        template = problems.get_template(fields["template"])
    except problems.ProblemInputError as exc:
        return {"template": exc.message}
    limits = fields.get("limits") or {}
    if not isinstance(limits, Mapping):
        errors["limits"] = "Must map parameter names to choices or [low, high]."
    else:
        try:
            problems.check_limits(template, limits)
            # A limit may pass alone and still leave no valid problem: try one.
            problem = problems.generate(template.key, 0, limits=limits)
        except problems.ProblemInputError as exc:
            errors["limits"] = f"{exc.field}: {exc.message}"
        except (ValueError, ArithmeticError) as exc:
            errors["limits"] = f"These limits make no valid problem ({exc})."
        else:
            part = fields.get("part")
            if part not in (None, "") and part not in problem.part_keys:
                errors["part"] = f"Must be one of {list(problem.part_keys)}."
    return {k: v for k, v in errors.items() if v}


def parametric_problem(fields: Mapping[str, Any], seed: int) -> problems.Problem:
    """The variant ``seed`` of a parametric note's problem."""
    return problems.generate(
        fields["template"], seed, limits=fields.get("limits") or None
    )


def parametric_parts(
    fields: Mapping[str, Any], problem: problems.Problem
) -> tuple[problems.Part, ...]:
    """The parts a parametric card asks (one when the note names a part)."""
    part = fields.get("part")
    return (problem.part(part),) if part else problem.parts


def grade_parametric(
    fields: Mapping[str, Any], seed: int, answers: Mapping[str, Any]
) -> tuple[bool, list[dict[str, Any]]]:
    """Grade typed answers to variant ``seed``: (all right, one grade per part)."""
    problem = parametric_problem(fields, seed)
    grades = [
        problems.grade_part(part, answers.get(part.key, ""))
        for part in parametric_parts(fields, problem)
    ]
    return all(g.correct for g in grades), [g.to_dict() for g in grades]


def _parametric_sides(fields: Mapping[str, Any], ordinal: int) -> Sides:
    template = problems.get_template(fields["template"])
    part = f" (part: {fields['part']})" if fields.get("part") else ""
    return Sides(
        front=f"**{template.title}**{part}: a new problem each review.",
        back=template.summary,
        typed=True,
    )


def _basic_sides(fields: Mapping[str, Any], ordinal: int) -> Sides:
    # An imported note may have no back (Anki allows it: `validate_imported_note`).
    back = fields.get("back", "")
    if ordinal == 2:
        return Sides(front=back, back=fields["front"])
    return Sides(front=fields["front"], back=back)


def _cloze_card_sides(fields: Mapping[str, Any], ordinal: int) -> Sides:
    question, answer = cloze_sides(fields["text"], ordinal)
    if fields.get("extra"):
        answer += "\n\n" + fields["extra"]
    return Sides(front=question, back=answer)


def _numeric_sides(fields: Mapping[str, Any], ordinal: int) -> Sides:
    unit = f" {fields['unit']}" if fields.get("unit") else ""
    back = f"**{fields['answer']}{unit}**"
    if fields.get("explanation"):
        back += "\n\n" + fields["explanation"]
    return Sides(front=fields["question"], back=back, typed=True)


NOTE_TYPES: dict[str, NoteType] = {
    "basic": NoteType(
        "basic", ("front", "back"), (), _check_front_back, lambda f: [1], _basic_sides
    ),
    "basic_reversed": NoteType(
        "basic_reversed",
        ("front", "back"),
        (),
        _check_front_back,
        lambda f: [1, 2],
        _basic_sides,
    ),
    "cloze": NoteType(
        "cloze",
        ("text",),
        ("extra",),
        _check_cloze,
        lambda f: cloze_numbers(f["text"]),
        _cloze_card_sides,
    ),
    "numeric": NoteType(
        "numeric",
        ("question", "answer"),
        ("tolerance", "relative_tolerance", "unit", "explanation"),
        _check_numeric,
        lambda f: [1],
        _numeric_sides,
    ),
    "parametric": NoteType(
        "parametric",
        ("template",),
        ("limits", "part"),
        _check_parametric,
        lambda f: [1],
        _parametric_sides,
    ),
}


def validate_note(
    note_type: str, fields: Any, tags: Any = ()
) -> tuple[dict[str, Any], list[str]]:
    """Check a note's type, fields and tags; return them cleaned.

    Errors are keyed ``type``, ``fields.<name>`` or ``tags``, all reported together.

    Raises:
        NoteContentError: If anything is wrong.
    """
    kind = NOTE_TYPES.get(note_type)
    if kind is None:
        raise NoteContentError({"type": f"Must be one of {sorted(NOTE_TYPES)}."})
    errors: dict[str, str] = {}
    if not isinstance(fields, Mapping):
        raise NoteContentError({"fields": "Must be an object of named fields."})
    allowed = set(kind.required) | set(kind.optional)
    for name in fields:
        if not isinstance(name, str) or storable.text_problem(name):
            errors["fields"] = "Field names must be text a database can store."
        elif name not in allowed:
            errors[f"fields.{name}"] = f"Unknown field for a {note_type} note."
    unstorable = storable.first_problems(
        {k: v for k, v in fields.items() if k in allowed}, "fields"
    )
    if unstorable:
        raise NoteContentError({**errors, **unstorable, **_tag_problems(tags)})
    errors |= {f"fields.{k}": v for k, v in kind.check(fields).items()}
    clean_tags = _clean_tags(tags, errors)
    if errors:
        raise NoteContentError(errors)
    cleaned = {k: v for k, v in fields.items() if v is not None and v != "" and v != {}}
    return cleaned, clean_tags


def validate_imported_note(
    note_type: str, fields: Any, tags: Any = ()
) -> tuple[str, dict[str, Any], list[str]]:
    """`validate_note` for a note read from an import, with Anki's leniency.

    Anki makes a card wherever its front is not empty, so a basic note may
    have an empty back: it is kept with no back, and a reversed one becomes
    a basic note (its second card's front would be empty, so Anki makes no
    second card either). Returns the note type, fields and tags to store.

    Raises:
        NoteContentError: If anything else is wrong.
    """
    if (
        note_type in ("basic", "basic_reversed")
        and isinstance(fields, Mapping)
        and isinstance(fields.get("back", ""), str)
        and not str(fields.get("back", "")).strip()
    ):
        # Check everything else as the editor would, with a stand-in back.
        checked, clean_tags = validate_note("basic", {**fields, "back": "-"}, tags)
        checked.pop("back")
        return "basic", checked, clean_tags
    checked, clean_tags = validate_note(note_type, fields, tags)
    return note_type, checked, clean_tags


def _tag_problems(tags: Any) -> dict[str, str]:
    """Tags whose text cannot be stored, by position (``tags[2]``)."""
    if isinstance(tags, str):
        tags = tags.split()
    if not isinstance(tags, list | tuple):
        return {}
    return storable.first_problems(list(tags), "tags")


def _clean_tags(tags: Any, errors: dict[str, str]) -> list[str]:
    if problems_found := _tag_problems(tags):
        errors.update(problems_found)
        return []
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split()
    if not isinstance(tags, list | tuple):
        errors["tags"] = "Must be a list of tags."
        return []
    if len(tags) > MAX_TAGS:
        errors["tags"] = f"At most {MAX_TAGS} tags."
        return []
    clean: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not _TAG.match(tag) or len(tag) > MAX_TAG_CHARS:
            errors["tags"] = f"{tag!r} is not a tag (no spaces or commas)."
            return []
        if tag not in clean:
            clean.append(tag)
    return clean


def card_ordinals(note_type: str, fields: Mapping[str, Any]) -> list[int]:
    """The ordinals of the cards a (valid) note makes."""
    return NOTE_TYPES[note_type].ordinals(fields)


def card_sides(note_type: str, fields: Mapping[str, Any], ordinal: int) -> Sides:
    """The markdown of a card's question and answer."""
    return NOTE_TYPES[note_type].sides(fields, ordinal)
