"""A deck written out: as an Anki package (with its images) or as CSV."""

from __future__ import annotations

from flashcards import anki, csvio, media
from flashcards.models import Deck, MediaFile


def _export_notes(deck: Deck) -> list[anki.ExportNote]:
    return [
        anki.ExportNote(id=n.pk, type=n.type, fields=dict(n.fields), tags=list(n.tags))
        for n in deck.notes.order_by("id")
    ]


def deck_export_apkg(*, deck: Deck) -> bytes:
    """The deck as an Anki package, with the images its notes show."""
    notes = _export_notes(deck)
    wanted: set[str] = set()
    for note in notes:
        for value in note.fields.values():
            if isinstance(value, str):
                wanted.update(sha for sha, _ in media.media_hashes(value))
    images = {
        f"{m.sha256}.{m.extension}": bytes(m.data)
        for m in MediaFile.objects.filter(sha256__in=wanted)
    }
    return anki.write_apkg(
        deck_id=deck.pk,
        title=deck.title,
        description=deck.description,
        notes=notes,
        images=images,
    )


def deck_export_csv(*, deck: Deck) -> str:
    return csvio.write_csv((n.type, n.fields, n.tags) for n in _export_notes(deck))
