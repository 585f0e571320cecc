"""Anki's card template language: parse, decide which cards exist, render.

Pure (no Django). A template is text with tags: ``{{Field}}`` (a field's
HTML), ``{{filter:Field}}`` (``text``, ``hint``, ``type``, ``cloze``; filters
chain right to left, ``{{text:hint:F}}``), ``{{#Field}}…{{/Field}}`` (shown
when the field is not empty), ``{{^Field}}…{{/Field}}`` (shown when it is) and
``{{FrontSide}}`` (the rendered question, on the answer side). Comments
``{{!…}}`` are dropped. Unknown filters leave the text as it is, as Anki does
for add-on filters it lacks.

Anki makes a card of a standard note type's template when its front is not
empty: when some field it would show (outside a section whose field is
empty) has text. `front_is_empty` is that rule.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_HTML_TAG = re.compile(r"<[^>]*>")
#: Anki's empty field: white space, <br> and <div> tags only (an <img>,
#: &nbsp; or any other tag is content).
_EMPTY = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.I)
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
SPECIAL = frozenset(
    {"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag"}
)


class TemplateError(ValueError):
    """The template's sections do not nest; the message says where."""


@dataclass
class Replace:
    key: str
    filters: list[str] = field(default_factory=list)  # outermost first


@dataclass
class Section:
    key: str
    negated: bool
    children: list[Node] = field(default_factory=list)


Node = str | Replace | Section


def parse(template: str) -> list[Node]:
    """The template's nodes.

    Raises:
        TemplateError: A section is opened and not closed, or closed unopened.
    """
    root: list[Node] = []
    stack: list[tuple[Section | None, list[Node]]] = [(None, root)]
    position = 0
    for match in _TAG.finditer(template):
        if match.start() > position:
            stack[-1][1].append(template[position : match.start()])
        position = match.end()
        tag = match[1].strip()
        if tag.startswith("!"):
            continue
        if tag[:1] in ("#", "^"):
            section = Section(key=tag[1:].strip(), negated=tag[0] == "^")
            stack[-1][1].append(section)
            stack.append((section, section.children))
        elif tag.startswith("/"):
            key = tag[1:].strip()
            opened = stack[-1][0]
            if opened is None or opened.key != key:
                raise TemplateError(
                    f"{{{{/{key}}}}} closes a section that is not open."
                )
            stack.pop()
        else:
            *filters, key = (part.strip() for part in tag.split(":"))
            stack[-1][1].append(Replace(key=key, filters=filters))
    if len(stack) > 1:
        opened = stack[-1][0]
        assert opened is not None
        raise TemplateError(f"{{{{#{opened.key}}}}} is not closed.")
    if position < len(template):
        root.append(template[position:])
    return root


def field_is_empty(text: str) -> bool:
    """Anki's test: nothing but white space, ``<br>`` and ``<div>`` tags."""
    return bool(_EMPTY.match(text or ""))


def nonempty_fields(fields: dict[str, str]) -> set[str]:
    return {name for name, value in fields.items() if not field_is_empty(value)}


def front_is_empty(template: str, fields: dict[str, str]) -> bool:
    """Whether Anki would make no card of this front for these fields."""
    return _is_empty(parse(template), nonempty_fields(fields))


def _is_empty(nodes: list[Node], filled: set[str]) -> bool:
    for node in nodes:
        if isinstance(node, Replace):
            if node.key in filled:
                return False
        elif isinstance(node, Section):
            if node.negated or node.key not in filled:
                continue
            if not _is_empty(node.children, filled):
                return False
    return True


def shown_fields(template: str) -> list[str]:
    """The fields a template shows (as replacements, in order, once each)."""
    seen: list[str] = []

    def walk(nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, Replace) and node.key not in SPECIAL:
                if node.key not in seen:
                    seen.append(node.key)
            elif isinstance(node, Section):
                walk(node.children)

    walk(parse(template))
    return seen


def cloze_numbers(text: str) -> set[int]:
    return {int(m[1]) for m in _CLOZE.finditer(text or "")}


def render(
    template: str,
    fields: dict[str, str],
    *,
    front_side: str = "",
    cloze: int = 0,
    answer: bool = False,
) -> str:
    """The template's HTML for a note's fields (``cloze``: the card's number)."""
    return _render(parse(template), fields, front_side, cloze, answer)


def _render(
    nodes: list[Node], fields: dict[str, str], front: str, cloze: int, answer: bool
) -> str:
    out: list[str] = []
    filled = nonempty_fields(fields)
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Section):
            if (node.key in filled) != node.negated:
                out.append(_render(node.children, fields, front, cloze, answer))
        elif node.key == "FrontSide":
            out.append(front)
        else:
            value = fields.get(node.key, "")
            for name in reversed(node.filters):
                value = _filter(name, value, node.key, cloze, answer)
            out.append(value)
    return "".join(out)


def _filter(name: str, value: str, key: str, cloze: int, answer: bool) -> str:
    if name == "text":
        return html.unescape(_HTML_TAG.sub("", value))
    if name == "hint":
        if field_is_empty(value):
            return ""
        return f"<details><summary>{html.escape(key)}</summary>{value}</details>"
    if name == "type":
        return "" if answer else f'<span class="type-answer" data-field="{key}"></span>'
    if name == "cloze":
        return _cloze(value, cloze, answer)
    return value


def _cloze(text: str, number: int, answer: bool) -> str:
    def one(match: re.Match[str]) -> str:
        if int(match[1]) != number:
            return match[2]
        if answer:
            return f'<span class="cloze">{match[2]}</span>'
        return f'<span class="cloze">[{match[3] or "..."}]</span>'

    return _CLOZE.sub(one, text or "")
