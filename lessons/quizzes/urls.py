from django.urls import path

from lessons.quizzes import views

app_name = "quizzes"
urlpatterns = [
    path("practice/", views.practice, name="practice"),
    path("practice/quizzes/<int:quiz_id>/start/", views.quiz_start, name="quiz-start"),
    path("practice/attempts/<int:attempt_id>/", views.take, name="take"),
    path("practice/attempts/<int:attempt_id>/result/", views.result, name="result"),
    path("teach/quizzes/", views.teacher_quiz_list, name="teacher-list"),
    path("teach/quizzes/new/", views.teacher_quiz_new, name="teacher-new"),
    path(
        "teach/quizzes/<int:quiz_id>/", views.teacher_quiz_detail, name="teacher-detail"
    ),
]
