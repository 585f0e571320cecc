"""Images and audio in notes: which bytes are accepted, how fields refer to them.

Pure (no Django). A file is accepted by its content, not its name: PNG,
JPEG, GIF and WebP images (SVG never: it can carry script) and MP3, Ogg, WAV,
FLAC, M4A and WebM audio, by their magic bytes. Fields refer to a stored file
by ``/flashcards/media/<sha256>.<ext>``: an image as markdown ``![alt](url)``
or ``<img src="url">``, audio as Anki writes it, ``[sound:url]`` (rendered as
an audio player). An Anki package refers to a file by its name, and
`to_package_names` / `from_package_names` translate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

DEFAULT_MAX_IMAGE_BYTES = 2 * 1024 * 1024
MEDIA_PREFIX = "/flashcards/media/"
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}
AUDIO_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/mp4": "m4a",
    "audio/webm": "webm",
}
ALL_EXTENSIONS = {**EXTENSIONS, **AUDIO_EXTENSIONS}
EXT_PATTERN = "|".join(sorted(set(ALL_EXTENSIONS.values())))
_MEDIA_URL = re.compile(rf"/flashcards/media/([0-9a-f]{{64}})\.({EXT_PATTERN})\b")
#: ``[sound:name]``, Anki's audio tag (a name has no ``]``).
SOUND = re.compile(r"\[sound:([^\]\[<>\n]+)\]")
_AUDIO_ELEMENT = re.compile(
    rf'<audio[^>]*\bsrc="(/flashcards/media/[0-9a-f]{{64}}\.(?:{EXT_PATTERN}))[^"]*"[^>]*>'
    r"(?:.*?</audio>)?",
    re.S,
)
_M4A_BRANDS = (b"M4A ", b"M4B ", b"mp42", b"isom", b"dash", b"iso2", b"mp41")


class MediaError(ValueError):
    """Not an accepted image or audio file; the message says why."""


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
    return _checked(
        data,
        max_bytes,
        sniff_image,
        "Only PNG, JPEG, GIF and WebP images are accepted.",
    )


def _checked(
    data: bytes, max_bytes: int, sniff: Callable[[bytes], str | None], refusal: str
) -> str:
    """The content type ``sniff`` finds in ``data``, or MediaError: empty, too
    large, or of no accepted type (``refusal``)."""
    if not data:
        raise MediaError("The file is empty.")
    if len(data) > max_bytes:
        raise MediaError(
            f"The file is {len(data):,} bytes; at most {max_bytes:,} are allowed."
        )
    kind = sniff(data)
    if kind is None:
        raise MediaError(refusal)
    return kind


def sniff_audio(data: bytes) -> str | None:
    """The audio type the bytes are (``audio/mpeg``...), or None."""
    if data.startswith(b"ID3") or (
        len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
    ):
        return "audio/mpeg"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    if data[4:8] == b"ftyp" and data[8:12] in _M4A_BRANDS:
        return "audio/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    return None


def check_media(data: bytes, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> str:
    """The content type of an accepted image or audio file, or MediaError."""
    return _checked(
        data,
        max_bytes,
        lambda d: sniff_image(d) or sniff_audio(d),
        "Only PNG, JPEG, GIF and WebP images and MP3, Ogg, WAV, FLAC, M4A and "
        "WebM audio are accepted.",
    )


def media_hashes(text: str) -> list[tuple[str, str]]:
    """``(sha256, ext)`` of every stored file a field refers to."""
    return [(m[1], m[2]) for m in _MEDIA_URL.finditer(text)]


def to_package_names(text: str, names: Mapping[str, str] | None = None) -> str:
    """Fields for an Anki package: ``/flashcards/media/<h>.png`` -> the file's
    name in the package (``names``: sha256 -> name, else ``<h>.png``); an audio
    player becomes Anki's ``[sound:name]``."""
    names = names or {}
    text = _AUDIO_ELEMENT.sub(lambda m: f"[sound:{m[1]}]", text)
    return _MEDIA_URL.sub(lambda m: names.get(m[1], f"{m[1]}.{m[2]}"), text)


def from_package_names(text: str, urls: Mapping[str, str]) -> str:
    """Fields from an Anki package: each known file name becomes its URL.

    Names are replaced where a field refers to a file: ``src="name"``
    (either quote), markdown ``](name)`` and ``[sound:name]``.
    """
    if not urls:
        return text
    text = SOUND.sub(lambda m: f"[sound:{urls.get(m[1], m[1])}]", text)

    text = re.sub(r"""(src\s*=\s*")([^"]+)(?=")""", lambda m: _keep(m, urls), text)
    text = re.sub(r"""(src\s*=\s*')([^']+)(?=')""", lambda m: _keep(m, urls), text)
    return re.sub(r"(\]\()([^)\s]+)(?=\))", lambda m: _keep(m, urls), text)


def _keep(m: re.Match[str], urls: Mapping[str, str]) -> str:
    return f"{m[1]}{urls.get(m[2], m[2])}"
