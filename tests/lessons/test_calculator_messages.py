"""The memory calculator as a learner reads it: a result on first load, and
messages in the form's own terms (billions of parameters, GPUs, the labels),
never the API's field names or its units."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import views
from lessons.forms import MemoryCalculatorForm
from lessons.models import Lesson
from lessons.services import course_load

pytestmark = pytest.mark.django_db
SLUG = "why-precision-matters"
HTMX = {"HTTP_HX_REQUEST": "true"}
#: Names a learner never sees: the API's fields and the form's own.
INTERNAL = (
    "params",
    "all_gpus",
    "per_gpu",
    "model_size",
    "weights_dtype",
    "grads_dtype",
    "master_weights",
    "zero_stage",
    "optimizer_dtype",
    "accumulation_dtype",
)


@pytest.fixture
def loaded() -> Lesson:
    course_load()
    return Lesson.objects.get(slug=SLUG)


def _shown(html: str) -> str:
    """What the learner reads: the result's text, without tags or attributes."""
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(htmllib.unescape(text).split())


def _messages(query: dict[str, str]) -> list[str]:
    data = {k: f.initial or "" for k, f in MemoryCalculatorForm.base_fields.items()}
    form = views._calculator({**data, **query})["form"]
    return [
        f"{form[name].label}: {e}" for name in form.errors for e in form.errors[name]
    ]


def test_the_first_load_shows_the_default_result(client, loaded):
    html = client.get(loaded.get_absolute_url()).content.decode()
    result = html[html.index('id="memory-calculator-result"') :]
    result = result[: result.index("</section>")]
    assert "<strong>16 bytes per parameter</strong>" in result
    assert 'class="calc-table"' in result and "form-errors" not in result
    summary = re.search(r'data-tool-summary="([^"]*)"', result)[1]
    assert htmllib.unescape(summary).startswith("7 billion parameters, bf16 weights")


def test_the_result_line_names_no_internal_field(client, loaded):
    for url in (
        loaded.get_absolute_url(),
        reverse("lessons:memory-calculator") + "?model_size=70&zero_stage=3&gpus=8",
    ):
        html = client.get(url, **HTMX).content.decode()
        start = html.index('class="calc-convention"')
        line = _shown(html[start : html.index("</p>", start)])
        assert not [word for word in INTERNAL if word in line], line
        assert "per GPU" in line or "GPU" in line


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"model_size": "-5"},
            "Model size (billions of parameters): must be at least one parameter "
            "(0.000000001 billion); you entered -5 billion.",
        ),
        (
            {"model_size": "0"},
            "Model size (billions of parameters): must be at least one parameter "
            "(0.000000001 billion); you entered 0 billion.",
        ),
        (
            {"model_size": "lots"},
            "Model size (billions of parameters): enter a number of billions, "
            "such as 7 or 0.5 (you entered “lots”).",
        ),
        (
            {"model_size": "1e400"},
            "Model size (billions of parameters): enter a finite number of "
            "billions (you entered “1e400”).",
        ),
        (
            {"model_size": "1e299"},  # its memory is beyond a double
            "Model size (billions of parameters): is too large to work with "
            "(you entered 1e299 billion).",
        ),
        (
            {"gpus": "x"},
            "GPUs (data parallel): enter a whole number of GPUs, such as 1 or 8 "
            "(you entered “x”).",
        ),
        (
            {"model_size": ""},
            "Model size (billions of parameters): enter a number of billions, "
            "such as 7 or 0.5.",
        ),
        (
            {"gpus": "0"},
            "GPUs (data parallel): must be at least 1 (you entered 0).",
        ),
        (
            {"gpus": "2.5"},
            "GPUs (data parallel): must be a whole number of GPUs (you entered 2.5).",
        ),
        (
            {"zero_stage": "7"},
            "ZeRO stage: must be 0, 1, 2 or 3 (you entered 7).",
        ),
        (
            {"weights_dtype": "fp99"},
            "Weights: choose one of the listed formats (you entered “fp99”).",
        ),
        (
            {"optimizer": "lion"},
            "Optimizer: choose one of the listed optimizers (you entered “lion”).",
        ),
    ],
)
def test_a_bad_field_is_told_in_the_forms_terms(query, expected):
    assert _messages(query) == [expected]


def test_several_bad_fields_are_all_told(loaded, client):
    html = client.get(
        reverse("lessons:memory-calculator"), {"zero_stage": "7", "gpus": "0"}, **HTMX
    ).content.decode()
    for field in ("zero_stage", "gpus"):
        assert f'data-field="{field}"' in html


def test_a_decimal_comma_is_billions_too():
    data = {k: f.initial or "" for k, f in MemoryCalculatorForm.base_fields.items()}
    result = views._calculator({**data, "model_size": "7,5"})["result"]
    assert result["params"] == 7_500_000_000


def test_a_size_between_whole_parameters_is_rounded_not_refused():
    data = {k: f.initial or "" for k, f in MemoryCalculatorForm.base_fields.items()}
    result = views._calculator({**data, "model_size": "1.0000000004"})["result"]
    assert result["params"] == 1_000_000_000


@settings(max_examples=150, deadline=None)
@given(
    model_size=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=12),
    ),
    gpus=st.one_of(st.integers(-10, 10).map(str), st.text(max_size=6)),
)
def test_no_message_names_an_internal_field_or_counts_parameters(model_size, gpus):
    for message in _messages({"model_size": model_size, "gpus": gpus}):
        message = message.split("you entered")[0]  # what was typed is echoed
        assert not [word for word in INTERNAL if word in message], message
        assert "got " not in message  # the checker's own wording
