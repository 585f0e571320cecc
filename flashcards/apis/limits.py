"""A learner's own daily limits for a deck: ``/api/v1/decks/{id}/my-limits/``.

GET gives the deck's limits, the learner's (null: the deck's) and the ones
that apply; PUT sets the learner's (both keys, null for the deck's); DELETE
clears them. Any deck the learner reads takes them; another is 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import selectors, services
from flashcards.models import Deck
from flashcards.parameters import DeckLimits, deck_limits_for
from flashcards.scheduling import MAX_DAILY_LIMIT
from studysite.serializers import StrictSerializer


def _limit_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=MAX_DAILY_LIMIT, allow_null=True, help_text=help_text
    )


class DailyLimitsSerializer(serializers.Serializer):
    new_per_day = serializers.IntegerField(help_text="New cards a day.")
    reviews_per_day = serializers.IntegerField(help_text="Reviews a day.")


class LearnerLimitsSerializer(serializers.Serializer):
    new_per_day = serializers.IntegerField(
        allow_null=True, help_text="Yours; null: the deck's."
    )
    reviews_per_day = serializers.IntegerField(
        allow_null=True, help_text="Yours; null: the deck's."
    )
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="When you last set them; null: never."
    )


def _body(deck: Deck, limits: DeckLimits) -> dict[str, object]:
    return {
        "deck": deck.pk,
        "deck_limits": {
            "new_per_day": limits.deck_new_per_day,
            "reviews_per_day": limits.deck_reviews_per_day,
        },
        "yours": {
            "new_per_day": limits.new_per_day,
            "reviews_per_day": limits.reviews_per_day,
            "updated_at": limits.updated_at,
        },
        "effective": {
            "new_per_day": limits.effective_new_per_day,
            "reviews_per_day": limits.effective_reviews_per_day,
        },
    }


class DeckMyLimitsApi(APIView):
    """Your daily limits for one deck you read; the deck and everyone else
    studying it keep theirs."""

    class InputSerializer(StrictSerializer):
        new_per_day = _limit_field(
            f"New cards a day, 0 to {MAX_DAILY_LIMIT}; null: the deck's."
        )
        reviews_per_day = _limit_field(
            f"Reviews a day, 0 to {MAX_DAILY_LIMIT}; null: the deck's."
        )

    class OutputSerializer(serializers.Serializer):
        deck = serializers.IntegerField()
        deck_limits = DailyLimitsSerializer(help_text="The deck's own.")
        yours = LearnerLimitsSerializer(help_text="Yours, where you set them.")
        effective = DailyLimitsSerializer(help_text="The ones your queue uses.")

    @extend_schema(
        operation_id="decks_my_limits_retrieve", responses={200: OutputSerializer}
    )
    def get(self, request: Request, deck_id: int) -> Response:
        deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        limits = deck_limits_for(learner=request.user, deck=deck)
        return Response(self.OutputSerializer(_body(deck, limits)).data)

    @extend_schema(
        operation_id="decks_my_limits_update",
        request=InputSerializer,
        responses={200: OutputSerializer},
    )
    def put(self, request: Request, deck_id: int) -> Response:
        selectors.deck_get_readable(user=request.user, deck_id=deck_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deck, _ = services.deck_limits_set(
            learner=request.user, deck_id=deck_id, **data.validated_data
        )
        limits = deck_limits_for(learner=request.user, deck=deck)
        return Response(self.OutputSerializer(_body(deck, limits)).data)

    @extend_schema(operation_id="decks_my_limits_destroy", responses={204: None})
    def delete(self, request: Request, deck_id: int) -> Response:
        services.deck_limits_clear(learner=request.user, deck_id=deck_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
