"""The calculators honour every documented parameter and refuse the rest."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import precision
from lessons.precision.training import ADAM8BIT_BLOCK
from lessons.problems.units import read_number
from lessons.selectors import CALCULATORS, parse_number
from tests.flashcards.test_numeric_answers import STYLES, VALUES, spell
from tests.lessons.test_calculators_api import BASE, GOOD, get, strict_json

# Bytes per parameter of each convention (precision-facts.md, "Memory for
# training and inference"): weights + gradients (+ accumulation buffer) +
# master weights + optimizer states.
CONVENTIONS = [
    # ZeRO (Rajbhandari et al. 2020), K = 12: 2 + 2 + 4 + 4 + 4.
    ({}, 16, {"weights": 2, "gradients": 2, "master_weights": 4}),
    # Hugging Face's memory anatomy: fp32 gradients, 2 + 4 + 4 + 8.
    ({"grads_dtype": "fp32"}, 18, {"gradients": 4}),
    # Ultra-Scale Playbook / DeepSpeed ZeRO-2 estimator: an fp32 gradient
    # accumulation buffer besides the bf16 gradients, 2 + (2 + 4) + 4 + 8.
    ({"accumulation_dtype": "fp32"}, 20, {"gradients": 6, "optimizer_states": 8}),
    # Pure bf16: no master copy, bf16 moments, 2 + 2 + 0 + 2 + 2.
    (
        {"master_weights": "false", "optimizer_dtype": "bf16"},
        8,
        {"master_weights": 0, "optimizer_states": 4},
    ),
    # The query: bf16 moments and an fp32 accumulation buffer, with
    # the fp32 master copy: 2 + (2 + 4) + 4 + 2 + 2 = 16, now for the right
    # reasons (the accumulation buffer and the bf16 moments both count).
    (
        {"optimizer_dtype": "bf16", "accumulation_dtype": "fp32"},
        16,
        {"gradients": 6, "optimizer_states": 4},
    ),
    # Plain fp32: 4 + 4 + 0 + 8 (the weights are the master copy).
    ({"weights_dtype": "fp32"}, 16, {"master_weights": 0}),
    # 8-bit Adam (Dettmers et al. 2022): 1 B per moment plus its block absmax.
    (
        {"optimizer": "adam8bit"},
        2 + 2 + 4 + 2 * (1 + 4 / ADAM8BIT_BLOCK),
        {"optimizer_states": 2 * (1 + 4 / ADAM8BIT_BLOCK)},
    ),
    # SGD with momentum in fp32: 2 + 2 + 4 + 4.
    ({"optimizer": "sgd_momentum"}, 12, {"optimizer_states": 4}),
]


@pytest.mark.parametrize(("query", "per_param", "parts"), CONVENTIONS)
def test_each_training_memory_convention_is_reachable(api, query, per_param, parts):
    body = get(api, "training-memory", params="7e9", **query)
    assert body["bytes_per_param"] == pytest.approx(per_param)
    for name, value in parts.items():
        assert body["per_param"][name] == pytest.approx(value)
    assert body["bytes"] == pytest.approx(7e9 * per_param)
    for name in query:
        assert name in body["inputs"]
    kwargs = {
        k: (v if k != "master_weights" else v == "true") for k, v in query.items()
    }
    domain = precision.training_memory(7_000_000_000, **kwargs)
    assert body["bytes_per_param"] == domain.bytes_per_param


def test_accumulation_and_optimizer_dtypes_are_echoed(api):
    body = get(
        api,
        "training-memory",
        params="7e9",
        accumulation_dtype="fp32",
        optimizer_dtype="bf16",
    )
    assert body["inputs"]["accumulation_dtype"] == "fp32"
    assert body["inputs"]["optimizer_dtype"] == "bf16"
    assert body["accumulation_dtype"] == "fp32"
    assert body["optimizer_dtype"] == "bf16"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"accumulation_dtype": "fp99"}, "accumulation_dtype"),
        ({"optimizer_dtype": "fp99"}, "optimizer_dtype"),
        ({"optimizer": "adam8bit", "optimizer_dtype": "bf16"}, "optimizer_dtype"),
    ],
)
def test_bad_new_parameters_are_400_naming_them(api, query, field):
    response = api.get(BASE + "training-memory", {"params": "7e9", **query})
    assert response.status_code == 400
    assert field in strict_json(response)["error"]["fields"]


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_unknown_parameters_are_a_400_naming_each(api, name):
    response = api.get(
        BASE + name, {**GOOD[name], "optimiser": "adam", "colour": "blue"}
    )
    assert response.status_code == 400, response.content
    error = strict_json(response)["error"]
    assert set(error["fields"]) == {"optimiser", "colour"}
    assert "optimiser:" in error["message"] and "colour:" in error["message"]
    known = ", ".join(p.name for p in CALCULATORS[name].params)
    assert known in " ".join(error["fields"]["colour"])


def test_an_unknown_parameter_is_named_with_the_bad_known_ones(api):
    response = api.get(BASE + "training-memory", {"params": "abc", "colour": "blue"})
    assert response.status_code == 400
    assert set(strict_json(response)["error"]["fields"]) == {"params", "colour"}


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_every_documented_parameter_is_accepted_and_used(api, name):
    """No documented parameter is refused as unknown, and each one reaches the
    result (echoed under ``inputs``)."""
    body = get(api, name, **GOOD[name])
    assert set(body["inputs"]) == {p.name for p in CALCULATORS[name].params}


def test_the_schema_documents_the_training_memory_conventions():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    operation = paths["/api/v1/calculators/training-memory"]["get"]
    documented = {p["name"]: p for p in operation["parameters"]}
    assert {"accumulation_dtype", "optimizer_dtype"} <= set(documented)
    assert "fp32" in documented["accumulation_dtype"]["description"]
    assert "Unknown parameters" in operation["description"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7e9", 7e9),
        ("7000000000", 7_000_000_000),
        ("7,000,000,000", 7e9),
        ("7 000 000 000", 7e9),
        ("2^30", 2**30),
        ("1/128", 1 / 128),
        ("0,5", 0.5),
        ("9" * 400, int("9" * 400)),
    ],
)
def test_calculator_numbers_are_read_by_the_one_reader(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["7B", "7 GB", "nan", "inf", "1e400", "abc", ""])
def test_calculator_numbers_refuse_units_and_non_numbers(text):
    with pytest.raises(ValueError, match="number"):
        parse_number(text)


def test_params_with_thousands_separators_work_through_the_api(api):
    body = get(api, "training-memory", params="7,000,000,000")
    assert body["bytes"] == 112e9


@settings(max_examples=300, deadline=None)
@given(
    value=VALUES,
    style=st.sampled_from(STYLES),
    negative=st.booleans(),
)
def test_calculator_inputs_and_answers_read_the_same_text_the_same_way(
    value, style, negative
):
    text = ("-" if negative and style != "fraction" else "") + spell(value, style)
    expected = read_number(text)
    if expected is None:
        with pytest.raises(ValueError, match="number"):
            parse_number(text)
    else:
        assert parse_number(text) == expected
