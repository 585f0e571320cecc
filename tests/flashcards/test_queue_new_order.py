"""New cards in the study queue: one per note a day, and an order that mixes
the kinds of card (note types and objectives) or keeps the order they were added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from flashcards import selectors, services
from flashcards.lesson_cards import lesson_deck
from flashcards.models import Card, CardMemory, Note
from flashcards.selectors import new_cards
from lessons.services import course_load
from tests.flashcards.conftest import add_basic, new_id

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
TEMPLATE = "training-memory-fp32"


def answer(learner, card, *, at=NOW, rating=3):
    return services.card_review(
        learner=learner,
        card_id=card.pk,
        rating=rating,
        client_review_id=new_id(),
        reviewed_at=at,
        now=at,
        rng=Random(1),
    )


def queue(learner, deck, *, now=NOW, limit=50):
    return selectors.study_queue(learner=learner, deck=deck, now=now, limit=limit)


def new_ids(learner, deck, **kwargs) -> list[int]:
    built = queue(learner, deck, **kwargs)
    return built.card_ids[built.learning_count + built.review_count :]


def add_cloze(deck, count=3, **kwargs):
    text = " ".join(f"{{{{c{i}::part {i}}}}}" for i in range(1, count + 1))
    return services.note_create(
        deck=deck, type="cloze", fields={"text": text}, **kwargs
    )


def add_reversed(deck, front="Q", **kwargs):
    return services.note_create(
        deck=deck,
        type="basic_reversed",
        fields={"front": front, "back": "A"},
        **kwargs,
    )


def add_parametric(deck, **kwargs):
    return services.note_create(
        deck=deck,
        type="parametric",
        fields={"template": TEMPLATE, "part": "total", "limits": {}},
        **kwargs,
    )


def note_of(card_id: int) -> int:
    return Card.objects.get(pk=card_id).note_id


# --- one new card per note ---------------------------------------------------------


def test_a_queue_never_holds_two_new_cards_of_one_note(learner, deck):
    notes = [
        add_cloze(deck, 3),
        add_reversed(deck),
        add_basic(deck),
        add_cloze(deck, 2),
    ]
    built = queue(learner, deck)
    assert built.new_count == 4
    assert sorted(note_of(i) for i in built.card_ids) == sorted(n.pk for n in notes)
    head_notes = [c.card.note_id for c in built.cards]
    assert len(head_notes) == len(set(head_notes)) == 4


def test_each_note_offers_its_first_card(learner, deck):
    note = add_cloze(deck, 3)
    assert new_ids(learner, deck) == [min(c.pk for c in note.cards.all())]


def test_the_prefetched_batch_has_no_siblings_either(learner, deck):
    for i in range(8):
        add_reversed(deck, front=f"q{i}")
    built = queue(learner, deck, limit=10)
    notes = [c.card.note_id for c in built.cards]
    assert len(notes) == 8 and len(set(notes)) == 8


def test_a_sibling_answered_today_holds_the_new_cards_of_its_note_until_tomorrow(
    learner, deck
):
    note = add_cloze(deck, 1)
    answer(learner, note.cards.get(), at=NOW - timedelta(hours=1))
    # A card the note gains after the answer has no row yet: still not today.
    services.note_update(note=note, fields={"text": "{{c1::a}} {{c2::b}}"})
    added = note.cards.get(ordinal=2)
    assert added.pk not in new_ids(learner, deck)
    assert added.pk in new_ids(learner, deck, now=NOW + timedelta(days=1))


def test_an_undone_answer_gives_the_siblings_back(learner, deck):
    note = add_reversed(deck)
    first, second = note.cards.order_by("id")
    answer(learner, first, at=NOW - timedelta(minutes=5))
    assert second.pk not in new_ids(learner, deck)
    services.review_undo(learner=learner, now=NOW)
    assert new_ids(learner, deck) == [first.pk]  # one per note: the first again


def test_with_new_sibling_burying_off_siblings_come_together(learner, deck):
    services.deck_update(deck=deck, options={"bury_new_siblings": False})
    note = add_cloze(deck, 3)
    answer(learner, note.cards.order_by("id").first(), at=NOW - timedelta(hours=1))
    assert len(new_ids(learner, deck)) == 2


def test_another_learners_answer_hides_none_of_my_cards(
    learner, other_learner, teacher, teacher_deck
):
    services.deck_update(deck=teacher_deck, visibility="public")
    services.deck_subscribe(learner=learner, deck=teacher_deck)
    services.deck_subscribe(learner=other_learner, deck=teacher_deck)
    note = add_reversed(teacher_deck)
    first, second = note.cards.order_by("id")
    answer(other_learner, first, at=NOW - timedelta(hours=1))
    assert new_ids(learner, teacher_deck) == [first.pk]
    assert new_ids(other_learner, teacher_deck) == []


def test_all_sibling_burying_still_hides_new_cards_of_a_note_in_review(learner, deck):
    services.deck_update(deck=deck, options={"bury_siblings": True})
    note = add_reversed(deck)
    first, second = note.cards.order_by("id")
    CardMemory.objects.create(
        learner=learner,
        card=first,
        deck=deck,
        state=2,
        due=NOW - timedelta(hours=2),
        stability=3.0,
        difficulty=5.0,
        last_review=NOW - timedelta(days=3),
        reps=2,
    )
    built = queue(learner, deck)
    assert built.card_ids == [first.pk] and built.new_count == 0


# --- the order ---------------------------------------------------------------------


def _kinds_deck(deck):
    for i in range(5):
        add_basic(deck, front=f"basic {i}")
    for _ in range(5):
        add_cloze(deck, 1)
    for _ in range(2):
        add_parametric(deck)


def test_the_mixed_order_meets_every_kind_of_card_first(learner, deck):
    _kinds_deck(deck)
    head = [c.card.note.type for c in queue(learner, deck, limit=4).cards]
    assert head[:3] == ["basic", "cloze", "parametric"]
    assert "parametric" in head


def test_the_mixed_order_takes_turns_over_objectives(learner, deck):
    for objective in ("a", "a", "a", "b", "b", "c"):
        add_basic(deck, front=objective, objective_key=objective)
    head = [c.card.note.objective_key for c in queue(learner, deck).cards]
    assert head == ["a", "b", "c", "a", "b", "a"]


def test_within_a_kind_cards_come_in_the_order_they_were_added(learner, deck):
    _kinds_deck(deck)
    built = queue(learner, deck)
    basics = [c.card.pk for c in built.cards if c.card.note.type == "basic"]
    assert basics == sorted(basics) and len(basics) == 5


def test_the_added_order_keeps_card_ids(learner, deck):
    services.deck_update(deck=deck, options={"new_order": "added"})
    _kinds_deck(deck)
    ids = new_ids(learner, deck)
    assert ids == sorted(Card.objects.filter(deck=deck).values_list("pk", flat=True))


def test_the_order_is_the_same_every_time(learner, deck):
    _kinds_deck(deck)
    orders = {tuple(queue(learner, deck).card_ids) for _ in range(3)}
    assert len(orders) == 1


def test_the_daily_limit_holds_in_either_order(learner, deck):
    _kinds_deck(deck)
    for order in ("mixed", "added"):
        services.deck_update(deck=deck, options={"new_per_day": 3, "new_order": order})
        built = queue(learner, deck)
        assert built.new_count == 3 and len(built.card_ids) == 3
    answer(learner, Card.objects.filter(deck=deck).first(), at=NOW - timedelta(hours=1))
    assert queue(learner, deck).new_count == 2


def test_the_lesson_deck_shows_every_kind_in_a_fresh_learners_first_batch(learner):
    course_load()
    deck = lesson_deck(lesson_slug="why-precision-matters")
    kinds = set(Note.objects.filter(deck=deck).values_list("type", flat=True))
    assert {"parametric", "numeric"} <= kinds
    head = queue(learner, deck, limit=10).cards
    assert {c.card.note.type for c in head} == kinds


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"new_order": "sideways"}, "options.new_order"),
        ({"new_order": 1}, "options.new_order"),
        ({"bury_new_siblings": "yes"}, "options.bury_new_siblings"),
    ],
)
def test_bad_new_card_options_are_400_naming_the_field(
    learner_api, deck, options, field
):
    response = learner_api.patch(
        f"/api/v1/decks/{deck.pk}/", {"options": options}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    deck.refresh_from_db()
    assert deck.options == {"enable_fuzz": False}


def test_only_the_owner_sets_a_decks_new_card_order(
    learner_api, other_deck, teacher_api, teacher_deck
):
    url = f"/api/v1/decks/{other_deck.pk}/"
    response = learner_api.patch(
        url, {"options": {"new_order": "added"}}, format="json"
    )
    assert response.status_code == 404
    other_deck.refresh_from_db()
    assert "new_order" not in other_deck.options
    response = teacher_api.patch(
        f"/api/v1/decks/{teacher_deck.pk}/",
        {"options": {"new_order": "added"}},
        format="json",
    )
    assert response.status_code == 200
    teacher_deck.refresh_from_db()
    assert teacher_deck.scheduling_options.new_order == "added"


# --- the floor hint ---------------------------------------------------------------


def test_a_remembered_floor_still_finds_every_new_card(
    learner, deck, django_capture_on_commit_callbacks
):
    services.deck_update(deck=deck, options={"new_order": "added"})
    cards = [add_basic(deck, front=f"q{i}").cards.get() for i in range(6)]
    for card in cards[:4]:
        answer(learner, card, at=NOW - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert new_ids(learner, deck) == [cards[4].pk, cards[5].pk]
    assert new_cards._floor(learner=learner, deck=deck) == cards[4].pk
    # A buried card below the floor comes back when its burial ends; a card
    # added later is above it.
    services.card_bury(learner=learner, card_id=cards[4].pk, now=NOW)
    later = add_basic(deck, front="later").cards.get()
    tomorrow = NOW + timedelta(days=1)
    assert new_ids(learner, deck, now=tomorrow) == [cards[4].pk, cards[5].pk, later.pk]


def test_a_floor_past_every_card_still_sees_cards_added_later(
    learner, deck, django_capture_on_commit_callbacks
):
    card = add_basic(deck).cards.get()
    answer(learner, card, at=NOW - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert new_ids(learner, deck) == []
    assert new_cards._floor(learner=learner, deck=deck) == card.pk + 1
    later = add_basic(deck, front="later").cards.get()
    assert new_ids(learner, deck) == [later.pk]
    # Once the later card has a row too, the floor moves past it.
    answer(learner, later, at=NOW - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert new_ids(learner, deck) == []
    assert new_cards._floor(learner=learner, deck=deck) == later.pk + 1


def test_a_decks_kinds_are_its_distinct_note_types_and_objectives(deck):
    for objective in ("b", "a", "b", ""):
        add_basic(deck, objective_key=objective)
    add_cloze(deck, 2, objective_key="a")
    add_parametric(deck)
    assert new_cards.deck_kinds(deck=deck) == [
        ("basic", ""),
        ("basic", "a"),
        ("basic", "b"),
        ("cloze", "a"),
        ("parametric", ""),
    ]


def test_an_unreachable_cache_only_costs_the_longer_walk(
    learner, deck, monkeypatch, django_capture_on_commit_callbacks
):
    class Broken:
        def get(self, *args, **kwargs):
            raise ConnectionError("down")

        set = get

    monkeypatch.setattr(new_cards, "caches", {"default": Broken()})
    cards = [add_basic(deck, front=f"q{i}").cards.get() for i in range(3)]
    answer(learner, cards[0], at=NOW - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert sorted(new_ids(learner, deck)) == [cards[1].pk, cards[2].pk]
