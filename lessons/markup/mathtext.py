"""Math in markdown: lift ``$...$`` and ``$$...$$`` out, put it back escaped.

Markdown would read ``_`` and ``*`` inside math as emphasis, so math (and a
literal ``\\$``) is swapped for tokens before Markdown runs and put back after,
escaped, inside ``\\(..\\)`` and ``\\[..\\]`` for KaTeX's auto-render. Code
spans and fenced code keep their dollars.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["Stash", "lift_math", "put_back"]

_PROTECTED = re.compile(
    r"(?P<fence>^(?P<f>`{3,}|~{3,})[^\n]*\n.*?^(?P=f)[ \t]*$)"
    r"|(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|(?P<dollar>\\\$)"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|(?<!\$)\$(?P<inline>[^\s$](?:[^$\n]*?[^\s\\$])?)\$(?!\d)",
    re.M | re.S,
)
#: Tokens look like ``QXMATHTOKEN<kind><n>QX``: kind ``I`` inline math, ``D``
#: display math, ``S`` a literal dollar, ``C`` a block another module stashes.
_TOKEN = "QXMATHTOKEN{kind}{n}QX"


@dataclass
class Stash:
    """Pieces lifted out of the markdown and put back after conversion."""

    items: dict[str, str] = field(default_factory=dict)
    blocks: set[str] = field(default_factory=set)
    math_count: int = 0

    def add(self, kind: str, html_: str) -> str:
        """Keep ``html_`` and return the token that stands for it.

        Args:
            kind: One letter; ``D`` and ``C`` are blocks (a paragraph of their
                own is replaced whole).
            html_: The HTML to put back.

        Returns:
            The token to leave in the markdown.
        """
        token = _TOKEN.format(kind=kind, n=len(self.items))
        self.items[token] = html_
        if kind in ("D", "C"):
            self.blocks.add(token)
        return token


def lift_math(text: str, stash: Stash) -> str:
    """Replace each math span and ``\\$`` in ``text`` by a token kept in ``stash``.

    Args:
        text: Markdown with ``$...$`` / ``$$...$$`` math.
        stash: Where the escaped math HTML is kept; counts the math spans.

    Returns:
        The markdown with tokens in place of the math.
    """

    def repl(m: re.Match[str]) -> str:
        if m["fence"] or m["code"]:
            return m[0]
        if m["dollar"]:
            return stash.add("S", "$")
        stash.math_count += 1
        if m["display"] is not None:
            tex = html.escape(m["display"].strip(), quote=False)
            return stash.add("D", f'<div class="math display">\\[{tex}\\]</div>')
        tex = html.escape(m["inline"], quote=False)
        return stash.add("I", f'<span class="math inline">\\({tex}\\)</span>')

    return _PROTECTED.sub(repl, text)


def put_back(html_: str, stash: Stash) -> str:
    """Put the stashed pieces back into the HTML Markdown made.

    Args:
        html_: HTML holding tokens from :meth:`Stash.add`.
        stash: The pieces.

    Returns:
        The HTML with every token replaced.
    """
    for token, piece in stash.items.items():
        if token in stash.blocks:
            html_ = html_.replace(f"<p>{token}</p>", piece)
        if token.startswith("QXMATHTOKEND"):  # display math inside a paragraph
            piece = piece.replace("<div", "<span").replace("</div>", "</span>")
        html_ = html_.replace(token, piece)
    return html_
