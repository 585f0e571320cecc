"""The lessons API: lessons, number formats and the precision calculators.

Everything here is public and read-only (throttled like any anonymous
request). Bad input is a 400 whose body names each field: the precision
domain raises ``PrecisionInputError`` with the fields, mapped to ``Invalid``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lessons import calculator_bodies, selectors
from lessons.calculator_limits import calculate
from lessons.models import Lesson
from lessons.precision.errors import PrecisionInputError
from studysite.errors import Invalid


class _PublicApi(APIView):
    permission_classes = [AllowAny]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PrecisionInputError):
            exc = Invalid(dict(exc.errors))
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

_NONFINITE = ["inf", "-inf", "nan"]


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "string", "enum": _NONFINITE},
        ],
        "description": 'A number; non-finite ones are "inf", "-inf" and "nan".',
    }
)
class NumberField(serializers.Field):
    """A number as ``json_safe`` writes it (documentation only)."""

    def to_representation(self, value: Any) -> Any:
        return value


class FormatSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(help_text="float, int or lookup (NF4).")
    bits = serializers.IntegerField()
    exponent_bits = serializers.IntegerField(allow_null=True)
    mantissa_bits = serializers.IntegerField(allow_null=True)
    bias = serializers.IntegerField(allow_null=True)
    min_exponent = serializers.IntegerField(allow_null=True)
    max_finite = serializers.FloatField()
    min_finite = serializers.FloatField()
    min_normal = serializers.FloatField(allow_null=True)
    min_subnormal = serializers.FloatField(allow_null=True)
    epsilon = serializers.FloatField(allow_null=True)
    has_inf = serializers.BooleanField()
    has_nan = serializers.BooleanField()
    overflow = serializers.ChoiceField(choices=["inf", "saturate"])
    bytes_per_value = serializers.FloatField()
    dtype = serializers.CharField(allow_null=True, help_text="The library dtype.")
    description = serializers.CharField()


class FormatListApi(_PublicApi):
    """Every number format with all its properties."""

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        results = FormatSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        formats = selectors.format_list()
        return Response({"count": len(formats), "results": formats})


class FormatEncodeApi(_PublicApi):
    """What a format does to a value: stored value, bits, category, errors.

    Non-finite numbers are the strings "inf", "-inf" and "nan". A value that
    overflows the format is an answer (inf, NaN or saturation), not an error.
    """

    class OutputSerializer(serializers.Serializer):
        format = serializers.CharField()
        value = NumberField()
        stored = NumberField()
        category = serializers.ChoiceField(
            choices=[
                "zero",
                "subnormal",
                "normal",
                "inf",
                "nan",
                "overflow",
                "saturated",
            ]
        )
        bits = serializers.CharField(
            allow_null=True, help_text="null: no pattern (NaN without NaN)."
        )
        bit_fields = serializers.ListField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="[name, bits] pairs, most significant first.",
        )
        code = serializers.IntegerField(allow_null=True)
        sign = serializers.IntegerField(allow_null=True)
        exponent = serializers.IntegerField(allow_null=True)
        mantissa = serializers.IntegerField(allow_null=True)
        unbiased_exponent = serializers.IntegerField(allow_null=True)
        level = serializers.IntegerField(allow_null=True)
        scale = NumberField(allow_null=True)
        abs_error = NumberField(allow_null=True)
        rel_error = NumberField(allow_null=True)
        below = NumberField(allow_null=True)
        above = NumberField(allow_null=True)
        note = serializers.CharField()

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
        responses={200: OutputSerializer},
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


def _calculator_api(name: str, class_name: str) -> type[_PublicApi]:
    """One APIView per calculator, its query parameters documented from the
    selector's parameter list (each class needs its own ``get`` for that)."""
    calculator = selectors.CALCULATORS[name]
    output_serializer = calculator_bodies.output_serializer(
        name, stem=class_name.removesuffix("Api")
    )

    @extend_schema(
        summary=calculator.summary,
        description=(
            f"{calculator.summary} Every parameter below is honoured. Unknown "
            "parameters are refused: a 400 whose `fields` names each one."
        ),
        parameters=_parameters(calculator),
        responses={200: output_serializer},
    )
    def get(self: _PublicApi, request: Request) -> Response:
        return Response(calculate(name, request.query_params))

    return type(
        class_name,
        (_PublicApi,),
        {
            "OutputSerializer": output_serializer,
            "get": get,
            "__doc__": calculator.summary,
            "__module__": __name__,
        },
    )


TrainingMemoryApi = _calculator_api("training-memory", "TrainingMemoryApi")
InferenceMemoryApi = _calculator_api("inference-memory", "InferenceMemoryApi")
KVCacheApi = _calculator_api("kv-cache", "KVCacheApi")
ActivationMemoryApi = _calculator_api("activation-memory", "ActivationMemoryApi")
TrainingComputeApi = _calculator_api("training-compute", "TrainingComputeApi")
