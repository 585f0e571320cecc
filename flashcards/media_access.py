"""Signed media URLs: an image or audio file is served by the rule of the note
it is in.

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

import re

from flashcards.media import EXT_PATTERN
from studysite.media_tokens import token_for

_URL = re.compile(rf"/flashcards/media/([0-9a-f]{{64}})\.({EXT_PATTERN})(?![?\w.])")


def sign_media(html: str, *, user_id: int | None, now: float | None = None) -> str:
    """``html`` with each stored image's URL signed for ``user_id``."""
    if user_id is None or "/flashcards/media/" not in html:
        return html
    return _URL.sub(
        lambda m: f"{m[0]}?t={token_for(m[1], user_id=user_id, now=now)}", html
    )
