from django.urls import path

from flashcards import (
    authoring_views,
    import_export_views,
    limits_views,
    offline_views,
    views,
)

app_name = "flashcards"
urlpatterns = [
    path("study/", views.study, name="study"),
    path("study/sw.js", offline_views.service_worker, name="study-sw"),
    path("study/deck/<int:deck_id>/", views.study_deck, name="study-deck"),
    path("decks/", views.deck_list, name="deck-list"),
    path("decks/catalog/", views.deck_catalog, name="deck-catalog"),
    path("decks/<int:deck_id>/", views.deck_detail, name="deck-detail"),
    path(
        "decks/<int:deck_id>/visibility/",
        views.deck_visibility,
        name="deck-visibility",
    ),
    path("decks/<int:deck_id>/subscribe/", views.deck_subscribe, name="deck-subscribe"),
    path(
        "decks/<int:deck_id>/unsubscribe/",
        views.deck_unsubscribe,
        name="deck-unsubscribe",
    ),
    path(
        "decks/<int:deck_id>/my-limits/",
        limits_views.deck_my_limits,
        name="deck-my-limits",
    ),
    path("decks/<int:deck_id>/notes/new/", authoring_views.note_new, name="note-new"),
    path("decks/<int:deck_id>/bulk/", authoring_views.deck_bulk, name="deck-bulk"),
    path(
        "decks/<int:deck_id>/export.<str:fmt>",
        import_export_views.deck_export,
        name="deck-export",
    ),
    path("notes/<int:note_id>/edit/", authoring_views.note_edit, name="note-edit"),
    path(
        "notes/<int:note_id>/delete/", authoring_views.note_delete, name="note-delete"
    ),
    path("notes/preview/", authoring_views.note_preview, name="note-preview"),
    path("flashcards/media/", authoring_views.media_upload, name="media-upload"),
    path(
        "flashcards/media/<str:sha256>.<str:ext>",
        authoring_views.media_file,
        name="media-file",
    ),
    path("decks/import/", import_export_views.import_start, name="import-start"),
    path(
        "imports/<int:job_id>/", import_export_views.import_detail, name="import-detail"
    ),
    path(
        "imports/<int:job_id>/status/",
        import_export_views.import_status,
        name="import-status",
    ),
]
