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


class _FigureApi(APIView):
    figure: Callable[[Scope], Any]

    def get(self, request: Request) -> Response:
        return Response(type(self).figure(request_scope(request)))


class ProgressSummaryApi(_FigureApi):
    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.summary(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressHeatmapApi(_FigureApi):
    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.heatmap(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressRetentionApi(_FigureApi):
    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.retention(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressForecastApi(_FigureApi):
    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.forecast(scope, now=timezone.now())

    @extend_schema(parameters=[LEARNER_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressMasteryApi(_FigureApi):
    @staticmethod
    def figure(scope: Scope) -> Any:
        return {"objectives": selectors.mastery(scope, now=timezone.now())}

    @extend_schema(parameters=[LEARNER_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProgressQuizzesApi(_FigureApi):
    @staticmethod
    def figure(scope: Scope) -> Any:
        return selectors.quiz_history(scope)

    @extend_schema(parameters=[LEARNER_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return super().get(request)
