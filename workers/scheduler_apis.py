"""Scheduler endpoints of the API (the signed-in learner's own only).

- ``POST /api/v1/scheduler/fits/`` ``{"deck": null, "reschedule": false}``:
  fit the learner's FSRS parameters to their history (``deck``: one deck's
  reviews, the "preset" scope). **202** with the queued fit; **200** with the
  fit of the same scope already in flight (``"created": false``). **409**
  ``not_enough_history`` when the history is too short; the message says how
  many usable reviews are needed and how many there are (also in
  ``GET /scheduler/parameters/``: ``reviews_needed``, ``reviews_available``).
  404 for a deck the learner may not study; 503 when the broker is down.
- ``GET /api/v1/scheduler/fits/{id}/``: status, progress, both parameter sets,
  both held-out figures, accepted, what changed. Another learner's is a 404.
- ``GET /api/v1/scheduler/parameters/[?deck=id]``: the parameters in use, their
  source (``deck fit``, ``fit``, ``deck options``, ``default``), the fit they
  come from, whether there is enough history to fit, and the last fits.
- ``POST /api/v1/scheduler/reschedule/`` ``{"deck": null}``: recompute the due
  dates of the learner's review cards now (optional, as in Anki).
- ``POST /api/v1/scheduler/simulations/`` ``{"desired_retentions": [...],
  "days", "deck_size", "learn_per_day", "review_limit", "seconds_per_review"}``:
  202 with a queued simulation; 400 names bad fields.
- ``GET /api/v1/scheduler/simulations/{id}/``: progress and, when done, the
  series per retention and a summary table.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import fitting
from flashcards.selectors import deck_get_studied
from studysite.api_errors import error_response
from studysite.errors import Invalid
from studysite.serializers import StrictSerializer
from workers import scheduler_services as services
from workers import selectors
from workers import simulation_services as simulations
from workers.models import SchedulerFit, SchedulerSimulation


def _deck(request: Request, deck_id: int | None) -> Any:
    if deck_id is None:
        return None
    return deck_get_studied(learner=request.user, deck_id=deck_id)


class FitOutputSerializer(serializers.ModelSerializer):
    deck = serializers.IntegerField(source="deck_id", allow_null=True)
    created = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    old_parameters = serializers.ListField(
        child=serializers.FloatField(), allow_null=True
    )
    new_parameters = serializers.ListField(
        child=serializers.FloatField(), allow_null=True
    )
    old_metrics = serializers.DictField(allow_null=True)
    new_metrics = serializers.DictField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())

    class Meta:
        model = SchedulerFit
        fields = (
            "id",
            "scope",
            "deck",
            "trigger",
            "status",
            "progress",
            "progress_message",
            "reschedule",
            "review_count",
            "card_count",
            "train_reviews",
            "holdout_reviews",
            "holdout_from",
            "reviews_needed",
            "reviews_available",
            "old_parameters",
            "new_parameters",
            "old_metrics",
            "new_metrics",
            "accepted",
            "changes",
            "rescheduled_cards",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "created",
            "links",
        )
        read_only_fields = fields

    def get_created(self, fit: SchedulerFit) -> bool:
        return bool(self.context.get("created", True))

    def get_links(self, fit: SchedulerFit) -> dict[str, str]:
        return {
            "self": reverse("api-scheduler-fit-detail", args=[fit.pk]),
            "page": reverse("workers:scheduler"),
        }


class SimulationOutputSerializer(serializers.ModelSerializer):
    params = serializers.DictField()
    parameters = serializers.ListField(child=serializers.FloatField())
    result = serializers.DictField(allow_null=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = SchedulerSimulation
        fields = (
            "id",
            "status",
            "progress",
            "progress_message",
            "params",
            "parameters",
            "parameters_source",
            "seed",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "links",
        )
        read_only_fields = fields

    def get_links(self, sim: SchedulerSimulation) -> dict[str, str]:
        return {
            "self": reverse("api-scheduler-simulation-detail", args=[sim.pk]),
            "page": reverse("workers:scheduler"),
        }


class SchedulerFitCreateApi(APIView):
    """Fit the learner's parameters to their review history (a Celery task)."""

    permission_classes = [IsAuthenticated]
    OutputSerializer = FitOutputSerializer

    class InputSerializer(StrictSerializer):
        deck = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Fit one deck's reviews only (the preset scope); null: all.",
        )
        reschedule = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Recompute due dates if the new parameters are accepted.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            202: OpenApiResponse(OutputSerializer, description="Fit queued."),
            200: OpenApiResponse(
                OutputSerializer, description="A fit of this scope in flight."
            ),
            409: error_response("not_enough_history: how many reviews are needed."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fit, created = services.scheduler_fit_request(
            learner=request.user,
            deck=_deck(request, data.validated_data["deck"]),
            reschedule=data.validated_data["reschedule"],
        )
        body = self.OutputSerializer(fit, context={"created": created}).data
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(body, status=code)


class SchedulerFitDetailApi(APIView):
    """One of the learner's fits."""

    permission_classes = [IsAuthenticated]
    OutputSerializer = FitOutputSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, fit_id: int) -> Response:
        fit = selectors.scheduler_fit_get(learner=request.user, fit_id=fit_id)
        fit = services.scheduler_fit_expire_stale(fit=fit)
        return Response(self.OutputSerializer(fit).data)


