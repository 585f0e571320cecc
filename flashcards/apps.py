from django.apps import AppConfig


def _new_user_studies_the_lessons(sender, instance, created, raw=False, **kwargs):
    """A new (active) user is subscribed to the lesson decks, so their first
    review works with no setup; one click on the deck page unsubscribes."""
    if created and not raw and instance.is_active:
        from flashcards.services import subscribe_to_lesson_decks

        subscribe_to_lesson_decks(learner=instance)


class FlashcardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "flashcards"

    def ready(self) -> None:
        from flashcards.lesson_cards import on_lesson_loaded
        from lessons.services import lesson_loaded

        lesson_loaded.connect(
            on_lesson_loaded, dispatch_uid="flashcards.lesson_cards.on_lesson_loaded"
        )
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        post_save.connect(
            _new_user_studies_the_lessons,
            sender=get_user_model(),
            dispatch_uid="flashcards.new_user_studies_the_lessons",
        )

    def objective_links(self, lesson, key):
        """Links to the lesson's generated deck for one objective (see
        ``lessons.selectors.objective_links``). One query per lesson object:
        the counts of every objective are read at once and kept on it."""
        from django.db.models import Count
        from django.urls import reverse

        from flashcards.models import Card
        from lessons.selectors import ObjectiveLink

        counts = getattr(lesson, "_flashcards_objective_cards", None)
        if counts is None:
            rows = (
                Card.objects.filter(deck__is_system=True, deck__lesson_slug=lesson.slug)
                .values_list("deck_id", "note__objective_key")
                .annotate(n=Count("id"))
            )
            counts = {objective: (deck_id, n) for deck_id, objective, n in rows}
            lesson._flashcards_objective_cards = counts
        if key not in counts:
            return []
        deck_id, count = counts[key]
        study = reverse("flashcards:study-deck", args=[deck_id])
        browse = reverse("flashcards:deck-detail", args=[deck_id])
        return [
            ObjectiveLink(
                kind="cards",
                label=f"Flashcards: {count} generated cards for this objective",
                url=f"{browse}?objective={key}",
            ),
            ObjectiveLink(kind="cards", label="Review the lesson's deck", url=study),
        ]
