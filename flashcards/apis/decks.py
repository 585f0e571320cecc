"""Deck APIs: list and create, one deck, the public catalog, subscriptions."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import selectors, services
from flashcards.apis.bodies import DeckSerializer
from flashcards.models import Visibility
from flashcards.payloads import catalog_deck_data, deck_data, studied_deck_data
from studysite import permissions
from studysite.api_errors import error_response
from studysite.serializers import StrictSerializer


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


class StudiedDeckSerializer(DeckSerializer):
    """A deck the learner studies, with why."""

    studied_via = serializers.CharField(help_text="own, subscribed or class.")
    classes = serializers.ListField(
        child=serializers.CharField(),
        help_text="The classes that assign it to you.",
    )


class DeckListCreateApi(APIView):
    """Decks the learner studies (GET: own, subscribed, their classes'); create
    a deck of one's own (POST, private unless ``visibility`` says otherwise)."""

    InputSerializer = DeckInputSerializer
    OutputSerializer = DeckSerializer

    class ListOutputSerializer(serializers.Serializer):
        results = StudiedDeckSerializer(many=True)

    @extend_schema(operation_id="decks_list", responses={200: ListOutputSerializer})
    def get(self, request: Request) -> Response:
        decks = selectors.deck_summaries(learner=request.user)
        body = {"results": [studied_deck_data(deck) for deck in decks]}
        return Response(self.ListOutputSerializer(body).data)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deck = services.deck_create(owner=request.user, **data.validated_data)
        body = self.OutputSerializer(deck_data(deck)).data
        return Response(body, status=status.HTTP_201_CREATED)


class DeckSharingClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    learners = serializers.IntegerField(help_text="Learners enrolled now.")


class DeckSharingSerializer(serializers.Serializer):
    """Who a deck is shared with (its owner sees this)."""

    classes = DeckSharingClassSerializer(many=True)
    subscribers = serializers.IntegerField()


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

    class OutputSerializer(DeckSerializer):
        studied = serializers.BooleanField(help_text="Whether you study it.")
        sharing = DeckSharingSerializer(
            required=False, help_text="For the owner (or a writer) only."
        )

    @extend_schema(operation_id="decks_retrieve", responses={200: OutputSerializer})
    def get(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        data = deck_data(deck)
        data["studied"] = selectors.deck_is_studied(learner=request.user, deck=deck)
        if permissions.deck_writable(request.user, deck):
            data["sharing"] = selectors.deck_sharing(deck=deck)
        return Response(self.OutputSerializer(data).data)

    @extend_schema(request=InputSerializer, responses={200: DeckSerializer})
    def patch(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_owned(learner=request.user, deck_id=deck_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        deck = services.deck_update(deck=deck, **data.validated_data)
        return Response(DeckSerializer(deck_data(deck)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_owned(learner=request.user, deck_id=deck_id)
        services.deck_delete(deck=deck)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CatalogDeckSerializer(DeckSerializer):
    subscribed = serializers.BooleanField(help_text="Whether you subscribe to it.")


class DeckCatalogApi(APIView):
    """Public decks (the lesson decks first), with whether you subscribe."""

    class OutputSerializer(serializers.Serializer):
        results = CatalogDeckSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        decks = selectors.deck_catalog(user=request.user)
        body = {"results": [catalog_deck_data(deck) for deck in decks]}
        return Response(self.OutputSerializer(body).data)


class DeckSubscriptionApi(APIView):
    """Subscribe to a public deck (POST: 201, or 200 if already) or stop
    (DELETE: 204); unsubscribing keeps your memory and history."""

    class OutputSerializer(serializers.Serializer):
        deck = serializers.IntegerField()
        subscribed = serializers.BooleanField()
        since = serializers.DateTimeField()

    @extend_schema(
        request=None,
        responses={
            200: OutputSerializer,  # already subscribed
            201: OutputSerializer,
            400: error_response("The deck is not a catalog deck, or is yours."),
        },
    )
    def post(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        subscription, created = services.deck_subscribe(learner=request.user, deck=deck)
        body = {
            "deck": deck.pk,
            "subscribed": True,
            "since": subscription.created_at.isoformat(),
        }
        return Response(
            self.OutputSerializer(body).data,
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
