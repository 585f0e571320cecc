"""Math written every way Anki decks write it reaches KaTeX as math: ``$``,
``$$``, MathJax's ``\\(`` and ``\\[``, Anki's ``[$]``, ``[$$]`` and
``[latex]``; markdown never touches it, and entities inside it are decoded
once (``\\varepsilon&gt;0`` from a real deck is ``\\varepsilon>0``)."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.markup import render_user_markdown

INLINE = re.compile(r'<span class="math inline">\\\((.*?)\\\)</span>', re.S)
DISPLAY = re.compile(
    r'<(?:div|span) class="math display">\\\[(.*?)\\\]</(?:div|span)>', re.S
)


def _inline(rendered: str) -> list[str]:
    return [html.unescape(tex) for tex in INLINE.findall(rendered)]


def _display(rendered: str) -> list[str]:
    return [html.unescape(tex) for tex in DISPLAY.findall(rendered)]


@pytest.mark.parametrize(
    "text",
    [
        r"Ohm: \(V = IR\).",
        "Ohm: $V = IR$.",
        "Ohm: [$]V = IR[/$].",
        r"Ohm: [latex]$V = IR$[/latex].",
    ],
    ids=["mathjax", "dollar", "anki", "latex-dollar"],
)
def test_inline_math_in_any_notation_is_inline_math(text):
    rendered = render_user_markdown(text)
    assert _inline(rendered) == ["V = IR"]
    assert "Ohm:" in rendered and "(V = IR)" not in rendered.replace("\\(V = IR\\)", "")


@pytest.mark.parametrize(
    "text",
    [
        r"\[E = mc^2\]",
        "$$E = mc^2$$",
        "[$$]E = mc^2[/$$]",
        "[latex]E = mc^2[/latex]",
        r"[latex]\begin{displaymath}E = mc^2\end{displaymath}[/latex]",
    ],
    ids=["mathjax", "dollars", "anki", "latex", "latex-displaymath"],
)
def test_display_math_in_any_notation_is_display_math(text):
    assert _display(render_user_markdown(text)) == ["E = mc^2"]


def test_markdown_does_not_read_emphasis_or_escapes_inside_mathjax_math():
    rendered = render_user_markdown(r"\(a_1 * b_2 * c_3\) and \[x_{*} \times y_{*}\]")
    assert "<em>" not in rendered
    assert _inline(rendered) == ["a_1 * b_2 * c_3"]
    assert _display(rendered) == [r"x_{*} \times y_{*}"]


def test_an_entity_inside_math_is_decoded_once():
    rendered = render_user_markdown(r"For every $\varepsilon&gt;0$ and \(a &lt; b\)")
    assert _inline(rendered) == [r"\varepsilon>0", "a < b"]
    assert "&amp;gt;" not in rendered and "&amp;lt;" not in rendered


def test_a_less_than_sign_in_math_stays_text_not_a_tag():
    rendered = render_user_markdown(r"\(a <b> c\)")
    assert "<b>" not in rendered
    assert _inline(rendered) == ["a <b> c"]


def test_code_keeps_its_backslashes_and_brackets():
    rendered = render_user_markdown("Write `\\(x\\)` or `[$]x[/$]` in a field.")
    assert _inline(rendered) == []
    assert "<code>\\(x\\)</code>" in rendered and "<code>[$]x[/$]</code>" in rendered


def test_an_unclosed_delimiter_is_left_as_text():
    rendered = render_user_markdown(r"Half \(open and [$] too")
    assert _inline(rendered) == [] and _display(rendered) == []
    assert "open" in rendered and "[$] too" in rendered


TEX = st.text(
    alphabet=st.sampled_from(list("abcxyz019+-=^_{}* <>&;\\")), min_size=1, max_size=30
).filter(lambda t: t.strip() and "\\)" not in t and "\\(" not in t)


@given(tex=TEX)
def test_any_tex_in_mathjax_parens_reaches_katex_decoded_once(tex):
    rendered = render_user_markdown(f"Say \\({tex}\\) now")
    assert _inline(rendered) == [html.unescape(tex).strip()]
