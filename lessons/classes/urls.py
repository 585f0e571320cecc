from django.urls import path

from lessons.classes import views

app_name = "classes"
urlpatterns = [
    path("classes/", views.class_list, name="list"),
    path("classes/new/", views.class_create, name="create"),
    path("classes/join/", views.class_join, name="join"),
    path("classes/<int:class_id>/", views.class_detail, name="detail"),
    path("classes/<int:class_id>/leave/", views.class_leave, name="leave"),
    path("classes/<int:class_id>/code/", views.class_code, name="code"),
    path(
        "classes/<int:class_id>/assignments/",
        views.assignment_create,
        name="assignment-create",
    ),
    path(
        "classes/<int:class_id>/assignments/<int:assignment_id>/delete/",
        views.assignment_delete,
        name="assignment-delete",
    ),
    path("classes/<int:class_id>/dashboard/", views.class_dashboard, name="dashboard"),
    path(
        "classes/<int:class_id>/dashboard.csv",
        views.class_dashboard_csv,
        name="dashboard-csv",
    ),
    path(
        "classes/<int:class_id>/learners/<int:learner_id>/",
        views.class_learner,
        name="learner",
    ),
]
