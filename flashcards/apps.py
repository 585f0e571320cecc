from django.apps import AppConfig


class FlashcardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "flashcards"
