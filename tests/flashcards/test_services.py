"""Services: notes make cards, reviews, idempotency, conflicts, offline, undo,
leeches, burying, limits over the learner's study day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from flashcards import selectors, services
from flashcards.models import CardMemory, ReviewLog
from flashcards.scheduling import CardState, DeckOptions, Rating, State, review
from flashcards.services import memory as memory_rows
from studysite import errors
from tests.flashcards.conftest import add_basic, new_id
from tests.lessons.classes_factories import class_with

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)


def answer(learner, card, rating=3, *, at=None, now=None, **kwargs):
    return services.card_review(
        learner=learner,
        card_id=card.pk,
        rating=rating,
        client_review_id=kwargs.pop("client_review_id", new_id()),
        reviewed_at=at,
        now=now or at or NOW,
        rng=Random(1),
        **kwargs,
    )


def memory(learner, card):
    return CardMemory.objects.get(learner=learner, card=card)


# --- notes and cards -----------------------------------------------------------


def test_note_types_make_their_cards(deck):
    basic = add_basic(deck)
    reversed_ = services.note_create(
        deck=deck, type="basic_reversed", fields={"front": "cat", "back": "Katze"}
    )
    cloze = services.note_create(
        deck=deck,
        type="cloze",
        fields={"text": "{{c1::a}} {{c2::b}} {{c3::c}} {{c1::d}}"},
    )
    numeric = services.note_create(
        deck=deck, type="numeric", fields={"question": "2+2", "answer": "4"}
    )
    assert basic.cards.count() == 1
    assert list(reversed_.cards.values_list("ordinal", flat=True)) == [1, 2]
    assert list(cloze.cards.values_list("ordinal", flat=True)) == [1, 2, 3]
    assert numeric.cards.count() == 1
    second = reversed_.cards.get(ordinal=2)
    assert (second.sides().front, second.sides().back) == ("Katze", "cat")
    assert numeric.cards.get().sides().typed
    assert deck.cards.count() == 7


def test_a_bad_note_is_refused_naming_the_field_and_makes_nothing(deck):
    with pytest.raises(errors.Invalid) as info:
        services.note_create(deck=deck, type="cloze", fields={"text": "no cloze"})
    assert "fields.text" in info.value.fields
    assert not deck.notes.exists() and not deck.cards.exists()


def test_editing_a_note_keeps_every_schedule(deck, learner):
    note = services.note_create(
        deck=deck, type="cloze", fields={"text": "{{c1::a}} and {{c2::b}}"}
    )
    c1 = note.cards.get(ordinal=1)
    answer(learner, c1, Rating.GOOD)
    before = memory(learner, c1).card_state()

    services.note_update(note=note, fields={"text": "{{c1::A!}} then {{c3::c}}"})

    assert sorted(note.cards.values_list("ordinal", flat=True)) == [1, 3]
    assert note.cards.get(ordinal=1).pk == c1.pk
    assert memory(learner, c1).card_state() == before
    assert ReviewLog.objects.filter(card=c1).count() == 1
    assert "A!" in note.cards.get(ordinal=1).sides().back


# --- reviews ----------------------------------------------------------------------


def test_a_review_writes_the_log_and_the_memory(learner, card):
    result = answer(learner, card, Rating.GOOD, duration_ms=4200, answer="")
    log = result.log
    assert result.created
    assert (log.rating, log.duration_ms, log.review_state) == (3, 4200, State.NEW)
    assert log.reviewed_at == NOW
    assert log.state_before["state"] == State.NEW
    expected = review(
        CardState(due=NOW),
        Rating.GOOD,
        options=DeckOptions(enable_fuzz=False),
        now=NOW,
        rng=Random(0),
    )
    row = memory(learner, card)
    assert row.card_state() == expected.state
    assert log.state_after["due"] == expected.state.due.isoformat()
    assert log.interval_days == pytest.approx(expected.interval_days)
    assert row.version == 1 and row.deck_id == card.deck_id


def test_memory_is_per_learner(learner, other_learner, teacher, teacher_deck):
    card = add_basic(teacher_deck).cards.get()
    class_with(teacher, learner, other_learner, deck=teacher_deck)
    answer(learner, card, Rating.EASY)
    answer(other_learner, card, Rating.AGAIN)
    assert memory(learner, card).state == State.REVIEW
    assert memory(other_learner, card).state == State.LEARNING


def test_the_same_client_review_id_returns_the_first_result(learner, card):
    client_id = new_id()
    first = answer(learner, card, Rating.GOOD, client_review_id=client_id)
    state = memory(learner, card).card_state()
    again = answer(
        learner,
        card,
        Rating.AGAIN,
        client_review_id=client_id,
        now=NOW + timedelta(hours=1),
    )
    assert not again.created
    assert again.log.pk == first.log.pk and again.log.rating == Rating.GOOD
    assert ReviewLog.objects.count() == 1
    assert memory(learner, card).card_state() == state


def test_a_client_review_id_reused_for_another_card_is_a_conflict(learner, deck, card):
    other = add_basic(deck).cards.get()
    client_id = new_id()
    answer(learner, card, client_review_id=client_id)
    with pytest.raises(errors.Conflict):
        answer(learner, other, client_review_id=client_id)


def test_a_second_tab_answering_a_stale_card_gets_409_and_changes_nothing(
    learner, card
):
    shown = 0  # both tabs were shown the card at version 0
    answer(learner, card, Rating.GOOD, expected_version=shown)
    state = memory(learner, card).card_state()
    with pytest.raises(errors.Conflict):
        answer(learner, card, Rating.AGAIN, expected_version=shown)
    assert ReviewLog.objects.count() == 1
    assert memory(learner, card).card_state() == state


def test_a_racing_write_is_refused_by_the_version_check(learner, card):
    answer(learner, card)
    stale = memory(learner, card)
    answer(learner, card, at=NOW + timedelta(minutes=10))  # the other request wins
    with pytest.raises(errors.Conflict):
        memory_rows._save_memory(stale, expected_version=stale.version)
    assert memory(learner, card).version == 2


def test_another_learners_private_card_is_404(learner, other_deck):
    card = add_basic(other_deck).cards.get()
    with pytest.raises(errors.NotFound):
        answer(learner, card)
    assert not CardMemory.objects.exists()


def test_a_suspended_card_cannot_be_answered(learner, card):
    services.card_suspend(learner=learner, card_id=card.pk, now=NOW)
    with pytest.raises(errors.Invalid) as info:
        answer(learner, card)
    assert "card" in info.value.fields
    assert not ReviewLog.objects.exists()


@pytest.mark.parametrize("rating", [0, 5, "3", None, True])
def test_a_rating_outside_1_to_4_is_refused(learner, card, rating):
    with pytest.raises(errors.Invalid) as info:
        answer(learner, card, rating)
    assert "rating" in info.value.fields


def test_a_malformed_uuid_is_refused(learner, card):
    with pytest.raises(errors.Invalid) as info:
        answer(learner, card, client_review_id="not-a-uuid")
    assert "client_review_id" in info.value.fields


@pytest.mark.parametrize(
    ("offset", "why"),
    [(timedelta(hours=1), "future"), (-timedelta(days=91), "older")],
)
def test_reviewed_at_in_the_future_or_too_old_is_refused(learner, card, offset, why):
    with pytest.raises(errors.Invalid) as info:
        answer(learner, card, at=NOW + offset, now=NOW)
    assert why in str(info.value.fields["reviewed_at"][0])
    assert not ReviewLog.objects.exists()


def test_the_offline_age_limit_is_a_setting(learner, card, settings):
    settings.FLASHCARDS_MAX_OFFLINE_AGE_DAYS = 3
    with pytest.raises(errors.Invalid):
        answer(learner, card, at=NOW - timedelta(days=4), now=NOW)
    assert answer(learner, card, at=NOW - timedelta(days=2), now=NOW).created


def test_a_review_before_the_cards_last_review_is_refused(learner, card):
    answer(learner, card, at=NOW - timedelta(hours=1), now=NOW)
    with pytest.raises(errors.Invalid) as info:
        answer(learner, card, at=NOW - timedelta(hours=2), now=NOW)
    assert "last review" in str(info.value.fields["reviewed_at"][0])


def test_offline_reviews_arriving_late_are_applied_in_time_order(learner, card):
    times = [NOW - timedelta(days=d) for d in (3, 1, 2)]  # sent out of order
    ratings = [Rating.GOOD, Rating.HARD, Rating.GOOD]
    items = [
        {
            "card_id": card.pk,
            "rating": r,
            "client_review_id": new_id(),
            "reviewed_at": t,
        }
        for r, t in zip(ratings, times, strict=True)
    ]
    results = services.card_review_many(learner=learner, reviews=items, now=NOW)
    assert all(item.result and item.result.created for item in results)
    logs = list(ReviewLog.objects.order_by("id"))
    assert [log.reviewed_at for log in logs] == sorted(times)

    state = CardState(due=sorted(times)[0])
    options = DeckOptions(enable_fuzz=False)
    for t, r in sorted(zip(times, ratings, strict=True)):
        state = review(state, r, options=options, now=t, rng=Random(0)).state
    assert memory(learner, card).card_state() == state


def test_undo_restores_the_memory_and_marks_the_log(learner, card):
    answer(learner, card, Rating.GOOD)
    after_first = memory(learner, card).card_state()
    answer(learner, card, Rating.AGAIN, at=NOW + timedelta(minutes=10))

    log = services.review_undo(learner=learner, now=NOW + timedelta(minutes=11))

    assert log.undone_at is not None and log.rating == Rating.AGAIN
    assert memory(learner, card).card_state() == after_first
    assert ReviewLog.objects.count() == 2  # append-only: marked, not deleted
    services.review_undo(learner=learner)
    assert memory(learner, card).state == State.NEW
    with pytest.raises(errors.NotFound):
        services.review_undo(learner=learner)
    # the new card is new again in the queue and today's counts forget it
    queue = selectors.study_queue(learner=learner, now=NOW + timedelta(minutes=12))
    assert queue.new_count == 1 and queue.done.new == 0


def _to_review_state(learner, card, *, lapses=0):
    CardMemory.objects.create(
        learner=learner,
        card=card,
        deck=card.deck,
        state=State.REVIEW,
        due=NOW,
        stability=10.0,
        difficulty=5.0,
        last_review=NOW - timedelta(days=10),
        reps=5,
        lapses=lapses,
    )


@pytest.mark.parametrize(("action", "suspended"), [("tag", False), ("suspend", True)])
def test_a_leech_is_tagged_or_suspended(learner, deck, card, action, suspended):
    services.deck_update(
        deck=deck, options={"leech_threshold": 3, "leech_action": action}
    )
    _to_review_state(learner, card, lapses=2)
    result = answer(learner, card, Rating.AGAIN)
    row = memory(learner, card)
    assert (row.leech, row.suspended, row.lapses) == (True, suspended, 3)
    assert result.log.state_after["leech"] is True
    services.review_undo(learner=learner)
    row = memory(learner, card)
    assert (row.leech, row.suspended, row.lapses) == (False, False, 2)


def test_bury_hides_a_card_until_the_learners_next_day(learner, card):
    learner.time_zone, learner.day_start_hour = "Asia/Tokyo", 4
    learner.save()
    services.card_bury(learner=learner, card_id=card.pk, now=NOW)  # 21:00 in Tokyo
    row = memory(learner, card)
    assert row.buried_until == datetime(2030, 3, 10, 19, 0, tzinfo=UTC)  # 04:00 JST
    before = selectors.study_queue(learner=learner, now=NOW + timedelta(hours=6))
    after = selectors.study_queue(learner=learner, now=NOW + timedelta(hours=7))
    assert before.new_count == 0 and after.new_count == 1
    services.card_unbury(learner=learner, card_id=card.pk, now=NOW)
    assert selectors.study_queue(learner=learner, now=NOW).new_count == 1


def test_answering_a_card_buries_its_siblings_when_the_deck_says_so(learner, deck):
    services.deck_update(deck=deck, options={"bury_siblings": True})
    note = services.note_create(
        deck=deck, type="basic_reversed", fields={"front": "a", "back": "b"}
    )
    first, second = note.cards.order_by("ordinal")
    answer(learner, first, Rating.EASY)
    assert memory(learner, second).buried_until is not None
    assert selectors.study_queue(learner=learner, now=NOW).card_ids == []
    services.review_undo(learner=learner)
    assert memory(learner, second).buried_until is None


def test_suspend_and_unsuspend(learner, card):
    services.card_suspend(learner=learner, card_id=card.pk, now=NOW)
    assert selectors.study_queue(learner=learner, now=NOW).new_count == 0
    services.card_unsuspend(learner=learner, card_id=card.pk, now=NOW)
    assert selectors.study_queue(learner=learner, now=NOW).new_count == 1


# --- the queue ---------------------------------------------------------------------


def test_the_queue_counts_new_learning_and_review_cards(learner, deck):
    cards = [add_basic(deck, front=f"q{i}").cards.get() for i in range(5)]
    answer(
        learner, cards[0], Rating.AGAIN, at=NOW - timedelta(minutes=30)
    )  # learning, due
    _to_review_state(learner, cards[1])  # review, due now
    answer(
        learner, cards[2], Rating.EASY, at=NOW - timedelta(minutes=30)
    )  # review, not due
    queue = selectors.study_queue(learner=learner, deck=deck, now=NOW, limit=10)
    assert (queue.new_count, queue.learning_count, queue.review_count) == (2, 1, 1)
    assert queue.card_ids == [cards[0].pk, cards[1].pk, cards[3].pk, cards[4].pk]
    assert queue.done.new == 2
    head = queue.cards[0]
    assert head.card.pk == cards[0].pk and head.version == 1
    assert set(head.intervals) == set(Rating)


def test_new_cards_are_limited_per_study_day_in_the_learners_time_zone(learner, deck):
    learner.time_zone, learner.day_start_hour = "America/New_York", 4
    learner.save()
    services.deck_update(deck=deck, options={"new_per_day": 2})
    cards = [add_basic(deck, front=f"q{i}").cards.get() for i in range(4)]
    evening = datetime(2030, 3, 11, 3, 0, tzinfo=UTC)  # 23:00 in New York, Mar 10
    for card in cards[:2]:
        answer(learner, card, Rating.EASY, at=evening, now=evening)

    def new_count(now):
        return selectors.study_queue(learner=learner, now=now).new_count

    assert new_count(evening) == 0
    assert new_count(datetime(2030, 3, 11, 7, 59, tzinfo=UTC)) == 0  # 03:59 local
    assert new_count(datetime(2030, 3, 11, 8, 0, tzinfo=UTC)) == 2  # 04:00 local


def test_review_limits_count_todays_reviews(learner, deck):
    services.deck_update(deck=deck, options={"reviews_per_day": 2})
    cards = [add_basic(deck, front=f"q{i}").cards.get() for i in range(4)]
    for card in cards:
        _to_review_state(learner, card)
    assert selectors.study_queue(learner=learner, now=NOW).review_count == 2
    answer(learner, cards[0], Rating.GOOD)
    queue = selectors.study_queue(learner=learner, now=NOW)
    assert queue.review_count == 1 and queue.done.review == 1


def test_the_all_decks_queue_covers_own_and_teacher_decks_only(
    learner, teacher, deck, teacher_deck, other_deck
):
    """Own decks, decks assigned to the learner's class and subscribed catalog
    decks; not a teacher's private deck, nor a catalog deck not subscribed to,
    nor another learner's deck."""
    catalog = services.deck_create(owner=teacher, title="Catalog", visibility="public")
    for d in (deck, teacher_deck, other_deck, catalog):
        add_basic(d)

    def queued():
        queue = selectors.study_queue(learner=learner, now=NOW)
        return queue.new_count, {c.card.deck_id for c in queue.cards}

    assert queued() == (1, {deck.pk})
    class_with(teacher, learner, deck=teacher_deck)
    assert queued() == (2, {deck.pk, teacher_deck.pk})
    services.deck_subscribe(learner=learner, deck=catalog)
    assert queued() == (3, {deck.pk, teacher_deck.pk, catalog.pk})
    services.deck_unsubscribe(learner=learner, deck=catalog)
    assert queued() == (2, {deck.pk, teacher_deck.pk})


def test_a_big_deck_loads_only_a_bounded_number_of_new_cards(
    learner, deck, django_assert_max_num_queries
):
    services.deck_update(deck=deck, options={"new_per_day": 5})
    for i in range(30):
        add_basic(deck, front=f"q{i}")
    # 9: one of them asks for the deck's subdecks (studied with it, as in Anki).
    with django_assert_max_num_queries(9):
        queue = selectors.study_queue(learner=learner, deck=deck, now=NOW, limit=3)
    assert queue.new_count == 5 and len(queue.cards) == 3


def test_client_ids_are_unique_per_learner_not_globally(
    learner, other_learner, teacher, teacher_deck
):
    card = add_basic(teacher_deck).cards.get()
    class_with(teacher, learner, other_learner, deck=teacher_deck)
    client_id = uuid.uuid4()
    assert answer(learner, card, client_review_id=client_id).created
    assert answer(other_learner, card, client_review_id=client_id).created
