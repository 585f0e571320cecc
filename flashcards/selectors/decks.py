"""Decks, notes and cards a user may see: lookups, the learner's deck
summaries, the catalog and a deck's sharing.

Who may read and study which deck is `studysite.permissions`' rule; these
functions apply it. A deck the user may not see is `studysite.errors.NotFound`
(a 404), never `Forbidden`.
"""

from __future__ import annotations

import json
from collections import defaultdict

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.functions import Cast

from flashcards.models import (
    Card,
    Deck,
    DeckSubscription,
    Note,
    Visibility,
)
from studysite import errors, permissions
from studysite.models import User


def decks_studied(*, learner: User) -> QuerySet[Deck]:
    """Decks in the learner's daily review: their own, their subscriptions and
    their classes' (`studysite.permissions.deck_studied`)."""
    return Deck.objects.filter(permissions.deck_studied(learner))


#: Deeper trees than this are not walked (Anki allows any depth; real decks
#: rarely pass four levels).
MAX_DECK_DEPTH = 12


def deck_descendants(deck: Deck) -> list[Deck]:
    """The deck's subdecks, their subdecks and so on, by title (one query a
    level)."""
    found: list[Deck] = []
    level = [deck.pk]
    for _ in range(MAX_DECK_DEPTH):
        children = list(Deck.objects.filter(parent_id__in=level))
        if not children:
            break
        found += children
        level = [child.pk for child in children]
    return sorted(found, key=lambda d: (d.title, d.pk))


def deck_study_tree(*, learner: User, deck: Deck) -> list[Deck]:
    """What studying ``deck`` studies, as in Anki: the deck and those of its
    subdecks the learner studies (`decks_studied`; all of them for the owner)."""
    below = deck_descendants(deck)
    if not below:
        return [deck]
    if deck.owner_id != learner.pk or any(d.owner_id != learner.pk for d in below):
        studied = set(
            decks_studied(learner=learner)
            .filter(pk__in=[d.pk for d in below])
            .values_list("pk", flat=True)
        )
        below = [d for d in below if d.pk in studied]
    return [deck, *below]


def decks_writable(*, user: User) -> QuerySet[Deck]:
    """Decks the user may change (their own, not a lesson's), by title."""
    return Deck.objects.filter(permissions.deck_writable_q(user)).order_by(
        "title", "id"
    )


def decks_readable(*, user: User) -> QuerySet[Deck]:
    """Decks the user may open, read and export (studied ones and the catalog)."""
    return Deck.objects.filter(permissions.deck_readable(user))


def deck_get_readable(*, user: User, deck_id: int) -> Deck:
    """The deck, or 404 if the user may not see it."""
    deck = decks_readable(user=user).filter(pk=deck_id).select_related("owner").first()
    if deck is None:
        raise errors.NotFound("No such deck.")
    return deck


def deck_get_studied(*, learner: User, deck_id: int) -> Deck:
    """A deck the learner studies; 404 otherwise (a catalog deck is studied
    once subscribed)."""
    deck = Deck.objects.filter(pk=deck_id).first()
    if deck is None or not permissions.deck_studied_one(learner, deck):
        raise errors.NotFound("No such deck among the decks you study.")
    return deck


def deck_get_owned(*, learner: User, deck_id: int) -> Deck:
    """The learner's own deck; 404 if unreadable, 403 if readable but not theirs."""
    deck = deck_get_readable(user=learner, deck_id=deck_id)
    if not permissions.deck_writable(learner, deck):
        if deck.is_system:
            raise errors.Forbidden(
                "This deck is generated from a lesson; it is read-only "
                "(regenerate it with manage.py generate_cards)."
            )
        raise errors.Forbidden("Only the deck's owner may change it.")
    return deck


def card_get_readable(*, user: User, card_id: int) -> Card:
    """The card with its note and deck, or 404 if the user may not see it."""
    card = (
        Card.objects.select_related("note", "deck")
        .filter(pk=card_id, deck__in=decks_readable(user=user))
        .first()
    )
    if card is None:
        raise errors.NotFound("No such card.")
    return card


NOTES_PER_PAGE = 50


def deck_notes(
    *, deck: Deck, text: str = "", tag: str = "", objective: str = ""
) -> QuerySet[Note]:
    """A deck's notes, newest first, narrowed by ``text`` (in any field, any
    case), ``tag`` (one tag, exactly) and ``objective`` (a lesson's)."""
    notes = deck.notes.order_by("-id")
    if objective:
        notes = notes.filter(objective_key=objective)
    # JSON as the database prints it: SQLite keeps Django's \\u escapes of
    # non-ASCII letters (whose case LIKE cannot fold: the lower, upper and
    # capitalised forms are tried), Postgres prints the letters.
    if text.strip():
        wanted = text.strip()
        escaped = [
            json.dumps(form)[1:-1]
            for form in (wanted, wanted.lower(), wanted.upper(), wanted.capitalize())
        ]
        notes = notes.annotate(_text=Cast("fields", TextField())).filter(
            _either("_text__icontains", wanted, *escaped)
        )
    if tag.strip():
        # Tags are a JSON list of strings: a tag is found with its quotes.
        notes = notes.annotate(_tags=Cast("tags", TextField())).filter(
            _either(
                "_tags__contains",
                json.dumps(tag.strip(), ensure_ascii=False),
                json.dumps(tag.strip()),
            )
        )
    return notes


