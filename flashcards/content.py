"""Note types: which fields a note needs, which cards it makes, what they show.

No Django code: the services validate a note's fields here, ask how many
cards (and which ordinals) it makes, and render a card's two sides as
markdown; the HTML comes from ``lessons.rendering.render_user_markdown``.
Every text of a note (field names and values, nested ones such as a
parametric note's limits, tags) must be text a database can store
(`studysite.text`): imports and pages reach here without the API's parser.

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

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from lessons import problems
from lessons.problems import units
from studysite import storable

MAX_FIELD_CHARS = 20_000
MAX_TAGS = 50
MAX_TAG_CHARS = 64
MAX_CLOZE_NUMBER = 500

_CLOZE_OPEN = re.compile(r"\{\{c(\d+)::")
_TAG = re.compile(r"^[^\s,]+$")


class NoteContentError(ValueError):
    """A note's fields or tags are invalid; ``errors`` maps field to message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class Cloze:
    start: int
    end: int
    number: int
    answer: str
    hint: str


@dataclass(frozen=True)
class Sides:
    """A card's question and answer as markdown, and how it is answered."""

    front: str
    back: str
    typed: bool = False


# --- cloze ----------------------------------------------------------------


def clozes(text: str) -> list[Cloze]:
    """Find every ``{{cN::answer}}`` or ``{{cN::answer::hint}}`` in ``text``.

    Braces inside the answer (LaTeX such as ``$\\frac{a}{b}$``) are matched, so
    ``{{c1::$\\frac{1}{2}$}}`` is one cloze. An unclosed cloze is ignored.

    Args:
        text: The note's text.

    Returns:
        The clozes in the order they appear.
    """
    found: list[Cloze] = []
    pos = 0
    while match := _CLOZE_OPEN.search(text, pos):
        depth, i = 0, match.end()
        while i < len(text) and not (depth == 0 and text.startswith("}}", i)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if i >= len(text):
            break
        answer, _, hint = text[match.end() : i].partition("::")
        found.append(Cloze(match.start(), i + 2, int(match[1]), answer, hint))
        pos = i + 2
    return found


def cloze_numbers(text: str) -> list[int]:
    """Return the distinct cloze numbers in ``text``, ascending."""
    return sorted({cloze.number for cloze in clozes(text)})


def cloze_sides(text: str, number: int) -> tuple[str, str]:
    """Return (question, answer) markdown for cloze ``number``.

    The active cloze shows as ``[…]`` (or ``[hint]``) on the question and in bold
    on the answer; the other clozes show their text on both sides.
    """
    question: list[str] = []
    answer: list[str] = []
    last = 0
    for cloze in clozes(text):
        before = text[last : cloze.start]
        if cloze.number == number:
            question += [before, f"**[{cloze.hint or '…'}]**"]
            answer += [before, f"**{cloze.answer}**"]
        else:
            question += [before, cloze.answer]
            answer += [before, cloze.answer]
        last = cloze.end
    return "".join([*question, text[last:]]), "".join([*answer, text[last:]])


# --- numeric answers --------------------------------------------------------
#
# One reader for every typed number: `lessons.problems.units` (pure, no
# Django), the same one the problems grade with, so "2^-7", "1/128", "16
# B/param", "3.67 GiB" and "0,208 TB" mean here what they mean there.

NumericStatus = Literal["correct", "wrong", "unreadable", "unanswered"]


def parse_number(text: Any) -> float | None:
    """Read a typed number with no unit, as the problems read it: ``1500``,
    ``1,500``, ``1 500``, ``1.5e3``, ``-2.5``, ``2^-7``, ``1/128``, ``0,5``.

    Returns:
        The number, or None when the text is not a finite number.
    """
    return units.read_number(text)


@dataclass(frozen=True)
class NumericGrade:
    """The verdict on a typed answer to a numeric card.

    Attributes:
        status: ``correct``, ``wrong``, ``unreadable`` or ``unanswered``.
        answer_text: The answer as typed.
        value: The number read (None when unreadable).
        unit: The canonical symbol of the unit typed (``GB`` for ``gb``).
        unit_text: The unit as typed, or None.
        value_in_card_unit: The typed amount in the card's unit, when they
            measure the same kind of thing.
        feedback: One sentence about what was typed.
        expected: The card's answer with its unit.
    """

    status: NumericStatus
    answer_text: str
    value: float | None
    unit: str | None
    unit_text: str | None
    value_in_card_unit: float | None
    feedback: str
    expected: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "correct": self.correct}


def _same_kind(typed: units.Unit, card: units.Unit) -> bool:
    # A card in bytes asks for the bytes of one thing its question names (a
    # parameter, a value): "16 B/param" answers "how many bytes per
    # parameter?" in B, and "16 bytes" one in B/param.
    per_param = {units.BYTES, units.BYTES_PER_PARAM}
    return (
        typed.dimension == card.dimension
        or {
            typed.dimension,
            card.dimension,
        }
        == per_param
    )


