"""The API's body parsers: DRF's, with limits every endpoint shares.

Set as ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``; views that take files
(``parser_classes = (MultiPartParser,)``) use `MultiPartParser` from here.
Each refuses, with a 400 naming the field, what would otherwise reach a
view and fail there as a 500:

* **Nesting deeper than** `MAX_DEPTH` arrays and objects: Python's JSON
  decoder (and every recursive walk after it) raises ``RecursionError`` near
  1,000 levels; no request of ours needs more than a handful. A JSON body is
  refused as ``body``; a form value that is JSON text (DRF's ``JSONField``
  decodes it later) as its field.
* **Text no database stores** (NUL, lone surrogates; `studysite.storable`), in any
  string of a JSON body, object keys included, and in every form value.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import get_encoding

from studysite import storable

MAX_DEPTH = 32


def _refuse(errors: Mapping[str, str]) -> ValidationError:
    """A 400 naming the fields, with the body an ``errors.Invalid`` gets.
    (A parser must raise DRF's own error: DRF imports the parsers while
    ``api_errors`` is still importing DRF.)"""
    return ValidationError({name: [message] for name, message in errors.items()})


DEPTH_MESSAGE = (
    f"The JSON is nested too deeply: at most {MAX_DEPTH} levels of arrays and objects."
)


def depth(value: Any) -> int:
    """How many arrays and objects deep ``value`` goes (a scalar is 0), walked
    without recursion."""
    if not isinstance(value, dict | list):
        return 0
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend(
            (child, level + 1) for child in children if isinstance(child, dict | list)
        )
    return deepest


# JSON can carry a NUL or a lone surrogate only as a \u escape (raw control
# characters and invalid UTF-8 do not parse): a body without one needs no walk.
_MAYBE_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")


def text_depth(value: str) -> int:
    """How deep the brackets of JSON text go, strings skipped: what decoding
    ``value`` would have to recurse through."""
    deepest = level = 0
    in_string = escaped = False
    for char in value:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            level += 1
            deepest = max(deepest, level)
        elif char in "]}":
            level -= 1
    return deepest


def check_json(data: Any, raw: bytes | None = None) -> Any:
    """``data`` if it is shallow enough and all its text storable (``raw``,
    the body it was parsed from, spares the walk when it holds no escape that
    could be a NUL or a lone surrogate).

    Raises:
        ValidationError: ``body`` when nested too deeply; each field whose text
            cannot be stored, by its path (``fields.front``, ``tags[0]``).
    """
    if depth(data) > MAX_DEPTH:
        raise _refuse({"body": DEPTH_MESSAGE})
    problems = (
        storable.first_problems(data)
        if raw is None or _MAYBE_UNSTORABLE.search(raw)
        else {}
    )
    if problems:
        raise _refuse(problems)
    return data


def check_form(data: Mapping[str, Any]) -> None:
    """Every value of a form body (a ``QueryDict``): storable text, and JSON
    text no deeper than `MAX_DEPTH`."""
    errors: dict[str, str] = {}
    lists = (
        data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
    )
    for name, values in lists:
        if problem := storable.text_problem(name):
            errors["body"] = f"A field name: {problem}"
            continue
        for value in values:
            if not isinstance(value, str):
                continue
            if problem := storable.text_problem(value):
                errors[name] = problem
            elif value.lstrip()[:1] in ("[", "{") and text_depth(value) > MAX_DEPTH:
                errors[name] = DEPTH_MESSAGE
    if errors:
        raise _refuse(errors)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing deep nesting and text no database stores."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise _refuse({"body": DEPTH_MESSAGE}) from None
        utf8 = get_encoding(parser_context or {}).lower().replace("_", "-") in (
            "utf-8",
            "utf8",
        )
        return check_json(data, raw if utf8 else None)


class FormParser(parsers.FormParser):
    """DRF's form parser, with `check_form` on every value."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = super().parse(stream, media_type, parser_context)
        check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, with `check_form` on every value (file names
    Django already strips of unprintable characters)."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        check_form(parsed.data)
        return parsed
