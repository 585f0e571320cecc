"""Media API: upload an image or audio file for notes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flashcards import interop
from studysite.parsers import MultiPartParser
from studysite.serializers import StrictSerializer


class MediaCreateApi(APIView):
    """Upload an image (PNG, JPEG, GIF, WebP) or audio file (MP3, Ogg, WAV, FLAC,
    M4A, WebM), checked by content, for notes."""

    parser_classes = (MultiPartParser,)

    class InputSerializer(StrictSerializer):
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        url = serializers.CharField(help_text="Where notes link to the file.")
        markdown = serializers.CharField(
            help_text="What a field holds to show it: an image link or [sound:url]."
        )
        size = serializers.IntegerField(help_text="Bytes.")

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: OutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        content = interop.read_upload(
            upload, limit=interop.max_image_bytes(), noun="file"
        )
        image = interop.media_create(owner=request.user, name=upload.name, data=content)
        body = {
            "url": image.url,
            "markdown": f"[sound:{image.url}]"
            if image.is_audio
            else f"![{image.name}]({image.url})",
            "size": image.size,
        }
        return Response(
            self.OutputSerializer(body).data, status=status.HTTP_201_CREATED
        )
