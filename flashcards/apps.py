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
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        import flashcards.parameters  # noqa: F401 - connects the options cache's invalidation

        post_save.connect(
            _new_user_studies_the_lessons,
            sender=get_user_model(),
            dispatch_uid="flashcards.new_user_studies_the_lessons",
        )
