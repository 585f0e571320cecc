"""Cloze deletions: ``{{cN::answer}}`` and ``{{cN::answer::hint}}``.

The one cloze parser of the product: flashcards' cloze notes (their card
numbers and sides) and a lesson's cloze "Check yourself" cards both read
clozes here. Braces inside an answer (LaTeX such as ``$\\frac{a}{b}$``) are
matched, so ``{{c1::$\\frac{1}{2}$}}`` is one cloze; an unclosed cloze is
ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Cloze", "cloze_numbers", "cloze_sides", "cloze_sides_all", "clozes"]

_CLOZE_OPEN = re.compile(r"\{\{c(\d+)::")


@dataclass(frozen=True)
class Cloze:
    """One cloze: where it is in the text, its number, answer and hint."""

    start: int
    end: int
    number: int
    answer: str
    hint: str


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


def cloze_sides_all(text: str) -> tuple[str, str]:
    """Return (question, answer) markdown with every cloze asked at once.

    Each cloze shows as ``[…]`` (or ``[hint]``) on the question and in bold on
    the answer (a lesson's "Check yourself" box).
    """
    question: list[str] = []
    answer: list[str] = []
    last = 0
    for cloze in clozes(text):
        question += [text[last : cloze.start], f"[{cloze.hint or '…'}]"]
        answer += [text[last : cloze.start], f"**{cloze.answer}**"]
        last = cloze.end
    return "".join([*question, text[last:]]), "".join([*answer, text[last:]])
