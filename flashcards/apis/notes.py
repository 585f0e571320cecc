"""Note APIs: create, read and edit a note, bulk changes, previews."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import authoring_views, content, selectors, services
from flashcards.apis.bodies import NoteSerializer
from flashcards.models import Note
from flashcards.payloads import note_data
from studysite.errors import Invalid
from studysite.serializers import StrictSerializer
from studysite.storable import MAX_INT


class NoteInputSerializer(StrictSerializer):
    type = serializers.CharField(max_length=32)
    fields = serializers.JSONField()
    tags = serializers.JSONField(required=False, default=list)


class NoteCreateApi(APIView):
    """Add a note to one's own deck; returns the note with its card ids."""

    InputSerializer = NoteInputSerializer
    OutputSerializer = NoteSerializer

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_owned(learner=request.user, deck_id=deck_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_create(deck=deck, **data.validated_data)
        body = self.OutputSerializer(note_data(note)).data
        return Response(body, status=status.HTTP_201_CREATED)


class NoteDetailApi(APIView):
    """A note; PATCH edits its fields or tags and keeps every schedule."""

    class InputSerializer(StrictSerializer):
        fields = serializers.JSONField(required=False)
        tags = serializers.JSONField(required=False)

    OutputSerializer = NoteSerializer

    def _note(self, request: Request, note_id: int) -> Note:
        return selectors.note_get_readable(user=request.user, note_id=note_id)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, note_id: int) -> Response:
        note = self._note(request, note_id)
        body = note_data(note, viewer_id=request.user.pk)
        return Response(self.OutputSerializer(body).data)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def patch(self, request: Request, note_id: int) -> Response:
        note = self._note(request, note_id)
        selectors.deck_get_owned(learner=request.user, deck_id=note.deck_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        note = services.note_update(note=note, **data.validated_data)
        return Response(self.OutputSerializer(note_data(note)).data)


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

    class OutputSerializer(serializers.Serializer):
        changed = serializers.IntegerField(help_text="How many notes changed.")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
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
        return Response(self.OutputSerializer({"changed": count}).data)


class PreviewCardSerializer(serializers.Serializer):
    label = serializers.CharField()
    front = serializers.CharField(help_text="HTML.")
    back = serializers.CharField(help_text="HTML.")


class NotePreviewApi(APIView):
    """The cards a note would make, as sanitized HTML; nothing is saved."""

    class InputSerializer(StrictSerializer):
        type = serializers.CharField(max_length=32)
        fields = serializers.JSONField()

    class OutputSerializer(serializers.Serializer):
        cards = PreviewCardSerializer(many=True)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["type"]
        try:
            fields, _ = content.validate_note(kind, data.validated_data["fields"])
        except content.NoteContentError as exc:
            raise Invalid(dict(exc.errors)) from None
        body = {"cards": authoring_views.preview_cards(kind, fields)}
        return Response(self.OutputSerializer(body).data)
