"""Paths of the progress API under /api/v1/."""

from django.urls import path

from lessons.progress import apis

urlpatterns = [
    path(
        "progress/summary", apis.ProgressSummaryApi.as_view(), name="progress-summary"
    ),
    path(
        "progress/heatmap", apis.ProgressHeatmapApi.as_view(), name="progress-heatmap"
    ),
    path(
        "progress/retention",
        apis.ProgressRetentionApi.as_view(),
        name="progress-retention",
    ),
    path(
        "progress/forecast",
        apis.ProgressForecastApi.as_view(),
        name="progress-forecast",
    ),
    path(
        "progress/mastery", apis.ProgressMasteryApi.as_view(), name="progress-mastery"
    ),
    path(
        "progress/quizzes", apis.ProgressQuizzesApi.as_view(), name="progress-quizzes"
    ),
]
