"""lessons 0004 (deck sharing) on a populated database, forwards and backwards.

The world is built with the historical models of the state before sharing
(flashcards 0002, lessons 0003); after migrating forward, what each learner
studies is judged by the current code (`flashcards.selectors.decks_studied`),
so that no card left anyone's review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("flashcards", "0002_generated_parametric_import"),
    ("lessons", "0003_classes"),
]
# Forward as far as the tables today's study queue reads (the learner's
# fitted parameters came in flashcards 0004, their own daily limits in 0006,
# subdecks in 0008).
AFTER = [("flashcards", "0008_deck_parent"), ("lessons", "0004_deck_sharing")]

SUBSCRIPTION_TABLE = "flashcards_decksubscription"
DECK_TABLE = "flashcards_deck"

pytestmark = pytest.mark.django_db(transaction=True)


def _executor() -> MigrationExecutor:
    """A fresh executor: its loader reads what is applied now."""
    return MigrationExecutor(connection)


def _migrate(targets: list[tuple[str, str]]):
    """Migrate to ``targets``; returns the historical apps of that state."""
    executor = _executor()
    executor.migrate(targets)
    executor = _executor()  # reload the applied set
    return executor.loader.project_state(targets).apps


def _latest() -> list[tuple[str, str]]:
    return _executor().loader.graph.leaf_nodes()


@pytest.fixture
def before_sharing(transactional_db) -> Iterator:
    """The database at the state before sharing; put back to the latest
    migration afterwards, even when the test fails (the suite's other tests
    and the flush that ends this one need every table)."""
    try:
        yield _migrate(BEFORE)
    finally:
        _migrate(_latest())


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {
            col.name
            for col in connection.introspection.get_table_description(cursor, table)
        }


# --- the world -------------------------------------------------------------------


def _deck_with_cards(apps, *, owner, title: str, is_system: bool = False, cards=3):
    Deck = apps.get_model("flashcards", "Deck")
    Note = apps.get_model("flashcards", "Note")
    Card = apps.get_model("flashcards", "Card")
    deck = Deck.objects.create(
        owner=owner,
        title=title,
        is_system=is_system,
        lesson_slug="precision" if is_system else "",
    )
    for n in range(cards):
        note = Note.objects.create(
            deck=deck,
            type="basic",
            fields={"Front": f"{title} {n}?", "Back": f"{title} {n}."},
        )
        Card.objects.create(deck=deck, note=note, ordinal=1)
    return deck


def _study(apps, *, learner, deck, now) -> None:
    """``learner`` has reviewed every card of ``deck`` once; all are due."""
    Card = apps.get_model("flashcards", "Card")
    CardMemory = apps.get_model("flashcards", "CardMemory")
    ReviewLog = apps.get_model("flashcards", "ReviewLog")
    for card in Card.objects.filter(deck=deck):
        last = now - timedelta(days=3)
        CardMemory.objects.create(
            learner=learner,
            deck=deck,
            card=card,
            state=2,
            due=now - timedelta(hours=1),
            stability=2.5,
            difficulty=5.0,
            last_review=last,
            reps=1,
        )
        ReviewLog.objects.create(
            learner=learner,
            deck=deck,
            card=card,
            rating=3,
            reviewed_at=last,
            review_state=0,
            state_before={"state": 0},
            state_after={"state": 2},
            interval_days=2.0,
        )


def _populate(apps) -> dict[str, int]:
    """Every kind of learner and deck the migration has to sort out; returns
    their ids by name."""
    User = apps.get_model("studysite", "User")
    Group = apps.get_model("auth", "Group")
    SchoolClass = apps.get_model("lessons", "SchoolClass")
    Enrollment = apps.get_model("lessons", "Enrollment")
    Assignment = apps.get_model("lessons", "Assignment")
    now = timezone.now()

    system = User.objects.create(username="flashcards-system", is_active=False)
    teachers, _ = Group.objects.get_or_create(name="teacher")
    teacher_a = User.objects.create(username="teacher-a")
    teacher_b = User.objects.create(username="teacher-b")
    teacher_a.groups.add(teachers)
    teacher_b.groups.add(teachers)
    l1 = User.objects.create(username="l1")
    l2 = User.objects.create(username="l2")
    l3 = User.objects.create(username="l3")
    inactive = User.objects.create(username="gone", is_active=False)

    lesson = _deck_with_cards(apps, owner=system, title="Lesson", is_system=True)
    a_assigned = _deck_with_cards(apps, owner=teacher_a, title="A assigned")
    a_unassigned = _deck_with_cards(apps, owner=teacher_a, title="A unassigned")
    b_deck = _deck_with_cards(apps, owner=teacher_b, title="B deck")

    school_class = SchoolClass.objects.create(teacher=teacher_a, name="A's class")
    Assignment.objects.create(school_class=school_class, deck=a_assigned)
    Enrollment.objects.create(
        school_class=school_class, learner=l1, joined_at=now - timedelta(days=30)
    )
    Enrollment.objects.create(
        school_class=school_class,
        learner=l2,
        joined_at=now - timedelta(days=30),
        left_at=now - timedelta(days=2),
    )

    _study(apps, learner=l1, deck=a_assigned, now=now)
    _study(apps, learner=l1, deck=lesson, now=now)
    _study(apps, learner=l2, deck=a_assigned, now=now)
    _study(apps, learner=l3, deck=b_deck, now=now)
    _study(apps, learner=l3, deck=a_unassigned, now=now)
    _study(apps, learner=teacher_a, deck=a_unassigned, now=now)  # their own

    return {
        "system": system.pk,
        "teacher_a": teacher_a.pk,
        "teacher_b": teacher_b.pk,
        "l1": l1.pk,
        "l2": l2.pk,
        "l3": l3.pk,
        "inactive": inactive.pk,
        "lesson": lesson.pk,
        "a_assigned": a_assigned.pk,
        "a_unassigned": a_unassigned.pk,
        "b_deck": b_deck.pk,
    }


def _history_counts(apps) -> dict[str, Counter]:
    """CardMemory and ReviewLog rows per (learner, deck)."""
    counts = {}
    for name in ("CardMemory", "ReviewLog"):
        model = apps.get_model("flashcards", name)
        counts[name] = Counter(model.objects.values_list("learner_id", "deck_id"))
    return counts


# --- tests -----------------------------------------------------------------------


def test_forwards_keeps_every_learners_decks_and_backwards_undoes_it(
    before_sharing,
) -> None:
    ids = _populate(before_sharing)
    history = _history_counts(before_sharing)
    assert sum(history["CardMemory"].values()) == 18
    assert sum(history["ReviewLog"].values()) == 18

    after = _migrate(AFTER)

    Deck = after.get_model("flashcards", "Deck")
    Subscription = after.get_model("flashcards", "DeckSubscription")
    visibility = Counter(Deck.objects.values_list("visibility", flat=True))
    origins = Counter(Subscription.objects.values_list("origin", flat=True))
    print(f"\ndecks by visibility: {dict(sorted(visibility.items()))}")
    print(f"subscriptions by origin: {dict(sorted(origins.items()))}")

    assert dict(Deck.objects.values_list("pk", "visibility")) == {
        ids["lesson"]: "public",
        ids["a_assigned"]: "class",
        ids["a_unassigned"]: "private",
        ids["b_deck"]: "private",
    }
    assert visibility == {"public": 1, "class": 1, "private": 2}

    rows = set(Subscription.objects.values_list("learner_id", "deck_id", "origin"))
    active = ["teacher_a", "teacher_b", "l1", "l2", "l3"]
    default = {(ids[who], ids["lesson"], "default") for who in active}
    kept = {
        (ids["l2"], ids["a_assigned"], "kept"),  # left the class
        (ids["l3"], ids["b_deck"], "kept"),
        (ids["l3"], ids["a_unassigned"], "kept"),
    }
    assert rows == default | kept
    assert origins == {"default": 5, "kept": 3}
    for nobody in ("inactive", "system"):
        assert not Subscription.objects.filter(learner_id=ids[nobody]).exists()
    # L1 studies A's assigned deck through the class, A their own deck.
    assert not Subscription.objects.filter(
        learner_id=ids["l1"], deck_id=ids["a_assigned"]
    ).exists()
    assert not Subscription.objects.filter(
        learner_id=ids["teacher_a"], origin="kept"
    ).exists()

    assert _history_counts(after) == history

    # The current code: every deck anyone has memory on is still studied,
    # and every due card is still in that learner's queue.
    from flashcards.models import CardMemory
    from flashcards.selectors import decks_studied, study_queue
    from studysite.models import User

    for learner_id, deck_id in history["CardMemory"]:
        learner = User.objects.get(pk=learner_id)
        assert decks_studied(learner=learner).filter(pk=deck_id).exists(), (
            learner.username,
            Deck.objects.get(pk=deck_id).title,
        )
    for learner_id in {pair[0] for pair in history["CardMemory"]}:
        learner = User.objects.get(pk=learner_id)
        due = set(
            CardMemory.objects.filter(learner=learner).values_list("card_id", flat=True)
        )
        assert due <= set(study_queue(learner=learner).card_ids), learner.username
    studied = {
        name: set(
            decks_studied(learner=User.objects.get(pk=ids[name])).values_list(
                "pk", flat=True
            )
        )
        for name in ("l1", "l2", "l3", "inactive")
    }
    assert studied == {
        "l1": {ids["lesson"], ids["a_assigned"]},
        "l2": {ids["lesson"], ids["a_assigned"]},
        "l3": {ids["lesson"], ids["b_deck"], ids["a_unassigned"]},
        "inactive": set(),
    }

    back = _migrate(BEFORE)

    assert SUBSCRIPTION_TABLE not in _tables()
    assert "visibility" not in _columns(DECK_TABLE)
    assert _history_counts(back) == history
    assert back.get_model("flashcards", "Deck").objects.count() == 4

    again = _migrate(AFTER)  # and forwards once more: the same rows
    assert (
        set(
            again.get_model("flashcards", "DeckSubscription").objects.values_list(
                "learner_id", "deck_id", "origin"
            )
        )
        == rows
    )


def test_forwards_then_backwards_on_an_empty_database(before_sharing) -> None:
    assert not before_sharing.get_model("studysite", "User").objects.exists()
    assert not before_sharing.get_model("flashcards", "Deck").objects.exists()

    after = _migrate(AFTER)

    assert SUBSCRIPTION_TABLE in _tables()
    assert "visibility" in _columns(DECK_TABLE)
    assert not after.get_model("flashcards", "DeckSubscription").objects.exists()
    assert not after.get_model("flashcards", "Deck").objects.exists()

    _migrate(BEFORE)

    assert SUBSCRIPTION_TABLE not in _tables()
    assert "visibility" not in _columns(DECK_TABLE)
