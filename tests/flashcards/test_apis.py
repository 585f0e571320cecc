"""The flashcards API: success, bad input (400 naming the field, no change),
permissions (anonymous, owner, another learner)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from flashcards import services
from flashcards.models import CardMemory, Deck, ReviewLog, Visibility
from tests.flashcards.conftest import add_basic, new_id
from tests.lessons.classes_factories import class_with

pytestmark = pytest.mark.django_db

DECK = {
    "title": "Precision",
    "description": "Formats",
    "options": {
        "desired_retention": 0.9,
        "learning_steps": ["1m", "10m"],
        "relearning_steps": ["10m"],
        "maximum_interval": 365,
        "enable_fuzz": False,
        "new_per_day": 10,
        "reviews_per_day": 100,
    },
}


def fields_of(response):
    return response.json()["error"]["fields"]


def post_review(api, card_id, rating=3, **extra):
    body = {"card": card_id, "rating": rating, "client_review_id": new_id(), **extra}
    return api.post("/api/v1/reviews/", body, format="json")


# --- decks and notes -------------------------------------------------------------


def test_create_read_update_delete_a_deck(learner_api, learner):
    response = learner_api.post("/api/v1/decks/", DECK, format="json")
    assert response.status_code == 201
    deck = response.json()
    assert deck["owner"] == learner.username
    assert deck["options"]["maximum_interval"] == 365
    assert deck["options"]["leech_threshold"] == 8  # a default filled in
    url = f"/api/v1/decks/{deck['id']}/"
    assert learner_api.get(url).json()["title"] == "Precision"

    response = learner_api.patch(
        url, {"title": "Renamed", "options": {"new_per_day": 5}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    assert response.json()["options"]["new_per_day"] == 5
    assert response.json()["options"]["maximum_interval"] == 365  # merged

    assert learner_api.delete(url).status_code == 204
    assert learner_api.get(url).status_code == 404


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"colour": "red"}, "options.colour"),
        ({"learning_steps": ["-5m"]}, "options.learning_steps"),
        ({"learning_steps": ["abc"]}, "options.learning_steps"),
        ({"relearning_steps": ["10x"]}, "options.relearning_steps"),
        ({"desired_retention": 1.5}, "options.desired_retention"),
        ({"new_per_day": -1}, "options.new_per_day"),
    ],
)
def test_bad_deck_options_are_400_naming_the_field(learner_api, options, field):
    response = learner_api.post(
        "/api/v1/decks/", {"title": "x", "options": options}, format="json"
    )
    assert response.status_code == 400
    assert field in fields_of(response)
    assert response.json()["error"]["message"].startswith(field)
    assert not Deck.objects.exists()


def test_bad_options_in_a_patch_change_nothing(learner_api, deck):
    response = learner_api.patch(
        f"/api/v1/decks/{deck.pk}/",
        {"title": "new", "options": {"desired_retention": 1.5}},
        format="json",
    )
    assert response.status_code == 400
    assert "options.desired_retention" in fields_of(response)
    deck.refresh_from_db()
    assert deck.title == "Mine" and deck.options == {"enable_fuzz": False}


def test_an_unknown_deck_field_is_named(learner_api):
    response = learner_api.post(
        "/api/v1/decks/", {"title": "x", "color": 1}, format="json"
    )
    assert response.status_code == 400 and "color" in fields_of(response)


def test_add_notes_returns_card_ids(learner_api, deck):
    url = f"/api/v1/decks/{deck.pk}/notes/"
    cases = [
        ({"type": "basic", "fields": {"front": "a", "back": "b"}}, 1),
        ({"type": "basic_reversed", "fields": {"front": "a", "back": "b"}}, 2),
        ({"type": "cloze", "fields": {"text": "{{c1::a}} {{c2::b}} {{c3::c}}"}}, 3),
        (
            {
                "type": "numeric",
                "fields": {"question": "q", "answer": 4, "tolerance": 0.1},
            },
            1,
        ),
    ]
    for body, count in cases:
        response = learner_api.post(url, {**body, "tags": ["t"]}, format="json")
        assert response.status_code == 201, response.json()
        assert len(response.json()["cards"]) == count
        assert response.json()["tags"] == ["t"]


def test_a_bad_note_names_the_field(learner_api, deck):
    response = learner_api.post(
        f"/api/v1/decks/{deck.pk}/notes/",
        {"type": "numeric", "fields": {"question": "q", "answer": "four"}},
        format="json",
    )
    assert response.status_code == 400
    assert "fields.answer" in fields_of(response)


def test_editing_a_note_keeps_card_ids(learner_api, deck):
    note = services.note_create(deck=deck, type="cloze", fields={"text": "{{c1::a}}"})
    card_id = note.cards.get().pk
    response = learner_api.patch(
        f"/api/v1/notes/{note.pk}/",
        {"fields": {"text": "{{c1::A}} {{c2::B}}"}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["cards"][0] == card_id and len(response.json()["cards"]) == 2


# --- permissions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/decks/"),
        ("post", "/api/v1/decks/"),
        ("get", "/api/v1/study/queue"),
        ("post", "/api/v1/reviews/"),
        ("post", "/api/v1/reviews/undo/"),
        ("post", "/api/v1/cards/1/suspend/"),
        ("get", "/api/v1/reviews/export.csv"),
    ],
)
def test_anonymous_is_refused(api, method, url):
    assert getattr(api, method)(url).status_code in (401, 403)


def test_another_learners_deck_is_404(learner_api, other_deck):
    url = f"/api/v1/decks/{other_deck.pk}/"
    assert learner_api.get(url).status_code == 404
    assert learner_api.patch(url, {"title": "x"}, format="json").status_code == 404
    assert learner_api.delete(url).status_code == 404
    response = learner_api.post(
        f"{url}notes/",
        {"type": "basic", "fields": {"front": "a", "back": "b"}},
        format="json",
    )
    assert response.status_code == 404
    assert (
        learner_api.get(f"/api/v1/study/queue?deck={other_deck.pk}").status_code == 404
    )
    Deck.objects.get(pk=other_deck.pk)


def test_a_teachers_deck_is_readable_and_studyable_but_not_editable(
    learner_api, learner, teacher, teacher_deck
):
    card = add_basic(teacher_deck).cards.get()
    url = f"/api/v1/decks/{teacher_deck.pk}/"
    queue = f"/api/v1/study/queue?deck={teacher_deck.pk}"
    # A new deck is private: to the learner it does not exist.
    assert teacher_deck.visibility == Visibility.PRIVATE
    assert learner_api.get(url).status_code == 404
    assert learner_api.get(queue).status_code == 404
    assert learner_api.patch(url, {"title": "x"}, format="json").status_code == 404
    assert learner_api.delete(url).status_code == 404
    assert post_review(learner_api, card.pk).status_code == 404
    assert not CardMemory.objects.filter(learner=learner).exists()
    # Assigned to the learner's class, it is theirs to read and study, not edit.
    class_with(teacher, learner, deck=teacher_deck)
    assert teacher_deck.visibility == Visibility.CLASS
    assert learner_api.get(url).status_code == 200
    body = learner_api.get(queue).json()
    assert body["counts"]["new"] == 1 and body["cards"][0]["id"] == card.pk
    assert learner_api.patch(url, {"title": "x"}, format="json").status_code == 403
    assert learner_api.delete(url).status_code == 403
    assert post_review(learner_api, card.pk).status_code == 201
    teacher_deck.refresh_from_db()
    assert teacher_deck.title == "Teacher's"


# --- study and reviews ------------------------------------------------------------------


def test_queue_gives_counts_and_cards_with_intervals(learner_api, deck):
    for i in range(3):
        add_basic(deck, front=f"**q{i}** $x^2$")
    response = learner_api.get(f"/api/v1/study/queue?deck={deck.pk}&limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"new": 3, "learning": 0, "review": 0}
    assert len(body["cards"]) == 2
    card = body["cards"][0]
    assert "<strong>q0</strong>" in card["front"] and r"\(x^2\)" in card["front"]
    assert card["state"] == "new" and card["version"] == 0
    assert card["intervals"]["1"]["label"] == "1m"
    assert card["intervals"]["3"]["label"] == "10m"


@pytest.mark.parametrize("query", ["limit=-1", "limit=abc", "limit=51", "deck=abc"])
def test_bad_queue_parameters_are_400(learner_api, query):
    response = learner_api.get(f"/api/v1/study/queue?{query}")
    assert response.status_code == 400
    assert set(fields_of(response)) & {"limit", "deck"}


def test_a_review_returns_the_new_memory_and_the_next_card(learner_api, deck):
    first = add_basic(deck, front="one").cards.get()
    second = add_basic(deck, front="two").cards.get()
    response = post_review(
        learner_api, first.pk, 3, duration_ms=1500, version=0, next={"deck": deck.pk}
    )
    assert response.status_code == 201
    body = response.json()
    memory = body["memory"]
    assert memory["state"] == "learning" and memory["version"] == 1
    assert {"due", "stability", "difficulty", "interval_days"} <= set(memory)
    assert body["review"]["duration_ms"] == 1500
    assert body["queue"]["cards"][0]["id"] == second.pk
    assert body["queue"]["counts"]["new"] == 1


def test_sending_a_review_twice_returns_the_first_result(learner_api, card):
    body = {"card": card.pk, "rating": 3, "client_review_id": new_id()}
    first = learner_api.post("/api/v1/reviews/", body, format="json")
    again = learner_api.post("/api/v1/reviews/", {**body, "rating": 1}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["review"] == first.json()["review"]
    assert again.json()["memory"] == first.json()["memory"]
    assert again.json()["replayed"] is True
    assert ReviewLog.objects.count() == 1


def test_two_tabs_answering_the_same_card_record_one_review(learner_api, card):
    assert post_review(learner_api, card.pk, 3, version=0).status_code == 201
    response = post_review(learner_api, card.pk, 1, version=0)
    assert response.status_code == 409
    assert response.json()["error"]["status"] == 409
    assert ReviewLog.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 5}, "rating"),
        ({"client_review_id": "123-not-a-uuid"}, "client_review_id"),
        ({"reviewed_at": "2999-01-01T00:00:00Z"}, "reviewed_at"),
        ({"reviewed_at": "1999-01-01T00:00:00Z"}, "reviewed_at"),
        ({"reviewed_at": "yesterday"}, "reviewed_at"),
        ({"duration_ms": -5}, "duration_ms"),
        ({"card": "x"}, "card"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_review_input_is_400_naming_the_field_and_changes_nothing(
    learner_api, card, change, field
):
    body = {"card": card.pk, "rating": 3, "client_review_id": new_id(), **change}
    response = learner_api.post("/api/v1/reviews/", body, format="json")
    assert response.status_code == 400
    assert field in fields_of(response)
    assert not ReviewLog.objects.exists() and not CardMemory.objects.exists()


def test_another_learners_card_is_404(learner_api, other_deck):
    card = add_basic(other_deck).cards.get()
    assert post_review(learner_api, card.pk).status_code == 404
    assert learner_api.post(f"/api/v1/cards/{card.pk}/suspend/").status_code == 404
    assert not CardMemory.objects.exists()


def test_a_suspended_card_is_400(learner_api, card):
    assert learner_api.post(f"/api/v1/cards/{card.pk}/suspend/").json()["suspended"]
    response = post_review(learner_api, card.pk)
    assert response.status_code == 400 and "card" in fields_of(response)
    assert not ReviewLog.objects.exists()
    response = learner_api.post(f"/api/v1/cards/{card.pk}/unsuspend/")
    assert response.json()["suspended"] is False
    assert post_review(learner_api, card.pk).status_code == 201


def test_bury_and_unbury(learner_api, card):
    response = learner_api.post(f"/api/v1/cards/{card.pk}/bury/")
    assert response.status_code == 200 and response.json()["buried_until"]
    assert learner_api.get("/api/v1/study/queue").json()["counts"]["new"] == 0
    learner_api.post(f"/api/v1/cards/{card.pk}/unbury/")
    assert learner_api.get("/api/v1/study/queue").json()["counts"]["new"] == 1


def test_undo(learner_api, card):
    assert learner_api.post("/api/v1/reviews/undo/").status_code == 404
    post_review(learner_api, card.pk, 4)
    response = learner_api.post("/api/v1/reviews/undo/")
    assert response.status_code == 200
    assert response.json()["review"]["undone"] is True
    assert response.json()["memory"]["state"] == "new"
    assert learner_api.get("/api/v1/study/queue").json()["counts"]["new"] == 1


def test_a_typed_answer_is_graded(learner_api, deck):
    note = services.note_create(
        deck=deck,
        type="numeric",
        fields={"question": "Bytes in bf16?", "answer": "2", "tolerance": "0"},
    )
    card_id = note.cards.get().pk
    queued = learner_api.get("/api/v1/study/queue").json()["cards"][0]
    # The answer comes with the grade (POST /api/v1/cards/{id}/grade/), not
    # with the queue: the server reads the typed text, the page never grades.
    assert queued["typed"] and queued["numeric"] == {"unit": ""}
    assert queued["back"] == ""
    right = post_review(learner_api, card_id, 3, answer="2")
    assert right.json()["review"]["correct"] is True


def test_an_offline_batch_is_applied_in_time_order(learner_api, card):
    now = timezone.now()
    items = [
        {
            "card": card.pk,
            "rating": r,
            "client_review_id": new_id(),
            "reviewed_at": (now - timedelta(hours=h)).isoformat(),
        }
        for r, h in ((3, 1), (1, 3), (3, 2))
    ] + [{"card": card.pk, "rating": 9, "client_review_id": new_id()}]
    response = learner_api.post("/api/v1/reviews/", items, format="json")
    assert response.status_code == 200
    statuses = [item["status"] for item in response.json()["results"]]
    assert statuses == [201, 201, 201, 400]
    ratings = list(
        ReviewLog.objects.order_by("reviewed_at").values_list("rating", flat=True)
    )
    assert ratings == [1, 3, 3]


def test_an_offline_batch_item_the_service_refuses_gets_its_own_error_body(
    learner_api, card
):
    future = (timezone.now() + timedelta(days=2)).isoformat()
    items = [
        {"card": card.pk, "rating": 3, "client_review_id": new_id()},
        {"card": 10**9, "rating": 3, "client_review_id": new_id()},
        {
            "card": card.pk,
            "rating": 3,
            "client_review_id": new_id(),
            "reviewed_at": future,
        },
    ]
    response = learner_api.post("/api/v1/reviews/", items, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [item["status"] for item in results] == [201, 404, 400]
    assert results[1]["error"]["code"] == "not_found"
    assert results[2]["error"]["code"] == "invalid"
    assert "reviewed_at" in results[2]["error"]["fields"]
    assert ReviewLog.objects.count() == 1


def test_export_csv_is_in_the_fsrs_optimizer_layout(learner_api, learner, card):
    post_review(learner_api, card.pk, 3, duration_ms=2500)
    log = ReviewLog.objects.get()
    post_review(learner_api, card.pk, 1)
    learner_api.post("/api/v1/reviews/undo/")  # undone reviews are left out
    response = learner_api.get("/api/v1/reviews/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "card_id,review_time,review_rating,review_state,review_duration"
    millis = int(log.reviewed_at.timestamp() * 1000)
    assert lines[1:] == [f"{card.pk},{millis},3,0,2500"]


def test_client_review_id_is_a_uuid_in_the_output(learner_api, card):
    client_id = uuid.uuid4()
    response = post_review(learner_api, card.pk, client_review_id=str(client_id))
    assert response.json()["review"]["client_review_id"] == str(client_id)


def test_the_deck_list_counts_empty_decks_without_a_query_each(learner_api, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flashcards import services

    services.deck_create(owner=learner, title="Empty one", options={})
    with CaptureQueriesContext(connection) as one:
        learner_api.get("/api/v1/decks/")
    for n in range(5):
        services.deck_create(owner=learner, title=f"Empty {n}", options={})
    with CaptureQueriesContext(connection) as six:
        body = learner_api.get("/api/v1/decks/").json()
    assert len(six) == len(one)
    assert {d["note_count"] for d in body["results"]} == {0}
