"""Rendering lesson markdown: placeholders filled, cards lifted out, math kept
safe, one sanitized HTML per section and per lesson.

* ``{{ key }}`` placeholders are filled from a values map at render time
  (:func:`lessons.lessonfiles.values.lesson_values`); a placeholder missing
  from the map is an error.
* Fenced ````card`` blocks (:mod:`lessons.lessonfiles.cards`) come back as
  :class:`Card` data and render as "Check yourself" boxes.
* Math and Markdown are :mod:`lessons.markup`'s; all HTML leaves through its
  sanitizer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lessons.lessonfiles.cards import CARD_BLOCK, card_html, parse_card
from lessons.lessonfiles.errors import ContentError, UnknownPlaceholderError
from lessons.lessonfiles.model import (
    Card,
    Lesson,
    RenderedDoc,
    RenderedLesson,
    RenderedSection,
)
from lessons.markup.markdown_html import count_words, markdown_to_html, read_minutes
from lessons.markup.mathtext import Stash, lift_math, put_back
from lessons.markup.sanitize import sanitize_html

__all__ = ["placeholders", "render_lesson", "render_markdown"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*\}\}")


def _substitute(text: str, values: Mapping[str, str], *, source: str) -> str:
    unknown = {m for m in _PLACEHOLDER.findall(text) if m not in values}
    if unknown:
        raise UnknownPlaceholderError(unknown, source=source)
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]), text)


def placeholders(text: str) -> set[str]:
    """Return the placeholder keys used in ``text``."""
    return set(_PLACEHOLDER.findall(text))


def render_markdown(
    text: str,
    values: Mapping[str, str],
    *,
    objectives: Iterable[str] | None = None,
    section: str = "",
    source: str = "<text>",
) -> RenderedDoc:
    """Render lesson markdown to sanitized HTML.

    Placeholders are filled first, then card blocks are lifted out, then math,
    then Markdown runs, and the pieces are put back before sanitizing.

    Args:
        text: Markdown with ``{{ key }}`` placeholders, math and card blocks.
        values: The placeholder values (see :func:`lesson_values`).
        objectives: Allowed card objective keys; ``None`` accepts any.
        section: Anchor recorded on each card.
        source: Name used in error messages (a file name).

    Returns:
        The HTML, table of contents, cards, prose word count and read time.

    Raises:
        UnknownPlaceholderError: A placeholder is not in ``values``.
        ContentError: A card block is invalid.
    """
    text = _substitute(text, values, source=source)
    stash = Stash()
    cards: list[Card] = []
    allowed = tuple(objectives) if objectives is not None else None

    def lift_card(m: re.Match[str]) -> str:
        card = parse_card(m[1], objectives=allowed, where=f"{source}: card")
        cards.append(Card(**{**card.to_dict(), "section": section}))
        return "\n\n" + stash.add("C", card_html(cards[-1])) + "\n\n"

    text = CARD_BLOCK.sub(lift_card, text)
    keys = [c.key for c in cards]
    if len(keys) != len(set(keys)):
        raise ContentError([f"{source}: card keys are not unique: {keys}"])
    body, toc = markdown_to_html(lift_math(text, stash))
    words = count_words(body)
    return RenderedDoc(
        html=sanitize_html(put_back(body, stash)),
        toc=toc,
        cards=tuple(cards),
        word_count=words,
        read_minutes=read_minutes(words),
        math_count=stash.math_count,
    )


def render_lesson(lesson: Lesson, values: Mapping[str, str]) -> RenderedLesson:
    """Render every section of a lesson and join them in order.

    Args:
        lesson: A lesson from :func:`load_course`.
        values: The placeholder values (see :func:`lesson_values`); the
            lesson's own ``lesson.practice_minutes`` and
            ``lesson.read_minutes`` (as stated in lesson.toml) are added.

    Returns:
        The lesson's HTML (one ``<section>`` per section file), its table of
        contents, all cards, and the word count and read time of the reading
        sections (practice sections are timed by ``practice_minutes``).

    Raises:
        UnknownPlaceholderError: Listing unknown keys across all sections.
        ContentError: A card is invalid, or keys or heading ids repeat.
    """
    values = {**values, **_lesson_meta_values(lesson)}
    unknown = {k for s in lesson.sections for k in placeholders(s.text)} - set(values)
    if unknown:
        raise UnknownPlaceholderError(unknown, source=str(lesson.path))
    docs = [
        render_markdown(
            s.text,
            values,
            objectives=lesson.objective_keys,
            section=s.anchor,
            source=str(lesson.path / s.file),
        )
        for s in lesson.sections
    ]
    toc = tuple(e for d in docs for e in d.toc)
    cards = tuple(c for d in docs for c in d.cards)
    _check_unique(lesson, "heading ids", [e.id for e in toc])
    _check_unique(lesson, "card keys", [c.key for c in cards])
    sections = tuple(
        RenderedSection(s.anchor, s.title, s.kind, d.html, d.word_count)
        for s, d in zip(lesson.sections, docs, strict=True)
    )
    words = sum(s.word_count for s in sections if s.kind == "reading")
    return RenderedLesson(
        lesson=lesson,
        html="\n".join(
            f'<section class="lesson-section lesson-{s.kind}">\n{s.html}\n</section>'
            for s in sections
        ),
        toc=toc,
        cards=cards,
        sections=sections,
        word_count=words,
        read_minutes=read_minutes(words),
        math_count=sum(d.math_count for d in docs),
    )


def _lesson_meta_values(lesson: Lesson) -> dict[str, str]:
    """Placeholders about the lesson itself: ``{{ lesson.practice_minutes }}``."""
    return {
        "lesson.practice_minutes": str(lesson.practice_minutes),
        "lesson.read_minutes": str(lesson.read_minutes),
    }


def _check_unique(lesson: Lesson, what: str, items: list[str]) -> None:
    repeated = sorted({i for i in items if items.count(i) > 1})
    if repeated:
        raise ContentError([f"{lesson.path}: {what} repeat: {', '.join(repeated)}"])
