"""Issue 18's audit of the problem templates: what an expert and a learner read.

Mixture-of-experts compute, misconceptions that speak of what was typed, one
verdict and one answer in the feedback, solutions written as a person writes
numbers, misconceptions by name, and the fp8 cast's torch version.
"""

from __future__ import annotations

import json
import re

import pytest

from lessons import precision as lp
from lessons.precision import Step
from lessons.problems import (
    Misconception,
    generate,
    grade_part,
    misconception_title,
    templates,
    units,
)
from lessons.problems.models_catalog import MODELS
from lessons.problems.parts import part

KEYS = [t.key for t in templates()]


def _first(key: str, **params: object):
    """The first seed's problem of ``key`` whose parameters include ``params``."""
    for seed in range(5000):
        problem = generate(key, seed)
        if all(problem.params.get(k) == v for k, v in params.items()):
            return problem
    raise AssertionError(f"no seed of {key} with {params}")


# --- 1. a mixture of experts computes with its active parameters ------------


def test_every_moe_model_has_fewer_active_than_total_parameters():
    moe = [m for m in MODELS.values() if m.is_moe]
    assert [m.name for m in moe] == ["Mixtral-8x7B"]
    mixtral = MODELS["Mixtral-8x7B"]
    # Mistral AI, "Mixtral of experts" (2023): 46.7B total, 12.9B per token.
    assert (mixtral.params, mixtral.active_params) == (46.7e9, 12.9e9)
    assert mixtral.compute_params == 12.9e9
    dense = MODELS["Llama-2-7B"]
    assert not dense.is_moe and dense.compute_params == dense.params


def test_training_compute_of_mixtral_uses_its_active_parameters():
    problem = _first("training-compute", model="Mixtral-8x7B")
    tokens = problem.params["tokens"]
    flops = problem.part("flops")
    assert flops.answer == lp.training_compute(int(12.9e9), int(tokens)).flops
    assert "mixture of experts" in problem.prompt
    assert "12.9B of its 46.7B parameters" in problem.prompt
    assert any("mixture of experts" in s.label + s.expression for s in flops.solution)
    total = next(m for m in flops.misconceptions if m.name == "used_total_params")
    assert total.value == 6 * 46.7e9 * tokens
    g = grade_part(flops, f"{total.value:.4g} FLOP")
    assert g.misconception == "used_total_params"


def test_training_compute_of_a_dense_model_is_unchanged():
    problem = _first("training-compute", model="Llama-2-7B")
    tokens = problem.params["tokens"]
    assert problem.part("flops").answer == pytest.approx(6 * 6.74e9 * tokens)
    assert "mixture of experts" not in problem.prompt


@pytest.mark.parametrize(
    "key",
    [
        "training-memory-fp32",
        "training-memory-mixed",
        "quantized-weights",
        "fits-on-gpu",
        "zero-per-gpu",
    ],
)
def test_memory_of_mixtral_counts_every_expert(key):
    problem = _first(key, model="Mixtral-8x7B")
    assert problem.params["params"] == 46.7e9
    assert "every expert is stored" in problem.prompt


# --- 2. a unit mix-up is named only when that unit was typed ----------------


def _bytes_part() -> object:
    steps = (Step("Total", "13e9 × 16 B", 208e9, "B"), Step("In GB", "/", 208.0, "GB"))
    return part("total", "Total model states", 208.0, "GB", steps)


def test_a_gb_answer_near_the_gib_value_is_not_told_it_was_labelled_gib():
    p = _bytes_part()
    typed_gb = units.convert(208.0, "GiB", "GB")  # 223.3 GB
    g = grade_part(p, f"{typed_gb:.4g} GB")
    assert g.status == "wrong"
    assert g.misconception is None
    assert "GiB" not in g.feedback
    # The same bytes typed as the label the misconception names: named.
    named = grade_part(p, "208 GiB")
    assert named.misconception == "gb_labelled_gib"
    assert "labelled GiB" in named.feedback


def test_a_gib_number_is_named_only_when_typed_as_gb_or_bare():
    p = _bytes_part()
    gib = units.convert(208.0, "GB", "GiB")  # 193.7
    assert grade_part(p, f"{gib:.4g} GB").misconception == "gib_labelled_gb"
    bare = grade_part(p, f"{gib:.4g}")
    assert bare.misconception == "gib_labelled_gb"
    assert "labelled" not in bare.feedback
    in_tb = grade_part(p, f"{gib / 1000:.4g} TB")
    assert in_tb.misconception is None and "labelled" not in in_tb.feedback


def test_the_grader_reads_the_value_and_unit_from_the_number_reader():
    p = _bytes_part()
    reading = units.read_answer("0.208 TB")
    assert (reading.value, reading.unit.symbol) == (0.208, "TB")
    assert grade_part(p, "0.208 TB").status == "correct"


UNIT_CLAIM = re.compile(
    r"(?:labelled|labeled|you typed|typed as) (?:it )?([A-Za-z/%]+)"
)
PROPERTY_SEEDS = range(1000)


def _units_to_try(part_unit: str, m: Misconception) -> list[str]:
    """The misconception's value typed bare, in its own unit, in the part's
    unit, in the unit it is confused with, and in one unit of another scale."""
    dimension = units.unit(part_unit).dimension
    extra = {
        units.BYTES: ["GiB", "GB", "TB", "MiB", "B"],
        units.BYTES_PER_PARAM: ["B/param", "bit/param"],
        units.FLOP: ["FLOP", "EFLOP"],
        units.TIME: ["days", "h"],
        units.RATIO: ["%", "x"],
        units.NUMBER: [""],
    }[dimension]
    return list(dict.fromkeys(["", m.unit, part_unit, *extra]))


