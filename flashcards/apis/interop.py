"""Import and export APIs: .apkg and CSV imports with their progress and
mapping, a deck as .apkg or CSV, and the review history as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import interop, selectors
from flashcards.apis.bodies import ImportJobSerializer
from flashcards.models import ImportJob, ReviewLog
from flashcards.payloads import import_data
from studysite.api_errors import error_response
from studysite.exports import csv_writer
from studysite.parsers import MultiPartParser
from studysite.serializers import StrictSerializer
from studysite.storable import MAX_INT


def _own_job(request: Request, job_id: int) -> ImportJob:
    return interop.import_job_get(owner=request.user, job_id=job_id)


class ImportCreateApi(APIView):
    """Upload an .apkg (queued at once) or a CSV/TSV (waits for its mapping)."""

    parser_classes = (MultiPartParser,)

    class InputSerializer(StrictSerializer):
        file = serializers.FileField()
        deck = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=MAX_INT,
            help_text="Import into this deck of yours (default: a new deck, or "
            "the deck an earlier import of the same notes made).",
        )

    OutputSerializer = ImportJobSerializer

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            201: OutputSerializer,
            503: error_response(
                "An .apkg could not be queued; the import is kept (its id is in "
                "the message) and may be retried."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        content = interop.read_upload(upload, limit=interop.max_import_bytes())
        job = interop.import_job_create(
            owner=request.user,
            filename=upload.name,
            data=content,
            deck_id=data.validated_data.get("deck"),
        )
        if job.status == ImportJob.Status.QUEUED:
            interop.import_job_start(job=job)
        body = self.OutputSerializer(import_data(job)).data
        return Response(body, status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    """An import's state and progress (poll until ``done`` or ``failed``)."""

    OutputSerializer = ImportJobSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, job_id: int) -> Response:
        body = import_data(_own_job(request, job_id))
        return Response(self.OutputSerializer(body).data)


class ImportMappingApi(APIView):
    """Map a CSV's columns (role -> 0-based column) and start the import.

    503 when the task queue is down: the mapping is kept and the job is
    ``failed`` with phase ``not_queued`` and ``retryable`` true.
    """

    class InputSerializer(StrictSerializer):
        columns = serializers.DictField(child=serializers.IntegerField(min_value=0))
        header = serializers.BooleanField(default=False)
        default_type = serializers.CharField(default="basic", max_length=32)

    OutputSerializer = ImportJobSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            202: OutputSerializer,
            503: error_response(
                "The import queue is unavailable; the mapping is kept and the "
                "import may be retried."
            ),
        },
    )
    def post(self, request: Request, job_id: int) -> Response:
        job = _own_job(request, job_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = interop.import_job_map(job=job, **data.validated_data)
        interop.import_job_start(job=job)
        body = self.OutputSerializer(import_data(job)).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ImportRetryApi(APIView):
    """Queue again an import that could not be queued (the task queue was down)
    or that waited in ``pending`` past ``FLASHCARDS_IMPORT_QUEUE_TIMEOUT``.

    202 with the job; 409 for a job in any other state; 503 while the queue
    is still down (the job stays retryable).
    """

    OutputSerializer = ImportJobSerializer

    @extend_schema(
        request=None,
        responses={
            202: OutputSerializer,
            409: error_response("The import is not one that could not be queued."),
            503: error_response("The import queue is still unavailable."),
        },
    )
    def post(self, request: Request, job_id: int) -> Response:
        job = interop.import_job_retry(job=_own_job(request, job_id))
        body = self.OutputSerializer(import_data(job)).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class DeckExportApi(APIView):
    """A visible deck as an Anki package (``.apkg``) or CSV."""

    export_format = "apkg"

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        }
    )
    def get(self, request: Request, deck_id: int) -> HttpResponse:
        deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        if self.export_format == "apkg":
            response = HttpResponse(
                interop.deck_export_apkg(deck=deck, user=request.user),
                content_type="application/zip",
            )
        else:
            response = HttpResponse(
                interop.deck_export_csv(deck=deck),
                content_type="text/csv; charset=utf-8",
            )
        response["Content-Disposition"] = (
            f'attachment; filename="deck-{deck.pk}.{self.export_format}"'
        )
        return response


class ReviewExportApi(APIView):
    """The learner's review history in the FSRS optimizer's CSV layout.

    ``card_id,review_time,review_rating,review_state,review_duration``: time in
    milliseconds since the Unix epoch, state before the review (0 new,
    1 learning, 2 review, 3 relearning), duration in milliseconds. Undone
    reviews are left out. Written like every CSV of the site
    (`studysite.exports.csv_writer`), which leaves numbers as they are: every
    cell here is one, so the file is what the optimizer always read.
    """

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="revlog.csv"'
        writer = csv_writer(response)
        writer.writerow(
            [
                "card_id",
                "review_time",
                "review_rating",
                "review_state",
                "review_duration",
            ]
        )
        rows = (
            ReviewLog.objects.filter(learner=request.user, undone_at=None)
            .order_by("card_id", "reviewed_at", "id")
            .values_list(
                "card_id", "reviewed_at", "rating", "review_state", "duration_ms"
            )
        )
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        for card_id, reviewed_at, rating, state, duration in rows.iterator(
            chunk_size=2000
        ):
            millis = (reviewed_at - epoch) // timedelta(milliseconds=1)
            writer.writerow([card_id, millis, rating, state, duration or 0])
        return response
