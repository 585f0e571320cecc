"""API paths of the lessons app, included under /api/v1/ (stable: other checks
drive them)."""

from django.urls import path

from lessons import apis

urlpatterns = [
    path("lessons/", apis.LessonListApi.as_view(), name="api-lesson-list"),
    path(
        "lessons/<slug:slug>/", apis.LessonDetailApi.as_view(), name="api-lesson-detail"
    ),
    path("formats/", apis.FormatListApi.as_view(), name="api-format-list"),
    path(
        "formats/<str:name>/encode",
        apis.FormatEncodeApi.as_view(),
        name="api-format-encode",
    ),
    path(
        "calculators/training-memory",
        apis.TrainingMemoryApi.as_view(),
        name="api-calc-training-memory",
    ),
    path(
        "calculators/inference-memory",
        apis.InferenceMemoryApi.as_view(),
        name="api-calc-inference-memory",
    ),
    path("calculators/kv-cache", apis.KVCacheApi.as_view(), name="api-calc-kv-cache"),
    path(
        "calculators/activation-memory",
        apis.ActivationMemoryApi.as_view(),
        name="api-calc-activation-memory",
    ),
    path(
        "calculators/training-compute",
        apis.TrainingComputeApi.as_view(),
        name="api-calc-training-compute",
    ),
]
