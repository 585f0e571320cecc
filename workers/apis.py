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
  429 when the user already has ``WORKERS_DEMO_MAX_IN_FLIGHT`` (default 2)
  runs queued or running; 400 naming the parameters when the run's
  estimated time is over the soft time limit.
- ``GET /api/v1/demos/runs/{id}/``: status, progress, device and result
  (the run's owner and staff; anyone else gets a 404).
- ``POST /api/v1/demos/runs/{id}/share/``: the owner shares the run by an
  unguessable link (``links.shared``); ``DELETE`` stops sharing it.
- ``GET /api/v1/demos/shared/{token}/``: a shared run, for anyone with the
  link (signed in or not); no run id in it.

Non-finite numbers in results are the strings ``"nan"``, ``"inf"``,
``"-inf"``; the JSON renderer is strict and never writes a bare ``NaN``.
"""

from __future__ import annotations

import uuid
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

from studysite.api_errors import error_response
from studysite.parsers import JSONParser
from studysite.serializers import StrictSerializer
from workers.demos import UnknownDemoError, get_demo
from workers.models import DemoRun
from workers.selectors import (
    demo_list,
    demo_run_get,
    demo_run_get_shared,
    demo_schema,
)
from workers.services import (
    demo_run_expire_stale,
    demo_run_request,
    demo_run_share,
    demo_run_unshare,
)


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
    label = serializers.CharField(help_text="The parameter in words, for a form.")
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
    shared = serializers.SerializerMethodField(
        help_text="Whether the owner shares the run by link (links.shared)."
    )
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
            "estimated_seconds",
            "reused",
            "shared",
            "links",
        )
        read_only_fields = fields

    def get_reused(self, run: DemoRun) -> bool:
        return bool(self.context.get("reused", False))

    def get_shared(self, run: DemoRun) -> bool:
        return run.share_token is not None

    @extend_schema_field(
        serializers.DictField(
            child=serializers.CharField(),
            help_text="self, page, json, csv, share (the API to share it) and, "
            "while it is shared, shared (the link) and shared_api.",
        )
    )
    def get_links(self, run: DemoRun) -> dict[str, str]:
        links = {
            "self": reverse("api-demo-run-detail", args=[run.pk]),
            "page": reverse("workers:demo-run", args=[run.pk]),
            "json": reverse("workers:demo-run-json", args=[run.pk]),
            "csv": reverse("workers:demo-run-csv", args=[run.pk]),
            "share": reverse("api-demo-run-share", args=[run.pk]),
        }
        if run.share_token is not None:
            links["shared"] = reverse("workers:demo-shared", args=[run.share_token])
            links["shared_api"] = reverse("api-demo-run-shared", args=[run.share_token])
        return links


class SharedDemoRunOutputSerializer(DemoRunOutputSerializer):
    """A run as its share link shows it: no id, no owner's links."""

    class Meta(DemoRunOutputSerializer.Meta):
        fields = tuple(
            f
            for f in DemoRunOutputSerializer.Meta.fields
            if f not in ("id", "reused", "shared")
        )
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_links(self, run: DemoRun) -> dict[str, str]:
        token = run.share_token
        return {
            "self": reverse("api-demo-run-shared", args=[token]),
            "page": reverse("workers:demo-shared", args=[token]),
            "json": reverse("workers:demo-shared-json", args=[token]),
            "csv": reverse("workers:demo-shared-csv", args=[token]),
        }


def _schema(name: str) -> dict:
    data = demo_schema(get_demo(name))
    data["runs_url"] = reverse("api-demo-run-create", args=[name])
    data["page_url"] = reverse("workers:demo-detail", args=[name])
    return data


class DemoListApi(APIView):
    """The demos, each with its parameter schema and defaults."""

    permission_classes = [AllowAny]
    OutputSerializer = DemoSchemaSerializer

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        data = [_schema(demo.name) for demo in demo_list()]
        return Response(self.OutputSerializer(data, many=True).data)


class DemoRunCreateApi(APIView):
    """Start a run of a demo (or get a recent identical one back)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateThrottle, DemoRunThrottle]
    parser_classes = [LenientJSONParser]
    OutputSerializer = DemoRunOutputSerializer

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
            202: OpenApiResponse(OutputSerializer, description="Run queued."),
            200: OpenApiResponse(
                OutputSerializer,
                description="An earlier identical result reused (your own run, "
                "or a copy of another user's result as a run of yours).",
            ),
            400: error_response(
                "Bad parameters, or parameters whose estimated time is over the "
                "soft time limit (each such parameter named)."
            ),
            429: error_response(
                "Too many runs started in the last minute, or already "
                "WORKERS_DEMO_MAX_IN_FLIGHT runs of yours queued or running."
            ),
            503: error_response("The demo queue is unavailable."),
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
        body = self.OutputSerializer(run, context={"reused": reused}).data
        code = status.HTTP_200_OK if reused else status.HTTP_202_ACCEPTED
        return Response(body, status=code)


def _own_run(request: Request, run_id: int) -> DemoRun:
    try:
        run = demo_run_get(run_id=run_id, user=request.user)
    except DemoRun.DoesNotExist:
        raise exceptions.NotFound("No demo run with this id.") from None
    return demo_run_expire_stale(run=run)


class DemoRunDetailApi(APIView):
    """A run of yours: status, progress, the device it ran on and its result."""

    OutputSerializer = DemoRunOutputSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, run_id: int) -> Response:
        return Response(self.OutputSerializer(_own_run(request, run_id)).data)


class DemoRunShareApi(APIView):
    """Share a run of yours by an unguessable link, or stop sharing it."""

    OutputSerializer = DemoRunOutputSerializer

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, run_id: int) -> Response:
        run = demo_run_share(run=_own_run(request, run_id), user=request.user)
        return Response(self.OutputSerializer(run).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, run_id: int) -> Response:
        demo_run_unshare(run=_own_run(request, run_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DemoRunSharedApi(APIView):
    """A run shared by its owner, for anyone holding the link."""

    permission_classes = [AllowAny]
    OutputSerializer = SharedDemoRunOutputSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, token: uuid.UUID) -> Response:
        try:
            run = demo_run_get_shared(token=token)
        except DemoRun.DoesNotExist:
            raise exceptions.NotFound("No demo run is shared by this link.") from None
        run = demo_run_expire_stale(run=run)
        return Response(self.OutputSerializer(run).data)
