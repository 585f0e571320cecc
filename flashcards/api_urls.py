"""Paths of the flashcards API under /api/v1/ (stable)."""

from django.urls import path

from flashcards.apis import decks, grading, interop, limits, media, notes, study

urlpatterns = [
    path("decks/", decks.DeckListCreateApi.as_view(), name="flashcards-deck-list"),
    path("decks/<int:deck_id>/", decks.DeckDetailApi.as_view(), name="flashcards-deck"),
    path("catalog/", decks.DeckCatalogApi.as_view(), name="flashcards-catalog"),
    path(
        "decks/<int:deck_id>/subscription/",
        decks.DeckSubscriptionApi.as_view(),
        name="flashcards-deck-subscription",
    ),
    path(
        "decks/<int:deck_id>/my-limits/",
        limits.DeckMyLimitsApi.as_view(),
        name="flashcards-deck-my-limits",
    ),
    path(
        "decks/<int:deck_id>/notes/",
        notes.NoteCreateApi.as_view(),
        name="flashcards-note-create",
    ),
    path("notes/<int:note_id>/", notes.NoteDetailApi.as_view(), name="flashcards-note"),
    path("imports/", interop.ImportCreateApi.as_view(), name="flashcards-import"),
    path(
        "imports/<int:job_id>/",
        interop.ImportDetailApi.as_view(),
        name="flashcards-import-detail",
    ),
    path(
        "imports/<int:job_id>/mapping/",
        interop.ImportMappingApi.as_view(),
        name="flashcards-import-mapping",
    ),
    path(
        "imports/<int:job_id>/retry/",
        interop.ImportRetryApi.as_view(),
        name="flashcards-import-retry",
    ),
    path(
        "decks/<int:deck_id>/export.apkg",
        interop.DeckExportApi.as_view(export_format="apkg"),
        name="flashcards-deck-export-apkg",
    ),
    path(
        "decks/<int:deck_id>/export.csv",
        interop.DeckExportApi.as_view(export_format="csv"),
        name="flashcards-deck-export-csv",
    ),
    path("notes/bulk/", notes.NoteBulkApi.as_view(), name="flashcards-note-bulk"),
    path(
        "notes/preview/", notes.NotePreviewApi.as_view(), name="flashcards-note-preview"
    ),
    path("media/", media.MediaCreateApi.as_view(), name="flashcards-media"),
    path("study/queue", study.StudyQueueApi.as_view(), name="flashcards-queue"),
    path("study/queue/", study.StudyQueueSlashApi.as_view()),
    path("reviews/", study.ReviewCreateApi.as_view(), name="flashcards-review"),
    path("reviews/undo/", study.ReviewUndoApi.as_view(), name="flashcards-undo"),
    path(
        "reviews/export.csv",
        interop.ReviewExportApi.as_view(),
        name="flashcards-export",
    ),
    path(
        "cards/<int:card_id>/grade/",
        grading.CardGradeApi.as_view(),
        name="flashcards-card-grade",
    ),
    path(
        "reviews/<int:review_id>/variant/",
        grading.ReviewVariantApi.as_view(),
        name="flashcards-review-variant",
    ),
    *[
        path(
            f"cards/<int:card_id>/{action}/",
            study.CardActionApi.as_view(card_action=action),
            name=f"flashcards-card-{action}",
        )
        for action in ("suspend", "unsuspend", "bury", "unbury")
    ],
]
