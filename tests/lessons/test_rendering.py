"""Tests for lesson rendering (lessons.lessonfiles) and lessons.markup: markdown,
math, placeholders, cards, sanitizing."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.lessonfiles import ContentError, UnknownPlaceholderError, render_markdown
from lessons.markup import (
    READING_WORDS_PER_MINUTE,
    TocEntry,
    format_number,
    read_minutes,
    render_user_markdown,
    sanitize_html,
)


def render(text: str, values: dict[str, str] | None = None, **kwargs):
    return render_markdown(text, values or {}, **kwargs)


# ---------------------------------------------------------------- placeholders


def test_placeholders_are_filled_from_the_values_map():
    doc = render(
        "fp16 tops out at {{ fp16.max }} and {{fp16.max}}.", {"fp16.max": "65,504"}
    )
    assert "fp16 tops out at 65,504 and 65,504." in doc.html


def test_unknown_placeholders_raise_listing_every_key():
    with pytest.raises(UnknownPlaceholderError) as info:
        render("{{ a.b }} {{ c }} {{ a.b }} {{ known }}", {"known": "1"}, source="x.md")
    assert info.value.keys == ("a.b", "c")
    assert "x.md" in str(info.value)
    assert "a.b, c" in str(info.value)


def test_placeholders_fill_math_and_cloze_answers():
    text = "$2^{ {{ e }} }$\n\n```card\nkey: k\ntype: cloze\nobjective: o\ntext: {{c1::{{ v }}}}\n```"
    doc = render(text, {"e": "-24", "v": "65,504"})
    assert r"\(2^{ -24 }\)" in doc.html
    assert doc.cards[0].text == "{{c1::65,504}}"


# ---------------------------------------------------------------- math


def test_math_with_underscores_and_asterisks_survives_markdown():
    doc = render(r"Inline $a_b * c_d * e_f$ and $x^*_i$ here, and **bold**.")
    assert r'<span class="math inline">\(a_b * c_d * e_f\)</span>' in doc.html
    assert r'<span class="math inline">\(x^*_i\)</span>' in doc.html
    assert "<strong>bold</strong>" in doc.html
    assert "<em>" not in doc.html


def test_display_math_becomes_a_div_and_is_escaped():
    doc = render("Before.\n\n$$\n\\frac{a_1}{b_*} < 2 \\quad x > y\n$$\n\nAfter.")
    assert (
        r'<div class="math display">\[\frac{a_1}{b_*} &lt; 2 \quad x &gt; y\]</div>'
        in doc.html
    )
    assert doc.math_count == 1


def test_math_is_not_taken_from_code_and_escaped_dollars_stay_literal():
    text = "`code $x_1$ here` and\n\n```\n$y_2$\n```\n\nIt costs \\$5 and \\$6."
    doc = render(text)
    assert "<code>code $x_1$ here</code>" in doc.html
    assert "$y_2$" in doc.html
    assert "It costs $5 and $6." in doc.html
    assert doc.math_count == 0


def test_prices_are_not_math():
    doc = render("Between $5 and $6 a month.")
    assert "math" not in doc.html
    assert "$5 and $6" in doc.html


def test_math_inside_a_table_cell_with_a_pipe():
    doc = render("| a | b |\n|---|---|\n| $\\lvert x_1 \\rvert$ | $|y|$ |\n")
    assert "<td>" in doc.html
    assert r"\(|y|\)" in doc.html


@given(
    st.text(alphabet="abxyz_*^{}+=<>&\\ 0123456789", min_size=1, max_size=30).filter(
        lambda s: s.strip() == s and "\\" not in s[-1:] and s
    )
)
def test_any_inline_math_comes_back_intact(tex):
    doc = render(f"Say ${tex}$ now.")
    spans = re.findall(r'<span class="math inline">\\\((.*?)\\\)</span>', doc.html)
    assert [html.unescape(s) for s in spans] == [tex]


# ---------------------------------------------------------------- headings, counts


def test_headings_get_ids_a_hash_link_and_a_toc():
    doc = render("## Range versus precision\n\ntext\n\n### The grid\n\nmore")
    assert '<h2 id="range-versus-precision">' in doc.html
    assert 'href="#range-versus-precision"' in doc.html
    assert ">#</a>" in doc.html
    assert doc.toc == (
        TocEntry(2, "range-versus-precision", "Range versus precision"),
        TocEntry(3, "the-grid", "The grid"),
    )


def test_word_count_skips_math_code_and_cards():
    text = (
        "## Two words\n\nOne two three $a b c d e f$ four.\n\n"
        "```\nnot counted at all\n```\n\n`nor this`\n\n"
        "```card\nkey: k\ntype: basic\nobjective: o\nfront: not counted\nback: no\n```"
    )
    assert render(text).word_count == 2 + 4


def test_read_minutes_rounds_up_at_200_words_a_minute():
    assert READING_WORDS_PER_MINUTE == 200
    assert read_minutes(1) == 1
    assert read_minutes(200) == 1
    assert read_minutes(201) == 2
    assert read_minutes(3601) == 19
    assert render("word " * 401).read_minutes == 3


# ---------------------------------------------------------------- cards

BASIC = """```card
key: fp-bias
type: basic
objective: fp-representation
front: What is the bias of $e_{\\text{stored}}$?
back: An offset.
  It continues here.
```"""


def test_basic_card_is_data_and_a_check_yourself_box():
    doc = render(BASIC, objectives=["fp-representation"], section="floats")
    (card,) = doc.cards
    assert card.key == "fp-bias"
    assert card.type == "basic"
    assert card.section == "floats"
    assert card.back == "An offset.\nIt continues here."
    assert card.to_dict()["front"].startswith("What is the bias")
    assert '<aside class="check-yourself" id="card-fp-bias">' in doc.html
    assert "<details><summary>Show answer</summary>" in doc.html
    assert r"\(e_{\text{stored}}\)" in doc.html
    assert "```card" not in doc.html


def test_cloze_card_hides_answers_in_the_question_and_shows_them_in_the_answer():
    text = "```card\nkey: c\ntype: cloze\nobjective: o\ntext: A {{c1::sign::one bit}} and {{c2::$2^{-24}$}}.\n```"
    doc = render(text)
    question, answer = re.findall(
        r'check-yourself-(?:question|answer)">(.*?)</div>', doc.html
    )
    assert "[one bit]" in question
    assert "[…]" in question
    assert "sign" not in question
    assert "<strong>sign</strong>" in answer
    assert r"\(2^{-24}\)" in answer


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("key: k\ntype: multiple\nobjective: o\nfront: a\nback: b", "type"),
        ("key: k\ntype: basic\nobjective: nope\nfront: a\nback: b", "objective"),
        ("key: Bad Key\ntype: basic\nobjective: o\nfront: a\nback: b", "key"),
        ("key: k\ntype: basic\nobjective: o\nfront: a", "front and back"),
        ("key: k\ntype: cloze\nobjective: o\ntext: no deletion here", "c1::"),
        ("key: k\ntype: basic\nobjective: o\nfront: a\nback: b\ncolour: red", "colour"),
    ],
)
def test_invalid_cards_are_errors_naming_the_source(body, message):
    with pytest.raises(ContentError) as info:
        render(f"```card\n{body}\n```", objectives=["o"], source="03-x.md")
    assert "03-x.md" in str(info.value)
    assert message in str(info.value)


def test_repeated_card_keys_are_an_error():
    card = "```card\nkey: k\ntype: basic\nobjective: o\nfront: a\nback: b\n```\n\n"
    with pytest.raises(ContentError, match="not unique"):
        render(card * 2)


# ---------------------------------------------------------------- sanitizing

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<details open ontoggle="alert(1)">x</details>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<math><mtext><style><img src=x onerror=alert(1)></style></mtext></math>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<p class="check-yourself" onclick="alert(1)">x</p>',
]


def _is_safe(out: str) -> bool:
    lowered = out.lower()
    return not any(
        bad in lowered
        for bad in (
            "<script",
            "javascript:",
            "onerror",
            "onload",
            "ontoggle",
            "onclick",
            "<iframe",
            "<svg",
            "<object",
            "<form",
            "style=",
        )
    )


@pytest.mark.parametrize("payload", XSS)
def test_sanitizer_strips_script_handlers_and_javascript_links(payload):
    assert _is_safe(sanitize_html(payload))


@pytest.mark.parametrize("payload", XSS)
def test_user_markdown_is_sanitized(payload):
    assert _is_safe(render_user_markdown(f"Hello\n\n{payload}\n\nand *more*"))


def test_markdown_javascript_links_and_images_lose_their_urls():
    out = render_user_markdown("[x](javascript:alert(1)) ![i](javascript:alert(2))")
    assert "javascript" not in out
    out = render_user_markdown("[ok](https://example.org/a_b)")
    assert 'href="https://example.org/a_b"' in out
    assert 'rel="noopener noreferrer"' in out


def test_sanitizer_keeps_math_and_lesson_classes_but_not_others():
    out = sanitize_html(
        '<span class="math inline evil">\\(x\\)</span><div class="banner">y</div>'
    )
    assert out.startswith('<span class="math inline">\\(x\\)</span><div')
    assert "evil" not in out
    assert "banner" not in out


def test_user_markdown_renders_math_and_leaves_braces_alone():
    out = render_user_markdown("The {{c1::sign}} bit, $s_1 * 2$, {{ x }}.")
    assert "{{c1::sign}}" in out
    assert "{{ x }}" in out
    assert r"\(s_1 * 2\)" in out


# ---------------------------------------------------------------- number formatting


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (65504.0, "65,504"),
        (448.0, "448"),
        (0.5, "0.5"),
        (0.00390625, "0.00391"),
        (5.960464477539063e-08, "5.96 × 10⁻⁸"),
        (3.4028234663852886e38, "3.4 × 10³⁸"),
        (1e-8, "10⁻⁸"),
        (-127.0, "−127"),
        (float("inf"), "∞"),
    ],
)
def test_format_number_reads_well(value, text):
    assert format_number(value) == text


def test_a_card_text_rendered_again_comes_from_the_cache_and_is_the_same():
    text = f"**Cache** check $x^{len(__name__)}$ <script>alert(1)</script>"
    first = render_user_markdown(text)
    hits = render_user_markdown.cache_info().hits
    assert render_user_markdown(text) == first
    assert render_user_markdown.cache_info().hits == hits + 1
    assert "<script" not in first and "<strong>Cache</strong>" in first
    assert render_user_markdown(text + " more") != first
