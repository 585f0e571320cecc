"""Paths of the classes API under /api/v1/."""

from django.urls import path

from lessons.classes import apis

urlpatterns = [
    path("classes/", apis.ClassListCreateApi.as_view(), name="class-list"),
    path("classes/join/", apis.ClassJoinApi.as_view(), name="class-join"),
    path("classes/<int:class_id>/", apis.ClassDetailApi.as_view(), name="class-detail"),
    path(
        "classes/<int:class_id>/leave/",
        apis.ClassLeaveApi.as_view(),
        name="class-leave",
    ),
    path(
        "classes/<int:class_id>/code/",
        apis.ClassCodeRegenerateApi.as_view(),
        name="class-code",
    ),
    path(
        "classes/<int:class_id>/assignments/",
        apis.AssignmentListCreateApi.as_view(),
        name="class-assignments",
    ),
    path(
        "classes/<int:class_id>/assignments/<int:assignment_id>/",
        apis.AssignmentDeleteApi.as_view(),
        name="class-assignment",
    ),
    path(
        "classes/<int:class_id>/dashboard/",
        apis.ClassDashboardApi.as_view(),
        name="class-dashboard",
    ),
    path(
        "classes/<int:class_id>/dashboard.csv",
        apis.ClassDashboardCsvApi.as_view(),
        name="class-dashboard-csv",
    ),
    path(
        "classes/<int:class_id>/learners/<int:learner_id>/progress/",
        apis.ClassLearnerProgressApi.as_view(),
        name="class-learner-progress",
    ),
    path("assignments/", apis.AssignmentMineApi.as_view(), name="assignment-mine"),
]
