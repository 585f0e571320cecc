"""Mastery per objective counts the lesson deck's cards by the objective each
generated note links to, and lists every objective of the lesson."""

from __future__ import annotations

import io
import uuid
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from flashcards import generation, services
from flashcards.lesson_cards import lesson_deck
from flashcards.models import Card
from lessons.models import Lesson
from lessons.progress import selectors
from lessons.progress.access import Scope

pytestmark = pytest.mark.django_db

SLUG = generation.PRECISION_LESSON
# How many lesson cards of each objective the learner reviews.
REVIEWED = {"fp-representation": 3, "fewer-bits-save": 2, "precision-asymmetry": 1}


@pytest.fixture
def studied(learner):
    call_command("load_lessons", stdout=io.StringIO())  # the deck, subscribed
    deck = lesson_deck(lesson_slug=SLUG)
    lesson_cards = Card.objects.filter(
        deck=deck, note__source_key__startswith="lesson:"
    ).order_by("pk")
    for objective, n in REVIEWED.items():
        for card in lesson_cards.filter(note__objective_key=objective)[:n]:
            services.card_review(
                learner=learner,
                card_id=card.pk,
                rating=3,
                client_review_id=uuid.uuid4(),
            )
    return deck


def test_every_objective_of_the_lesson_shows_with_its_cards_counted(studied, learner):
    rows = selectors.mastery(Scope(learner=learner), now=timezone.now())
    lesson = Lesson.objects.get(slug=SLUG)
    objectives = list(
        lesson.objectives.filter(retired=False).values_list("key", flat=True)
    )
    assert len(objectives) == 4
    assert [r["objective"] for r in rows] == objectives  # the lesson's order
    totals = Counter(
        Card.objects.filter(deck=studied).values_list("note__objective_key", flat=True)
    )
    for row in rows:
        key = row["objective"]
        assert row["cards"] == totals[key] > 0, key
        assert row["studied"] == REVIEWED.get(key, 0), key
        assert row["text"] == lesson.objectives.get(key=key).text
    studied_rows = [r for r in rows if r["studied"]]
    assert all(r["memory"] and r["memory"] > 0 for r in studied_rows)


def test_an_objective_with_nothing_studied_still_shows_zero_of_its_cards(
    studied, learner
):
    rows = {
        r["objective"]: r
        for r in selectors.mastery(Scope(learner=learner), now=timezone.now())
    }
    untouched = rows["quantization-vs-mixed"]
    assert untouched["studied"] == 0 and untouched["cards"] > 0
    assert untouched["memory"] == 0


def test_the_progress_page_lists_each_objective_with_studied_over_cards(
    studied, learner, client
):
    client.force_login(learner)
    html = client.get("/progress/").content.decode()
    total = Card.objects.filter(
        deck=studied, note__objective_key="fp-representation"
    ).count()
    assert f"3 / {total}" in html
    for objective in Lesson.objects.get(slug=SLUG).objectives.all():
        assert objective.text in html
    assert "0 / 0" not in html
