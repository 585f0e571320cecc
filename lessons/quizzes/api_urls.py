from django.urls import path

from lessons.quizzes import apis

urlpatterns = [
    path(
        "problems/templates/", apis.TemplateListApi.as_view(), name="problem-templates"
    ),
    path("problems/", apis.ProblemCreateApi.as_view(), name="problem-create"),
    path(
        "problems/<int:problem_id>/",
        apis.ProblemDetailApi.as_view(),
        name="problem-detail",
    ),
    path(
        "problems/<int:problem_id>/answers/",
        apis.ProblemAnswerApi.as_view(),
        name="problem-answers",
    ),
    path("quizzes/", apis.QuizListCreateApi.as_view(), name="quiz-list"),
    path("quizzes/<int:quiz_id>/", apis.QuizDetailApi.as_view(), name="quiz-detail"),
    path(
        "quizzes/<int:quiz_id>/attempts/",
        apis.QuizAttemptStartApi.as_view(),
        name="quiz-attempt-start",
    ),
    path(
        "quizzes/<int:quiz_id>/generate/",
        apis.QuizGenerateApi.as_view(),
        name="quiz-generate",
    ),
    path(
        "quizzes/<int:quiz_id>/generation/",
        apis.QuizGenerationApi.as_view(),
        name="quiz-generation",
    ),
    path(
        "quizzes/<int:quiz_id>/analytics/",
        apis.QuizAnalyticsApi.as_view(),
        name="quiz-analytics",
    ),
    path("attempts/practice/", apis.PracticeStartApi.as_view(), name="practice-start"),
    path(
        "attempts/<int:attempt_id>/",
        apis.AttemptDetailApi.as_view(),
        name="attempt-detail",
    ),
    path(
        "attempts/<int:attempt_id>/answers/",
        apis.AttemptAnswerApi.as_view(),
        name="attempt-answer",
    ),
    path(
        "attempts/<int:attempt_id>/submit/",
        apis.AttemptSubmitApi.as_view(),
        name="attempt-submit",
    ),
    path(
        "attempts/<int:attempt_id>/result/",
        apis.AttemptResultApi.as_view(),
        name="attempt-result",
    ),
]
