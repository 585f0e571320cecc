"""Markdown to HTML: Python-Markdown with math kept safe, headings, word counts.

:func:`markdown_to_html` runs Markdown (tables, fenced code, a table of
contents with permalinks); :func:`fragment` adds math (see
:mod:`lessons.markup.mathtext`); :func:`render_user_markdown` is the one way
teacher- or learner-written markdown becomes HTML (sanitized, images only from
the site's card media). Prose is counted for read times by
:func:`count_words` and :func:`read_minutes`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import markdown
from markdown.extensions.toc import slugify

from lessons.markup.mathtext import Stash, lift_math, put_back
from lessons.markup.sanitize import only_user_images, sanitize_html
from lessons.markup.sound import lift_sound

__all__ = [
    "READING_WORDS_PER_MINUTE",
    "TocEntry",
    "count_words",
    "fragment",
    "markdown_to_html",
    "read_minutes",
    "render_user_markdown",
    "slugify",
]

#: Reading speed used for read times: 200 words per minute, a common figure for
#: technical prose read with care; read time = ceil(words / 200).
READING_WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class TocEntry:
    """A heading: its level (2 for ``##``), its id and its plain-text title."""

    level: int
    id: str
    title: str


def markdown_to_html(text: str) -> tuple[str, tuple[TocEntry, ...]]:
    """Convert markdown (math already lifted out) to HTML, not yet sanitized.

    Args:
        text: Markdown.

    Returns:
        The HTML, and every heading in order.
    """
    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "md_in_html", "toc"],
        extension_configs={
            "toc": {
                "permalink": "#",
                "permalink_class": "anchor",
                "permalink_title": "Link to this section",
                "slugify": slugify,
            }
        },
        output_format="html",
    )
    body = md.convert(text)
    return body, tuple(_flatten_toc(md.toc_tokens))


def _flatten_toc(tokens: list[dict[str, Any]]) -> Iterable[TocEntry]:
    for token in tokens:
        yield TocEntry(token["level"], token["id"], html.unescape(token["name"]))
        yield from _flatten_toc(token["children"])


# Math tokens (`lessons.markup.mathtext`) are not prose either.
_NOT_PROSE = re.compile(
    r"<pre.*?</pre>|<code.*?</code>|<a class=\"anchor\".*?</a>|QXMATHTOKEN\w+?QX", re.S
)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W_]+(?:['’.,\-][^\W_]+)*")


def count_words(html_: str) -> int:
    """Count the prose words of HTML: not code, permalinks or math tokens.

    Args:
        html_: HTML from :func:`markdown_to_html`, math still as tokens.

    Returns:
        The number of words.
    """
    text = html.unescape(_TAG.sub(" ", _NOT_PROSE.sub(" ", html_)))
    return len(_WORD.findall(text))


def read_minutes(words: int) -> int:
    """Return the read time for ``words`` words: ceil(words / 200), at least 1.

    Args:
        words: Number of prose words.

    Returns:
        Whole minutes at :data:`READING_WORDS_PER_MINUTE`.
    """
    return max(1, math.ceil(words / READING_WORDS_PER_MINUTE))


def fragment(text: str) -> str:
    """Render a piece of markdown with math (a card side), not yet sanitized.

    Args:
        text: Markdown with ``$...$`` / ``$$...$$`` math.

    Returns:
        The HTML.
    """
    stash = Stash()
    body, _toc = markdown_to_html(lift_sound(lift_math(text, stash), stash))
    return put_back(body, stash)


@lru_cache(maxsize=2048)
def render_user_markdown(text: str) -> str:
    """Render teacher- or learner-written markdown with math to safe HTML.

    The same text always gives the same HTML, so the last 2,048 texts are
    kept (per process): the study queue shows the same cards again and again,
    and rendering is most of what loading a batch costs.

    No placeholders and no card blocks: ``{{c1::...}}`` and ``{{ x }}`` stay as
    written. Raw HTML is allowed through Markdown and then sanitized; images
    only from the site's card media (`USER_IMAGE_SRC`).

    Args:
        text: Untrusted markdown with ``$...$`` / ``$$...$$`` math.

    Returns:
        Sanitized HTML.
    """
    return sanitize_html(fragment(text), attribute_filter=only_user_images)
