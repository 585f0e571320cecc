"""Fixtures for the flashcards app's tests (the scheduler's tests need none)."""

from __future__ import annotations

import uuid
from random import Random

import pytest

from flashcards import services


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def rng() -> Random:
    return Random(7)


@pytest.fixture
def deck(learner):
    """A deck of the learner's own, fuzz off so intervals are exact."""
    return services.deck_create(
        owner=learner, title="Mine", options={"enable_fuzz": False}
    )


@pytest.fixture
def teacher_deck(teacher):
    return services.deck_create(owner=teacher, title="Teacher's", options={})


@pytest.fixture
def other_deck(other_learner):
    return services.deck_create(owner=other_learner, title="Private", options={})


def add_basic(deck, front="Q", back="A", **kwargs):
    return services.note_create(
        deck=deck, type="basic", fields={"front": front, "back": back}, **kwargs
    )


@pytest.fixture
def card(deck):
    return add_basic(deck).cards.get()
