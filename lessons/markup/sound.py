"""Anki's audio tag, ``[sound:…]``, as an audio player.

Pure. A card field refers to a stored audio file as Anki does, with the
site's URL for it: ``[sound:/flashcards/media/<sha256>.mp3]``
(`flashcards.media`). That becomes a native ``<audio controls>`` player
(keyboard and screen-reader usable, loaded only when played). A sound tag
naming anything else, such as a file an imported package lacked, becomes a
short text saying so: never a fetch from another server.
"""

from __future__ import annotations

import html
import re

from lessons.markup.mathtext import Stash

#: The audio a user's markdown may play: the site's own card media, as
#: `flashcards.media.AUDIO_EXTENSIONS` names them.
AUDIO_EXTENSIONS = ("flac", "m4a", "mp3", "ogg", "wav", "webm")
USER_AUDIO_SRC = re.compile(
    r"/flashcards/media/[0-9a-f]{64}\.(?:" + "|".join(AUDIO_EXTENSIONS) + r")"
)
SOUND = re.compile(r"\[sound:([^\]\[<>\n]+)\]")


def lift_sound(text: str, stash: Stash) -> str:
    """``text`` with each ``[sound:…]`` stashed as its player (or its notice)."""

    def repl(m: re.Match[str]) -> str:
        src = m[1].strip()
        if USER_AUDIO_SRC.fullmatch(src):
            return stash.add(
                "A",
                f'<audio controls preload="none" src="{src}" '
                f'aria-label="Audio"></audio>',
            )
        name = html.escape(src.rsplit("/", 1)[-1])
        return stash.add(
            "A", f'<span class="sound-missing">(audio “{name}” is missing)</span>'
        )

    return SOUND.sub(repl, text)
