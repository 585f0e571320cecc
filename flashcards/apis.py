"""The flashcards API (stable paths; other checks drive it).

=======================================  =============================================
``POST /api/v1/decks/``                  create a deck (``GET`` lists the decks you study)
``GET/PATCH/DELETE /api/v1/decks/{id}/`` a deck (changes, ``visibility``: owner only)
``GET /api/v1/catalog/``                 public decks, with your subscriptions
``POST/DELETE /api/v1/decks/{id}/subscription/``  subscribe to a public deck / stop
``POST /api/v1/decks/{id}/notes/``       a note with its card ids (owner only)
``PATCH /api/v1/notes/{id}/``            edit a note's fields/tags; schedules kept
``GET /api/v1/study/queue``              ``?deck=&limit=``: counts and next cards
``POST /api/v1/reviews/``                one answer; a JSON list: offline batch
``POST /api/v1/reviews/undo/``           undo the last answer
``POST /api/v1/cards/{id}/suspend/``     also ``unsuspend/``, ``bury/``, ``unbury/``
``GET /api/v1/reviews/export.csv``       FSRS optimizer layout
``POST /api/v1/cards/{id}/grade/``       grade a parametric variant or a numeric card
``GET /api/v1/reviews/{id}/variant/``    the exact variant a review answered
``POST /api/v1/imports/``                upload .apkg/CSV (multipart ``file``)
``GET /api/v1/imports/{id}/``            an import's state and progress
``POST /api/v1/imports/{id}/mapping/``   a CSV's column mapping; starts it
``POST /api/v1/imports/{id}/retry/``     queue again one the queue refused (503)
``GET /api/v1/decks/{id}/export.apkg``   also ``export.csv``
``POST /api/v1/notes/bulk/``             tag, untag, move or delete notes
``POST /api/v1/notes/preview/``          the cards a note would make (HTML)
``POST /api/v1/media/``                  upload an image
=======================================  =============================================
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import (
    authoring,
    content,
    interop,
    media,
    parametric,
    selectors,
    services,
)
from flashcards.media_access import sign_media
from flashcards.models import (
    Card,
    CardMemory,
    Deck,
    ImportJob,
    Note,
    ReviewLog,
    Visibility,
)
from flashcards.rendering import card_html, card_payload
from flashcards.scheduling import Rating, State
from studysite import permissions
from studysite.api_errors import FieldError, error_body, error_response
from studysite.exports import csv_writer
from studysite.parsers import MultiPartParser
from studysite.serializers import StrictSerializer
from studysite.storable import MAX_INT

# --- output ---------------------------------------------------------------------


def _annotated(deck: Deck, name: str, related: Any) -> int:
    value = getattr(deck, name, None)
    return related.count() if value is None else value


def deck_data(deck: Deck) -> dict[str, Any]:
    return {
        "id": deck.pk,
        "title": deck.title,
        "description": deck.description,
        "lesson_slug": deck.lesson_slug,
        "objective_key": deck.objective_key,
        "owner": deck.owner.username,
        "visibility": deck.visibility,
        "is_system": deck.is_system,
        "options": deck.scheduling_options.to_dict(),
        "options_set": deck.options,
        # Lists annotate the counts (a deck with none has 0, not a query).
        "note_count": _annotated(deck, "note_count", deck.notes),
        "card_count": _annotated(deck, "card_count", deck.cards),
        "created_at": deck.created_at.isoformat(),
        "updated_at": deck.updated_at.isoformat(),
    }


def note_data(note: Note, *, viewer_id: int | None = None) -> dict[str, Any]:
    """A note; ``media`` maps each image URL in its fields to one signed for
    ``viewer_id`` (good for an hour or two)."""
    urls = {
        f"{media.MEDIA_PREFIX}{sha}.{ext}"
        for value in note.fields.values()
        if isinstance(value, str)
        for sha, ext in media.media_hashes(value)
    }
    return {
        "media": {url: sign_media(url, user_id=viewer_id) for url in sorted(urls)},
        "id": note.pk,
        "deck": note.deck_id,
        "type": note.type,
        "fields": note.fields,
        "tags": note.tags,
        "cards": list(note.cards.order_by("ordinal").values_list("id", flat=True)),
        "created_at": note.created_at.isoformat(),
    }


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def memory_data_from_snapshot(
    snapshot: dict[str, Any], *, interval_days: float | None
) -> dict[str, Any]:
    return {
        "state": State(snapshot["state"]).name.lower(),
        "due": snapshot["due"],
        "stability": snapshot["stability"],
        "difficulty": snapshot["difficulty"],
        "step": snapshot["step"],
        "interval_days": interval_days,
        "last_review": snapshot["last_review"],
        "reps": snapshot["reps"],
        "lapses": snapshot["lapses"],
        "suspended": snapshot["suspended"],
        "leech": snapshot["leech"],
        "buried_until": snapshot["buried_until"],
        "version": snapshot["version"],
    }


def memory_data(memory: CardMemory) -> dict[str, Any]:
    return {
        "card": memory.card_id,
        **memory_data_from_snapshot(
            services.memory_snapshot(memory), interval_days=None
        ),
    }


def review_data(log: ReviewLog) -> dict[str, Any]:
    return {
        "review": {
            "id": log.pk,
            "client_review_id": str(log.client_review_id),
            "card": log.card_id,
            "rating": log.rating,
            "reviewed_at": log.reviewed_at.isoformat(),
            "duration_ms": log.duration_ms,
            "interval_days": log.interval_days,
            "answer": log.answer,
            "correct": log.correct,
            "seed": log.seed,
            "undone": log.undone_at is not None,
        },
        "memory": {
            "card": log.card_id,
            **memory_data_from_snapshot(
                log.state_after, interval_days=log.interval_days
            ),
        },
    }


def queue_data(
    queue: selectors.StudyQueue, *, learner_id: int | None = None
) -> dict[str, Any]:
    return {
        "counts": {
            "new": queue.new_count,
            "learning": queue.learning_count,
            "review": queue.review_count,
        },
        "done_today": {
            "new": queue.done.new,
            "learning": queue.done.learning,
            "review": queue.done.review,
        },
        "next_learning_due": _iso(queue.next_learning_due),
        "cards": [card_payload(item, learner_id=learner_id) for item in queue.cards],
    }


# --- decks ------------------------------------------------------------------------


class DeckInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    lesson_slug = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )
    objective_key = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )
    options = serializers.JSONField(required=False, default=dict)
    visibility = serializers.CharField(
        required=False,
        default=Visibility.PRIVATE,
        help_text="private (you alone, the default), class (the classes it is "
        "assigned to) or public (the catalog).",
    )


def studied_deck_data(deck: Deck) -> dict[str, Any]:
    """A deck of the learner's review, with why they study it."""
    return {
        **deck_data(deck),
        "studied_via": deck.source,
        "classes": deck.class_names,
    }


