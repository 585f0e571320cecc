"""Serializers for the bodies several flashcards APIs answer with.

Each documents a dict of `flashcards.payloads` field by field, in the dict's
own order, so that passing the dict through it leaves its JSON as it was.
Numbers the domain writes as it likes (an int or a float) and JSON kept as
stored go through as they are (`NumberField`, `StoredGradesField`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from studysite.api_errors import ErrorDetailSerializer


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A number sent as the domain wrote it (an int stays an int)."""

    def to_representation(self, value: Any) -> Any:
        return value


# --- decks ------------------------------------------------------------------------


class DeckOptionsSerializer(serializers.Serializer):
    """A deck's scheduling options, every one (defaults filled in)."""

    desired_retention = serializers.FloatField()
    learning_steps = serializers.ListField(child=serializers.CharField())
    relearning_steps = serializers.ListField(child=serializers.CharField())
    maximum_interval = serializers.IntegerField(help_text="Days.")
    enable_fuzz = serializers.BooleanField()
    new_per_day = serializers.IntegerField()
    reviews_per_day = serializers.IntegerField()
    parameters = serializers.ListField(
        child=serializers.FloatField(), help_text="The 21 FSRS-6 weights."
    )
    leech_threshold = serializers.IntegerField()
    leech_action = serializers.CharField(help_text="tag or suspend.")
    bury_siblings = serializers.BooleanField(
        help_text="Bury every sibling of a card answered today."
    )
    bury_new_siblings = serializers.BooleanField(
        help_text="Bury the new siblings of a card answered today (as Anki does)."
    )
    new_order = serializers.CharField(
        help_text="mixed (every kind of note and objective in turn) or added."
    )
    review_order = serializers.CharField()


class DeckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    lesson_slug = serializers.CharField()
    objective_key = serializers.CharField()
    owner = serializers.CharField(help_text="The owner's username.")
    visibility = serializers.CharField(help_text="private, class or public.")
    is_system = serializers.BooleanField()
    options = DeckOptionsSerializer()
    options_set = serializers.DictField(
        help_text="The options the owner set (the rest are defaults)."
    )
    note_count = serializers.IntegerField()
    card_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# --- notes ------------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    media = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each image URL in the fields, mapped to one signed for you.",
    )
    id = serializers.IntegerField()
    deck = serializers.IntegerField()
    type = serializers.CharField()
    fields = serializers.DictField(help_text="The note's fields, by name.")
    tags = serializers.ListField(child=serializers.CharField())
    cards = serializers.ListField(
        child=serializers.IntegerField(), help_text="Card ids, by ordinal."
    )
    created_at = serializers.DateTimeField()


# --- memory and reviews -----------------------------------------------------------


class CardMemorySerializer(serializers.Serializer):
    """A card's memory state for the learner."""

    card = serializers.IntegerField()
    state = serializers.CharField(help_text="new, learning, review or relearning.")
    due = serializers.DateTimeField()
    stability = serializers.FloatField(allow_null=True)
    difficulty = serializers.FloatField(allow_null=True)
    step = serializers.IntegerField()
    interval_days = serializers.FloatField(
        allow_null=True, help_text="The interval the last answer gave."
    )
    last_review = serializers.DateTimeField(allow_null=True)
    reps = serializers.IntegerField()
    lapses = serializers.IntegerField()
    suspended = serializers.BooleanField()
    leech = serializers.BooleanField()
    buried_until = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(
        help_text="Send it back with the next review of this card."
    )


class ReviewLogSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_review_id = serializers.UUIDField()
    card = serializers.IntegerField()
    rating = serializers.IntegerField(help_text="1 again, 2 hard, 3 good, 4 easy.")
    reviewed_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField(allow_null=True)
    interval_days = serializers.FloatField()
    answer = serializers.CharField()
    correct = serializers.BooleanField(allow_null=True)
    seed = serializers.IntegerField(allow_null=True)
    undone = serializers.BooleanField()


class ReviewResultSerializer(serializers.Serializer):
    """A review with the card's memory state after it."""

    review = ReviewLogSerializer()
    memory = CardMemorySerializer()
    buried_siblings = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Cards of the same note this answer buried for today.",
    )


# --- the study queue --------------------------------------------------------------


class VariantPartSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField(), allow_null=True)


class CardVariantSerializer(serializers.Serializer):
    """A fresh variant of a parametric card."""

    seed = serializers.IntegerField()
    token = serializers.CharField(help_text="Send it back to grade the variant.")
    template = serializers.CharField()
    title = serializers.CharField()
    prompt = serializers.CharField(help_text="HTML.")
    parts = VariantPartSerializer(many=True)


class NumericCheckSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="The unit of the answer.")


class CardSourceSerializer(serializers.Serializer):
    lesson = serializers.CharField()
    section = serializers.CharField()
    objective = serializers.CharField()


