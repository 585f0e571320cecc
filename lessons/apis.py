"""The lessons API: lessons, number formats and the precision calculators.

Everything here is public and read-only (throttled like any anonymous
request). Bad input is a 400 whose body names each field: the precision
domain raises ``PrecisionInputError`` with the fields, mapped to ``FieldError``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lessons import selectors
from lessons.models import Lesson
from lessons.precision.errors import PrecisionInputError
from studysite.api_errors import FieldError


class _PublicApi(APIView):
    permission_classes = [AllowAny]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PrecisionInputError):
            exc = FieldError(dict(exc.errors))
        return super().handle_exception(exc)


# --------------------------------------------------------------------------
# Lessons


class ObjectiveSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()


class LessonListSerializer(serializers.ModelSerializer):
    phase = serializers.IntegerField(source="phase.number")
    phase_title = serializers.CharField(source="phase.title")
    course = serializers.CharField(source="phase.course.slug")
    url = serializers.SerializerMethodField()
    objectives = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = (
            "slug",
            "title",
            "summary",
            "course",
            "phase",
            "phase_title",
            "order",
            "published",
            "phase_closer",
            "difficulty",
            "read_minutes",
            "practice_minutes",
            "word_count",
            "url",
            "objectives",
        )

    def get_url(self, lesson: Lesson) -> str | None:
        return lesson.get_absolute_url() if lesson.published else None

    def get_objectives(self, lesson: Lesson) -> list[dict[str, str]]:
        return [
            {"key": o.key, "text": o.text}
            for o in lesson.objectives.all()
            if not o.retired
        ]


class LessonListApi(_PublicApi, ListAPIView):
    """Every lesson of the course outline, published or not (no text)."""

    serializer_class = LessonListSerializer

    def get_queryset(self):
        return selectors.lesson_list()


class LessonDetailApi(_PublicApi):
    """A published lesson: metadata, objectives with links, rendered HTML."""

    class OutputSerializer(LessonListSerializer):
        prerequisites = serializers.SerializerMethodField()
        prerequisites_summary = serializers.CharField()
        read_minutes_stated = serializers.IntegerField()
        math_count = serializers.IntegerField()
        toc = serializers.JSONField()
        sections = serializers.SerializerMethodField()
        html = serializers.CharField()
        loaded_at = serializers.DateTimeField(allow_null=True)

        class Meta(LessonListSerializer.Meta):
            fields = (
                *LessonListSerializer.Meta.fields,
                "read_minutes_stated",
                "math_count",
                "prerequisites",
                "prerequisites_summary",
                "toc",
                "sections",
                "html",
                "loaded_at",
            )

        def get_objectives(self, lesson: Lesson) -> list[dict[str, Any]]:
            return selectors.lesson_objectives(lesson=lesson)

        def get_prerequisites(self, lesson: Lesson) -> list[dict[str, Any]]:
            return [
                {
                    "slug": p.required.slug,
                    "title": p.required.title,
                    "published": p.required.published,
                }
                for p in lesson.prerequisites.all()
            ]

        def get_sections(self, lesson: Lesson) -> list[dict[str, Any]]:
            return [
                {
                    "anchor": s.anchor,
                    "title": s.title,
                    "kind": s.kind,
                    "word_count": s.word_count,
                }
                for s in lesson.sections.all()
            ]

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, slug: str) -> Response:
        lesson = selectors.lesson_get(slug=slug)
        return Response(self.OutputSerializer(lesson).data)


# --------------------------------------------------------------------------
# Formats


class FormatListApi(_PublicApi):
    """Every number format with all its properties."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        formats = selectors.format_list()
        return Response({"count": len(formats), "results": formats})


class FormatEncodeApi(_PublicApi):
    """What a format does to a value: stored value, bits, category, errors.

    Non-finite numbers are the strings "inf", "-inf" and "nan". A value that
    overflows the format is an answer (inf, NaN or saturation), not an error.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "value",
                OpenApiTypes.STR,
                required=True,
                description="A finite decimal number, e.g. 0.1 or 1e6",
            ),
            OpenApiParameter(
                "scale",
                OpenApiTypes.STR,
                required=False,
                description="int8/int4 step or nf4 block absmax",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, name: str) -> Response:
        data = selectors.format_encode(
            name=name,
            value=request.query_params.get("value"),
            scale=request.query_params.get("scale"),
        )
        return Response(data)


# --------------------------------------------------------------------------
# Calculators


def _parameters(calculator: selectors.Calculator) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            p.name,
            OpenApiTypes.STR,
            required=p.default is None,
            description=p.help
            + (f" (default {p.default})" if p.default not in (None, "") else ""),
            enum=list(p.choices) or None,
        )
        for p in calculator.params
    ]


OVERFLOW_MESSAGE = (
    "Too large: the result overflows (past about 1.8e308, the largest "
    "floating-point number)."
)


def _overflowed(value: Any) -> bool:
    """Whether a result holds a number past float range: inf or NaN (which
    ``json_safe`` spells as strings) or a whole number no float can hold."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif _out_of_range(item):
            return True
    return False


