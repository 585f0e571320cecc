"""Grading APIs: grade a typed answer (parametric or numeric card) and show
again the exact variant a review answered."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import numeric_answers, parametric, selectors
from flashcards.apis.bodies import (
    StoredGradesField,
    VariantPartSerializer,
    VariantResultSerializer,
    VariantSolutionSerializer,
)
from flashcards.models import Card, ReviewLog
from flashcards.payloads import card_html
from studysite.errors import Invalid
from studysite.serializers import StrictSerializer


class CardGradeApi(APIView):
    """Grade a typed answer on the server, the one reader; writes nothing.

    A parametric card: ``{"variant", "answers"}`` (the variant token the queue
    gave, typed answers by part key); returns whether every part is right,
    each part's grade (status, misconception, feedback, expected answer) and
    the worked solution. A numeric card: ``{"answer"}`` (the text typed);
    returns `flashcards.numeric_answers.numeric_grade`'s verdict (status, the number
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

    class OutputSerializer(VariantResultSerializer):
        """A parametric card's grades, with the worked solution."""

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
        responses={
            200: PolymorphicProxySerializer(
                component_name="CardGradeResult",
                serializers=[OutputSerializer, NumericOutputSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def post(self, request: Request, card_id: int) -> Response:
        card = selectors.card_get_readable(user=request.user, card_id=card_id)
        if card.note.type == "numeric":
            return self._numeric(request, card)
        if card.note.type != "parametric":
            raise Invalid(
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
        body = parametric.result_payload(checked, card.note.fields)
        return Response(self.OutputSerializer(body).data)

    def _numeric(self, request: Request, card: Card) -> Response:
        data = self.NumericInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verdict = numeric_answers.numeric_grade(
            card.note.fields, data.validated_data["answer"]
        )
        _, back, _ = card_html(card, viewer_id=request.user.pk)
        return Response(
            self.NumericOutputSerializer({**verdict.to_dict(), "back": back}).data
        )


class ReviewVariantApi(APIView):
    """The exact variant a parametric review answered: prompt, the learner's
    answers, their grades and the solution, regenerated from the logged seed."""

    class OutputSerializer(serializers.Serializer):
        review = serializers.IntegerField()
        card = serializers.IntegerField()
        rating = serializers.IntegerField()
        reviewed_at = serializers.DateTimeField()
        template = serializers.CharField()
        title = serializers.CharField()
        params = serializers.DictField(help_text="The drawn values by parameter.")
        prompt = serializers.CharField(help_text="HTML.")
        parts = VariantPartSerializer(many=True)
        answers = serializers.DictField(
            child=serializers.CharField(), help_text="What was typed, by part key."
        )
        seed = serializers.IntegerField()
        correct = serializers.BooleanField()
        grades = StoredGradesField()
        solution = VariantSolutionSerializer(many=True)
        back = serializers.CharField(help_text="The worked solution as HTML.")

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, review_id: int) -> Response:
        log = ReviewLog.objects.filter(pk=review_id, learner=request.user).first()
        if log is None or log.seed is None or not log.variant:
            raise Http404("No such parametric review.")
        return Response(self.OutputSerializer(parametric.variant_of_log(log)).data)
