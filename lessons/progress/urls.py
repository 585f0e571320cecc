from django.urls import path

from lessons.progress import views

app_name = "progress"
urlpatterns = [
    path("progress/", views.dashboard, name="dashboard"),
    path(
        "progress/learners/<int:learner_id>/",
        views.learner_dashboard,
        name="learner",
    ),
]
