"""Anki's plain-text exports ("Notes in Plain Text", "Cards in Plain Text"):
the header lines at the top of the file, read into a column mapping.

No Django code. Anki (2.1.55 and later) starts such a file with lines like::

    #separator:tab
    #html:true
    #guid column:1
    #notetype column:2
    #deck column:3
    #tags column:6

and may also give ``#columns:`` (the column names, separated as the rows
are), ``#tags:`` (tags for every note), ``#notetype:`` and ``#deck:``. Column
numbers are 1-based there and 0-based here. The separator is a name (Comma,
Semicolon, Tab, Space, Pipe, Colon) or the character itself. The first
columns that no header claims are the note's fields, in order: the first is
the front, the second the back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "AnkiHeaders",
    "HeaderError",
    "field_columns",
    "our_note_type",
    "read_headers",
    "reverse_is_optional",
]

_LINE = re.compile(r"^#([a-z ]+):(.*)$", re.IGNORECASE)
_SEPARATORS = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
#: Header name -> our column role.
_COLUMN_ROLES = {
    "guid column": "guid",
    "notetype column": "type",
    "deck column": "deck",
    "tags column": "tags",
}
_KNOWN = {"separator", "html", "tags", "columns", "notetype", "deck", *_COLUMN_ROLES}
#: Anki's stock note types by name (lower case) and ours for each.
_STOCK_TYPES = {
    "basic": "basic",
    "basic (and reversed card)": "basic_reversed",
    "basic (optional reversed card)": "basic_reversed",
    "basic (type in the answer)": "basic",
    "cloze": "cloze",
}


class HeaderError(ValueError):
    """A header line that cannot be used; the message is meant for the user."""


@dataclass(frozen=True)
class AnkiHeaders:
    """What a file's header lines say; empty when it has none."""

    lines: int = 0  # how many lines at the top are headers
    separator: str | None = None
    html: bool | None = None
    tags: tuple[str, ...] = ()
    column_names: tuple[str, ...] = ()
    notetype: str | None = None
    deck: str | None = None
    #: role -> 0-based column: ``guid``, ``type``, ``deck``, ``tags``.
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return self.lines > 0


def _separator(value: str) -> str:
    named = _SEPARATORS.get(value.strip().lower())
    if named is not None:
        return named
    if len(value) == 1:
        return value
    raise HeaderError(
        f"#separator:{value} is not a separator Anki writes "
        f"({', '.join(name.title() for name in _SEPARATORS)} or one character)."
    )


def _column(name: str, value: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise HeaderError(f"#{name}:{value.strip()} is not a column number.") from None
    if number < 1:
        raise HeaderError(f"#{name}: columns are counted from 1.")
    return number - 1


def read_headers(text: str) -> tuple[AnkiHeaders, str]:
    """The header lines at the top of ``text`` and the text after them.

    Raises:
        HeaderError: A separator, or a column number, that cannot be used.
    """
    lines = text.splitlines(keepends=True)
    found: dict[str, str] = {}
    count = 0
    for line in lines:
        match = _LINE.match(line.rstrip("\r\n"))
        if match is None or match[1].strip().lower() not in _KNOWN:
            break
        found[match[1].strip().lower()] = match[2]
        count += 1
    if not count:
        return AnkiHeaders(), text
    separator = _separator(found["separator"]) if "separator" in found else None
    columns = {
        role: _column(name, found[name])
        for name, role in _COLUMN_ROLES.items()
        if name in found
    }
    names: tuple[str, ...] = ()
    if "columns" in found:
        names = tuple(
            n.strip() for n in found["columns"].split(separator or "\t") if n.strip()
        )
    headers = AnkiHeaders(
        lines=count,
        separator=separator,
        html=found["html"].strip().lower() == "true" if "html" in found else None,
        tags=tuple(found.get("tags", "").split()),
        column_names=names,
        notetype=found.get("notetype", "").strip() or None,
        deck=found.get("deck", "").strip() or None,
        columns=columns,
    )
    return headers, "".join(lines[count:])


def field_columns(headers: AnkiHeaders, width: int) -> list[int]:
    """The columns that hold the note's fields: those no header claims."""
    claimed = set(headers.columns.values())
    return [index for index in range(width) if index not in claimed]


def our_note_type(name: str) -> str | None:
    """Our note type for an Anki note type's name, or None if it has none."""
    return _STOCK_TYPES.get(name.strip().lower())


def reverse_is_optional(name: str) -> bool:
    """Whether the Anki type makes its reversed card only when asked (by a
    third field that is not empty)."""
    return name.strip().lower() == "basic (optional reversed card)"