def numeric_grade(fields: Mapping[str, Any], given: Any) -> NumericGrade:
    """Grade a typed answer to a numeric note, reading it as the problems do.

    The card's ``unit`` (any spelling `lessons.problems.units` knows) is
    assumed when none is typed; a typed unit of the same kind is converted
    (``13.04 GiB`` on a card in GB is 14 GB; bytes and bytes per parameter
    count as one kind). A card whose unit is not a known unit accepts its own
    label typed after the number. A card with no unit compares the number
    typed, with ``%`` and ``x`` read as the fractions they are. The allowed
    error is ``max(tolerance, relative_tolerance * |answer|)`` in the card's
    unit.
    """
    typed = given if isinstance(given, str) else "" if given is None else str(given)
    card_text = str(fields.get("unit") or "").strip()
    card_unit = units.find_unit(card_text) if card_text else None
    answer = parse_number(fields.get("answer"))
    expected = (
        f"{fields.get('answer')} {card_text}".strip()
        if answer is None
        else f"{_show(answer)} {card_text}".strip()
    )

    def verdict(status: NumericStatus, feedback: str, **kw: Any) -> NumericGrade:
        base: dict[str, Any] = {
            "answer_text": typed,
            "value": reading.value,
            "unit": reading.unit.symbol if reading.unit else None,
            "unit_text": reading.unit_text,
            "value_in_card_unit": None,
            "expected": expected,
        }
        return NumericGrade(status=status, feedback=feedback, **{**base, **kw})

    reading = units.read_answer(typed)
    own_label = False
    if not reading.readable and card_text and card_unit is None:
        stem = typed.rstrip()
        if stem.lower().endswith(card_text.lower()):
            label = stem[len(stem) - len(card_text) :]
            stripped = units.read_answer(stem[: -len(card_text)])
            if stripped.readable and stripped.unit is None:
                reading, own_label = replace(stripped, unit_text=label), True
    if not typed.strip():
        return verdict("unanswered", "No answer typed.")
    if not reading.readable or reading.value is None:
        return verdict("unreadable", f"Could not read this answer: {reading.error}.")
    if answer is None:
        return verdict("wrong", "This card has no readable answer.")
    value = reading.value
    if reading.unit is not None and card_unit is not None:
        if not _same_kind(reading.unit, card_unit):
            return verdict(
                "wrong",
                f"You typed {reading.unit_text}, which measures something else: "
                f"this card asks in {card_text}.",
            )
        value = card_unit.from_base(reading.unit.to_base(value))
    elif reading.unit is not None and not card_text:
        if reading.unit.dimension in (units.RATIO, units.NUMBER):
            value = reading.unit.to_base(value)
    elif reading.unit is not None and not own_label:
        return verdict(
            "wrong",
            f"You typed {reading.unit_text}; this card asks in {card_text}.",
        )
    allowed = max(
        float(parse_number(fields.get("tolerance")) or 0.0),
        float(parse_number(fields.get("relative_tolerance")) or 0.0) * abs(answer),
    )
    right = abs(value - answer) <= allowed + 1e-12 * max(1.0, abs(answer))
    in_card = value if math.isfinite(value) else None
    typed_as = _typed_as(reading, value, card_text)
    if right:
        return verdict("correct", f"Right: {typed_as}.", value_in_card_unit=in_card)
    feedback = f"Not quite: {typed_as}; the answer is {expected}."
    if reading.note:
        feedback += f" ({reading.note}.)"
    return verdict("wrong", feedback, value_in_card_unit=in_card)


def _typed_as(reading: units.Reading, value: float, card_text: str) -> str:
    """What was typed, as typed; the number read when it was written another
    way ("2^-7 (read as 0.0078125)"); and what it is in the card's unit when
    that differs."""
    shown = _show(reading.value or 0.0)
    text = " ".join(reading.text.split())
    unit = reading.unit_text or ""
    number = (
        text[: len(text) - len(unit)].strip()
        if unit and text.lower().endswith(unit.lower())
        else text
    )
    typed = f"you typed {text}"
    if number != shown:
        typed += f" (read as {shown}{' ' + unit if unit else ''})"
    if unit and card_text and unit.lower() != card_text.lower():
        typed += f", which is {_show(value)} {card_text}"
    return typed


def _show(value: float) -> str:
    return f"{value:.6g}"


def grade_numeric(fields: Mapping[str, Any], given: str) -> bool:
    """Whether a typed answer is within the note's tolerance of its answer
    (see :func:`numeric_grade`, which also says why)."""
    return numeric_grade(fields, given).correct


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
    if ordinal == 2:
        return Sides(front=fields["back"], back=fields["front"])
    return Sides(front=fields["front"], back=fields["back"])


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
