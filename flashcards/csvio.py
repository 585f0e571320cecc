"""CSV and TSV: read with a column mapping, write what reads back the same.

No Django code. An import is two steps: `preview` decodes the file (UTF-8,
with or without a byte order mark), guesses the delimiter and shows the first
rows; the user then maps columns to roles (``front``, ``back``, ``tags``,
``type``, ``fields``) and `rows_to_notes` builds the notes, reporting every
bad line. The export's header (``type,front,back,tags,fields``) maps itself.

``front``/``back`` fill each type's two main fields (basic: front/back;
cloze: text/extra; numeric: question/answer; parametric: template/part);
``fields`` is a JSON object of all of a note's fields and wins when present.
``guid`` keeps an Anki note's GUID and ``deck`` names its deck.

Anki's own plain-text exports begin with header lines (``#separator:tab``,
``#html:true``, ``#tags column:5``...): `flashcards.anki_text` reads them,
and they give the delimiter and the mapping, which the user may still change.
A type column may hold Anki's stock type names ("Basic (and reversed card)",
"Cloze"...); with ``#html:false`` the fields are text, escaped.

The export writes through `studysite.exports.csv_writer`: a cell that would
start a spreadsheet formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets a single
quote in front, and the import takes that quote away (`csv_text`), so a deck
round-trips exactly.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flashcards import anki_text
from studysite.exports import csv_text, csv_writer

ROLES = ("front", "back", "tags", "type", "fields", "guid", "deck")
NOTE_TYPES = ("basic", "basic_reversed", "cloze", "numeric", "parametric")
MAIN_FIELDS = {
    "basic": ("front", "back"),
    "basic_reversed": ("front", "back"),
    "cloze": ("text", "extra"),
    "numeric": ("question", "answer"),
    "parametric": ("template", "part"),
}
PREVIEW_ROWS = 5
MAX_ERRORS_SHOWN = 20
MAX_COLUMNS = 50


class CsvError(ValueError):
    """The file cannot be read as CSV; the message is meant for the user."""


@dataclass(frozen=True)
class Preview:
    delimiter: str
    rows: list[list[str]]
    columns: int
    guessed: dict[str, int]
    header: bool
    #: What Anki's header lines say beyond the mapping (`anki_options`).
    anki: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowNote:
    line: int
    type: str
    fields: dict[str, Any]
    tags: list[str]
    guid: str = ""
    deck: str = ""


def split_headers(text: str) -> tuple[anki_text.AnkiHeaders, str]:
    """Anki's header lines and the rows after them (`anki_text.read_headers`).

    Raises:
        CsvError: A header that cannot be used.
    """
    try:
        return anki_text.read_headers(text)
    except anki_text.HeaderError as exc:
        raise CsvError(str(exc)) from None


def anki_options(headers: anki_text.AnkiHeaders, width: int) -> dict[str, Any]:
    """The import options Anki's headers give: html, tags for every note, the
    deck's name, the note type, and the column an optional reversed card
    depends on."""
    free = anki_text.field_columns(headers, width)
    return {
        "html": headers.html is not False,
        "tags": list(headers.tags),
        "deck": headers.deck or "",
        "notetype": headers.notetype or "",
        "third_field": free[2] if len(free) > 2 else None,
    }


def _anki_mapping(headers: anki_text.AnkiHeaders, width: int) -> dict[str, int]:
    guessed = dict(headers.columns)
    named = guess_mapping(list(headers.column_names))
    guessed |= {role: i for role, i in named.items() if role not in guessed}
    free = [
        c for c in anki_text.field_columns(headers, width) if c not in guessed.values()
    ]
    for role in ("front", "back"):
        if role not in guessed and free:
            guessed[role] = free.pop(0)
    return {role: index for role, index in guessed.items() if index < width}


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvError(
            f"The file is not UTF-8 text (a byte that is not UTF-8 on line {line}). "
            f"Save it as “CSV UTF-8” and upload it again."
        ) from None


def sniff_delimiter(text: str, filename: str = "") -> str:
    if filename.lower().endswith((".tsv", ".tab")):
        return "\t"
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


def read_rows(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise CsvError(
                    f"Line {reader.line_num} has {len(row)} columns; at most {MAX_COLUMNS}."
                )
            if any(cell.strip() for cell in row):
                rows.append(row)
    except csv.Error as exc:
        raise CsvError(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    return rows


def guess_mapping(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    guessed = {role: names.index(role) for role in ROLES if role in names}
    aliases = {"question": "front", "answer": "back", "text": "front", "extra": "back"}
    for alias, role in aliases.items():
        if role not in guessed and alias in names:
            guessed[role] = names.index(alias)
    return guessed


def preview(data: bytes, filename: str = "") -> Preview:
    """Decode, guess the delimiter and the mapping, and show the first rows.

    Raises:
        CsvError: Bad encoding, invalid CSV, or no rows.
    """
    headers, text = split_headers(decode(data))
    delimiter = headers.separator or sniff_delimiter(text, filename)
    rows = read_rows(text, delimiter)
    if not rows:
        raise CsvError("The file has no rows.")
    width = max(len(r) for r in rows[: PREVIEW_ROWS + 1])
    if headers.present:
        return Preview(
            delimiter=delimiter,
            rows=rows[:PREVIEW_ROWS],
            columns=width,
            guessed=_anki_mapping(headers, width),
            header=False,
            anki=anki_options(headers, width),
        )
    guessed = guess_mapping(rows[0])
    header = bool({"front", "back"} & set(guessed))
    if not header:
        guessed = {"front": 0, "back": 1} if len(rows[0]) >= 2 else {"front": 0}
    return Preview(
        delimiter=delimiter,
        rows=rows[: PREVIEW_ROWS + 1],
        columns=width,
        guessed=guessed,
        header=header,
    )


def check_mapping(columns: Mapping[str, Any], width: int) -> dict[str, int]:
    """Validate a mapping role -> column index; ``front`` is required."""
    clean: dict[str, int] = {}
    for role, index in columns.items():
        if role not in ROLES:
            raise CsvError(
                f"Unknown column role {role!r}; roles are {', '.join(ROLES)}."
            )
        if index is None or index == "":
            continue
        try:
            number = int(index)
        except (TypeError, ValueError):
            raise CsvError(f"The {role} column must be a column number.") from None
        if not 0 <= number < width:
            raise CsvError(f"The {role} column ({number + 1}) is not in the file.")
        clean[role] = number
    if "front" not in clean and "fields" not in clean:
        raise CsvError("Choose which column is the front (or the fields JSON).")
    return clean


def rows_to_notes(
    rows: list[list[str]],
    *,
    columns: Mapping[str, int],
    header: bool,
    default_type: str = "basic",
    anki: Mapping[str, Any] | None = None,
    first_line: int = 1,
) -> tuple[list[RowNote], list[str]]:
    """Build notes from rows; return them and every problem as 'line N: ...'.

    ``anki``: the options Anki's header lines gave (`anki_options`);
    ``first_line``: the file's line number of ``rows[0]`` (after them).
    """
    anki = anki or {}
    escape = anki.get("html") is False
    every_tag = list(anki.get("tags") or [])
    notes: list[RowNote] = []
    errors: list[str] = []
    start = 1 if header else 0
    for number, row in enumerate(rows[start:], start=start + first_line):
        problems: list[str] = []
        needed = max(columns.values()) if columns else 0
        if len(row) <= needed:
            errors.append(
                f"line {number}: has {len(row)} columns, the mapping needs {needed + 1}"
            )
            continue

        def cell(role: str, row: list[str] = row) -> str:
            return csv_text(row[columns[role]].strip()) if role in columns else ""

        named = cell("type") or anki.get("notetype") or ""
        kind = _row_type(named, default_type, row, anki.get("third_field"))
        if kind not in NOTE_TYPES:
            problems.append(f"type {kind!r} is not one of {', '.join(NOTE_TYPES)}")
            kind = default_type
        main = MAIN_FIELDS[kind]
        front, back = cell("front"), cell("back")
        if escape:
            front, back = (
                html.escape(front, quote=False),
                html.escape(back, quote=False),
            )
        fields: dict[str, Any] = {main[0]: front, main[1]: back}
        raw = cell("fields")
        if raw:
            try:
                parsed = json.loads(raw)
                if not isinstance(parsed, dict):
                    raise ValueError
                fields = parsed
            except ValueError:
                problems.append("the fields column is not a JSON object")
        fields = {k: v for k, v in fields.items() if v not in ("", None)}
        tags = cell("tags").replace(",", " ").split()
        tags += [tag for tag in every_tag if tag not in tags]
        if problems:
            errors.append(f"line {number}: " + "; ".join(problems))
            continue
        notes.append(
            RowNote(number, kind, fields, tags, guid=cell("guid"), deck=cell("deck"))
        )
    return notes, errors


def _row_type(
    named: str, default_type: str, row: list[str], third_field: int | None
) -> str:
    """Our note type for a row: its type cell (ours, or an Anki stock type's
    name), else the default. An Anki "optional reversed" note gets its
    reversed card only when its third field is filled, as in Anki."""
    if not named:
        return default_type
    if named.lower() in NOTE_TYPES:
        return named.lower()
    ours = anki_text.our_note_type(named)
    if ours is None:
        return named
    if anki_text.reverse_is_optional(named):
        third = (
            row[third_field].strip()
            if third_field is not None and third_field < len(row)
            else ""
        )
        return "basic_reversed" if third else "basic"
    return ours


def write_csv(notes: Iterable[tuple[str, Mapping[str, Any], list[str]]]) -> str:
    """``type,front,back,tags,fields`` rows (fields: the full JSON)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["type", "front", "back", "tags", "fields"])
    for kind, fields, tags in notes:
        main = MAIN_FIELDS.get(kind, ("front", "back"))
        writer.writerow(
            [
                kind,
                _text(fields.get(main[0], "")),
                _text(fields.get(main[1], "")),
                " ".join(tags),
                json.dumps(dict(fields), ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
