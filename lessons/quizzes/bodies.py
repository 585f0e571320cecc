"""The bodies of the problems and quizzes API, as serializers.

They document the dicts the domain and the selectors build (a problem's
``to_dict``, a grade's, ``attempt_view``, ``quiz_analytics``); the API sends
those dicts as they are. Each view names its own as ``OutputSerializer``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

STATUS_HELP = "correct, wrong, unreadable or unanswered."


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string"}],
        "description": 'A number; a non-finite one is "inf", "-inf" or "nan".',
    }
)
class NumberField(serializers.Field):
    """A number as the domain writes it (documentation only)."""

    def to_representation(self, value: Any) -> Any:
        return value


# --------------------------------------------------------------------------
# Templates and problems


class TemplateParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    help = serializers.CharField()
    kind = serializers.CharField(help_text="choice or range.")
    choices = serializers.ListField(
        child=serializers.JSONField(), required=False, help_text="kind choice."
    )
    low = serializers.FloatField(required=False, allow_null=True)
    high = serializers.FloatField(required=False, allow_null=True)
    step = serializers.FloatField(required=False, allow_null=True)


class TemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    objective = serializers.CharField()
    section = serializers.CharField()
    summary = serializers.CharField()
    params = TemplateParamSerializer(many=True)


class ToleranceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="relative, absolute or sigfigs.")
    amount = serializers.FloatField()
    text = serializers.CharField()


class PartSerializer(serializers.Serializer):
    """A part of a problem as asked (no answer)."""

    key = serializers.CharField()
    label = serializers.CharField()
    field_label = serializers.CharField()
    unit = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField(), allow_null=True)
    tolerance = ToleranceSerializer()


class MisconceptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    value = NumberField()
    unit = serializers.CharField()
    typed_units = serializers.ListField(child=serializers.CharField(), allow_null=True)
    feedback = serializers.CharField()


class SolutionStepSerializer(serializers.Serializer):
    label = serializers.CharField()
    expression = serializers.CharField()
    value = NumberField()
    unit = serializers.CharField()
    gb = serializers.FloatField(required=False, help_text="When unit is bytes.")
    gib = serializers.FloatField(required=False, help_text="When unit is bytes.")
    value_text = serializers.CharField()
    text = serializers.CharField()


class PartSolvedSerializer(PartSerializer):
    """A part with its answer, the misconceptions it recognises and the
    worked solution."""

    answer = NumberField()
    answer_text = serializers.CharField()
    misconceptions = MisconceptionSerializer(many=True)
    solution = SolutionStepSerializer(many=True)


class _ProblemFieldsSerializer(serializers.Serializer):
    template = serializers.CharField()
    seed = serializers.IntegerField()
    title = serializers.CharField()
    params = serializers.DictField(
        child=serializers.JSONField(), help_text="The drawn values by parameter."
    )
    prompt = serializers.CharField()
    convention = serializers.CharField(allow_null=True)


class ProblemSerializer(_ProblemFieldsSerializer):
    """A problem as asked: no answers."""

    id = serializers.IntegerField()
    parts = PartSerializer(many=True)


class ProblemSolvedSerializer(_ProblemFieldsSerializer):
    parts = PartSolvedSerializer(many=True)


class PartGradeSerializer(serializers.Serializer):
    part = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    answer_text = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The number read.")
    unit = serializers.CharField(allow_null=True, help_text="The unit read.")
    value_in_part_unit = serializers.FloatField(allow_null=True)
    value_correct = serializers.BooleanField()
    unit_correct = serializers.BooleanField(allow_null=True)
    misconception = serializers.CharField(allow_null=True)
    misconception_title = serializers.CharField(allow_null=True)
    feedback = serializers.CharField()
    expected = serializers.CharField()


class GradeSerializer(serializers.Serializer):
    score = serializers.FloatField()
    out_of = serializers.IntegerField()
    parts = PartGradeSerializer(many=True)


# --------------------------------------------------------------------------
# Quizzes and their generation


class QuizItemSerializer(serializers.Serializer):
    template = serializers.CharField()
    count = serializers.IntegerField()
    limits = serializers.DictField(
        child=serializers.JSONField(), help_text="Limits per parameter."
    )


class QuizSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    lesson = serializers.CharField(help_text="The lesson's slug.")
    teacher = serializers.CharField(help_text="The teacher's username.")
    items = QuizItemSerializer(many=True)
    questions = serializers.IntegerField()
    time_limit_minutes = serializers.IntegerField(allow_null=True)
    attempts_allowed = serializers.IntegerField()
    opens_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    base_seed = serializers.IntegerField(
        required=False, help_text="Only for those who manage the quiz."
    )


class GenerationJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    created = serializers.IntegerField(help_text="Variants created.")
    task_id = serializers.CharField()
    error = serializers.CharField()


# --------------------------------------------------------------------------
# Attempts


class AttemptPartSerializer(PartSerializer):
    """A part with the saved answer; once submitted, also its answer,
    solution and verdict."""

    typed = serializers.CharField(help_text="The saved answer; empty if none.")
    answer = NumberField(required=False)
    answer_text = serializers.CharField(required=False)
    misconceptions = MisconceptionSerializer(many=True, required=False)
    solution = SolutionStepSerializer(many=True, required=False)
    status = serializers.CharField(required=False, help_text=STATUS_HELP)
    correct = serializers.BooleanField(required=False)
    value_correct = serializers.BooleanField(required=False)
    unit_correct = serializers.BooleanField(required=False, allow_null=True)
    misconception = serializers.CharField(required=False, allow_null=True)
    misconception_title = serializers.CharField(required=False, allow_null=True)
    feedback = serializers.CharField(required=False)


class AttemptItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    template = serializers.CharField()
    title = serializers.CharField()
    prompt = serializers.CharField()
    convention = serializers.CharField(allow_null=True)
    parts = AttemptPartSerializer(many=True)
    answered = serializers.IntegerField()
    problem_id = serializers.IntegerField(required=False, help_text="Once submitted.")
    seed = serializers.IntegerField(required=False, help_text="Once submitted.")


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    quiz = serializers.IntegerField(allow_null=True, help_text="null: practice.")
    quiz_title = serializers.CharField()
    practice = serializers.BooleanField()
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    correct_parts = serializers.IntegerField(allow_null=True)
    total_parts = serializers.IntegerField()
    items = AttemptItemSerializer(many=True)


# --------------------------------------------------------------------------
# Analytics


class _TemplateRowSerializer(serializers.Serializer):
    template = serializers.CharField()
    template_title = serializers.CharField()


class AnalyticsQuestionSerializer(_TemplateRowSerializer):
    position = serializers.IntegerField()
    parts = serializers.IntegerField(help_text="Part answers counted.")
    correct = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class AnalyticsPartSerializer(_TemplateRowSerializer):
    part = serializers.CharField()
    part_label = serializers.CharField()
    answers = serializers.IntegerField()
    correct = serializers.IntegerField()
    wrong = serializers.IntegerField()
    unreadable = serializers.IntegerField()
    unanswered = serializers.IntegerField()
    wrong_unit = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class AnalyticsMisconceptionSerializer(_TemplateRowSerializer):
    part = serializers.CharField()
    part_label = serializers.CharField()
    misconception = serializers.CharField()
    misconception_title = serializers.CharField()
    count = serializers.IntegerField()


class AnalyticsParameterSerializer(_TemplateRowSerializer):
    param = serializers.CharField()
    param_label = serializers.CharField()
    value = serializers.JSONField(help_text="The parameter's drawn value.")
    answers = serializers.IntegerField()
    correct = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class AnalyticsSerializer(serializers.Serializer):
    quiz = serializers.IntegerField()
    attempts = serializers.IntegerField()
    per_question = AnalyticsQuestionSerializer(many=True)
    per_part = AnalyticsPartSerializer(many=True)
    per_misconception = AnalyticsMisconceptionSerializer(many=True)
    per_parameter = AnalyticsParameterSerializer(many=True)
