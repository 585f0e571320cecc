"""API: lessons, number formats and encodings."""

from __future__ import annotations

import json
import math

import ml_dtypes
import numpy as np
import pytest

from lessons import precision
from lessons.services import course_load

pytestmark = pytest.mark.django_db
SLUG = "why-precision-matters"


def strict_json(response) -> object:
    """Parse the body, refusing bare NaN and Infinity (not JSON)."""

    def refuse(name: str) -> None:
        raise AssertionError(f"bare {name} in the JSON")

    return json.loads(response.content, parse_constant=refuse)


@pytest.fixture
def loaded():
    course_load()


def test_lesson_list_has_the_outline_published_or_not(api, loaded):
    response = api.get("/api/v1/lessons/")
    assert response.status_code == 200
    body = strict_json(response)
    assert body["count"] == 4
    lessons = body["results"]
    assert [lesson["order"] for lesson in lessons] == [1, 2, 3, 4]
    assert {lesson["phase"] for lesson in lessons} == {3}
    published = [lesson for lesson in lessons if lesson["published"]]
    assert [lesson["slug"] for lesson in published] == [SLUG]
    assert published[0]["url"] == f"/lessons/{SLUG}/"
    assert all(lesson["url"] is None for lesson in lessons if not lesson["published"])
    assert len(published[0]["objectives"]) == 4
    assert "html" not in published[0]


def test_lesson_detail_has_metadata_objectives_and_html(api, loaded):
    response = api.get(f"/api/v1/lessons/{SLUG}/")
    assert response.status_code == 200
    body = strict_json(response)
    assert body["title"].startswith("Why precision matters")
    assert body["phase"] == 3 and body["order"] == 4 and body["phase_closer"]
    assert body["difficulty"] == "standard"
    assert body["practice_minutes"] == 12
    assert body["read_minutes"] == math.ceil(body["word_count"] / 200)
    assert [o["key"] for o in body["objectives"]] == [
        "fp-representation",
        "fewer-bits-save",
        "quantization-vs-mixed",
        "precision-asymmetry",
    ]
    assert all(o["links"] for o in body["objectives"])
    assert body["prerequisites"] == [
        {
            "slug": "memory-engineering",
            "title": body["prerequisites"][0]["title"],
            "published": False,
        }
    ]
    assert "HBM" in body["prerequisites_summary"]
    assert '<span class="math inline">' in body["html"]
    assert body["toc"][0] == {
        "level": 2,
        "id": "floating-point-numbers",
        "title": "Floating-point numbers",
    }
    assert [s["kind"] for s in body["sections"]][-1] == "practice"


def test_unpublished_or_unknown_lesson_is_404(api, loaded):
    assert api.get("/api/v1/lessons/memory-engineering/").status_code == 404
    assert api.get("/api/v1/lessons/nope/").status_code == 404


def test_format_list_has_every_format_and_property(api):
    response = api.get("/api/v1/formats/")
    assert response.status_code == 200
    body = strict_json(response)
    names = [f["name"] for f in body["results"]]
    assert names == list(precision.FORMAT_NAMES)
    assert body["count"] == 13
    fp16 = body["results"][names.index("fp16")]
    assert fp16["exponent_bits"] == 5 and fp16["mantissa_bits"] == 10
    assert fp16["bias"] == 15 and fp16["max_finite"] == 65504.0
    assert fp16["has_inf"] and fp16["bytes_per_value"] == 2


ENCODE_FIELDS = (
    "stored",
    "sign",
    "exponent",
    "mantissa",
    "bits",
    "category",
    "abs_error",
    "rel_error",
)


def test_encode_gives_the_issue_fields(api):
    response = api.get("/api/v1/formats/bf16/encode", {"value": "0.1"})
    assert response.status_code == 200
    body = strict_json(response)
    assert set(ENCODE_FIELDS) <= set(body)
    stored = float(np.array(0.1, dtype=np.float32).astype(ml_dtypes.bfloat16))
    assert body["stored"] == stored
    assert body["bits"] == "0011110111001101"
    assert (body["sign"], body["exponent"], body["mantissa"]) == (0, 123, 77)
    assert body["category"] == "normal"
    assert body["abs_error"] == pytest.approx(abs(stored - 0.1))
    assert body["rel_error"] == pytest.approx(abs(stored - 0.1) / 0.1)


