"""Note writes: create and edit a note with its cards, bulk edits (tags,
move, delete) and delete. Cards keep their ids, so schedules survive edits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from flashcards import content
from flashcards.models import (
    Card,
    CardMemory,
    Deck,
    Note,
)
from studysite import errors


def _note_errors(exc: content.NoteContentError) -> errors.Invalid:
    return errors.Invalid(dict(exc.errors))


@transaction.atomic
def note_create(
    *,
    deck: Deck,
    type: str,  # noqa: A002 - the API's name
    fields: Mapping[str, Any],
    tags: Iterable[str] | None = None,
    external_id: str = "",
    source_key: str = "",
    lesson_slug: str = "",
    section_anchor: str = "",
    objective_key: str = "",
    imported: bool = False,
) -> Note:
    """Create a note and its cards (basic 1, basic_reversed 2, cloze one per
    number, numeric 1, parametric 1).

    ``imported``: checked with Anki's leniency (`content.validate_imported_note`:
    a basic note may have an empty back), as imports are.
    """
    try:
        if imported:
            type, clean_fields, clean_tags = content.validate_imported_note(  # noqa: A001
                type, fields, tags
            )
        else:
            clean_fields, clean_tags = content.validate_note(type, fields, tags)
    except content.NoteContentError as exc:
        raise _note_errors(exc) from None
    note = Note.objects.create(
        deck=deck,
        type=type,
        fields=clean_fields,
        tags=clean_tags,
        external_id=external_id,
        source_key=source_key,
        lesson_slug=lesson_slug,
        section_anchor=section_anchor,
        objective_key=objective_key,
    )
    Card.objects.bulk_create(
        Card(note=note, deck=deck, ordinal=ordinal)
        for ordinal in content.card_ordinals(type, clean_fields)
    )
    return note


@transaction.atomic
def note_update(
    *,
    note: Note,
    fields: Mapping[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    imported: bool = False,
) -> Note:
    """Edit a note's text or tags; every learner's schedule is kept.

    Cards keep their ids (and so their memory states) by ordinal: editing the
    text of a cloze keeps ``c1``'s schedule; a new ``c3`` makes a new card and a
    removed ``c2`` deletes its card. ``imported``: a re-import's update,
    checked as imports are (`note_create`).
    """
    new_fields = note.fields if fields is None else fields
    new_tags = note.tags if tags is None else tags
    try:
        if imported:
            kind, clean_fields, clean_tags = content.validate_imported_note(
                note.type, new_fields, new_tags
            )
            if kind != note.type:
                raise content.NoteContentError(
                    {"type": f"Would become a {kind} note; it is a {note.type} note."}
                )
        else:
            clean_fields, clean_tags = content.validate_note(
                note.type, new_fields, new_tags
            )
    except content.NoteContentError as exc:
        raise _note_errors(exc) from None
    wanted = set(content.card_ordinals(note.type, clean_fields))
    have = set(note.cards.values_list("ordinal", flat=True))
    note.cards.filter(ordinal__in=have - wanted).delete()
    Card.objects.bulk_create(
        Card(note=note, deck_id=note.deck_id, ordinal=ordinal)
        for ordinal in sorted(wanted - have)
    )
    note.fields = clean_fields
    note.tags = clean_tags
    note.save(update_fields=["fields", "tags", "updated_at"])
    return note


BULK_ACTIONS = ("add_tags", "remove_tags", "move", "delete")


@transaction.atomic
def notes_bulk_update(
    *,
    deck: Deck,
    note_ids: Iterable[int],
    action: str,
    tags: Iterable[str] = (),
    target: Deck | None = None,
) -> int:
    """Add or remove tags on, move or delete some of a deck's notes.

    Moving keeps every card (and so every learner's schedule and history):
    the notes, their cards and the memory rows change deck. The caller checks
    that the user owns ``deck`` and ``target``.

    Returns:
        How many notes were changed.

    Raises:
        Invalid: Unknown action, bad tags, no target, or notes not in the deck.
    """
    if action not in BULK_ACTIONS:
        raise errors.Invalid({"action": f"Must be one of {list(BULK_ACTIONS)}."})
    ids = sorted({int(i) for i in note_ids})
    notes = list(Note.objects.select_for_update().filter(deck=deck, pk__in=ids))
    if not ids or len(notes) != len(ids):
        raise errors.Invalid({"notes": "Choose notes of this deck."})
    if action == "delete":
        Note.objects.filter(pk__in=ids).delete()
        return len(ids)
    if action == "move":
        if target is None or target.pk == deck.pk:
            raise errors.Invalid({"target": "Choose another deck of yours."})
        Note.objects.filter(pk__in=ids).update(deck=target, source_key="")
        Card.objects.filter(note_id__in=ids).update(deck=target)
        CardMemory.objects.filter(card__note_id__in=ids).update(
            deck=target, version=F("version") + 1
        )
        # Older cards now sit in the target: its new-card floor hint, keyed on
        # updated_at, must not be trusted any more (`selectors.new_cards`).
        Deck.objects.filter(pk=target.pk).update(updated_at=timezone.now())
        return len(ids)
    try:
        _, clean = content.validate_note(
            "basic", {"front": "x", "back": "x"}, list(tags)
        )
    except content.NoteContentError as exc:
        raise _note_errors(exc) from None
    if not clean:
        raise errors.Invalid({"tags": "Give at least one tag."})
    for note in notes:
        if action == "add_tags":
            new = [*note.tags, *(t for t in clean if t not in note.tags)]
        else:
            new = [t for t in note.tags if t not in clean]
        if new != note.tags:
            note_update(note=note, tags=new)
    return len(notes)


@transaction.atomic
def note_delete(*, note: Note) -> None:
    note.delete()
