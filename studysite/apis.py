"""Account endpoints of the API: token, sign-up, the current user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studysite import errors
from studysite.models import User, validate_time_zone
from studysite.serializers import StrictSerializer
from studysite.services import user_create
from studysite.throttling import ScopedRateThrottle


class UserOutputSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "email",
            "role",
            "time_zone",
            "day_start_hour",
            "keyboard_shortcuts",
        )


class TokenApi(APIView):
    """POST exchanges a username and password for the account's API token;
    DELETE revokes the token (sign out a client). Changing or resetting the
    password revokes it too."""

    class InputSerializer(StrictSerializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)

        class Meta:
            ref_name = "TokenCreateInput"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        user = UserOutputSerializer()

        class Meta:
            ref_name = "TokenCreateOutput"

    # Issuing a token reads no credentials (a stale header is no 401) and is
    # throttled as a login; revoking one needs the token or a session.
    def _issuing(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self) -> list[Any]:
        return [] if self._issuing() else super().get_authenticators()

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self._issuing() else [IsAuthenticated()]

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self._issuing() else super().get_throttles()

    throttle_scope = "login"

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            raise errors.Invalid({"password": "Username or password is wrong."})
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key, "user": user}).data)

    @extend_schema(
        request=None,
        responses={204: None},
        description="Revoke the account's API token: the client sending it is "
        "signed out, and the next POST issues a new token. 204 also when there "
        "is no token left to revoke.",
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignupApi(APIView):
    """Create a learner account and return its token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"

    class InputSerializer(StrictSerializer):
        username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        time_zone = serializers.CharField(
            required=False, default="UTC", validators=[validate_time_zone]
        )
        day_start_hour = serializers.IntegerField(
            required=False, default=4, min_value=0, max_value=23
        )

        def validate_username(self, value: str) -> str:
            if User.objects.filter(username__iexact=value).exists():
                raise serializers.ValidationError("This username is taken.")
            return value

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        user = UserOutputSerializer()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_create(**data.validated_data)
        token = Token.objects.create(user=user)
        body = self.OutputSerializer({"token": token.key, "user": user}).data
        return Response(body, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    """The signed-in user; PATCH changes email, time zone, day-start hour and
    whether the study page's single-key shortcuts are on."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(StrictSerializer):
        email = serializers.EmailField(required=False)
        time_zone = serializers.CharField(
            required=False, validators=[validate_time_zone]
        )
        day_start_hour = serializers.IntegerField(
            required=False, min_value=0, max_value=23
        )
        keyboard_shortcuts = serializers.BooleanField(required=False)

    OutputSerializer = UserOutputSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def patch(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        for field, value in data.validated_data.items():
            setattr(request.user, field, value)
        request.user.save(update_fields=list(data.validated_data) or None)
        return Response(self.OutputSerializer(request.user).data)
