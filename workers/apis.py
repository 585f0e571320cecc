"""Demo endpoints of the API.

- ``GET /api/v1/demos/``: every demo with its parameter schema and defaults
  (anyone).
- ``POST /api/v1/demos/{name}/runs/`` ``{"params": {...}, "fresh": false}``:
  start a run (signed-in users, throttled by the ``demo_runs`` scope). 202
  with the new run; **200** with an earlier identical run (same demo,
  parameters and device kind, finished within ``WORKERS_DEMO_REUSE_SECONDS``)
  when it is reused, ``"reused": true``; ``fresh: true`` always starts a new
  run. 400 names the field (``params.max_size``), 404 for an unknown demo,
  503 when the task broker is down.
- ``GET /api/v1/demos/runs/{id}/``: status, progress, device and result
  (anyone: results are not personal).

Non-finite numbers in results are the strings ``"nan"``, ``"inf"``,
``"-inf"``; the JSON renderer is strict and never writes a bare ``NaN``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from studysite.parsers import JSONParser
from studysite.serializers import StrictSerializer
from workers.demos import UnknownDemoError, get_demo
from workers.models import DemoRun
from workers.selectors import demo_list, demo_run_get, demo_schema
from workers.services import demo_run_request


class DemoRunThrottle(UserRateThrottle):
    """Run creation per user: ``WORKERS_DEMO_RUN_RATE`` (default 30/min)."""

    scope = "demo_runs"

    def get_rate(self) -> str:
        rates = getattr(settings, "REST_FRAMEWORK", {}).get(
            "DEFAULT_THROTTLE_RATES", {}
        )
        return str(
            getattr(settings, "WORKERS_DEMO_RUN_RATE", None)
            or rates.get(self.scope)
            or "30/min"
        )


class LenientJSONParser(JSONParser):
    """Reads ``NaN`` and ``Infinity`` so validation can name the field (deep
    nesting and text no database stores are refused like everywhere)."""

    strict = False


@extend_schema_field(OpenApiTypes.ANY)
class AnyValueField(serializers.Field):
    """A parameter value as sent (NaN included: the demo's validation names it)."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ParamSchemaSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["int", "float", "choice", "multichoice", "bool"]
    )
    default = serializers.JSONField()
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())
    help = serializers.CharField()


class DemoSchemaSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    what_it_shows = serializers.CharField()
    lesson_anchor = serializers.CharField()
    lesson_url = serializers.CharField()
    params = ParamSchemaSerializer(many=True)
    defaults = serializers.DictField(child=serializers.JSONField())
    gpu_defaults = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Used instead of the defaults for a GPU run when none is given.",
    )
    runs_url = serializers.CharField()
    page_url = serializers.CharField()


class DemoRunOutputSerializer(serializers.ModelSerializer):
    status = serializers.CharField()
    result = serializers.JSONField(allow_null=True)
    params = serializers.JSONField()
    reused = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = DemoRun
        fields = (
            "id",
            "demo",
            "status",
            "progress",
            "progress_message",
            "params",
            "device_kind",
            "queue",
            "backend",
            "device",
            "device_label",
            "result",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "reused",
            "links",
        )
        read_only_fields = fields

    def get_reused(self, run: DemoRun) -> bool:
        return bool(self.context.get("reused", False))

    def get_links(self, run: DemoRun) -> dict[str, str]:
        return {
            "self": reverse("api-demo-run-detail", args=[run.pk]),
            "page": reverse("workers:demo-run", args=[run.pk]),
            "json": reverse("workers:demo-run-json", args=[run.pk]),
            "csv": reverse("workers:demo-run-csv", args=[run.pk]),
        }


def _schema(name: str) -> dict:
    data = demo_schema(get_demo(name))
    data["runs_url"] = reverse("api-demo-run-create", args=[name])
    data["page_url"] = reverse("workers:demo-detail", args=[name])
    return data


class DemoListApi(APIView):
    """The demos, each with its parameter schema and defaults."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: DemoSchemaSerializer(many=True)})
    def get(self, request: Request) -> Response:
        data = [_schema(demo.name) for demo in demo_list()]
        return Response(DemoSchemaSerializer(data, many=True).data)


class DemoRunCreateApi(APIView):
    """Start a run of a demo (or get a recent identical one back)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateThrottle, DemoRunThrottle]
    parser_classes = [LenientJSONParser]

    class InputSerializer(StrictSerializer):
        params = serializers.DictField(
            child=AnyValueField(),
            required=False,
            default=dict,
            help_text="Parameter values by name; missing ones take their default.",
        )
        fresh = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Run again even if an identical recent result exists.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            202: OpenApiResponse(DemoRunOutputSerializer, description="Run queued."),
            200: OpenApiResponse(
                DemoRunOutputSerializer, description="An earlier identical run reused."
            ),
        },
    )
    def post(self, request: Request, name: str) -> Response:
        try:
            get_demo(name)
        except UnknownDemoError as exc:
            raise exceptions.NotFound(str(exc)) from None
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run, reused = demo_run_request(
            demo_name=name,
            params=data.validated_data["params"],
            user=request.user,
            fresh=data.validated_data["fresh"],
        )
        body = DemoRunOutputSerializer(run, context={"reused": reused}).data
        code = status.HTTP_200_OK if reused else status.HTTP_202_ACCEPTED
        return Response(body, status=code)


class DemoRunDetailApi(APIView):
    """A run: status, progress, the device it ran on and its result."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: DemoRunOutputSerializer})
    def get(self, request: Request, run_id: int) -> Response:
        try:
            run = demo_run_get(run_id=run_id)
        except DemoRun.DoesNotExist:
            raise exceptions.NotFound("No demo run with this id.") from None
        return Response(DemoRunOutputSerializer(run).data)