class IntervalSerializer(serializers.Serializer):
    seconds = serializers.IntegerField()
    label = serializers.CharField()


class QueuedCardSerializer(serializers.Serializer):
    """A card of the queue (`flashcards.payloads.card_payload`)."""

    id = serializers.IntegerField()
    deck = serializers.IntegerField()
    note = serializers.IntegerField()
    ordinal = serializers.IntegerField()
    type = serializers.CharField()
    front = serializers.CharField(help_text="HTML.")
    back = serializers.CharField(
        help_text="HTML; empty for parametric and numeric cards (graded first)."
    )
    typed = serializers.BooleanField(help_text="Whether the answer is typed.")
    numeric = NumericCheckSerializer(allow_null=True)
    variant = CardVariantSerializer(allow_null=True)
    source = CardSourceSerializer(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    state = serializers.CharField()
    due = serializers.DateTimeField()
    version = serializers.IntegerField()
    intervals = serializers.DictField(
        child=IntervalSerializer(), help_text="The next interval, by rating (1-4)."
    )


class QueueCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    learning = serializers.IntegerField()
    review = serializers.IntegerField()


class StudyQueueSerializer(serializers.Serializer):
    counts = QueueCountsSerializer(help_text="Cards left today.")
    done_today = QueueCountsSerializer()
    next_learning_due = serializers.DateTimeField(allow_null=True)
    cards = QueuedCardSerializer(many=True)


# --- grading ----------------------------------------------------------------------


class VariantGradeSerializer(serializers.Serializer):
    part = serializers.CharField()
    status = serializers.CharField(
        help_text="correct, wrong, unreadable or unanswered."
    )
    answer_text = serializers.CharField()
    value = NumberField(allow_null=True, help_text="The number read.")
    unit = serializers.CharField(allow_null=True, help_text="The unit read.")
    value_in_part_unit = NumberField(allow_null=True)
    value_correct = serializers.BooleanField()
    unit_correct = serializers.BooleanField(allow_null=True)
    misconception = serializers.CharField(allow_null=True)
    feedback = serializers.CharField()
    expected = serializers.CharField()
    misconception_title = serializers.CharField(
        allow_null=True, required=False, help_text="Not in older reviews."
    )


@extend_schema_field(VariantGradeSerializer(many=True))
class StoredGradesField(serializers.JSONField):
    """Grades as a review log keeps them (an older log may lack a newer key)."""


class VariantStepSerializer(serializers.Serializer):
    label = serializers.CharField()
    expression = serializers.CharField()
    value = NumberField(allow_null=True)
    unit = serializers.CharField()
    gb = serializers.FloatField(required=False, help_text="When unit is B.")
    gib = serializers.FloatField(required=False, help_text="When unit is B.")


class VariantSolutionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    answer_text = serializers.CharField()
    tolerance = serializers.CharField()
    steps = VariantStepSerializer(many=True)


class VariantResultSerializer(serializers.Serializer):
    """Grades of a parametric variant, with its worked solution."""

    seed = serializers.IntegerField()
    correct = serializers.BooleanField()
    grades = StoredGradesField()
    solution = VariantSolutionSerializer(many=True)
    back = serializers.CharField(help_text="The worked solution as HTML.")


# --- imports ----------------------------------------------------------------------


class ImportLinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    retry = serializers.CharField()
    page = serializers.CharField()


class SkippedNoteSerializer(serializers.Serializer):
    where = serializers.CharField(help_text='"note 3" (a package) or "line 7" (a CSV).')
    first_field = serializers.CharField(help_text="The note's first field, as text.")
    reason = serializers.CharField()


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="apkg or csv.")
    state = serializers.CharField(
        help_text="mapping, pending, running, done or failed."
    )
    phase = serializers.CharField()
    filename = serializers.CharField()
    size = serializers.IntegerField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    deck = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())
    result = serializers.DictField(
        help_text="What the import made, once done: notes, cards, images, "
        "reviews, and skipped (notes left out)."
    )
    skipped = SkippedNoteSerializer(
        many=True,
        help_text="The notes left out and why (the first 500); one bad note "
        "never fails an import.",
    )
    preview = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        allow_null=True,
        help_text="A CSV's first rows, while it waits for its mapping.",
    )
    mapping = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="A CSV's columns by role (0-based).",
    )
    retryable = serializers.BooleanField()
    links = ImportLinksSerializer()


# --- batches ----------------------------------------------------------------------


class BatchReviewResultSerializer(serializers.Serializer):
    """One review of a batch: its status with its result or its error."""

    status = serializers.IntegerField()
    review = ReviewLogSerializer(required=False)
    memory = CardMemorySerializer(required=False)
    buried_siblings = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Cards of the same note this answer buried for today.",
    )
    error = ErrorDetailSerializer(required=False)
