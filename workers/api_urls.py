"""API paths of the workers app, included under /api/v1/."""

from django.urls import path

from workers import apis

urlpatterns = [
    path("demos/", apis.DemoListApi.as_view(), name="api-demo-list"),
    path(
        "demos/runs/<int:run_id>/",
        apis.DemoRunDetailApi.as_view(),
        name="api-demo-run-detail",
    ),
    path(
        "demos/<slug:name>/runs/",
        apis.DemoRunCreateApi.as_view(),
        name="api-demo-run-create",
    ),
]
