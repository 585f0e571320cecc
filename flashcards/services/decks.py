"""Deck writes: create, change (text, options, who sees it), share with a
class, delete. Bad input is `studysite.errors.Invalid` naming the field.

A subdeck (``parent``) is titled with its whole path, Anki's way
(``Physics::Optics``). Who sees a deck is decided for its whole tree: a
change of visibility, or a share with a class, applies to every subdeck, and
renaming a deck renames the paths of its subdecks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from flashcards.models import (
    Deck,
    Visibility,
)
from flashcards.scheduling import (
    DeckOptions,
    SchedulingOptionsError,
)
from flashcards.selectors import deck_descendants
from studysite import errors
from studysite.models import User

PATH_SEPARATOR = "::"

DECK_FIELDS = (
    "title",
    "description",
    "lesson_slug",
    "objective_key",
    "options",
    "visibility",
)


def clean_options(options: Any) -> dict[str, Any]:
    """Validate deck options; return the given keys, normalised.

    Raises:
        Invalid: Naming each bad option as ``options.<name>``.
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise errors.Invalid({"options": "Must be an object."})
    try:
        full = DeckOptions.from_dict(options).to_dict()
    except SchedulingOptionsError as exc:
        raise errors.Invalid(
            {f"options.{key}": message for key, message in exc.errors.items()}
        ) from None
    return {key: full[key] for key in options}


def _clean_text(name: str, value: Any, *, max_length: int, required: bool) -> str:
    if not isinstance(value, str):
        raise errors.Invalid({name: "Must be text."})
    value = value.strip()
    if required and not value:
        raise errors.Invalid({name: "This field is required."})
    if len(value) > max_length:
        raise errors.Invalid({name: f"At most {max_length} characters."})
    return str(value)


def clean_visibility(value: Any) -> str:
    if value not in Visibility.values:
        raise errors.Invalid(
            {"visibility": "One of: " + ", ".join(Visibility.values) + "."}
        )
    return str(value)


def deck_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    options: Mapping[str, Any] | None = None,
    lesson_slug: str = "",
    objective_key: str = "",
    visibility: str = Visibility.PRIVATE,
    parent: Deck | None = None,
) -> Deck:
    """A new deck of ``owner``'s, private unless said otherwise; a subdeck of
    ``parent`` (one of the owner's, not a lesson's) sees what it sees."""
    if parent is not None:
        if parent.owner_id != owner.pk or parent.is_system:
            raise errors.Invalid({"parent": "A subdeck goes in a deck of your own."})
        visibility = parent.visibility
    return Deck.objects.create(
        owner=owner,
        parent=parent,
        visibility=clean_visibility(visibility),
        title=_clean_text("title", title, max_length=200, required=True),
        description=_clean_text(
            "description", description, max_length=20_000, required=False
        ),
        lesson_slug=_clean_text(
            "lesson_slug", lesson_slug, max_length=100, required=False
        ),
        objective_key=_clean_text(
            "objective_key", objective_key, max_length=100, required=False
        ),
        options=clean_options(options),
    )


def deck_update(*, deck: Deck, **changes: Any) -> Deck:
    """Change a deck; ``options`` are merged into the deck's own options."""
    unknown = set(changes) - set(DECK_FIELDS)
    if unknown:
        raise errors.Invalid(dict.fromkeys(sorted(unknown), "Unknown field."))
    limits = {"title": 200, "description": 20_000, "lesson_slug": 100}
    updates: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "options":
            updates[name] = clean_options({**deck.options, **(value or {})})
        elif name == "visibility":
            updates[name] = _visibility_change(deck, clean_visibility(value))
        else:
            updates[name] = _clean_text(
                name, value, max_length=limits.get(name, 100), required=name == "title"
            )
    below = deck_descendants(deck) if {"visibility", "title"} & set(updates) else []
    with transaction.atomic():
        for sub in below:
            if "visibility" in updates:
                sub.visibility = _visibility_change(sub, updates["visibility"])
            if "title" in updates:
                sub.title = _renamed(sub.title, deck.title, updates["title"])
        for name, value in updates.items():
            setattr(deck, name, value)
        deck.save()
        for sub in below:
            sub.save(update_fields=["visibility", "title", "updated_at"])
    return deck


def _renamed(path: str, old: str, new: str) -> str:
    """A subdeck's path once its ancestor ``old`` is called ``new``."""
    prefix = old + PATH_SEPARATOR
    if not path.startswith(prefix):
        return path
    return (new + PATH_SEPARATOR + path.removeprefix(prefix))[:200]


def _visibility_change(deck: Deck, visibility: str) -> str:
    """A deck assigned to a class stays shared with it: making it private is
    refused until the assignments are removed (nothing changes)."""
    if deck.is_system and visibility != Visibility.PUBLIC:
        raise errors.Invalid({"visibility": "A lesson's deck is public."})
    if visibility == Visibility.PRIVATE and deck.assignments.exists():
        names = ", ".join(
            deck.assignments.order_by("school_class__name").values_list(
                "school_class__name", flat=True
            )[:5]
        )
        raise errors.Invalid(
            {
                "visibility": f"This deck is assigned to {names}; remove the "
                "assignment before making it private."
            }
        )
    return visibility


def deck_share_with_class(*, deck: Deck) -> Deck:
    """An assigned private deck becomes a class deck (a public one stays
    public), and so do its subdecks."""
    for one in [deck, *deck_descendants(deck)]:
        if one.visibility == Visibility.PRIVATE:
            one.visibility = Visibility.CLASS
            one.save(update_fields=["visibility", "updated_at"])
    return deck


def deck_delete(*, deck: Deck) -> None:
    """Delete a deck with its subdecks, their notes, cards, memory states and
    review logs."""
    deck.delete()
