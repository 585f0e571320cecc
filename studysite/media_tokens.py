"""Tokens that let one user fetch one stored image for about an hour.

A token names the image (its sha256), the user and the hour it was made in,
and is good for that hour and the next: a URL stays the same for an hour
(browsers cache the image) and stops working within two. The permission rule
(`studysite.permissions.media_readable`) checks it; flashcards signs the image
URLs of the notes it shows (`flashcards.media_access.sign_media`).
"""

from __future__ import annotations

import hmac
import time

from django.core import signing

_SALT = "flashcards.media"
_HOUR = 3600


def _signature(sha256: str, *, user_id: int, hour: int) -> str:
    return signing.Signer(salt=_SALT).signature(f"{sha256}:{user_id}:{hour}")


def token_for(sha256: str, *, user_id: int, now: float | None = None) -> str:
    hour = int((time.time() if now is None else now) // _HOUR)
    return f"{hour}.{_signature(sha256, user_id=user_id, hour=hour)}"


def token_valid(
    sha256: str, token: str, *, user_id: int | None, now: float | None = None
) -> bool:
    """Whether ``token`` was made for this image and user within the last two
    hours."""
    if user_id is None or not token:
        return False
    hour_text, _, signature = str(token).partition(".")
    if not hour_text.isdigit() or not signature:
        return False
    hour = int(hour_text)
    current = int((time.time() if now is None else now) // _HOUR)
    if hour not in (current, current - 1):
        return False
    expected = _signature(sha256, user_id=user_id, hour=hour)
    return hmac.compare_digest(expected, signature)
