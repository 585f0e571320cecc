from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from studysite import api_errors, apis, csp, views
from studysite.health import healthz

api_v1 = [
    path("auth/token/", apis.TokenApi.as_view(), name="api-token"),
    path("auth/signup/", apis.SignupApi.as_view(), name="api-signup"),
    path("auth/me/", apis.MeApi.as_view(), name="api-me"),
    path("", include("lessons.api_urls")),
    path("", include("lessons.quizzes.api_urls")),
    path("", include("lessons.classes.api_urls")),
    path("", include("lessons.progress.api_urls")),
    path("", include("flashcards.api_urls")),
    path("", include("workers.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("csp-report/", csp.csp_report, name="csp-report"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path(
        "accounts/login/",
        views.ThrottledLoginView.as_view(),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        views.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/docs.html"
        ),
        name="api-docs",
    ),
    path("", include("lessons.urls")),
    path("", include("lessons.quizzes.urls")),
    path("", include("lessons.classes.urls")),
    path("", include("lessons.progress.urls")),
    path("", include("flashcards.urls")),
    path("", include("workers.urls")),
]

handler400 = api_errors.bad_request
handler403 = api_errors.permission_denied
handler404 = api_errors.page_not_found
handler500 = api_errors.server_error
