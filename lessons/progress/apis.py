"""The progress API: every figure of the learner dashboard.

=====================================  =============================================
``GET /api/v1/progress/summary``       today, streak, cards by state, knowledge, time
``GET /api/v1/progress/heatmap``       reviews per study day over the last year, streak
``GET /api/v1/progress/retention``     true retention over 30 days, young and mature
``GET /api/v1/progress/forecast``      reviews coming due on each of the next 30 days
``GET /api/v1/progress/mastery``       mastery per learning objective
``GET /api/v1/progress/quizzes``       submitted quiz attempts and the score trend
=====================================  =============================================

Each takes ``?learner=<id>``: by default your own data. A teacher may name a
learner of one of their classes (the figures then cover only what those
classes were assigned); an admin may name anyone. Anyone else: 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lessons.progress import selectors
from lessons.progress.access import Scope, scope_for
from studysite.serializers import StrictSerializer

LEARNER_PARAM = OpenApiParameter(
    "learner",
    OpenApiTypes.INT,
    description="Another learner's id (teachers: a learner of your classes).",
)


class _QuerySerializer(StrictSerializer):
    learner = serializers.IntegerField(required=False, min_value=1)


def request_scope(request: Request) -> Scope:
    query = _QuerySerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return scope_for(
        viewer=request.user, learner_id=query.validated_data.get("learner")
    )


# --------------------------------------------------------------------------
# The figures' bodies (shared with the classes API's learner progress)


class ProgressStreakSerializer(serializers.Serializer):
    current = serializers.IntegerField(help_text="Study days in a row up to now.")
    longest = serializers.IntegerField()
    days_studied = serializers.IntegerField()


class ProgressTodaySerializer(serializers.Serializer):
    cards_due = serializers.IntegerField(help_text="due + learning.")
    due = serializers.IntegerField(help_text="Review cards due today.")
    learning = serializers.IntegerField()
    new = serializers.IntegerField(help_text="New cards left today.")
    done = serializers.IntegerField(help_text="Answers given today.")


class ProgressStatesSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    learning = serializers.IntegerField()
    review = serializers.IntegerField()
    relearning = serializers.IntegerField()
    suspended = serializers.IntegerField()
    leech = serializers.IntegerField()


class ProgressKnowledgeSerializer(serializers.Serializer):
    estimated_known = serializers.FloatField(
        help_text="Sum of current retrievabilities."
    )
    studied = serializers.IntegerField()
    mean_retrievability = serializers.FloatField(allow_null=True)


class ProgressTimeSerializer(serializers.Serializer):
    review_today = serializers.IntegerField(help_text="Seconds.")
    review_7_days = serializers.IntegerField()
    review_30_days = serializers.IntegerField()
    review_total = serializers.IntegerField()
    quiz_total = serializers.IntegerField()


class ProgressLearnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ProgressSummarySerializer(serializers.Serializer):
    learner = ProgressLearnerSerializer()
    scoped = serializers.BooleanField(
        help_text="Whether the figures cover only what the viewer's classes assign."
    )
    today = ProgressTodaySerializer()
    streak = ProgressStreakSerializer()
    states = ProgressStatesSerializer()
    knowledge = ProgressKnowledgeSerializer()
    time = ProgressTimeSerializer()


class ProgressHeatmapDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reviews = serializers.IntegerField()


class ProgressRateSerializer(serializers.Serializer):
    reviews = serializers.IntegerField()
    passed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ProgressRetentionSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    young = ProgressRateSerializer()
    mature = ProgressRateSerializer()
    all = ProgressRateSerializer()


class ProgressForecastDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    due = serializers.IntegerField()


class ProgressForecastSerializer(serializers.Serializer):
    days = ProgressForecastDaySerializer(many=True)
    overdue = serializers.IntegerField()
    total = serializers.IntegerField()


class ProgressObjectiveSerializer(serializers.Serializer):
    objective = serializers.CharField()
    text = serializers.CharField()
    lesson = serializers.CharField(allow_null=True)
    cards = serializers.IntegerField()
    studied = serializers.IntegerField()
    memory = serializers.FloatField(allow_null=True)
    quiz_parts = serializers.IntegerField()
    quiz = serializers.FloatField(allow_null=True)
    mastery = serializers.FloatField(allow_null=True)


class ProgressTrendSerializer(serializers.Serializer):
    slope = serializers.FloatField(allow_null=True)
    direction = serializers.ChoiceField(choices=["up", "down", "steady"])
    recent_mean = serializers.FloatField(allow_null=True)


class ProgressAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    quiz = serializers.IntegerField(allow_null=True, help_text="null: practice.")
    title = serializers.CharField()
    number = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    correct_parts = serializers.IntegerField()
    total_parts = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()


class ProgressQuizHistorySerializer(serializers.Serializer):
    attempts = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    trend = ProgressTrendSerializer()
    history = ProgressAttemptSerializer(many=True, help_text="Newest first.")
    seconds = serializers.IntegerField()


# --------------------------------------------------------------------------
# The APIs (each returns its selector's dict as is)


class _FigureApi(APIView):
    figure: Callable[[Scope], Any]

    def get(self, request: Request) -> Response:
        return Response(type(self).figure(request_scope(request)))


class ProgressSummaryApi(_FigureApi):
    OutputSerializer = ProgressSummarySerializer

    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.summary(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressHeatmapApi(_FigureApi):
    class OutputSerializer(serializers.Serializer):
        today = serializers.DateField()
        days = ProgressHeatmapDaySerializer(many=True, help_text="Over a year.")
        total = serializers.IntegerField()
        streak = ProgressStreakSerializer()

    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.heatmap(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressRetentionApi(_FigureApi):
    OutputSerializer = ProgressRetentionSerializer

    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.retention(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressForecastApi(_FigureApi):
    OutputSerializer = ProgressForecastSerializer

    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.forecast(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressMasteryApi(_FigureApi):
    class OutputSerializer(serializers.Serializer):
        objectives = ProgressObjectiveSerializer(many=True)

    @staticmethod
    def figure(scope: Scope) -> Any:
        return {"objectives": selectors.mastery(scope, now=timezone.now())}

    @extend_schema(parameters=[LEARNER_PARAM], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressQuizzesApi(_FigureApi):
    OutputSerializer = ProgressQuizHistorySerializer

    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.quiz_history(scope)

    @extend_schema(parameters=[LEARNER_PARAM], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return super().get(request)
