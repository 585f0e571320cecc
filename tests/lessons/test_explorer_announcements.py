"""The float explorer and the memory calculator announce one line, not a table.

Their results are swapped in by htmx and are not live regions; each tool has a
separate sr-only role="status" line outside the swap target, which lesson.js
fills from the result's data-tool-summary when it changes. The explorer's bit
fields are named for screen readers and tagged, not told apart by colour alone.
"""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.urls import reverse

from lessons.models import Lesson
from lessons.services import course_load

pytestmark = pytest.mark.django_db
SLUG = "why-precision-matters"
HTMX = {"HTTP_HX_REQUEST": "true"}
LIVE = 'class="sr-only" role="status" aria-live="polite" aria-atomic="true"'


@pytest.fixture
def loaded() -> Lesson:
    course_load()
    return Lesson.objects.get(slug=SLUG)


def _summary(html: str) -> str:
    found = re.search(r'data-tool-summary="([^"]*)"', html)
    assert found, "no data-tool-summary"
    return htmllib.unescape(found[1])


def test_each_tool_has_a_one_line_live_region_outside_its_result(client, loaded):
    html = client.get(loaded.get_absolute_url()).content.decode()
    for tool in ("float-explorer", "memory-calculator"):
        live = html.index(f'<p id="{tool}-summary" {LIVE}></p>')
        result = html.index(f'<div id="{tool}-result" data-tool-live="{tool}-summary">')
        assert live < result
    # Only those two lines are live: the result tables are not.
    start = html.index('id="float-explorer"')
    tools = html[start : html.index("</section>", html.index('id="memory-calculator"'))]
    assert tools.count("aria-live") == 2
    assert 'src="/static/lessons/lesson.js"' in html


def test_the_explorer_fragment_carries_a_one_line_summary(client, loaded):
    response = client.get(reverse("lessons:float-explorer"), {"value": "0.1"}, **HTMX)
    html = response.content.decode()
    assert "aria-live" not in html and "role=" not in html
    assert _summary(html) == (
        "0.1 is stored as 0.10000000149011612 in fp32 (error 1.49e-06 %), "
        "0.0999755859375 in fp16 (error 0.0244 %), "
        "0.10009765625 in bf16 (error 0.0977 %); 13 formats in the table below."
    )


def test_the_same_value_written_differently_gives_the_same_summary(client, loaded):
    url = reverse("lessons:float-explorer")
    first = _summary(client.get(url, {"value": "0.1"}, **HTMX).content.decode())
    second = _summary(client.get(url, {"value": "0.10"}, **HTMX).content.decode())
    assert first == second


def test_an_explorer_error_is_the_summary_and_names_its_field(client, loaded):
    html = client.get(
        reverse("lessons:float-explorer"), {"value": "abc"}, **HTMX
    ).content.decode()
    summary = _summary(html)
    assert summary.startswith("Value: ")
    assert 'id="id_value_error" data-field="value"' in html
    assert 'role="alert"' not in html


def test_the_explorer_names_each_bit_group_and_tags_it(client, loaded):
    html = client.get(
        reverse("lessons:float-explorer"), {"value": "0.1"}, **HTMX
    ).content.decode()
    fp32 = html[html.index("FP32 (single)") : html.index("TF32")]
    for name, bits, tag in (
        ("sign bit", "0", "S"),
        ("exponent bits", "01111011", "E"),
        ("mantissa bits", "10011001100110011001101", "M"),
    ):
        assert (
            f'<span class="sr-only">{name} </span><span class="bit-digits">{bits}</span>'
            f'<span class="bit-tag" aria-hidden="true">{tag}</span>'
        ) in fp32
    nf4 = html[html.index("NF4 (4-bit NormalFloat)") :]
    assert '<span class="sr-only">table index bits </span>' in nf4
    assert "Bit groups:" in html  # the legend explains the letters


def test_the_explorer_help_text_is_the_one_its_field_points_to(client, loaded):
    html = client.get(loaded.get_absolute_url()).content.decode()
    assert 'aria-describedby="id_value_helptext"' in html
    assert 'id="id_value_helptext"' in html


def test_the_calculator_fragment_carries_a_one_line_summary(client, loaded):
    html = client.get(
        reverse("lessons:memory-calculator"), {"model_size": "7"}, **HTMX
    ).content.decode()
    assert "aria-live" not in html and "role=" not in html
    assert _summary(html) == (
        "7 billion parameters, bf16 weights, adam: 112 GB per GPU to train "
        "(16 bytes per parameter); smallest card it fits on: 141 GB."
    )


def test_the_calculator_summary_names_zero_and_the_gpus(client, loaded):
    html = client.get(
        reverse("lessons:memory-calculator"),
        {"model_size": "70", "zero_stage": "3", "gpus": "8"},
        **HTMX,
    ).content.decode()
    assert _summary(html).startswith(
        "70 billion parameters, bf16 weights, adam, ZeRO stage 3 over 8 GPUs: 140 GB"
    )


def test_a_calculator_error_is_the_summary(client, loaded):
    html = client.get(
        reverse("lessons:memory-calculator"), {"model_size": "lots"}, **HTMX
    ).content.decode()
    assert _summary(html).startswith("Model size (billions of parameters): ")
    assert 'id="id_model_size_error" data-field="model_size"' in html


def test_the_page_shows_the_calculators_whole_breakdown_without_javascript(
    client, loaded
):
    html = client.get(loaded.get_absolute_url()).content.decode()
    calculator = html[html.index('id="memory-calculator-result"') :]
    assert '<th scope="row">Optimizer states</th>' in calculator
    assert "Does it fit on one card?" in calculator and "141 GB" in calculator
    assert "7 billion parameters, bf16 weights, adam" in htmllib.unescape(calculator)
