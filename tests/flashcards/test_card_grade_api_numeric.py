"""Numeric cards are graded by the server, with the one number reader.

``POST /api/v1/cards/{id}/grade/`` takes ``{"answer": text}`` for a numeric
card and answers with `flashcards.numeric_answers.numeric_grade`'s verdict and the
revealed answer; the study page shows that verdict, and the review that
follows logs the same one.
"""

from __future__ import annotations

import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashcards import generation, numeric_answers, services
from flashcards.models import CardMemory, ReviewLog

pytestmark = pytest.mark.django_db


def _domain_fields(key: str) -> dict:
    (fields,) = [n.fields for n in generation.domain_notes() if n.source_key == key]
    return fields


def _numeric_card(deck, fields: dict):
    return services.note_create(deck=deck, type="numeric", fields=fields).cards.get()


def grade(api, card, body):
    return api.post(f"/api/v1/cards/{card.pk}/grade/", body, format="json")


@pytest.fixture
def epsilon_card(deck):
    return _numeric_card(deck, _domain_fields("format:bf16:epsilon"))


@pytest.fixture
def bytes_card(deck):
    return _numeric_card(deck, _domain_fields("training:mixed-bf16-adam"))


@pytest.fixture
def gb_card(deck):
    return _numeric_card(deck, _domain_fields("inference:nf4"))


@pytest.mark.parametrize("typed", ["2^-7", "1/128", "2**-7", "0.0078125"])
def test_an_epsilon_card_takes_the_powers_its_explanation_writes(
    learner_api, epsilon_card, typed
):
    response = grade(learner_api, epsilon_card, {"answer": typed})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["correct"] is True and body["status"] == "correct"
    assert body["answer_text"] == typed
    assert body["value"] == pytest.approx(2**-7)
    assert "0.0078125" in body["back"] and "<strong>" in body["back"]


def test_a_card_in_bytes_takes_16_bytes(learner_api, bytes_card):
    body = grade(learner_api, bytes_card, {"answer": "16 bytes"}).json()
    assert body["correct"] is True
    assert body["unit"] == "B" and body["unit_text"] == "bytes"
    assert body["expected"] == "16 B"


def test_a_card_in_gb_takes_gib_converted(learner_api, gb_card):
    body = grade(learner_api, gb_card, {"answer": "3.67 GiB"}).json()
    assert body["correct"] is True
    assert body["unit"] == "GiB"
    # 3.67 GiB = 3.67 * 2^30 B = 3.94 GB, the card's 3.9375 GB within 2 %.
    assert body["value_in_card_unit"] == pytest.approx(3.67 * 2**30 / 1e9)


def test_a_wrong_answer_says_the_unit_typed_and_the_answer(learner_api, gb_card):
    body = grade(learner_api, gb_card, {"answer": "3.9375 GiB"}).json()
    assert body["correct"] is False and body["status"] == "wrong"
    assert "GiB" in body["feedback"] and body["unit_text"] == "GiB"
    assert body["expected"] == "3.9375 GB"
    assert "3.9375" in body["back"]


def test_the_grade_is_numeric_grade_with_the_back(learner_api, gb_card):
    for typed in ("4 GB", "4 apples", "", "0,208 TB", "3.94"):
        body = grade(learner_api, gb_card, {"answer": typed}).json()
        back = body.pop("back")
        assert back
        expected = numeric_answers.numeric_grade(gb_card.note.fields, typed).to_dict()
        assert body == expected, typed


def test_grading_writes_nothing(learner_api, learner, gb_card):
    grade(learner_api, gb_card, {"answer": "4 GB"})
    assert not ReviewLog.objects.exists()
    assert (
        not CardMemory.objects.filter(learner=learner, card=gb_card)
        .exclude(reps=0)
        .exists()
    )


