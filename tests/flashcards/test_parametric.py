"""Parametric cards end to end through the API: a fresh variant per showing,
server grading (wrong is Again, right takes Hard/Good/Easy), the seed and
the answers in the log, and the exact variant shown again."""

from __future__ import annotations

import json
import uuid

import pytest

from flashcards import services
from flashcards.models import ReviewLog
from lessons import problems

pytestmark = pytest.mark.django_db

TEMPLATE = "training-memory-fp32"


@pytest.fixture
def parametric_card(deck):
    note = services.note_create(
        deck=deck,
        type="parametric",
        fields={"template": TEMPLATE, "part": "total", "limits": {}},
    )
    return note.cards.get()


def _queue_card(api, deck):
    body = api.get(f"/api/v1/study/queue?deck={deck.pk}&limit=1").json()
    (card,) = body["cards"]
    return card


def _answer(variant, *, right: bool) -> dict[str, str]:
    problem = problems.generate(TEMPLATE, variant["seed"])
    part = problem.part("total")
    value = part.answer if right else part.answer * 3
    return {"total": f"{value:.6g} {part.unit}"}


def test_every_showing_is_a_fresh_variant_with_its_prompt(
    learner_api, deck, parametric_card
):
    seen = {_queue_card(learner_api, deck)["variant"]["seed"] for _ in range(5)}
    assert len(seen) == 5
    card = _queue_card(learner_api, deck)
    problem = problems.generate(TEMPLATE, card["variant"]["seed"])
    assert card["type"] == "parametric" and card["typed"]
    assert [p["key"] for p in card["variant"]["parts"]] == ["total"]
    assert problem.title == card["variant"]["title"]
    assert "<p>" in card["front"] and "answer" not in card["variant"]["parts"][0]


def test_right_answer_is_graded_then_confirmed_good_by_default(
    learner_api, deck, parametric_card
):
    card = _queue_card(learner_api, deck)
    answers = _answer(card["variant"], right=True)
    graded = learner_api.post(
        f"/api/v1/cards/{card['id']}/grade/",
        {"variant": card["variant"]["token"], "answers": answers},
        format="json",
    ).json()
    assert graded["correct"] is True
    assert graded["solution"][0]["steps"] and "<" in graded["back"]
    response = learner_api.post(
        "/api/v1/reviews/",
        {
            "card": card["id"],
            "client_review_id": str(uuid.uuid4()),
            "variant": card["variant"]["token"],
            "answers": answers,
            "version": card["version"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    review = response.json()["review"]
    assert review["rating"] == 3 and review["correct"] is True
    assert review["seed"] == card["variant"]["seed"]
    log = ReviewLog.objects.get()
    assert log.seed == card["variant"]["seed"]
    assert json.loads(log.answer) == answers
    assert log.variant["grades"][0]["status"] == "correct"


def test_a_right_answer_may_be_rated_easy_but_not_again(
    learner_api, deck, parametric_card
):
    card = _queue_card(learner_api, deck)
    payload = {
        "card": card["id"],
        "client_review_id": str(uuid.uuid4()),
        "variant": card["variant"]["token"],
        "answers": _answer(card["variant"], right=True),
        "rating": 1,
    }
    response = learner_api.post("/api/v1/reviews/", payload, format="json")
    assert response.status_code == 400
    assert "rating" in response.json()["error"]["fields"]
    payload["rating"] = 4
    response = learner_api.post("/api/v1/reviews/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["review"]["rating"] == 4


def test_a_wrong_answer_is_again_whatever_the_client_says(
    learner_api, deck, parametric_card
):
    card = _queue_card(learner_api, deck)
    response = learner_api.post(
        "/api/v1/reviews/",
        {
            "card": card["id"],
            "client_review_id": str(uuid.uuid4()),
            "variant": card["variant"]["token"],
            "answers": _answer(card["variant"], right=False),
            "rating": 4,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["review"]["rating"] == 1
    assert response.json()["review"]["correct"] is False


def test_the_exact_variant_is_shown_again_from_the_log(
    learner_api, deck, parametric_card
):
    card = _queue_card(learner_api, deck)
    answers = _answer(card["variant"], right=False)
    review = learner_api.post(
        "/api/v1/reviews/",
        {
            "card": card["id"],
            "client_review_id": str(uuid.uuid4()),
            "variant": card["variant"]["token"],
            "answers": answers,
        },
        format="json",
    ).json()["review"]
    again = learner_api.get(f"/api/v1/reviews/{review['id']}/variant/").json()
    assert again["seed"] == card["variant"]["seed"]
    assert again["prompt"] == card["variant"]["prompt"]
    assert again["answers"] == answers
    assert again["grades"][0]["status"] == "wrong"


def test_forged_or_foreign_tokens_are_refused(
    learner_api, other_learner, deck, parametric_card
):
    from flashcards.parametric import variant_token

    base = {"card": parametric_card.pk, "client_review_id": str(uuid.uuid4())}
    for token in (
        None,
        "forged",
        variant_token(card_id=parametric_card.pk, learner_id=other_learner.pk, seed=1),
    ):
        response = learner_api.post(
            "/api/v1/reviews/",
            {**base, "variant": token, "answers": {"total": "1 GB"}},
            format="json",
        )
        assert response.status_code == 400
        assert "variant" in response.json()["error"]["fields"]
    assert not ReviewLog.objects.exists()


def test_limits_narrow_the_variants(learner_api, deck):
    template = problems.get_template(TEMPLATE)
    spec = template.params[0]
    chosen = [spec.choices[0]]
    services.note_create(
        deck=deck,
        type="parametric",
        fields={"template": TEMPLATE, "limits": {spec.name: chosen}},
    )
    for _ in range(5):
        card = _queue_card(learner_api, deck)
        problem = problems.generate(
            TEMPLATE, card["variant"]["seed"], limits={spec.name: chosen}
        )
        assert problem.params[spec.name] == chosen[0]
        assert len(card["variant"]["parts"]) == len(problem.parts)


def test_the_page_script_drives_the_grade_and_review_api():
    from pathlib import Path

    script = (
        Path(__file__).resolve().parents[2] / "flashcards/static/flashcards/study.js"
    ).read_text()
    assert "gradeUrl" in script and "variant.token" in script
    assert "answers" in script
