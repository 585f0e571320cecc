"""Images in notes: which bytes are accepted, and how fields refer to them.

Pure (no Django). An image is accepted by its content, not its name: PNG,
JPEG, GIF and WebP magic bytes (SVG never: it can carry script). Fields refer
to a stored image by ``/flashcards/media/<sha256>.<ext>`` (markdown
``![alt](url)`` or ``<img src="url">``); an Anki package refers to it by file
name, and `to_package_names` / `from_package_names` translate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_MAX_IMAGE_BYTES = 2 * 1024 * 1024
MEDIA_PREFIX = "/flashcards/media/"
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}

_MEDIA_URL = re.compile(r"/flashcards/media/([0-9a-f]{64})\.(png|jpg|gif|webp)")


class MediaError(ValueError):
    """Not an accepted image; the message says why."""


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes are (``image/png``...), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image(data: bytes, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> str:
    """Return the image's content type, or raise MediaError saying why not."""
    if not data:
        raise MediaError("The file is empty.")
    if len(data) > max_bytes:
        raise MediaError(
            f"The image is {len(data):,} bytes; at most {max_bytes:,} are allowed."
        )
    kind = sniff_image(data)
    if kind is None:
        raise MediaError("Only PNG, JPEG, GIF and WebP images are accepted.")
    return kind


def media_hashes(text: str) -> list[tuple[str, str]]:
    """``(sha256, ext)`` of every stored image a field refers to."""
    return [(m[1], m[2]) for m in _MEDIA_URL.finditer(text)]


def to_package_names(text: str) -> str:
    """Fields for an Anki package: ``/flashcards/media/<h>.png`` -> ``<h>.png``."""
    return _MEDIA_URL.sub(lambda m: f"{m[1]}.{m[2]}", text)


def from_package_names(text: str, urls: Mapping[str, str]) -> str:
    """Fields from an Anki package: each known file name becomes its URL.

    Names are replaced where a field refers to a file: ``src="name"``
    (either quote) and markdown ``](name)``.
    """
    if not urls:
        return text

    text = re.sub(r"""(src\s*=\s*")([^"]+)(?=")""", lambda m: _keep(m, urls), text)
    text = re.sub(r"""(src\s*=\s*')([^']+)(?=')""", lambda m: _keep(m, urls), text)
    return re.sub(r"(\]\()([^)\s]+)(?=\))", lambda m: _keep(m, urls), text)


def _keep(m: re.Match[str], urls: Mapping[str, str]) -> str:
    return f"{m[1]}{urls.get(m[2], m[2])}"
