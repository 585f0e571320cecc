from django.urls import path

from lessons import start_views, views

app_name = "lessons"
urlpatterns = [
    path("start/", start_views.start, name="start"),
    path("lessons/", views.lesson_index, name="index"),
    # Two-segment paths cannot collide with a lesson slug.
    path("lessons/tools/float-explorer/", views.float_explorer, name="float-explorer"),
    path(
        "lessons/tools/memory-calculator/",
        views.memory_calculator,
        name="memory-calculator",
    ),
    path("lessons/<slug:slug>/", views.lesson_detail, name="detail"),
]