def test_property_misconception_feedback_names_only_the_unit_typed():
    """For every template and 1,000 seeds: typing a misconception's wrong
    answer in any unit never gets feedback that claims another unit was typed,
    and a unit mix-up is named only when its unit was typed."""
    checked = 0
    for key in KEYS:
        seen: set[str] = set()
        for seed in PROPERTY_SEEDS:
            problem = generate(key, seed)
            # Seeds that draw the same parameters make the same problem: grade it once.
            params = json.dumps(dict(problem.params), sort_keys=True, default=str)
            if params in seen:
                continue
            seen.add(params)
            for p in problem.parts:
                if p.choices:
                    continue
                for m in p.misconceptions:
                    base = units.unit(m.unit).to_base(m.value)
                    for symbol in _units_to_try(p.unit, m):
                        value = units.unit(symbol or p.unit).from_base(base)
                        text = f"{value!r} {symbol}".strip()
                        g = grade_part(p, text)
                        checked += 1
                        typed = g.unit if g.unit is not None else ""
                        for claimed in UNIT_CLAIM.findall(g.feedback):
                            assert typed and units.find_unit(
                                claimed
                            ) == units.find_unit(typed), (key, seed, p.key, text, g)
                        if g.misconception:
                            found = next(
                                x for x in p.misconceptions if x.name == g.misconception
                            )
                            if found.typed_units is not None:
                                assert typed in found.typed_units, (key, seed, text, g)
    assert checked > 50_000


# --- 4. one verdict, one statement of the answer ----------------------------

VERDICTS = ("Correct", "Right", "Wrong", "Not quite")


@pytest.mark.parametrize("key", KEYS)
def test_feedback_holds_no_verdict_and_does_not_restate_the_answer(key):
    for seed in range(0, 1000, 97):
        problem = generate(key, seed)
        for p in problem.parts:
            right = grade_part(p, p.answer_text)
            assert right.status == "correct"
            assert not right.feedback.startswith(VERDICTS), right
            wrong_text = (
                ("no" if p.answer else "yes")
                if p.choices
                else f"{p.answer * 3.7 + 1:.6g} {p.unit}".strip()
            )
            wrong = grade_part(p, wrong_text)
            assert wrong.status == "wrong", (key, seed, wrong_text)
            assert not wrong.feedback.startswith(VERDICTS), wrong
            if not p.choices:
                assert p.answer_text not in wrong.feedback, wrong
            assert wrong.expected == p.answer_text


# --- 3. solutions and labels read as a person writes them -------------------


@pytest.mark.parametrize("key", KEYS)
def test_solutions_write_numbers_as_people_do(key):
    for seed in range(0, 1000, 61):
        problem = generate(key, seed)
        for p in problem.parts:
            data = p.to_dict()
            for step in data["solution"]:
                assert not re.search(r"\d\.0(?![\d])", step["text"]), step
                assert not re.search(r"(?<![.\d])\d{5,}", step["value_text"]), step
            if p.choices:
                last = data["solution"][-1]
                assert last["value_text"] == ("yes" if p.answer else "no")
                assert not re.search(r"= [01](\.0)?$", last["text"]), last
                assert data["tolerance"]["text"] == ""
            else:
                assert "e-0" not in data["tolerance"]["text"], data["tolerance"]
            if p.unit:
                assert f"({p.unit})" not in p.label, p.label
                assert data["field_label"].count(f"({p.unit})") == 1
            assert data["label"] == p.label


def test_a_byte_step_shows_grouped_bytes_with_gb_and_gib():
    problem = generate("training-memory-fp32", 42)
    steps = problem.part("total").to_dict()["solution"]
    in_bytes = next(s for s in steps if s["unit"] == "B")
    assert in_bytes["value_text"] == "2,800,000,000,000 B (2,800 GB, 2,608 GiB)"
    assert in_bytes["text"].endswith("= " + in_bytes["value_text"])


def test_loss_scale_says_yes_or_no_without_a_number():
    problem = generate("loss-scale", 1)
    both = problem.part("both").to_dict()
    assert both["solution"][-1]["text"].endswith(": yes")
    assert "within" not in both["tolerance"]["text"]


def test_an_exact_tolerance_reads_exactly():
    problem = generate("format-properties", 0)
    assert problem.part("bits").tolerance.describe() == "exactly"


# --- 5. misconceptions by name ----------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_every_misconception_has_a_human_name(key):
    for seed in range(0, 1000, 7):
        problem = generate(key, seed)
        for p in problem.parts:
            for m in p.misconceptions:
                title = misconception_title(m.name)
                assert title and title != m.name and "_" not in title, m.name
                assert m.title == title
                assert m.to_dict()["title"] == title


def test_a_grade_carries_the_misconceptions_name():
    p = _bytes_part()
    g = grade_part(p, "208 GiB")
    assert g.misconception == "gb_labelled_gib"
    assert g.misconception_title == misconception_title("gb_labelled_gib")
    assert g.to_dict()["misconception_title"] == g.misconception_title
    assert grade_part(p, "208 GB").misconception_title is None


def test_an_unknown_misconception_id_still_reads_as_words():
    assert misconception_title("some_new_slip") == "Some new slip"


# --- 7. the fp8 cast names the torch version --------------------------------


def test_round_to_e4m3_names_the_torch_version_and_grades_saturation():
    problem = _first("round-to-format", format="fp8_e4m3fn")
    assert "since torch 2.12" in problem.prompt.lower()
    assert "NaN above 464" in problem.prompt
    assert "Recent" not in problem.prompt and "recent" not in problem.prompt
    for seed in range(3000):
        p = generate("round-to-format", seed)
        if p.params["format"] == "fp8_e4m3fn" and p.params["value"] > 464:
            assert p.part("stored").answer == 448.0
            break
    else:
        raise AssertionError("no e4m3 value above 464")
