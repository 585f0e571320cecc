"""Builders for progress tests and benchmarks: decks, memory states, reviews
and quiz attempts written in bulk, with the fields the dashboard reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from flashcards.models import Card, CardMemory, Deck, Note, ReviewLog
from flashcards.scheduling import State
from lessons.models import AttemptAnswer, AttemptItem, GeneratedProblem, QuizAttempt


def make_deck(owner, cards: int = 3, *, title: str = "Deck", objective_key: str = ""):
    """A deck with ``cards`` basic cards; returns (deck, cards)."""
    deck = Deck.objects.create(owner=owner, title=title, objective_key=objective_key)
    notes = Note.objects.bulk_create(
        Note(deck=deck, type="basic", fields={"front": f"{title} q{i}", "back": "a"})
        for i in range(cards)
    )
    Card.objects.bulk_create(Card(note=n, deck=deck, ordinal=1) for n in notes)
    return deck, list(Card.objects.filter(deck=deck).order_by("id"))


def memory(
    learner,
    card,
    *,
    state: int = State.REVIEW,
    due: datetime,
    stability: float | None = 10.0,
    last_review: datetime | None = None,
    reps: int = 3,
    lapses: int = 0,
    suspended: bool = False,
    leech: bool = False,
    save: bool = True,
) -> CardMemory:
    row = CardMemory(
        learner=learner,
        card=card,
        deck_id=card.deck_id,
        state=state,
        due=due,
        stability=stability if state else None,
        difficulty=5.0 if state else None,
        last_review=last_review if last_review else (due - timedelta(days=5)),
        reps=reps,
        lapses=lapses,
        suspended=suspended,
        leech=leech,
    )
    if save:
        row.save()
    return row


def review(
    learner,
    card,
    *,
    at: datetime,
    rating: int = 3,
    state: int = State.REVIEW,
    interval_days: float = 5.0,
    duration_ms: int | None = 6000,
    undone: bool = False,
    save: bool = True,
) -> ReviewLog:
    """A review answered at ``at``; the card had been given ``interval_days``."""
    last = at - timedelta(days=interval_days)
    before = {
        "state": state,
        "due": (last + timedelta(days=interval_days)).isoformat(),
        "last_review": last.isoformat() if state else None,
        "stability": 5.0,
    }
    row = ReviewLog(
        learner=learner,
        card=card,
        deck_id=card.deck_id,
        client_review_id=uuid.uuid4(),
        rating=rating,
        reviewed_at=at,
        duration_ms=duration_ms,
        review_state=state,
        state_before=before,
        state_after={"state": 2},
        interval_days=interval_days,
        undone_at=at if undone else None,
    )
    if save:
        row.save()
    return row


def bulk_reviews(rows: Iterable[ReviewLog]) -> None:
    ReviewLog.objects.bulk_create(rows, batch_size=2000)


def quiz_attempt(
    learner,
    *,
    quiz=None,
    answers: list[tuple[str, str, str]],
    submitted_at: datetime | None,
    started_at: datetime | None = None,
    number: int = 1,
) -> QuizAttempt:
    """An attempt with one item per answer ``(template_key, status, misconception)``."""
    correct = sum(status == "correct" for _, status, _ in answers)
    attempt = QuizAttempt.objects.create(
        learner=learner,
        quiz=quiz,
        number=number,
        submitted_at=submitted_at,
        correct_parts=correct,
        total_parts=len(answers),
        score=correct / len(answers) if answers and submitted_at else None,
    )
    if started_at is not None:
        QuizAttempt.objects.filter(pk=attempt.pk).update(started_at=started_at)
    for position, (template, status, misconception) in enumerate(answers, start=1):
        problem = GeneratedProblem.objects.create(
            template_key=template, seed=position, owner=learner, params={}
        )
        item = AttemptItem.objects.create(
            attempt=attempt, position=position, problem=problem
        )
        AttemptAnswer.objects.create(
            item=item,
            part_key="answer",
            text="1",
            status=status,
            value_correct=status == "correct",
            misconception=misconception,
        )
    return attempt
