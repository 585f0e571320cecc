"""Paths of the flashcards API under /api/v1/ (stable)."""

from django.urls import path

from flashcards import apis

urlpatterns = [
    path("decks/", apis.DeckListCreateApi.as_view(), name="flashcards-deck-list"),
    path("decks/<int:deck_id>/", apis.DeckDetailApi.as_view(), name="flashcards-deck"),
    path("catalog/", apis.DeckCatalogApi.as_view(), name="flashcards-catalog"),
    path(
        "decks/<int:deck_id>/subscription/",
        apis.DeckSubscriptionApi.as_view(),
        name="flashcards-deck-subscription",
    ),
    path(
        "decks/<int:deck_id>/notes/",
        apis.NoteCreateApi.as_view(),
        name="flashcards-note-create",
    ),
    path("notes/<int:note_id>/", apis.NoteDetailApi.as_view(), name="flashcards-note"),
    path("imports/", apis.ImportCreateApi.as_view(), name="flashcards-import"),
    path(
        "imports/<int:job_id>/",
        apis.ImportDetailApi.as_view(),
        name="flashcards-import-detail",
    ),
    path(
        "imports/<int:job_id>/mapping/",
        apis.ImportMappingApi.as_view(),
        name="flashcards-import-mapping",
    ),
    path(
        "imports/<int:job_id>/retry/",
        apis.ImportRetryApi.as_view(),
        name="flashcards-import-retry",
    ),
    path(
        "decks/<int:deck_id>/export.apkg",
        apis.DeckExportApi.as_view(export_format="apkg"),
        name="flashcards-deck-export-apkg",
    ),
    path(
        "decks/<int:deck_id>/export.csv",
        apis.DeckExportApi.as_view(export_format="csv"),
        name="flashcards-deck-export-csv",
    ),
    path("notes/bulk/", apis.NoteBulkApi.as_view(), name="flashcards-note-bulk"),
    path(
        "notes/preview/", apis.NotePreviewApi.as_view(), name="flashcards-note-preview"
    ),
    path("media/", apis.MediaCreateApi.as_view(), name="flashcards-media"),
    path("study/queue", apis.StudyQueueApi.as_view(), name="flashcards-queue"),
    path("study/queue/", apis.StudyQueueSlashApi.as_view()),
    path("reviews/", apis.ReviewCreateApi.as_view(), name="flashcards-review"),
    path("reviews/undo/", apis.ReviewUndoApi.as_view(), name="flashcards-undo"),
    path(
        "reviews/export.csv",
        apis.ReviewExportApi.as_view(),
        name="flashcards-export",
    ),
    path(
        "cards/<int:card_id>/grade/",
        apis.CardGradeApi.as_view(),
        name="flashcards-card-grade",
    ),
    path(
        "reviews/<int:review_id>/variant/",
        apis.ReviewVariantApi.as_view(),
        name="flashcards-review-variant",
    ),
    *[
        path(
            f"cards/<int:card_id>/{action}/",
            apis.CardActionApi.as_view(card_action=action),
            name=f"flashcards-card-{action}",
        )
        for action in ("suspend", "unsuspend", "bury", "unbury")
    ],
]