@pytest.mark.parametrize(
    "typed", ["3.67 GiB", "3.9375 GiB", "2^-7", "16 bytes", "", "four", "3,9375"]
)
def test_the_review_logs_the_verdict_the_grade_gave(learner_api, gb_card, typed):
    shown = grade(learner_api, gb_card, {"answer": typed}).json()["correct"]
    response = learner_api.post(
        "/api/v1/reviews/",
        {
            "card": gb_card.pk,
            "rating": 3 if shown else 1,
            "client_review_id": str(uuid.uuid4()),
            "answer": typed,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["review"]["correct"] is shown


NUMBERS = st.one_of(
    st.floats(min_value=0, max_value=1e4, allow_nan=False).map(lambda x: f"{x:g}"),
    st.sampled_from(["2^-7", "1/128", "3,9375", "0,208", "1 500", "1.5e3", "2⁻⁷"]),
)
UNITS = st.sampled_from(["", " GB", " GiB", " gb", " MB", " B", " bytes", " apples"])
TYPED = st.one_of(st.tuples(NUMBERS, UNITS).map("".join), st.text(max_size=30))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(typed=TYPED)
def test_whatever_is_typed_the_log_keeps_the_verdict_the_page_showed(
    learner_api, gb_card, typed
):
    typed = typed.replace("\x00", "")
    response = grade(learner_api, gb_card, {"answer": typed})
    assert response.status_code == 200, response.json()
    shown = response.json()
    review = learner_api.post(
        "/api/v1/reviews/",
        {
            "card": gb_card.pk,
            "rating": 3,
            "client_review_id": str(uuid.uuid4()),
            "answer": typed,
        },
        format="json",
    )
    assert review.status_code == 201, review.json()
    assert review.json()["review"]["correct"] is shown["correct"]
    assert review.json()["review"]["answer"] == shown["answer_text"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "answer"),
        ({"answer": "1" * 201}, "answer"),
        ({"answer": ["1"]}, "answer"),
        ({"answer": None}, "answer"),
        ({"answer": {"x": "1"}}, "answer"),
        ({"answer": "1", "unit": "GB"}, "unit"),
        ({"variant": "v", "answers": {"total": "1"}}, "variant"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(learner_api, gb_card, body, field):
    response = grade(learner_api, gb_card, body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]


def test_a_basic_card_is_not_graded(learner_api, card):
    response = grade(learner_api, card, {"answer": "A"})
    assert response.status_code == 400
    assert "card" in response.json()["error"]["fields"]


def test_an_outsider_and_anonymous_are_refused(api, other_learner, gb_card):
    assert grade(api, gb_card, {"answer": "4 GB"}).status_code in (401, 403)
    api.force_authenticate(other_learner)
    response = grade(api, gb_card, {"answer": "4 GB"})
    assert response.status_code == 404
    assert "expected" not in response.json() and "back" not in response.json()


def test_a_learner_of_a_class_deck_may_grade_its_numeric_cards(api, teacher, learner):
    from lessons.classes import services as classes

    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.class_join(learner=learner, code=school_class.join_code)
    deck = services.deck_create(owner=teacher, title="Class deck")
    classes.assignment_create(school_class=school_class, deck_id=deck.pk)
    gb = _numeric_card(deck, _domain_fields("inference:nf4"))
    api.force_authenticate(learner)
    assert grade(api, gb, {"answer": "3.67 GiB"}).json()["correct"] is True


def test_the_queue_sends_no_answer_of_a_numeric_card_before_it_is_graded(
    learner_api, gb_card
):
    (queued,) = learner_api.get("/api/v1/study/queue").json()["cards"]
    assert queued["typed"] is True and queued["type"] == "numeric"
    assert queued["back"] == ""
    assert queued["numeric"] == {"unit": "GB"}
    text = str(queued)
    assert "3.9375" not in text and "4.5 bits" not in text


def test_the_schema_describes_the_numeric_grade():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/cards/{card_id}/grade/"]["post"]
    components = schema["components"]["schemas"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    refs = {r["$ref"].rsplit("/", 1)[-1] for r in components[_ref(request)]["oneOf"]}
    assert any("answer" in components[r]["properties"] for r in refs)
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    outputs = [
        components[r["$ref"].rsplit("/", 1)[-1]]
        for r in components[_ref(response)]["oneOf"]
    ]
    numeric = [o for o in outputs if "value_in_card_unit" in o["properties"]]
    assert numeric, outputs
    assert set(numeric_answers.numeric_grade({"answer": "1"}, "1").to_dict()) | {
        "back"
    } == set(numeric[0]["properties"])


def _ref(schema: dict) -> str:
    return schema["$ref"].rsplit("/", 1)[-1]
