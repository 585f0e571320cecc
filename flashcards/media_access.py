"""Signed image URLs: an image is served by the rule of the note it is in.

A page or API answer that shows a note to a user who may read it (the deck
page, the study queue) rewrites the note's image URLs into URLs signed for
that user: ``/flashcards/media/<sha256>.<ext>?t=<hour>.<signature>``. The
image view checks the signature (no query beyond the image itself), so images
stay fast and cacheable, while an anonymous visitor, or a user who was never
shown the note, gets a 404 (`studysite.permissions.media_readable`).

A signature names the image, the user and the hour it was made in, and is
good for that hour and the next: a URL stays the same for an hour (browsers
cache the image) and stops working within two. The uploader of an image and
admins need no signature.
"""

from __future__ import annotations

import hmac
import re
import time

from django.core import signing

_SALT = "flashcards.media"
_HOUR = 3600
_URL = re.compile(r"/flashcards/media/([0-9a-f]{64})\.(png|jpg|gif|webp)(?![?\w.])")


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


def sign_media(html: str, *, user_id: int | None, now: float | None = None) -> str:
    """``html`` with each stored image's URL signed for ``user_id``."""
    if user_id is None or "/flashcards/media/" not in html:
        return html
    return _URL.sub(
        lambda m: f"{m[0]}?t={token_for(m[1], user_id=user_id, now=now)}", html
    )
