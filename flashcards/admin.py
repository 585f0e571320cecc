from django.contrib import admin

from flashcards.models import Card, CardMemory, Deck, DeckSubscription, Note, ReviewLog


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "owner",
        "visibility",
        "lesson_slug",
        "objective_key",
        "created_at",
    )
    list_filter = ("visibility", "is_system")
    search_fields = ("title", "owner__username")


@admin.register(DeckSubscription)
class DeckSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("learner", "deck", "origin", "created_at")
    list_filter = ("origin",)
    search_fields = ("learner__username", "deck__title")
    raw_id_fields = ("learner", "deck")


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("id", "deck", "type", "created_at")
    list_filter = ("type",)
    raw_id_fields = ("deck",)


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ("id", "note", "deck", "ordinal")
    raw_id_fields = ("note", "deck")


@admin.register(CardMemory)
class CardMemoryAdmin(admin.ModelAdmin):
    list_display = (
        "learner",
        "card",
        "state",
        "due",
        "reps",
        "lapses",
        "suspended",
        "leech",
    )
    list_filter = ("state", "suspended", "leech")
    raw_id_fields = ("learner", "card", "deck")


@admin.register(ReviewLog)
class ReviewLogAdmin(admin.ModelAdmin):
    list_display = ("learner", "card", "rating", "reviewed_at", "undone_at")
    raw_id_fields = ("learner", "card", "deck")

    def has_change_permission(self, request, obj=None) -> bool:  # append-only
        return False
