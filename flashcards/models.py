"""Models of the flashcards app.

Content is shared, memory is per learner:

* `Deck` → `Note` → `Card`: written once (by a teacher or a learner), studied
  by many. A note makes one or more cards (`flashcards.content`).
* `CardMemory`: one learner's schedule of one card (FSRS state, due, stability,
  difficulty...). A card with no row for a learner is new to that learner.
* `ReviewLog`: append-only, one row per answer. Undo marks a row ``undone_at``;
  rows are never deleted or rewritten otherwise.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from flashcards import content
from flashcards.scheduling import (
    CardState,
    DeckOptions,
    SchedulingOptionsError,
    State,
)


class NoteType(models.TextChoices):
    BASIC = "basic", "Basic"
    BASIC_REVERSED = "basic_reversed", "Basic and reversed"
    CLOZE = "cloze", "Cloze"
    NUMERIC = "numeric", "Numeric (typed answer)"
    # A later issue adds PARAMETRIC; the column is wide enough and has no
    # database-level check, so adding it only changes `choices`.


def validate_deck_options(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Options must be an object.")
    try:
        DeckOptions.from_dict(value)
    except SchedulingOptionsError as exc:
        raise ValidationError(
            {f"options.{key}": message for key, message in exc.errors.items()}
        ) from None


class Deck(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decks"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # Links to the lessons app, kept as plain values until its models settle.
    lesson_slug = models.CharField(max_length=100, blank=True, default="")
    objective_key = models.CharField(max_length=100, blank=True, default="")
    # Only the options set for this deck; missing keys take DeckOptions defaults.
    options = models.JSONField(
        default=dict, blank=True, validators=[validate_deck_options]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("title", "id")
        indexes = [models.Index(fields=("owner", "title"), name="fc_deck_owner")]

    def __str__(self) -> str:
        return self.title

    @property
    def scheduling_options(self) -> DeckOptions:
        """The validated options (defaults filled in)."""
        cached = getattr(self, "_scheduling_options", None)
        if cached is None or cached[0] != self.options:
            cached = (dict(self.options), DeckOptions.from_dict(self.options))
            self._scheduling_options = cached
        return cached[1]


class Note(models.Model):
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="notes")
    type = models.CharField(max_length=32, choices=NoteType.choices)
    fields = models.JSONField(default=dict)
    tags = models.JSONField(default=list, blank=True)
    # The id a note had where it came from (an import), to match it again.
    external_id = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
        indexes = [
            models.Index(
                fields=("deck", "external_id"),
                name="fc_note_external",
                condition=~Q(external_id=""),
            )
        ]

    def __str__(self) -> str:
        first = next(iter(self.fields.values()), "") if self.fields else ""
        return f"{self.type}: {str(first)[:40]}"


class Card(models.Model):
    """One card of a note: a note type's template, or one cloze number."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="cards")
    # Denormalised from the note so the queue can find a deck's cards directly.
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="cards")
    ordinal = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=("note", "ordinal"), name="fc_card_ordinal")
        ]
        indexes = [models.Index(fields=("deck", "id"), name="fc_card_deck")]

    def __str__(self) -> str:
        return f"card {self.pk} (note {self.note_id}, #{self.ordinal})"

    def sides(self) -> content.Sides:
        return content.card_sides(self.note.type, self.note.fields, self.ordinal)


class CardMemory(models.Model):
    """One learner's memory of one card: the scheduler's state and flags.

    ``version`` grows with every change, so a client that answered a card it
    saw at version N is refused (409) when the card has moved on (a second tab).
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="memories")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    state = models.PositiveSmallIntegerField(
        default=State.NEW, choices=[(s.value, s.name.title()) for s in State]
    )
    due = models.DateTimeField()
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    step = models.PositiveSmallIntegerField(default=0)
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    suspended = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)
    leech = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("learner", "card"), name="fc_memory_learner_card"
            )
        ]
        indexes = [
            # The due queue: a learner's cards due before the end of the day,
            # over all decks or one. `state` lets new rows be skipped cheaply.
            models.Index(
                fields=("learner", "due"),
                name="fc_memory_due",
                condition=Q(suspended=False) & Q(state__gt=0),
            ),
            models.Index(
                fields=("learner", "deck", "due"),
                name="fc_memory_deck_due",
                condition=Q(suspended=False) & Q(state__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} × card {self.card_id}: {State(self.state).name}"

    def card_state(self) -> CardState:
        return CardState(
            state=State(self.state),
            due=self.due,
            stability=self.stability,
            difficulty=self.difficulty,
            step=self.step,
            last_review=self.last_review,
            reps=self.reps,
            lapses=self.lapses,
        )

    def apply_state(self, state: CardState) -> None:
        self.state = int(state.state)
        self.due = state.due
        self.stability = state.stability
        self.difficulty = state.difficulty
        self.step = state.step
        self.last_review = state.last_review
        self.reps = state.reps
        self.lapses = state.lapses


class ReviewLog(models.Model):
    """One answer, append-only. ``review_state`` is the state *before* it."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    client_review_id = models.UUIDField(default=uuid.uuid4)
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    review_state = models.PositiveSmallIntegerField()
    state_before = models.JSONField()
    state_after = models.JSONField()
    interval_days = models.FloatField()
    answer = models.TextField(blank=True, default="")
    correct = models.BooleanField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("learner", "client_review_id"), name="fc_review_client_id"
            )
        ]
        indexes = [
            models.Index(fields=("learner", "reviewed_at"), name="fc_review_time"),
            models.Index(
                fields=("learner", "card", "reviewed_at"), name="fc_review_card"
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.pk}: card {self.card_id} rated {self.rating}"
