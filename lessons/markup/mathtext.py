"""Math in markdown: lift it out, put it back escaped.

Math is written ``$...$`` and ``$$...$$`` here, and the Anki ways too:
MathJax's ``\\(...\\)`` and ``\\[...\\]``, and Anki's ``[$]...[/$]``,
``[$$]...[/$$]`` and ``[latex]...[/latex]``. Markdown would read ``_`` and
``*`` inside math as emphasis and eat the backslash of ``\\(``, so math (and
a literal ``\\$``) is swapped for tokens before Markdown runs and put back
after, inside ``\\(..\\)`` and ``\\[..\\]`` for KaTeX's auto-render. The
TeX is HTML-decoded once and escaped once, so ``\\varepsilon&gt;0`` from an
Anki field reaches KaTeX as ``\\varepsilon>0``. Code spans and fenced code
keep their dollars and backslashes.
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
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|\[\$\$\](?P<anki_display>.+?)\[/\$\$\]"
    r"|\[\$\](?P<anki_inline>.+?)\[/\$\]"
    r"|\[latex\](?P<latex>.+?)\[/latex\]"
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
        display, raw = _math_of(m)
        tex = html.escape(html.unescape(raw.strip()), quote=False)
        if display:
            return stash.add("D", f'<div class="math display">\\[{tex}\\]</div>')
        return stash.add("I", f'<span class="math inline">\\({tex}\\)</span>')

    return _PROTECTED.sub(repl, text)


_DISPLAY_GROUPS = ("bracket", "anki_display", "display")
_INLINE_GROUPS = ("paren", "anki_inline", "inline")
#: What Anki's ``[latex]`` may wrap its math in (it runs LaTeX; KaTeX wants
#: the math alone): display or inline.
_LATEX_WRAPPERS = (
    (re.compile(r"^\$\$(.+)\$\$$", re.S), True),
    (re.compile(r"^\\\[(.+)\\\]$", re.S), True),
    (re.compile(r"^\\begin\{displaymath\}(.+)\\end\{displaymath\}$", re.S), True),
    (re.compile(r"^\$(.+)\$$", re.S), False),
    (re.compile(r"^\\begin\{math\}(.+)\\end\{math\}$", re.S), False),
)


def _math_of(m: re.Match[str]) -> tuple[bool, str]:
    """Whether the matched math is display math, and its TeX."""
    for name in _DISPLAY_GROUPS:
        if m[name] is not None:
            return True, m[name]
    for name in _INLINE_GROUPS:
        if m[name] is not None:
            return False, m[name]
    tex = m["latex"].strip()
    for wrapper, display in _LATEX_WRAPPERS:
        if inner := wrapper.match(tex):
            return display, inner[1]
    return True, tex


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