@pytest.mark.parametrize(
    ("name", "value", "stored", "category"),
    [
        ("fp16", "1e6", "inf", "overflow"),
        ("fp16", "-1e6", "-inf", "overflow"),
        ("fp16", "65520", "inf", "overflow"),
        ("fp8_e5m2", "1e6", "inf", "overflow"),
        ("fp8_e4m3fn", "1000", 448.0, "saturated"),
        ("fp4_e2m1", "-100", -6.0, "saturated"),
        ("int8", "1000", 127.0, "saturated"),
        ("fp32", "1e300", "inf", "overflow"),
        ("fp16", "1e-10", 0.0, "zero"),
        ("fp16", "1e-7", 1.1920928955078125e-07, "subnormal"),
    ],
)
def test_overflow_is_shown_as_what_the_format_does(api, name, value, stored, category):
    response = api.get(f"/api/v1/formats/{name}/encode", {"value": value})
    assert response.status_code == 200
    body = strict_json(response)
    assert body["stored"] == stored
    assert body["category"] == category
    if stored in ("inf", "-inf"):
        assert body["abs_error"] == "inf" and body["rel_error"] == "inf"


def test_non_finite_numbers_are_strings(api):
    body = strict_json(api.get("/api/v1/formats/fp16/encode", {"value": "70000"}))
    assert body["stored"] == "inf"
    assert body["above"] is None and body["below"] == 65504.0
    assert isinstance(body["value"], float)


def test_encode_scale_for_integer_formats(api):
    body = strict_json(
        api.get(
            "/api/v1/formats/int8/encode", {"value": "0.3", "scale": str(0.8 / 127)}
        )
    )
    assert body["level"] == 48 and body["bits"] == "00110000"
    assert body["stored"] == pytest.approx(48 * 0.8 / 127)


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("fp99", {"value": "1"}, "name"),
        ("FP16", {"value": "1"}, "name"),
        ("fp16", {}, "value"),
        ("fp16", {"value": ""}, "value"),
        ("fp16", {"value": "abc"}, "value"),
        ("fp16", {"value": "nan"}, "value"),
        ("fp16", {"value": "NaN"}, "value"),
        ("fp16", {"value": "inf"}, "value"),
        ("fp16", {"value": "-Infinity"}, "value"),
        ("fp16", {"value": "1e400"}, "value"),
        ("fp16", {"value": "0x10"}, "value"),
        ("fp16", {"value": "1", "scale": "2"}, "scale"),
        ("int8", {"value": "1", "scale": "0"}, "scale"),
        ("int8", {"value": "1", "scale": "-1"}, "scale"),
        ("nf4", {"value": "1", "scale": "nan"}, "scale"),
    ],
)
def test_encode_bad_input_is_400_naming_the_field(api, name, query, field):
    response = api.get(f"/api/v1/formats/{name}/encode", query)
    assert response.status_code == 400
    error = strict_json(response)["error"]
    assert field in error["fields"]
    assert error["message"].startswith(f"{field}:") or f"{field}:" in error["message"]


def test_formats_and_lessons_are_public_and_read_only(api, loaded):
    for url in ("/api/v1/formats/", f"/api/v1/lessons/{SLUG}/", "/api/v1/lessons/"):
        assert api.get(url).status_code == 200
        assert api.post(url, {}).status_code == 405
    assert api.post("/api/v1/formats/fp16/encode?value=1").status_code == 405


@pytest.mark.parametrize("typed", ["-0", "-00", "-0.0"])
def test_encode_reads_minus_zero_with_its_sign(api, typed):
    body = strict_json(api.get("/api/v1/formats/fp16/encode", {"value": typed}))
    assert body["sign"] == 1
    assert body["bits"] == "1000000000000000"
    plus = strict_json(api.get("/api/v1/formats/fp16/encode", {"value": "0"}))
    assert plus["sign"] == 0


def test_encode_measures_the_error_against_the_decimal_typed(api):
    from fractions import Fraction

    body = strict_json(api.get("/api/v1/formats/fp64/encode", {"value": "0.1"}))
    assert body["stored"] == 0.1
    assert body["abs_error"] == float(Fraction(0.1) - Fraction(1, 10))
    assert body["abs_error"] > 0 and body["note"] != "Exact."
    half = strict_json(api.get("/api/v1/formats/fp64/encode", {"value": "0.5"}))
    assert half["abs_error"] == 0 and half["note"] == "Exact."
