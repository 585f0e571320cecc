"""Reading an import into a plan: an Anki package's or a CSV's notes, checked.

Nothing is written here. Every note is validated as the editor would, fields
with unsafe HTML (script, event handlers, ``javascript:`` links...) are
cleaned and reported, and any invalid note fails the whole import
(`ImportFailed`, its message for the user).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flashcards import anki, content, csvio
from flashcards.interop.uploads import max_image_bytes, max_uncompressed_bytes
from lessons.markup import sanitize_html

MAX_ERRORS_SHOWN = 20
UNSAFE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|link|meta|base|form|svg|math|frame"
    r"|frameset|applet|template|noscript)\b|\bon[a-z]+\s*=|(java|vb)script\s*:"
    r"|data\s*:\s*text/html|srcdoc\s*=|expression\s*\(",
    re.IGNORECASE,
)

#: ``progress(done, total)``: how many notes have been read so far.
Progress = Callable[[int, int], None]


class ImportFailed(ValueError):
    """An import that cannot go through; the message is for the user."""


@dataclass
class Plan:
    """What an import will write: a deck title, its notes, images and warnings.

    Each note is ``(type, fields, tags, external id, cards)``, its cards
    ``[(ordinal, reviews)]`` (an Anki card's review history, else empty).
    """

    title: str
    notes: list[tuple[str, dict[str, Any], list[str], str, list[Any]]] = field(
        default_factory=list
    )
    media: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _clean_fields(
    fields: dict[str, Any], where: str, warnings: list[str]
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, str) and UNSAFE.search(value):
            value = sanitize_html(value)
            warnings.append(
                f"{where}, field {name}: unsafe HTML (script, event handlers or "
                f"javascript: links) was removed."
            )
        clean[name] = value
    return clean


def _validated(
    kind: str, fields: dict[str, Any], tags: list[str], where: str, errors: list[str]
) -> tuple[dict[str, Any], list[str]] | None:
    try:
        return content.validate_note(kind, fields, tags)
    except content.NoteContentError as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        errors.append(f"{where}: {problems}")
        return None


def _fail_on(errors: list[str]) -> None:
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        raise ImportFailed(
            "Problems: "
            + " | ".join(shown)
            + (f" | ... and {more} more" if more else "")
        )


def read_apkg(data: bytes, *, filename: str, progress: Progress) -> Plan:
    """An Anki package's plan (notes, review histories, images).

    Raises:
        ImportFailed, anki.AnkiError: The package cannot be imported.
    """
    package = anki.read_apkg(
        data,
        max_uncompressed=max_uncompressed_bytes(),
        max_image_bytes=max_image_bytes(),
        progress=progress,
    )
    plan = Plan(package.deck_name[:200] or filename)
    plan.media = package.media
    plan.warnings = list(package.warnings)
    errors: list[str] = []
    for index, note in enumerate(package.notes, start=1):
        where = f"note {index}"
        fields = _clean_fields(note.fields, where, plan.warnings)
        valid = _validated(note.type, fields, note.tags, where, errors)
        if valid is None:
            continue
        cards = [(c.ordinal, c.reviews) for c in note.cards]
        plan.notes.append((note.type, valid[0], valid[1], note.guid[:100], cards))
    _fail_on(errors)
    return plan


def read_csv(data: bytes, *, filename: str, options: dict[str, Any]) -> Plan:
    """A CSV/TSV file's plan, read with its mapping (``options``).

    Raises:
        ImportFailed, csvio.CsvError: The file cannot be imported.
    """
    rows = csvio.read_rows(csvio.decode(data), options["delimiter"])
    notes, errors = csvio.rows_to_notes(
        rows,
        columns=options["columns"],
        header=options.get("header", False),
        default_type=options.get("default_type", "basic"),
    )
    plan = Plan(re.sub(r"\.(csv|tsv|txt|tab)$", "", filename, flags=re.I)[:200])
    for note in notes:
        where = f"line {note.line}"
        fields = _clean_fields(note.fields, where, plan.warnings)
        valid = _validated(note.type, fields, note.tags, where, errors)
        if valid is not None:
            plan.notes.append((note.type, valid[0], valid[1], "", []))
    _fail_on(errors)
    if not plan.notes:
        raise ImportFailed("The file has no notes to import.")
    return plan
