"""API paths of the workers app, included under /api/v1/."""

from django.urls import path

from workers import apis, scheduler_apis

urlpatterns = [
    path("demos/", apis.DemoListApi.as_view(), name="api-demo-list"),
    path(
        "demos/runs/<int:run_id>/",
        apis.DemoRunDetailApi.as_view(),
        name="api-demo-run-detail",
    ),
    path(
        "demos/runs/<int:run_id>/share/",
        apis.DemoRunShareApi.as_view(),
        name="api-demo-run-share",
    ),
    path(
        "demos/shared/<uuid:token>/",
        apis.DemoRunSharedApi.as_view(),
        name="api-demo-run-shared",
    ),
    path(
        "demos/<slug:name>/runs/",
        apis.DemoRunCreateApi.as_view(),
        name="api-demo-run-create",
    ),
    path(
        "scheduler/fits/",
        scheduler_apis.SchedulerFitCreateApi.as_view(),
        name="api-scheduler-fit-create",
    ),
    path(
        "scheduler/fits/<int:fit_id>/",
        scheduler_apis.SchedulerFitDetailApi.as_view(),
        name="api-scheduler-fit-detail",
    ),
    path(
        "scheduler/parameters/",
        scheduler_apis.SchedulerParametersApi.as_view(),
        name="api-scheduler-parameters",
    ),
    path(
        "scheduler/reschedule/",
        scheduler_apis.SchedulerRescheduleApi.as_view(),
        name="api-scheduler-reschedule",
    ),
    path(
        "scheduler/simulations/",
        scheduler_apis.SchedulerSimulationCreateApi.as_view(),
        name="api-scheduler-simulation-create",
    ),
    path(
        "scheduler/simulations/<int:simulation_id>/",
        scheduler_apis.SchedulerSimulationDetailApi.as_view(),
        name="api-scheduler-simulation-detail",
    ),
]
