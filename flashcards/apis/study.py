"""Study APIs: the queue, answering (one review or an offline batch), undo,
and suspending or burying a card."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import selectors, services
from flashcards.apis.bodies import (
    BatchReviewResultSerializer,
    CardMemorySerializer,
    ReviewResultSerializer,
    StudyQueueSerializer,
)
from flashcards.models import CardMemory
from flashcards.payloads import memory_data, queue_data, review_data
from flashcards.scheduling import Rating
from studysite.api_errors import (
    domain_error_body,
    error_body,
    error_response,
    status_of,
)
from studysite.errors import Invalid
from studysite.serializers import StrictSerializer
from studysite.storable import MAX_INT


class QueueParamsSerializer(serializers.Serializer):
    deck = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_INT
    )
    limit = serializers.IntegerField(
        required=False, default=10, min_value=0, max_value=selectors.MAX_QUEUE_LIMIT
    )


def _queue_for(request: Request, *, deck_id: int | None, limit: int) -> dict:
    deck = (
        selectors.deck_get_studied(learner=request.user, deck_id=deck_id)
        if deck_id
        else None
    )
    queue = selectors.study_queue(learner=request.user, deck=deck, limit=limit)
    return queue_data(queue, learner_id=request.user.pk)


class StudyQueueApi(APIView):
    """Counts (new, learning, review) and the next cards, with their intervals."""

    OutputSerializer = StudyQueueSerializer

    @extend_schema(
        parameters=[QueueParamsSerializer], responses={200: OutputSerializer}
    )
    def get(self, request: Request) -> Response:
        params = QueueParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        queue = _queue_for(
            request,
            deck_id=params.validated_data.get("deck"),
            limit=params.validated_data["limit"],
        )
        return Response(self.OutputSerializer(queue).data)


class _NextSerializer(StrictSerializer):
    deck = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_INT
    )
    limit = serializers.IntegerField(
        required=False, default=1, min_value=0, max_value=selectors.MAX_QUEUE_LIMIT
    )


class ReviewInputSerializer(StrictSerializer):
    card = serializers.IntegerField(min_value=1, max_value=MAX_INT)
    rating = serializers.IntegerField(
        min_value=Rating.AGAIN,
        max_value=Rating.EASY,
        required=False,
        allow_null=True,
        help_text="1-4. Parametric cards: omit (Good) or 2-4 if right; a wrong "
        "answer is always Again.",
    )
    client_review_id = serializers.UUIDField()
    reviewed_at = serializers.DateTimeField(required=False, allow_null=True)
    duration_ms = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=86_400_000
    )
    answer = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )
    version = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_INT
    )
    variant = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=500,
        help_text="Parametric cards: the variant token the queue gave.",
    )
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        allow_null=True,
        help_text="Parametric cards: typed answers by part key.",
    )
    next = _NextSerializer(required=False, allow_null=True)


def _review_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "card_id": data["card"],
        "rating": data.get("rating"),
        "client_review_id": data["client_review_id"],
        "reviewed_at": data.get("reviewed_at"),
        "duration_ms": data.get("duration_ms"),
        "answer": data.get("answer", ""),
        "expected_version": data.get("version"),
        "variant": data.get("variant"),
        "answers": data.get("answers"),
    }


class ReviewCreateApi(APIView):
    """Record an answer: 201 with the review and the card's new memory state.

    The same ``client_review_id`` again returns the first result (200). A stale
    ``version`` (another tab answered first) is a 409. With ``next``, the
    response also carries the queue after this answer (one round trip per card).
    A JSON list of reviews is an offline batch, applied in ``reviewed_at`` order.
    """

    class OutputSerializer(ReviewResultSerializer):
        replayed = serializers.BooleanField(
            help_text="Whether this client_review_id was recorded before."
        )
        queue = StudyQueueSerializer(
            required=False, help_text="The queue after this answer, given ``next``."
        )

    class BatchOutputSerializer(serializers.Serializer):
        results = BatchReviewResultSerializer(
            many=True, help_text="One per review sent, in the order sent."
        )

    @extend_schema(
        request=ReviewInputSerializer,
        responses={
            201: OutputSerializer,  # recorded
            200: PolymorphicProxySerializer(  # the same client_review_id again
                component_name="ReviewCreateReplayedOrBatch",
                serializers=[OutputSerializer, BatchOutputSerializer],
                resource_type_field_name=None,
            ),
            409: error_response(
                "The card was answered meanwhile (another tab), or the "
                "client_review_id was used for another card."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, list):
            return self._batch(request)
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.card_review(
            learner=request.user, **_review_kwargs(data.validated_data)
        )
        body = review_data(result.log)
        body["replayed"] = not result.created
        nxt = data.validated_data.get("next")
        if nxt is not None:
            body["queue"] = _queue_for(
                request, deck_id=nxt.get("deck"), limit=nxt["limit"]
            )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        # ``body`` is already the documented shape (``OutputSerializer``, which
        # the schema test holds it to); rendering it again would cost the
        # answer path a serializer per request for the same JSON.
        return Response(body, status=code)

    def _batch(self, request: Request) -> Response:
        if len(request.data) > 1000:
            raise Invalid({"reviews": "At most 1000 reviews at once."})
        parsed: list[dict[str, Any]] = []
        invalid: dict[int, dict] = {}
        for index, item in enumerate(request.data):
            data = ReviewInputSerializer(data=item)
            if data.is_valid():
                parsed.append(_review_kwargs(data.validated_data))
            else:
                invalid[index] = data.errors
                parsed.append({})
        valid = [i for i in range(len(parsed)) if i not in invalid]
        done = services.card_review_many(
            learner=request.user, reviews=[parsed[i] for i in valid]
        )
        results: list[dict[str, Any]] = [{} for _ in parsed]
        for index, errors in invalid.items():
            fields = {k: [str(m) for m in v] for k, v in errors.items()}
            results[index] = {"status": 400, **error_body(400, "invalid", fields)}
        for index, item in zip(valid, done, strict=True):
            if item.result is not None:
                code = 201 if item.result.created else 200
                results[index] = {"status": code, **review_data(item.result.log)}
            else:
                exc = item.error
                results[index] = {"status": status_of(exc), **domain_error_body(exc)}
        return Response(self.BatchOutputSerializer({"results": results}).data)


class ReviewUndoApi(APIView):
    """Undo the learner's last answer; the card's memory is restored."""

    OutputSerializer = ReviewResultSerializer

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request) -> Response:
        log = services.review_undo(learner=request.user)
        memory = CardMemory.objects.get(learner=request.user, card_id=log.card_id)
        body = review_data(log)
        body["memory"] = memory_data(memory)
        return Response(self.OutputSerializer(body).data)


class CardActionApi(APIView):
    """Suspend, unsuspend, bury or unbury a card for the signed-in learner."""

    card_action = ""
    ACTIONS = {
        "suspend": services.card_suspend,
        "unsuspend": services.card_unsuspend,
        "bury": services.card_bury,
        "unbury": services.card_unbury,
    }

    OutputSerializer = CardMemorySerializer

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, card_id: int) -> Response:
        memory = self.ACTIONS[self.card_action](learner=request.user, card_id=card_id)
        return Response(self.OutputSerializer(memory_data(memory)).data)


class StudyQueueSlashApi(StudyQueueApi):
    """``/study/queue/`` with a slash, for clients that add one; not in the schema."""

    schema = None
