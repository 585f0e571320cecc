"""Uploaded files: the size limits, reading an upload, and storing an image.

Errors are `studysite.errors.Invalid` on the ``file`` field, with the
sentence a form or an API client shows as it is.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings

from flashcards import anki, media
from flashcards.models import MediaFile
from studysite import errors
from studysite.models import User

DEFAULT_MAX_IMPORT_BYTES = 20 * 1024 * 1024


def max_import_bytes() -> int:
    return getattr(settings, "FLASHCARDS_IMPORT_MAX_BYTES", DEFAULT_MAX_IMPORT_BYTES)


def max_uncompressed_bytes() -> int:
    return getattr(
        settings,
        "FLASHCARDS_IMPORT_MAX_UNCOMPRESSED_BYTES",
        anki.DEFAULT_MAX_UNCOMPRESSED,
    )


def max_image_bytes() -> int:
    return getattr(
        settings, "FLASHCARDS_MAX_IMAGE_BYTES", media.DEFAULT_MAX_IMAGE_BYTES
    )


def too_large(size: int, limit: int, noun: str = "file") -> errors.Invalid:
    return errors.Invalid(
        {"file": f"The {noun} is {size:,} bytes; at most {limit:,} are allowed."}
    )


def read_upload(upload: Any, *, limit: int, noun: str = "file") -> bytes:
    """An upload's bytes, refused (`errors.Invalid` on ``file``) before reading
    when it is larger than ``limit``."""
    if upload.size > limit:
        raise too_large(upload.size, limit, noun)
    data: bytes = upload.read()
    return data


def media_create(*, owner: User | None, name: str, data: bytes) -> MediaFile:
    """Store an image or audio file (verified by its bytes); the same bytes are
    one row.

    Raises:
        errors.Invalid: ``file``: empty, too large, or not an accepted image
            or audio type (`flashcards.media.check_media`).
    """
    try:
        kind = media.check_media(data, max_bytes=max_image_bytes())
    except media.MediaError as exc:
        raise errors.Invalid({"file": str(exc)}) from None
    digest = hashlib.sha256(data).hexdigest()
    found = MediaFile.objects.filter(sha256=digest).first()
    if found is not None:
        return found
    clean_name = re.sub(r"[^\w.\-]+", "_", name or "image")[-200:] or "image"
    return MediaFile.objects.create(
        owner=owner,
        sha256=digest,
        name=clean_name,
        content_type=kind,
        size=len(data),
        data=data,
    )