class SchedulerParametersApi(APIView):
    """The parameters the learner's reviews use now, and where they come from."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        parameters = serializers.ListField(child=serializers.FloatField())
        source = serializers.ChoiceField(
            choices=["deck fit", "fit", "deck options", "default"]
        )
        fit = serializers.IntegerField(allow_null=True)
        fitted_at = serializers.DateTimeField(allow_null=True)
        names = serializers.ListField(child=serializers.CharField())
        defaults = serializers.ListField(child=serializers.FloatField())
        reviews = serializers.IntegerField()
        reviews_available = serializers.IntegerField()
        reviews_needed = serializers.IntegerField()
        can_fit = serializers.BooleanField()
        recent_fits = FitOutputSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("deck", int, description="A deck the learner studies.")
        ],
        responses={200: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("deck")
        if raw is not None and not raw.isdigit():
            raise Invalid({"deck": "Must be a deck id."})
        deck = _deck(request, int(raw) if raw is not None else None)
        current = selectors.learner_parameters_current(learner=request.user, deck=deck)
        counts = selectors.history_counts(learner=request.user, deck=deck)
        data = {
            "parameters": list(current.parameters),
            "source": current.source,
            "fit": current.fit.pk if current.fit else None,
            "fitted_at": current.fit.finished_at if current.fit else None,
            "names": list(fitting.PARAMETER_NAMES),
            "defaults": list(fitting.DEFAULT_PARAMETERS),
            "reviews": counts.reviews,
            "reviews_available": counts.usable,
            "reviews_needed": counts.needed,
            "can_fit": counts.enough,
            "recent_fits": selectors.scheduler_fits_recent(learner=request.user),
        }
        return Response(self.OutputSerializer(data).data)


class SchedulerRescheduleApi(APIView):
    """Recompute the due dates of the learner's review cards now."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(StrictSerializer):
        deck = serializers.IntegerField(required=False, allow_null=True, default=None)

    class OutputSerializer(serializers.Serializer):
        rescheduled = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.memories_reschedule(
            learner=request.user, deck=_deck(request, data.validated_data["deck"])
        )
        return Response(self.OutputSerializer({"rescheduled": count}).data)


class SchedulerSimulationCreateApi(APIView):
    """Simulate a year for a range of desired retentions ("help me decide")."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(StrictSerializer):
        desired_retentions = serializers.ListField(
            child=serializers.FloatField(),
            required=False,
            help_text="0.70 to 0.99, at most 10; default 0.75 to 0.95 by 0.05.",
        )
        days = serializers.IntegerField(required=False, help_text="Default 365.")
        deck_size = serializers.IntegerField(required=False, help_text="Default 1000.")
        learn_per_day = serializers.IntegerField(
            required=False, help_text="Default 20."
        )
        review_limit = serializers.IntegerField(required=False)
        seconds_per_review = serializers.FloatField(
            required=False,
            allow_null=True,
            help_text="Default: your mean answer time, else FSRS's costs.",
        )

    OutputSerializer = SimulationOutputSerializer

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sim = simulations.scheduler_simulation_request(
            learner=request.user, data=dict(data.validated_data)
        )
        return Response(
            self.OutputSerializer(sim).data, status=status.HTTP_202_ACCEPTED
        )


class SchedulerSimulationDetailApi(APIView):
    """One of the learner's simulations."""

    permission_classes = [IsAuthenticated]
    OutputSerializer = SimulationOutputSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, simulation_id: int) -> Response:
        sim = selectors.scheduler_simulation_get(
            learner=request.user, simulation_id=simulation_id
        )
        sim = simulations.scheduler_simulation_expire_stale(sim=sim)
        return Response(self.OutputSerializer(sim).data)