def catalog_deck_data(deck: Deck) -> dict[str, Any]:
    return {**deck_data(deck), "subscribed": bool(deck.subscribed)}


class DeckListCreateApi(APIView):
    """Decks the learner studies (GET: own, subscribed, their classes'); create
    a deck of one's own (POST, private unless ``visibility`` says otherwise)."""

    InputSerializer = DeckInputSerializer

    @extend_schema(operation_id="decks_list", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        decks = selectors.deck_summaries(learner=request.user)
        return Response({"results": [studied_deck_data(deck) for deck in decks]})

    @extend_schema(request=DeckInputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deck = services.deck_create(owner=request.user, **data.validated_data)
        return Response(deck_data(deck), status=status.HTTP_201_CREATED)


class DeckDetailApi(APIView):
    """One deck; PATCH and DELETE are for its owner."""

    class InputSerializer(StrictSerializer):
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(required=False, allow_blank=True)
        lesson_slug = serializers.CharField(
            required=False, allow_blank=True, max_length=100
        )
        objective_key = serializers.CharField(
            required=False, allow_blank=True, max_length=100
        )
        options = serializers.JSONField(required=False)
        visibility = serializers.CharField(required=False)

    @extend_schema(operation_id="decks_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        data = deck_data(deck)
        data["studied"] = selectors.deck_is_studied(learner=request.user, deck=deck)
        if permissions.deck_writable(request.user, deck):
            data["sharing"] = selectors.deck_sharing(deck=deck)
        return Response(data)

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_owned(learner=request.user, deck_id=deck_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        deck = services.deck_update(deck=deck, **data.validated_data)
        return Response(deck_data(deck))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def delete(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_owned(learner=request.user, deck_id=deck_id)
        services.deck_delete(deck=deck)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeckCatalogApi(APIView):
    """Public decks (the lesson decks first), with whether you subscribe."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        decks = selectors.deck_catalog(user=request.user)
        return Response({"results": [catalog_deck_data(deck) for deck in decks]})


class DeckSubscriptionApi(APIView):
    """Subscribe to a public deck (POST: 201, or 200 if already) or stop
    (DELETE: 204); unsubscribing keeps your memory and history."""

    @extend_schema(
        request=None,
        responses={
            200: OpenApiTypes.OBJECT,
            201: OpenApiTypes.OBJECT,
            400: error_response("The deck is not a catalog deck, or is yours."),
        },
    )
    def post(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        subscription, created = services.deck_subscribe(learner=request.user, deck=deck)
        return Response(
            {
                "deck": deck.pk,
                "subscribed": True,
                "since": subscription.created_at.isoformat(),
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=None,
        responses={204: None, 404: error_response("No subscription to this deck.")},
    )
    def delete(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        if not services.deck_unsubscribe(learner=request.user, deck=deck):
            raise Http404("You do not subscribe to this deck.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class NoteInputSerializer(StrictSerializer):
    type = serializers.CharField(max_length=32)
    fields = serializers.JSONField()
    tags = serializers.JSONField(required=False, default=list)


class NoteCreateApi(APIView):
    """Add a note to one's own deck; returns the note with its card ids."""

    InputSerializer = NoteInputSerializer

    @extend_schema(request=NoteInputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_owned(learner=request.user, deck_id=deck_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_create(deck=deck, **data.validated_data)
        return Response(note_data(note), status=status.HTTP_201_CREATED)


class NoteDetailApi(APIView):
    """A note; PATCH edits its fields or tags and keeps every schedule."""

    class InputSerializer(StrictSerializer):
        fields = serializers.JSONField(required=False)
        tags = serializers.JSONField(required=False)

    def _note(self, request: Request, note_id: int) -> Note:
        return selectors.note_get_readable(user=request.user, note_id=note_id)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, note_id: int) -> Response:
        return Response(
            note_data(self._note(request, note_id), viewer_id=request.user.pk)
        )

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request: Request, note_id: int) -> Response:
        note = self._note(request, note_id)
        selectors.deck_get_owned(learner=request.user, deck_id=note.deck_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        note = services.note_update(note=note, **data.validated_data)
        return Response(note_data(note))


# --- study ------------------------------------------------------------------------


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

    @extend_schema(parameters=[QueueParamsSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        params = QueueParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            _queue_for(
                request,
                deck_id=params.validated_data.get("deck"),
                limit=params.validated_data["limit"],
            )
        )


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

    @extend_schema(
        request=ReviewInputSerializer,
        responses={
            201: OpenApiTypes.OBJECT,  # recorded
            200: OpenApiTypes.OBJECT,  # the same client_review_id again, or a batch
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
        return Response(body, status=code)

    def _batch(self, request: Request) -> Response:
        if len(request.data) > 1000:
            raise FieldError({"reviews": "At most 1000 reviews at once."})
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
                detail = exc.detail
                fields = (
                    {
                        k: [str(m) for m in (v if isinstance(v, list) else [v])]
                        for k, v in detail.items()
                    }
                    if isinstance(detail, dict)
                    else {"detail": [str(detail)]}
                )
                results[index] = {
                    "status": exc.status_code,
                    **error_body(exc.status_code, exc.default_code, fields),
                }
        return Response({"results": results})


class ReviewUndoApi(APIView):
    """Undo the learner's last answer; the card's memory is restored."""

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        log = services.review_undo(learner=request.user)
        memory = CardMemory.objects.get(learner=request.user, card_id=log.card_id)
        body = review_data(log)
        body["memory"] = memory_data(memory)
        return Response(body)


class CardActionApi(APIView):
    """Suspend, unsuspend, bury or unbury a card for the signed-in learner."""

    card_action = ""
    ACTIONS = {
        "suspend": services.card_suspend,
        "unsuspend": services.card_unsuspend,
        "bury": services.card_bury,
        "unbury": services.card_unbury,
    }

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, card_id: int) -> Response:
        memory = self.ACTIONS[self.card_action](learner=request.user, card_id=card_id)
        return Response(memory_data(memory))


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
        writer = csv_writer(response, lineterminator="\n")
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


class StudyQueueSlashApi(StudyQueueApi):
    """``/study/queue/`` with a slash, for clients that add one; not in the schema."""

    schema = None


class CardGradeApi(APIView):
    """Grade a typed answer on the server, the one reader; writes nothing.

    A parametric card: ``{"variant", "answers"}`` (the variant token the queue
    gave, typed answers by part key); returns whether every part is right,
    each part's grade (status, misconception, feedback, expected answer) and
    the worked solution. A numeric card: ``{"answer"}`` (the text typed);
    returns `flashcards.content.numeric_grade`'s verdict (status, the number
    and unit read, the amount in the card's unit, feedback, expected answer)
    and the revealed answer, which the queue does not send before. The review
    that follows (``POST /api/v1/reviews/`` with the same answer) is graded
    again by the server, with the same reader.
    """

    class InputSerializer(StrictSerializer):
        variant = serializers.CharField(max_length=500)
        answers = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=200)
        )

    class NumericInputSerializer(StrictSerializer):
        answer = serializers.CharField(
            allow_blank=True,
            max_length=200,
            help_text="A numeric card: the answer as typed (a number, a power "
            "such as 2^-7, a fraction, with or without a unit).",
        )

    class OutputSerializer(serializers.Serializer):
        seed = serializers.IntegerField()
        correct = serializers.BooleanField()
        grades = serializers.ListField(child=serializers.DictField())
        solution = serializers.ListField(child=serializers.DictField())
        back = serializers.CharField(help_text="The worked solution as HTML.")

    class NumericOutputSerializer(serializers.Serializer):
        status = serializers.CharField(
            help_text="correct, wrong, unreadable (no number or unit could be "
            "read) or unanswered."
        )
        correct = serializers.BooleanField()
        answer_text = serializers.CharField(help_text="The answer as typed.")
        value = serializers.FloatField(
            allow_null=True, help_text="The number read; null when unreadable."
        )
        unit = serializers.CharField(
            allow_null=True, help_text="The unit typed, as its symbol (GB for gb)."
        )
        unit_text = serializers.CharField(
            allow_null=True, help_text="The unit exactly as typed."
        )
        value_in_card_unit = serializers.FloatField(
            allow_null=True, help_text="The amount typed in the card's unit."
        )
        feedback = serializers.CharField(help_text="One sentence on what was typed.")
        expected = serializers.CharField(help_text="The card's answer with its unit.")
        back = serializers.CharField(help_text="The card's answer side as HTML.")

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="CardGrade",
            serializers=[InputSerializer, NumericInputSerializer],
            resource_type_field_name=None,
        ),
        responses=PolymorphicProxySerializer(
            component_name="CardGradeResult",
            serializers=[OutputSerializer, NumericOutputSerializer],
            resource_type_field_name=None,
        ),
    )
    def post(self, request: Request, card_id: int) -> Response:
        card = selectors.card_get_readable(user=request.user, card_id=card_id)
        if card.note.type == "numeric":
            return self._numeric(request, card)
        if card.note.type != "parametric":
            raise FieldError(
                {"card": "Only parametric and numeric cards are graded here."}
            )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        checked = parametric.check(
            card=card,
            learner_id=request.user.pk,
            token=data.validated_data["variant"],
            answers=data.validated_data["answers"],
        )
        return Response(parametric.result_payload(checked, card.note.fields))

    def _numeric(self, request: Request, card: Card) -> Response:
        data = self.NumericInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verdict = content.numeric_grade(card.note.fields, data.validated_data["answer"])
        _, back, _ = card_html(card, viewer_id=request.user.pk)
        return Response(
            self.NumericOutputSerializer({**verdict.to_dict(), "back": back}).data
        )


class ReviewVariantApi(APIView):
    """The exact variant a parametric review answered: prompt, the learner's
    answers, their grades and the solution, regenerated from the logged seed."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, review_id: int) -> Response:
        log = ReviewLog.objects.filter(pk=review_id, learner=request.user).first()
        if log is None or log.seed is None or not log.variant:
            raise Http404("No such parametric review.")
        return Response(parametric.variant_of_log(log))


# --- authoring, import and export -------------------------------------------------


def import_data(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "phase": job.phase,
        "filename": job.filename,
        "size": job.size,
        "done": job.done,
        "total": job.total,
        "deck": job.deck_id,
        "error": job.error,
        "warnings": job.warnings,
        "result": job.result,
        "preview": job.preview if job.state == ImportJob.State.MAPPING else None,
        "mapping": job.options.get("columns")
        if job.kind == ImportJob.Kind.CSV
        else None,
        "retryable": interop.import_job_retryable(job),
        "links": {
            "self": reverse("flashcards-import-detail", args=[job.pk]),
            "retry": reverse("flashcards-import-retry", args=[job.pk]),
            "page": reverse("flashcards:import-detail", args=[job.pk]),
        },
    }


def _own_job(request: Request, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, owner=request.user).defer("data").first()
    if job is None:
        raise Http404("No such import.")
    return job


class ImportCreateApi(APIView):
    """Upload an .apkg (queued at once) or a CSV/TSV (waits for its mapping)."""

    parser_classes = (MultiPartParser,)

    class InputSerializer(StrictSerializer):
        file = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            201: OpenApiTypes.OBJECT,
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
            owner=request.user, filename=upload.name, data=content
        )
        if job.state == ImportJob.State.PENDING:
            interop.import_job_start(job=job)
        return Response(import_data(job), status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    """An import's state and progress (poll until ``done`` or ``failed``)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, job_id: int) -> Response:
        return Response(import_data(_own_job(request, job_id)))


class ImportMappingApi(APIView):
    """Map a CSV's columns (role -> 0-based column) and start the import.

    503 when the task queue is down: the mapping is kept and the job is
    ``failed`` with phase ``not_queued`` and ``retryable`` true.
    """

    class InputSerializer(StrictSerializer):
        columns = serializers.DictField(child=serializers.IntegerField(min_value=0))
        header = serializers.BooleanField(default=False)
        default_type = serializers.CharField(default="basic", max_length=32)

    @extend_schema(
        request=InputSerializer,
        responses={
            202: OpenApiTypes.OBJECT,
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
        return Response(import_data(job), status=status.HTTP_202_ACCEPTED)


class ImportRetryApi(APIView):
    """Queue again an import that could not be queued (the task queue was down)
    or that waited in ``pending`` past ``FLASHCARDS_IMPORT_QUEUE_TIMEOUT``.

    202 with the job; 409 for a job in any other state; 503 while the queue
    is still down (the job stays retryable).
    """

    @extend_schema(
        request=None,
        responses={
            202: OpenApiTypes.OBJECT,
            409: error_response("The import is not one that could not be queued."),
            503: error_response("The import queue is still unavailable."),
        },
    )
    def post(self, request: Request, job_id: int) -> Response:
        job = interop.import_job_retry(job=_own_job(request, job_id))
        return Response(import_data(job), status=status.HTTP_202_ACCEPTED)


class NoteBulkApi(APIView):
    """Add or remove tags on, move or delete some notes of one's own deck."""

    class InputSerializer(StrictSerializer):
        deck = serializers.IntegerField(min_value=1, max_value=MAX_INT)
        notes = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_INT),
            max_length=5000,
        )
        action = serializers.ChoiceField(choices=services.BULK_ACTIONS)
        tags = serializers.ListField(
            child=serializers.CharField(max_length=64), required=False, default=list
        )
        target = serializers.IntegerField(
            min_value=1, max_value=MAX_INT, required=False, allow_null=True
        )

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        deck = selectors.deck_get_owned(learner=request.user, deck_id=values["deck"])
        target = None
        if values.get("target"):
            target = selectors.deck_get_owned(
                learner=request.user, deck_id=values["target"]
            )
        count = services.notes_bulk_update(
            deck=deck,
            note_ids=values["notes"],
            action=values["action"],
            tags=values["tags"],
            target=target,
        )
        return Response({"changed": count})


class NotePreviewApi(APIView):
    """The cards a note would make, as sanitized HTML; nothing is saved."""

    class InputSerializer(StrictSerializer):
        type = serializers.CharField(max_length=32)
        fields = serializers.JSONField()

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            fields, _ = content.validate_note(
                data.validated_data["type"], data.validated_data["fields"]
            )
        except content.NoteContentError as exc:
            raise FieldError(dict(exc.errors)) from None
        return Response(
            {"cards": authoring.preview_cards(data.validated_data["type"], fields)}
        )


class MediaCreateApi(APIView):
    """Upload an image (PNG, JPEG, GIF, WebP; checked by content) for notes."""

    parser_classes = (MultiPartParser,)

    class InputSerializer(StrictSerializer):
        file = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            201: OpenApiTypes.OBJECT,
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
        content = interop.read_upload(
            upload, limit=interop.max_image_bytes(), noun="image"
        )
        image = interop.media_create(owner=request.user, name=upload.name, data=content)
        return Response(
            {
                "url": image.url,
                "markdown": f"![{image.name}]({image.url})",
                "size": image.size,
            },
            status=status.HTTP_201_CREATED,
        )


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
                interop.deck_export_apkg(deck=deck), content_type="application/zip"
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
