"""Markup: markdown with math to safe HTML, clozes, numbers written for reading.

Pure: imports nothing from Django. The modules, each one idea:

* :mod:`~lessons.markup.mathtext`: ``$...$`` math kept safe through Markdown.
* :mod:`~lessons.markup.markdown_html`: Markdown to HTML, headings, word counts,
  and :func:`render_user_markdown` for teacher- and learner-written text.
* :mod:`~lessons.markup.sanitize`: nh3 with an explicit allow-list.
* :mod:`~lessons.markup.cloze`: the one cloze parser.
* :mod:`~lessons.markup.number_format`: ``65,504`` and ``5.96 × 10⁻⁸``.

This package's public API is re-exported here; import other names from
their module.
"""

from lessons.markup.cloze import (
    Cloze,
    cloze_numbers,
    cloze_sides,
    cloze_sides_all,
    clozes,
)
from lessons.markup.markdown_html import (
    READING_WORDS_PER_MINUTE,
    TocEntry,
    read_minutes,
    render_user_markdown,
)
from lessons.markup.number_format import format_number
from lessons.markup.sanitize import USER_IMAGE_SRC, sanitize_html

__all__ = [
    "READING_WORDS_PER_MINUTE",
    "USER_IMAGE_SRC",
    "Cloze",
    "TocEntry",
    "cloze_numbers",
    "cloze_sides",
    "cloze_sides_all",
    "clozes",
    "format_number",
    "read_minutes",
    "render_user_markdown",
    "sanitize_html",
]