def _out_of_range(number: Any) -> bool:
    if isinstance(number, bool):
        return False
    if isinstance(number, float):
        return not math.isfinite(number)
    if isinstance(number, int):
        return abs(number) > sys.float_info.max
    return number in ("inf", "-inf", "nan")


def _runs_in_range(name: str, query: Mapping[str, Any]) -> bool:
    try:
        return not _overflowed(selectors.calculate(name, query))
    except (OverflowError, PrecisionInputError):
        return False


def _numeric_inputs(name: str, query: Mapping[str, Any]) -> list[str]:
    return [
        p.name
        for p in selectors.CALCULATORS[name].params
        if p.kind in ("count", "number") and str(query.get(p.name) or "").strip()
    ]


def _fixed_alone(name: str, query: Mapping[str, Any]) -> list[str]:
    """The numeric inputs each of which, set to 1, brings the result back in
    range: the ones to name when it overflows."""
    return [
        n
        for n in _numeric_inputs(name, query)
        if _runs_in_range(name, {**query, n: "1"})
    ]


def calculate(name: str, query: Mapping[str, Any]) -> dict[str, Any]:
    """Run calculator ``name`` on a query string, refusing inputs so large
    that a formula overflows (Python raises ``OverflowError`` converting a
    huge whole number to float, or the result is infinite).

    Raises:
        PrecisionInputError: naming every bad field (the domain's checks).
        FieldError: naming each input that makes the result overflow (each
            one that alone brings it back in range, else every numeric one).
    """
    query = {key: query.get(key) for key in query}  # one value each, copyable
    _refuse_unknown(name, query)
    try:
        result = selectors.calculate(name, query)
    except OverflowError:
        result = None
    except PrecisionInputError as error:
        if set(error.errors) <= {p.name for p in selectors.CALCULATORS[name].params}:
            raise
        # The domain refused a derived value (total_bytes: inf): an overflow
        # when some input alone brings it back in range, else its own answer.
        if not (culprits := _fixed_alone(name, query)):
            raise
        raise FieldError(dict.fromkeys(culprits, OVERFLOW_MESSAGE)) from None
    if result is not None and not _overflowed(result):
        return result
    culprits = _fixed_alone(name, query) or _numeric_inputs(name, query)
    raise FieldError(dict.fromkeys(culprits or ["detail"], OVERFLOW_MESSAGE))


def _refuse_unknown(name: str, query: Mapping[str, Any]) -> None:
    """A parameter the calculator does not take is a 400 naming it, with the
    bad known ones (never silently ignored: a misspelt ``optimiser`` would
    otherwise answer for the default).

    Raises:
        FieldError: naming every unknown parameter and every bad known one.
    """
    params = [p.name for p in selectors.CALCULATORS[name].params]
    unknown = [key for key in query if key not in params]
    if not unknown:
        return
    message = f"Unknown parameter; {name} takes {', '.join(params)}."
    errors: dict[str, str | list[str]] = {}
    try:
        selectors.calculate(name, {k: v for k, v in query.items() if k in params})
    except PrecisionInputError as error:
        errors = dict(error.errors)
    except OverflowError:
        pass
    raise FieldError({**errors, **dict.fromkeys(unknown, message)})


def _calculator_api(name: str, class_name: str) -> type[_PublicApi]:
    """One APIView per calculator, its query parameters documented from the
    selector's parameter list (each class needs its own ``get`` for that)."""
    calculator = selectors.CALCULATORS[name]

    @extend_schema(
        summary=calculator.summary,
        description=(
            f"{calculator.summary} Every parameter below is honoured. Unknown "
            "parameters are refused: a 400 whose `fields` names each one."
        ),
        parameters=_parameters(calculator),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self: _PublicApi, request: Request) -> Response:
        return Response(calculate(name, request.query_params))

    return type(
        class_name,
        (_PublicApi,),
        {"get": get, "__doc__": calculator.summary, "__module__": __name__},
    )


TrainingMemoryApi = _calculator_api("training-memory", "TrainingMemoryApi")
InferenceMemoryApi = _calculator_api("inference-memory", "InferenceMemoryApi")
KVCacheApi = _calculator_api("kv-cache", "KVCacheApi")
ActivationMemoryApi = _calculator_api("activation-memory", "ActivationMemoryApi")
TrainingComputeApi = _calculator_api("training-compute", "TrainingComputeApi")
