"""What a database can store: the rules every input path applies.

**Whole numbers** fit a signed 64-bit column (`MIN_INT`..`MAX_INT`: SQLite's
INTEGER, Postgres' bigint); an id past that is an overflow in SQLite's
driver, so id fields of the API say ``max_value=MAX_INT``.

**Text**: Python strings hold two things no database here stores:

* **NUL** (``\\x00``): Postgres refuses it in text and in ``jsonb``
  ("unsupported Unicode escape sequence"); SQLite keeps it but cuts C-string
  APIs short.
* **Lone surrogates** (U+D800-U+DFFF outside a pair, which JSON can spell
  ``"\\ud800"``): neither UTF-8 nor Postgres can encode them, and SQLite
  stores them only inside escaped JSON, after which every page that shows the
  text fails to encode it.

A request that carries either is refused with a 400 naming the field:
`studysite.parsers.JSONParser` checks every string (keys too) of every JSON
body, and the services that take text from elsewhere (an Anki or CSV import,
a page's form) check with `problems` (``flashcards.content`` for notes). Text
read back from before the rule is repaired for output with `repaired`.

The module imports nothing from Django (``flashcards.content`` and
``flashcards.csvio`` use it and stay free of Django code).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MAX_INT = 2**63 - 1
MIN_INT = -(2**63)

NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = (
    "Lone surrogate characters are not allowed (the text is not valid Unicode)."
)

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can.

    A Python string never holds a valid surrogate pair (those are decoded to
    one code point), so any code point in U+D800-U+DFFF is a lone surrogate.
    """
    if "\x00" in value:
        return NUL_MESSAGE
    if _SURROGATE.search(value):
        return SURROGATE_MESSAGE
    return None


def field_path(parent: str, key: str | int) -> str:
    """``fields.front``, ``tags[0]``, ``items[2].limits``: how error bodies name
    a nested position (the same spelling ``studysite.api_errors`` uses)."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def problems(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, message) for each string in ``value`` that cannot be stored.

    Walks dicts (their keys too: a bad key is reported on its parent), lists
    and tuples without recursion, so any nesting the caller accepted is fine.
    """
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            message = text_problem(item)
            if message:
                yield where or "body", message
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                if isinstance(key, str) and (message := text_problem(key)):
                    yield where or "body", f"A key: {message}"
                    continue
                stack.append((field_path(where, str(key)), child))
        elif isinstance(item, list | tuple):
            for index in reversed(range(len(item))):
                stack.append((field_path(where, index), item[index]))


def first_problems(value: Any, path: str = "", *, limit: int = 20) -> dict[str, str]:
    """Up to ``limit`` problems of `problems`, one per field path."""
    found: dict[str, str] = {}
    for where, message in problems(value, path):
        found.setdefault(where, message)
        if len(found) >= limit:
            break
    return found


def repaired(value: str) -> str:
    """``value`` with each lone surrogate as U+FFFD and NUL removed: for text
    stored before the rule, on its way out (a CSV, a package)."""
    return _SURROGATE.sub("\ufffd", value).replace("\x00", "")
