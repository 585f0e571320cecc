"""Rows in plain SQL (`studysite.rows`) are the rows the ORM reads and writes:
the answer path uses them, so a difference would be a learner's schedule
written wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashcards import services
from flashcards.models import Card, CardMemory, Note
from studysite import rows
from tests.flashcards.conftest import add_basic

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
# Text a database can store (no NUL, no lone surrogate: the product refuses
# those before they get here, `studysite.storable`).
STORABLE = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


@pytest.fixture
def deck(learner):
    return services.deck_create(owner=learner, title="Rows", options={})


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _select(model, pk):
    sql = f"SELECT {rows.columns(model, 't')} FROM {model._meta.db_table} t WHERE t.id = %s"
    (row,) = rows.fetch(sql, [pk])
    return rows.build(model, row)


@pytest.mark.django_db
def test_a_row_built_from_sql_equals_the_orms(deck):
    note = add_basic(deck, front="$x^2$", back="é ✓")
    card = note.cards.get()
    memory = CardMemory.objects.create(
        learner=deck.owner, card=card, deck=deck, due=NOW, stability=2.5, leech=True
    )
    for model, pk in ((Note, note.pk), (Card, card.pk), (CardMemory, memory.pk)):
        built = _select(model, pk)
        assert _values(built) == _values(model.objects.get(pk=pk))
        assert not built._state.adding


@pytest.mark.django_db
def test_an_inserted_row_reads_back_through_the_orm(deck):
    card = add_basic(deck).cards.get()
    values = {
        "learner_id": deck.owner.pk,
        "card_id": card.pk,
        "deck_id": deck.pk,
        "state": 2,
        "due": NOW,
        "stability": 12.25,
        "difficulty": None,
        "step": 0,
        "last_review": NOW - timedelta(days=3),
        "reps": 4,
        "lapses": 1,
        "suspended": False,
        "buried_until": None,
        "leech": False,
        "version": 7,
        "updated_at": NOW,
    }
    pk = rows.insert(CardMemory, values)
    stored = CardMemory.objects.get(pk=pk)
    assert {k: getattr(stored, k) for k in values} == values


@pytest.mark.django_db
def test_update_matches_every_condition_and_counts_the_rows(deck):
    cards = [add_basic(deck).cards.get() for _ in range(3)]
    made = [
        CardMemory.objects.create(learner=deck.owner, card=c, deck=deck, due=NOW)
        for c in cards
    ]
    written = rows.update(
        CardMemory,
        {"buried_until": NOW},
        where={"learner_id": deck.owner.pk, "card_id": [c.pk for c in cards[:2]]},
        increment=("version",),
    )
    assert written == 2
    after = {m.card_id: m for m in CardMemory.objects.all()}
    assert [after[c.pk].version for c in cards] == [1, 1, 0]
    assert [after[c.pk].buried_until for c in cards] == [NOW, NOW, None]
    stale = rows.update(CardMemory, {"reps": 9}, where={"id": made[0].pk, "version": 0})
    assert stale == 0 and CardMemory.objects.get(pk=made[0].pk).reps == 0


@pytest.mark.django_db
def test_insert_many_skips_rows_a_constraint_refuses_only_when_asked(deck):
    card = add_basic(deck).cards.get()
    row = {"learner_id": deck.owner.pk, "card_id": card.pk, "deck_id": deck.pk}
    row |= {"due": NOW, "updated_at": NOW, "state": 0, "step": 0, "reps": 0}
    row |= {"lapses": 0, "suspended": False, "leech": False, "version": 1}
    assert rows.insert_many(CardMemory, [row]) == 1
    assert rows.insert_many(CardMemory, [row], ignore_conflicts=True) == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert_many(CardMemory, [row])
    assert CardMemory.objects.count() == 1
    assert rows.insert_many(CardMemory, []) == 0


@pytest.mark.django_db
def test_a_field_the_model_lacks_is_refused_before_any_sql(deck):
    with pytest.raises(KeyError):
        rows.insert(CardMemory, {"no_such_field": 1})
    with pytest.raises(KeyError):
        rows.update(CardMemory, {"reps": 1}, where={"nope": 1})


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    stability=st.none() | st.floats(min_value=1e-6, max_value=1e6),
    offset=st.integers(min_value=-(10**8), max_value=10**8),
    fields=st.dictionaries(
        st.sampled_from(["front", "back"]), st.text(STORABLE, max_size=40)
    ),
)
def test_any_memory_and_note_survive_the_round_trip(deck, stability, offset, fields):
    note = Note.objects.create(deck=deck, type="basic", fields=fields)
    card = Card.objects.create(note=note, deck=deck)
    due = NOW + timedelta(seconds=offset, microseconds=offset % 1000)
    memory = CardMemory(
        learner=deck.owner, card=card, deck=deck, due=due, stability=stability
    )
    memory.updated_at = NOW
    values = {
        f.attname: getattr(memory, f.attname)
        for f in CardMemory._meta.concrete_fields
        if f.attname != "id"
    }
    pk = rows.insert(CardMemory, values)
    assert _values(_select(CardMemory, pk)) == _values(CardMemory.objects.get(pk=pk))
    assert _select(CardMemory, pk).due == due
    assert _select(Note, note.pk).fields == fields
