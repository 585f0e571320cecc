"""Pages of the workers app: the precision demos, the scheduler settings."""

from django.urls import path

from workers import scheduler_views, views

app_name = "workers"
urlpatterns = [
    path("demos/", views.demo_list, name="demo-list"),
    path("demos/runs/<int:run_id>/", views.demo_run, name="demo-run"),
    path("demos/runs/<int:run_id>/panel/", views.demo_run_panel, name="demo-run-panel"),
    path("demos/runs/<int:run_id>.json", views.demo_run_json, name="demo-run-json"),
    path("demos/runs/<int:run_id>.csv", views.demo_run_csv, name="demo-run-csv"),
    path("demos/runs/<int:run_id>/share/", views.demo_run_share, name="demo-run-share"),
    path("demos/shared/<uuid:token>/", views.demo_shared, name="demo-shared"),
    path(
        "demos/shared/<uuid:token>/panel/",
        views.demo_shared_panel,
        name="demo-shared-panel",
    ),
    path(
        "demos/shared/<uuid:token>.json",
        views.demo_shared_json,
        name="demo-shared-json",
    ),
    path(
        "demos/shared/<uuid:token>.csv", views.demo_shared_csv, name="demo-shared-csv"
    ),
    path("demos/<slug:name>/", views.demo_detail, name="demo-detail"),
    path("settings/scheduler/", scheduler_views.scheduler, name="scheduler"),
    path(
        "settings/scheduler/fits/",
        scheduler_views.scheduler_fit_start,
        name="scheduler-fit",
    ),
    path(
        "settings/scheduler/fits/<int:fit_id>/panel/",
        scheduler_views.scheduler_fit_panel,
        name="scheduler-fit-panel",
    ),
    path(
        "settings/scheduler/reschedule/",
        scheduler_views.scheduler_reschedule,
        name="scheduler-reschedule",
    ),
    path(
        "settings/scheduler/simulations/",
        scheduler_views.scheduler_simulate,
        name="scheduler-simulate",
    ),
    path(
        "settings/scheduler/simulations/<int:simulation_id>/panel/",
        scheduler_views.scheduler_simulation_panel,
        name="scheduler-simulation-panel",
    ),
]
