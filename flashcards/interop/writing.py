"""Writing a read import (`reading.Plan`): the deck, its notes and cards, the
images, and each Anki card's review history replayed through our scheduler.

The caller runs `plan_write` inside one transaction: all or nothing. A
re-import (notes whose GUIDs the owner's deck holds) updates those notes in
place and adds the new ones to the same deck.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from flashcards import anki_export, media, selectors, services
from flashcards.interop.reading import Plan
from flashcards.interop.uploads import media_create
from flashcards.models import Card, Deck, Note
from studysite import errors
from studysite.models import User


def _target(*, owner: User, plan: Plan, into: Deck | None) -> Deck:
    """The deck to write into: the one asked for; else the owner's deck that
    holds most of the plan's notes already (by GUID: a re-import); else new."""
    if into is not None:
        return into
    guids = [external_id for _k, _f, _t, external_id, _c in plan.notes if external_id]
    if guids:
        held = (
            Note.objects.filter(deck__owner=owner, external_id__in=guids)
            .values("deck_id")
            .annotate(n=Count("id"))
            .order_by("-n", "-deck_id")
            .first()
        )
        if held is not None:
            deck = Deck.objects.get(pk=held["deck_id"])
            while deck.parent_id is not None:  # a re-import: the tree's root
                deck = Deck.objects.get(pk=deck.parent_id)
            return deck
        own = (
            Deck.objects.filter(
                owner=owner, parent=None, is_system=False, title=plan.title
            )
            .order_by("-pk")
            .first()
        )
        if own is not None and _exported_from(own, guids):
            return own  # one of the owner's decks, exported and sent back
    return services.deck_create(
        owner=owner, title=plan.title or "Imported deck", description=""
    )


def _exported_from(root: Deck, guids: list[str]) -> dict[str, Note]:
    """The notes of ``root``'s tree written here (no GUID of their own) that a
    package of this site's export names (`anki_export.note_guid`)."""
    wanted = set(guids)
    tree = [root, *selectors.deck_descendants(root)]
    return {
        guid: note
        for note in Note.objects.filter(deck__in=tree, external_id="")
        if (guid := anki_export.note_guid(note.pk)) in wanted
    }


def plan_write(
    *, owner: User, plan: Plan, into: Deck | None = None
) -> tuple[Deck, dict[str, int]]:
    """Write ``plan`` into ``owner``'s deck (`_target`); return it and the
    counts: ``notes`` (new), ``updated``, ``unchanged``, ``skipped``, and the
    deck's ``cards``, the ``images`` and ``reviews`` written.

    A note whose GUID the deck holds already is updated in place (fields and
    tags; its cards, and so every learner's schedule and history, stay), or
    left alone when nothing changed; its review history is not replayed
    again. One that cannot be updated (its type changed) is skipped and
    listed in ``plan.skipped``.
    """
    urls = {
        name: media_create(owner=owner, name=name, data=data).url
        for name, data in plan.media.items()
    }
    deck = _target(owner=owner, plan=plan, into=into)
    tree = [deck, *selectors.deck_descendants(deck)]
    guids = [n[3] for n in plan.notes if n[3]]
    held = {
        note.external_id: note
        for note in Note.objects.filter(deck__in=tree, external_id__in=guids)
    }
    if guids and len(held) < len(set(guids)):
        held = {**_exported_from(deck, guids), **held}
    subdecks: dict[str, Deck] = {"": deck}
    now = timezone.now()
    histories: list[tuple[Note, list[Any]]] = []
    counts = {"notes": 0, "updated": 0, "unchanged": 0, "reviews": 0}
    for index, (kind, fields, tags, external_id, cards) in enumerate(plan.notes):
        if urls:
            fields = {
                k: media.from_package_names(v, urls) if isinstance(v, str) else v
                for k, v in fields.items()
            }
        existing = held.get(external_id) if external_id else None
        if existing is not None:
            outcome = _update(existing, kind, fields, tags, plan)
            if outcome != "skipped":  # skipped ones are counted by the plan
                counts[outcome] += 1
            continue
        path = plan.decks[index] if index < len(plan.decks) else ""
        note = services.note_create(
            deck=_subdeck(deck, path, subdecks),
            type=kind,
            fields=fields,
            tags=tags,
            external_id=external_id,
            imported=True,
        )
        counts["notes"] += 1
        if cards:
            histories.append((note, cards))
    counts["reviews"] = _replay(owner=owner, histories=histories, now=now)
    tree = [deck, *selectors.deck_descendants(deck)]
    return deck, {
        **counts,
        "cards": Card.objects.filter(deck__in=tree).count(),
        "images": len(urls),
        "subdecks": len(tree) - 1,
    }


def _subdeck(root: Deck, path: str, made: dict[str, Deck]) -> Deck:
    """The subdeck ``path`` (``"Optics::Lenses"``) of ``root``, titled with its
    whole path as in Anki, found (a re-import) or made with its parents."""
    if path in made:
        return made[path]
    head, _, _leaf = path.rpartition("::")
    parent = _subdeck(root, head, made)
    title = f"{root.title}::{path}"[:200]
    found = Deck.objects.filter(owner=root.owner, parent=parent, title=title).first()
    made[path] = found or services.deck_create(
        owner=root.owner, title=title, parent=parent
    )
    return made[path]


def _update(
    note: Note, kind: str, fields: dict[str, Any], tags: list[str], plan: Plan
) -> str:
    """Bring an imported note up to date: ``updated``, ``unchanged`` or
    ``skipped`` (listed in the plan)."""
    if note.fields == fields and note.tags == tags and note.type == kind:
        return "unchanged"
    try:
        services.note_update(note=note, fields=fields, tags=tags, imported=True)
    except errors.Invalid as exc:
        reason = "; ".join(f"{k}: {v[0]}" for k, v in exc.fields.items())
        plan.skip(f"GUID {note.external_id}", fields, f"not updated ({reason})")
        return "skipped"
    return "updated"


def _replay(
    *, owner: User, histories: list[tuple[Note, list[Any]]], now: datetime
) -> int:
    """Replay the new notes' Anki review histories through our scheduler, in
    bulk (`services.package_history_replay`)."""
    by_note = {
        (card.note_id, card.ordinal): card
        for card in Card.objects.filter(
            note_id__in=[note.pk for note, _ in histories]
        ).select_related("note", "deck")
    }
    return services.package_history_replay(
        learner=owner,
        histories=[
            (by_note[note.pk, ordinal], history)
            for note, cards in histories
            for ordinal, history in cards
            if history and (note.pk, ordinal) in by_note
        ],
        now=now,
    )
