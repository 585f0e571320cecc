"""The lesson pages: outline, the precision lesson, and its htmx fragments."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from lessons import selectors
from lessons.models import Lesson
from lessons.services import course_load

pytestmark = pytest.mark.django_db
SLUG = "why-precision-matters"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def loaded():
    course_load()
    return Lesson.objects.get(slug=SLUG)


@pytest.fixture
def client() -> Client:
    return Client()


def test_outline_lists_all_four_lessons_of_phase_3(client, loaded):
    response = client.get(reverse("lessons:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Phase 3: How models are trained at scale" in html
    titles = list(
        loaded.phase.lessons.order_by("order").values_list("title", flat=True)
    )
    assert len(titles) == 4
    positions = [html.index(t.replace("'", "&#x27;")) for t in titles]
    assert positions == sorted(positions)
    assert html.count("coming soon") == 3
    # Only the published lesson is a link: no empty pages.
    assert f'href="/lessons/{SLUG}/"' in html
    for slug in (
        "pretraining-at-scale",
        "chinchilla-compute-optimal",
        "memory-engineering",
    ):
        assert f'href="/lessons/{slug}/"' not in html


def test_unpublished_lessons_have_no_page(client, loaded):
    for lesson in Lesson.objects.filter(published=False):
        assert client.get(f"/lessons/{lesson.slug}/").status_code == 404
    assert client.get("/lessons/no-such-lesson/").status_code == 404


def test_lesson_page_renders_math_toc_and_objectives(client, loaded):
    response = client.get(loaded.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    # Math for KaTeX's auto-render, and the vendored KaTeX itself.
    assert '<span class="math inline">\\(' in html
    assert '<div class="math display">\\[' in html
    assert "vendor/katex/katex.min.js" in html and "js/math.js" in html
    # Table of contents linking to heading anchors.
    toc = html[
        html.index('class="lesson-toc"') : html.index(
            "</nav>", html.index('class="lesson-toc"')
        )
    ]
    for entry in loaded.toc:
        assert f'href="#{entry["id"]}"' in toc
        assert f'id="{entry["id"]}"' in html
    assert 'class="anchor"' in html
    # Objectives, each with what practises it.
    for objective in loaded.objectives.all():
        assert f'id="objective-{objective.key}"' in html
    assert "Check yourself" in html and 'class="check-yourself"' in html
    # Reading progress and the computed read time.
    assert 'id="reading-progress-bar"' in html and "lessons/lesson.js" in html
    assert f"{loaded.read_minutes} min read" in html
    assert f"{loaded.word_count:,} words" in html


def test_read_time_is_computed_from_the_words(loaded):
    assert loaded.read_minutes == -(-loaded.word_count // 200)
    assert 15 <= loaded.read_minutes <= 25


def test_objective_links_come_from_every_app(client, loaded, monkeypatch):
    config = apps.get_app_config("flashcards")
    monkeypatch.setattr(
        config,
        "objective_links",
        lambda lesson, key: [
            {"kind": "cards", "label": f"Review {key}", "url": f"/study/?o={key}"}
        ],
        raising=False,
    )
    links = selectors.objective_links(lesson=loaded, key="fp-representation")
    kinds = {link.kind for link in links}
    assert {"cards", "tool"} <= kinds
    assert any(link.url == "/study/?o=fp-representation" for link in links)
    html = client.get(loaded.get_absolute_url()).content.decode()
    assert "Review precision-asymmetry" in html
    assert f"/lessons/{SLUG}/#float-explorer" in html


def test_every_objective_links_to_its_check_yourself_cards(loaded):
    for objective in selectors.lesson_objectives(lesson=loaded):
        card_links = [link for link in objective["links"] if link["kind"] == "cards"]
        assert card_links, objective["key"]
        anchor = card_links[0]["url"].split("#")[1]
        assert f'id="{anchor}"' in loaded.html


def test_page_embeds_both_tools_with_initial_results(client, loaded):
    html = client.get(loaded.get_absolute_url()).content.decode()
    assert 'id="float-explorer"' in html and 'id="memory-calculator"' in html
    assert 'hx-get="/lessons/tools/float-explorer/"' in html
    assert 'hx-get="/lessons/tools/memory-calculator/"' in html
    assert 'class="explorer-table"' in html and 'class="calc-table"' in html
    # The tools sit after the sections that explain them.
    assert html.index('id="range-versus-precision"') < html.index('id="float-explorer"')
    assert html.index('id="float-explorer"') < html.index('id="what-fewer-bits-save"')


def test_without_javascript_the_tools_submit_to_the_page(client, loaded):
    response = client.get(
        loaded.get_absolute_url(), {"value": "65520", "model_size": "70"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "overflow" in html
    assert "1,120" in html  # 70e9 × 16 B = 1,120 GB


def test_float_explorer_fragment_shows_every_format(client, loaded):
    response = client.get(reverse("lessons:float-explorer"), {"value": "0.1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    for name in ("fp32", "bf16", "fp8_e4m3fn", "fp4_e2m1", "int8", "nf4"):
        assert f"<code>{name}</code>" in html
    # fp32 stores 0.1 as 0.100000001490116...; each bit field is named for a
    # screen reader and tagged with a letter, not told apart by colour alone.
    assert "0.10000000149011612" in html
    assert (
        '<span class="sr-only">sign bit </span><span class="bit-digits">0</span>'
        '<span class="bit-tag" aria-hidden="true">S</span>'
    ) in html
    assert 'exponent bits </span><span class="bit-digits">01111011</span>' in html
    assert 'class="bit-group bit-mantissa"' in html


def test_float_explorer_shows_overflow_as_the_format_does(client, loaded):
    html = client.get(
        reverse("lessons:float-explorer"), {"value": "1e6"}
    ).content.decode()
    row = re.search(r'class="explorer-format category-(\w+)" data-format="fp16"', html)
    assert row and row[1] == "overflow"
    assert "∞" in html
    e4m3 = re.search(
        r'class="explorer-format category-(\w+)" data-format="fp8_e4m3fn"', html
    )
    assert e4m3 and e4m3[1] == "saturated"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"value": "abc"}, "value", "enter a number"),
        ({"value": "nan"}, "value", "finite"),
        ({"value": "1e400"}, "value", "finite"),
        ({"value": ""}, "value", "enter a number"),
        ({"value": "1", "scale": "0"}, "scale", "positive"),
        ({"value": "1", "scale": "x"}, "scale", "positive number"),
    ],
)
def test_float_explorer_bad_input_is_a_form_message(
    client, loaded, params, field, message
):
    response = client.get(reverse("lessons:float-explorer"), params, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-field="{field}"' in html and message in html
    assert 'class="explorer-table"' not in html


def test_memory_calculator_fragment_shows_breakdown_and_fits(client, loaded):
    response = client.get(
        reverse("lessons:memory-calculator"),
        {
            "model_size": "7",
            "weights_dtype": "bf16",
            "optimizer": "adam",
            "zero_stage": "0",
            "gpus": "1",
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "16 bytes per parameter" in html
    assert "112" in html  # 7e9 × 16 B = 112 GB
    for size in ("24 GB", "40 GB", "80 GB", "141 GB"):
        assert f"<strong>{size}</strong>" in html
    assert "does not fit" in html  # 112 GB on an 80 GB card
    assert "fits, " in html  # ... but on 141 GB


def test_memory_calculator_zero_3_over_8_gpus_fits(client, loaded):
    html = client.get(
        reverse("lessons:memory-calculator"),
        {"model_size": "70", "zero_stage": "3", "gpus": "8"},
        **HTMX,
    ).content.decode()
    assert "140" in html  # 1,120 GB / 8 per GPU
    assert "ZeRO stage 3 over 8 GPUs" in html


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"model_size": "abc"}, ["model_size"]),
        ({"model_size": "-7"}, ["model_size"]),
        ({"model_size": "0"}, ["model_size"]),
        ({"model_size": "nan"}, ["model_size"]),
        ({"model_size": "1e400"}, ["model_size"]),
        ({"zero_stage": "7", "gpus": "0"}, ["zero_stage", "gpus"]),
        (
            {"weights_dtype": "fp99", "optimizer": "lion"},
            ["weights_dtype", "optimizer"],
        ),
        ({"master_weights": "fp7"}, ["master_weights"]),
        ({"gpus": "1.5"}, ["gpus"]),
    ],
)
def test_memory_calculator_bad_input_is_a_form_message(client, loaded, params, fields):
    response = client.get(reverse("lessons:memory-calculator"), params, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    for field in fields:
        assert f'data-field="{field}"' in html
    assert 'class="calc-table"' not in html


def test_lesson_page_queries_do_not_grow_with_content(
    client, loaded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        client.get(loaded.get_absolute_url())
