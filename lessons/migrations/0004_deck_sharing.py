"""Sharing: every existing deck gets its visibility, and nobody loses a card.

Before this, every teacher's deck and every lesson deck was in every learner's
review. Now (see `studysite.permissions`):

* a lesson's generated deck is ``public``, and every active user is
  subscribed to it, as a new user is on sign-up;
* a teacher's deck already assigned to a class becomes ``class``; every other
  deck stays ``private`` (the field's default);
* a learner who has memory on a deck they would no longer study (another
  teacher's deck, or a class deck of a class they are not in) keeps a
  subscription with ``origin="kept"``, which lets them go on studying it.

No memory state or review log is touched. Backwards, the subscriptions made
here are removed and every visibility goes back to ``private`` (the column
itself goes with flashcards 0003).
"""

from django.db import migrations
from django.db.models import Exists, F, OuterRef, Q

BATCH = 2000


def forwards(apps, schema_editor):
    Deck = apps.get_model("flashcards", "Deck")
    Subscription = apps.get_model("flashcards", "DeckSubscription")
    CardMemory = apps.get_model("flashcards", "CardMemory")
    Assignment = apps.get_model("lessons", "Assignment")
    Enrollment = apps.get_model("lessons", "Enrollment")
    User = apps.get_model("studysite", "User")

    Deck.objects.filter(is_system=True).update(visibility="public")
    assigned = Assignment.objects.filter(deck=OuterRef("pk"))
    Deck.objects.filter(is_system=False).filter(Exists(assigned)).update(
        visibility="class"
    )

    rows = []
    system_decks = list(
        Deck.objects.filter(is_system=True).values_list("pk", flat=True)
    )
    for user_id in User.objects.filter(is_active=True).values_list("pk", flat=True):
        rows += [
            Subscription(learner_id=user_id, deck_id=deck_id, origin="default")
            for deck_id in system_decks
        ]
    Subscription.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)

    # Whoever has memory on a deck they would not study keeps it.
    enrolled = Enrollment.objects.filter(
        learner=OuterRef(OuterRef("learner_id")), left_at__isnull=True
    )
    in_class = Assignment.objects.filter(
        deck=OuterRef("deck_id"),
        school_class__in=enrolled.values("school_class"),
    )
    subscribed = Subscription.objects.filter(
        learner=OuterRef("learner_id"), deck=OuterRef("deck_id")
    )
    pairs = (
        CardMemory.objects.exclude(deck__owner_id=F("learner_id"))
        .exclude(Q(Exists(subscribed)))
        .exclude(Q(Exists(in_class)))
        .values_list("learner_id", "deck_id")
        .distinct()
    )
    kept = [
        Subscription(learner_id=learner_id, deck_id=deck_id, origin="kept")
        for learner_id, deck_id in pairs.iterator()
    ]
    Subscription.objects.bulk_create(kept, ignore_conflicts=True, batch_size=BATCH)


def backwards(apps, schema_editor):
    apps.get_model("flashcards", "DeckSubscription").objects.filter(
        origin__in=("default", "kept")
    ).delete()
    apps.get_model("flashcards", "Deck").objects.update(visibility="private")


class Migration(migrations.Migration):
    dependencies = [
        ("flashcards", "0003_deck_sharing"),
        ("lessons", "0003_classes"),
        ("studysite", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