def _either(lookup: str, *values: str) -> Q:
    found = Q()
    for value in dict.fromkeys(values):
        found |= Q(**{lookup: value})
    return found


def note_get_readable(*, user: User, note_id: int) -> Note:
    note = (
        Note.objects.select_related("deck")
        .filter(pk=note_id, deck__in=decks_readable(user=user))
        .first()
    )
    if note is None:
        raise errors.NotFound("No such note.")
    return note


class StudySource:
    """Why a learner studies a deck (``Deck.source`` in the summaries)."""

    OWN = "own"
    SUBSCRIBED = "subscribed"
    CLASS = "class"


def _annotate_source(decks: QuerySet[Deck], *, learner: User) -> QuerySet[Deck]:
    return decks.annotate(
        is_own=ExpressionWrapper(Q(owner=learner), output_field=BooleanField()),
        via_class=ExpressionWrapper(
            permissions.deck_assigned_to_user(learner), output_field=BooleanField()
        ),
        via_subscription=ExpressionWrapper(
            permissions.deck_subscribed(learner), output_field=BooleanField()
        ),
    )


def deck_source(deck: Deck) -> str:
    if getattr(deck, "is_own", False):
        return StudySource.OWN
    if getattr(deck, "via_class", False):
        return StudySource.CLASS
    return StudySource.SUBSCRIBED


def deck_summaries(*, learner: User) -> list[Deck]:
    """Studied decks with ``note_count``, ``card_count`` and why they are
    studied (`deck_source`), plus ``class_names`` for class decks."""
    decks = list(
        _annotate_source(decks_studied(learner=learner), learner=learner)
        .select_related("owner")
        .annotate(
            note_count=Count("notes", distinct=True),
            card_count=Count("cards", distinct=True),
        )
        .order_by("title", "id")
    )
    names = deck_class_names(learner=learner, deck_ids=[d.pk for d in decks])
    for deck in decks:
        deck.source = deck_source(deck)
        deck.class_names = names.get(deck.pk, [])
    return decks


def deck_class_names(*, learner: User, deck_ids: list[int]) -> dict[int, list[str]]:
    """The classes (enrolled now) through which each deck comes to the learner."""
    if not deck_ids:
        return {}
    rows = (
        Deck.objects.filter(pk__in=deck_ids)
        .filter(permissions.deck_assigned_to_user(learner))
        .filter(
            assignments__school_class__enrollments__learner=learner,
            assignments__school_class__enrollments__left_at__isnull=True,
        )
        .values_list("pk", "assignments__school_class__name")
        .order_by("assignments__school_class__name")
    )
    names: dict[int, list[str]] = defaultdict(list)
    for deck_id, name in rows:
        if name not in names[deck_id]:
            names[deck_id].append(name)
    return names


def deck_catalog(*, user: User) -> list[Deck]:
    """Public decks, with ``subscribed`` (for ``user``), counts and owners."""
    subscribed = DeckSubscription.objects.filter(deck=OuterRef("pk"), learner=user)
    return list(
        Deck.objects.filter(visibility=Visibility.PUBLIC)
        .select_related("owner")
        .annotate(
            subscribed=Exists(subscribed),
            note_count=Count("notes", distinct=True),
            card_count=Count("cards", distinct=True),
        )
        .order_by("-is_system", "title", "id")
    )


def deck_is_studied(*, learner: User, deck: Deck) -> bool:
    return permissions.deck_studied_one(learner, deck)


def deck_sharing(*, deck: Deck) -> dict[str, object]:
    """What the owner sees of a deck's sharing: the classes it is assigned to
    (with their learner counts) and how many subscribe to it."""
    classes = list(
        deck.assignments.select_related("school_class")
        .annotate(
            learners=Count(
                "school_class__enrollments",
                filter=Q(school_class__enrollments__left_at__isnull=True),
            )
        )
        .order_by("school_class__name")
        .values("school_class_id", "school_class__name", "learners")
    )
    return {
        "classes": [
            {
                "id": row["school_class_id"],
                "name": row["school_class__name"],
                "learners": row["learners"],
            }
            for row in classes
        ],
        "subscribers": deck.subscriptions.count(),
    }
