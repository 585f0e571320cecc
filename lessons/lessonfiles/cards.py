"""Cards written in a lesson: fenced ````card`` blocks, checked, and their
"Check yourself" boxes.

A block holds ``key:``, ``type:`` (``basic`` or ``cloze``), ``objective:`` and
``front:``/``back:`` (basic) or ``text:`` with ``{{c1::answer::hint}}``
(cloze, read by the one cloze parser, :mod:`lessons.markup.cloze`); an
indented or blank line continues the field above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lessons.lessonfiles.errors import ContentError
from lessons.lessonfiles.model import CARD_TYPES, SLUG, Card
from lessons.markup.cloze import cloze_sides_all, clozes
from lessons.markup.markdown_html import fragment

__all__ = ["CARD_BLOCK", "card_html", "parse_card"]

#: A fenced card block; group 1 is its body.
CARD_BLOCK = re.compile(r"^```card[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_CARD_FIELDS = ("key", "type", "objective", "front", "back", "text")


def parse_card(body: str, *, objectives: Iterable[str] | None, where: str) -> Card:
    """Read and check one card block's body.

    Args:
        body: The lines between the fences.
        objectives: Allowed objective keys; ``None`` accepts any.
        where: Where the block is, for error messages.

    Returns:
        The card (no section yet).

    Raises:
        ContentError: Listing every problem with the block.
    """
    fields: dict[str, str] = {}
    problems: list[str] = []
    last = None
    for line in body.splitlines():
        if last and (line.startswith((" ", "\t")) or not line.strip()):
            fields[last] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or name.strip() not in _CARD_FIELDS:
            problems.append(f"{where}: line {line!r}: expected one of {_CARD_FIELDS}")
            continue
        last = name.strip()
        if last in fields:
            problems.append(f"{where}: {last}: given twice")
        fields[last] = value.strip()
    card = Card(
        **{k: v.strip() for k, v in fields.items()},
        **{k: "" for k in _CARD_FIELDS if k not in fields},
    )
    problems += _card_problems(card, objectives, where)
    if problems:
        raise ContentError(problems)
    return card


def _card_problems(
    card: Card, objectives: Iterable[str] | None, where: str
) -> list[str]:
    problems = []
    where = f"{where} {card.key!r}" if card.key else where
    if not SLUG.match(card.key):
        problems.append(f"{where}: key: missing or not a slug")
    if card.type not in CARD_TYPES:
        problems.append(f"{where}: type: {card.type!r} is not one of {CARD_TYPES}")
    allowed = tuple(objectives) if objectives is not None else None
    if not card.objective or (allowed is not None and card.objective not in allowed):
        problems.append(f"{where}: objective: {card.objective!r} not in {allowed}")
    if card.type == "basic" and not (card.front and card.back and not card.text):
        problems.append(f"{where}: a basic card needs front and back, and no text")
    if card.type == "cloze" and (card.front or not clozes(card.text)):
        problems.append(f"{where}: a cloze card needs text with {{{{c1::...}}}}")
    return problems


def card_html(card: Card) -> str:
    """The card's "Check yourself" box: its question, and its answer folded.

    Args:
        card: A checked card.

    Returns:
        HTML, not yet sanitized (the whole lesson is, once).
    """
    if card.type == "cloze":
        question, answer = cloze_sides_all(card.text)
        if card.back:
            answer += "\n\n" + card.back
    else:
        question, answer = card.front, card.back
    return (
        f'<aside class="check-yourself" id="card-{card.key}">'
        '<p class="check-yourself-title">Check yourself</p>'
        f'<div class="check-yourself-question">{fragment(question)}</div>'
        "<details><summary>Show answer</summary>"
        f'<div class="check-yourself-answer">{fragment(answer)}</div>'
        "</details></aside>"
    )
