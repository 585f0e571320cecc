"""Reading an import into a plan: an Anki package's or a CSV's notes, checked.

Nothing is written here. Every note is validated as the editor would, with
Anki's leniency where Anki has it (a basic note may have an empty back:
`content.validate_imported_note`); fields with unsafe HTML (script, event
handlers, ``javascript:`` links...) are cleaned and reported. A note that
still cannot be imported is skipped and listed in ``Plan.skipped`` (where it
was, its first field, why), so one bad note never fails a package; a file
with no note that can be imported fails (`ImportFailed`, its message for the
user), as does one that cannot be read at all.
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
#: Skipped notes listed one by one; past this, only counted.
MAX_SKIPPED_LISTED = 500
FIRST_FIELD_CHARS = 120
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
    ``[(ordinal, reviews)]`` (an Anki card's review history, else empty);
    ``decks[i]`` is the subdeck of note ``i`` below the deck titled ``title``
    (``"Optics::Lenses"``; ``""``: that deck itself), set by `place`.
    """

    title: str
    notes: list[tuple[str, dict[str, Any], list[str], str, list[Any]]] = field(
        default_factory=list
    )
    media: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: ``{"where", "first_field", "reason"}`` of each note left out.
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_count: int = 0
    decks: list[str] = field(default_factory=list)

    def skip(self, where: str, fields: dict[str, Any], reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_SKIPPED_LISTED:
            self.skipped.append(
                {"where": where, "first_field": _first_field(fields), "reason": reason}
            )

    def fail_if_empty(self) -> None:
        """Nothing to import: say why, with the first reasons notes were skipped."""
        if self.notes:
            return
        if not self.skipped_count:
            raise ImportFailed("The file has no notes to import.")
        reasons = [f"{s['where']}: {s['reason']}" for s in self.skipped]
        shown = reasons[:MAX_ERRORS_SHOWN]
        more = self.skipped_count - len(shown)
        raise ImportFailed(
            "No note could be imported. Problems: "
            + " | ".join(shown)
            + (f" | ... and {more} more" if more else "")
        )


def _first_field(fields: dict[str, Any]) -> str:
    """A note's first field as plain text, short, to name it in the report."""
    first = next((v for v in fields.values() if isinstance(v, str) and v), "")
    text = re.sub(r"<[^>]*>", " ", first)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > FIRST_FIELD_CHARS:
        text = text[: FIRST_FIELD_CHARS - 1] + "…"
    return text


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
    kind: str, fields: dict[str, Any], tags: list[str], where: str, plan: Plan
) -> tuple[str, dict[str, Any], list[str]] | None:
    """The note as it will be stored, or None (skipped, and listed)."""
    try:
        return content.validate_imported_note(kind, fields, tags)
    except content.NoteContentError as exc:
        reason = "; ".join(
            f"{k.removeprefix('fields.')}: {v}" for k, v in exc.errors.items()
        )
        plan.skip(where, fields, reason)
        return None


def place(plan: Plan, deck_names: list[str], *, fallback: str) -> None:
    """Title the plan with the decks' common root and put each note (its whole
    deck name in ``deck_names``, "" or Anki's "Default" for none) in the
    subdeck below it; decks of no common root go below ``fallback``."""
    paths = [
        [] if name in ("", "Default") else [p.strip() for p in name.split("::")]
        for name in deck_names
    ]
    named = [p for p in paths if p]
    root: list[str] = []
    if named:
        root = named[0]
        for path in named[1:]:
            same = 0
            while same < min(len(root), len(path)) and root[same] == path[same]:
                same += 1
            root = root[:same]
    plan.title = ("::".join(root) or fallback)[:200]
    plan.decks = ["::".join(path[len(root) :]) for path in paths]


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
    deck_names: list[str] = []
    for index, note in enumerate(package.notes, start=1):
        where = f"note {index}"
        fields = _clean_fields(note.fields, where, plan.warnings)
        valid = _validated(note.type, fields, note.tags, where, plan)
        if valid is None:
            continue
        kind, stored, tags = valid
        ordinals = set(content.NOTE_TYPES[kind].ordinals(stored))
        cards = [(c.ordinal, c.reviews) for c in note.cards if c.ordinal in ordinals]
        plan.notes.append((kind, stored, tags, note.guid[:100], cards))
        deck_names.append(note.deck)
    place(plan, deck_names, fallback=_stem(filename) or plan.title)
    plan.fail_if_empty()
    return plan


def _stem(filename: str) -> str:
    return re.sub(r"\.(apkg|colpkg|csv|tsv|txt|tab)$", "", filename, flags=re.I)


def read_csv(data: bytes, *, filename: str, options: dict[str, Any]) -> Plan:
    """A CSV/TSV file's plan, read with its mapping (``options``); Anki's
    header lines, if any, are read again and skipped (`csvio.split_headers`).

    Raises:
        ImportFailed, csvio.CsvError: The file cannot be imported.
    """
    headers, text = csvio.split_headers(csvio.decode(data))
    rows = csvio.read_rows(text, options["delimiter"])
    anki_options = options.get("anki") or {}
    notes, errors = csvio.rows_to_notes(
        rows,
        columns=options["columns"],
        header=options.get("header", False),
        default_type=options.get("default_type", "basic"),
        anki=anki_options,
        first_line=headers.lines + 1,
    )
    plan = Plan(_stem(filename)[:200])
    deck_names: list[str] = []
    for problem in errors:  # "line N: what is wrong"
        where, _, reason = problem.partition(": ")
        plan.skip(where, {}, reason)
    for note in notes:
        where = f"line {note.line}"
        fields = _clean_fields(note.fields, where, plan.warnings)
        valid = _validated(note.type, fields, note.tags, where, plan)
        if valid is not None:
            plan.notes.append((valid[0], valid[1], valid[2], note.guid[:100], []))
            deck_names.append(note.deck or anki_options.get("deck") or "")
    place(plan, deck_names, fallback=_stem(filename))
    plan.fail_if_empty()
    return plan
