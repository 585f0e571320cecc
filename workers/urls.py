"""Pages of the workers app: the precision demos."""

from django.urls import path

from workers import views

app_name = "workers"
urlpatterns = [
    path("demos/", views.demo_list, name="demo-list"),
    path("demos/runs/<int:run_id>/", views.demo_run, name="demo-run"),
    path("demos/runs/<int:run_id>/panel/", views.demo_run_panel, name="demo-run-panel"),
    path("demos/runs/<int:run_id>.json", views.demo_run_json, name="demo-run-json"),
    path("demos/runs/<int:run_id>.csv", views.demo_run_csv, name="demo-run-csv"),
    path("demos/<slug:name>/", views.demo_detail, name="demo-detail"),
]
