"""The stored media of notes (kept apart from `flashcards.models`, which
imports it, so that module stays readable)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from flashcards import media


class MediaFile(models.Model):
    """An image or audio file a note shows, in the database (imports stay
    atomic); content-addressed: the same bytes are one row, served at
    ``/flashcards/media/<sha256>.<ext>``, verified (`flashcards.media`)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sha256 = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type}, {self.size} B)"

    @property
    def extension(self) -> str:
        return media.ALL_EXTENSIONS.get(self.content_type, "bin")

    @property
    def is_audio(self) -> bool:
        return self.content_type.startswith("audio/")

    @property
    def url(self) -> str:
        return f"/flashcards/media/{self.sha256}.{self.extension}"
