from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from studysite.forms import LimitedPasswordResetForm, PreferencesForm, SignupForm
from studysite.throttling import client_address, count_hit, hits, rate_for

# What each kind of user does first; a step shows once its page exists.
_START_STEPS = (
    (
        "learner",
        "Read the lesson",
        "lessons:index",
        "Why precision matters: sign, exponent and mantissa, what fewer bits save, "
        "quantization and mixed precision training.",
    ),
    (
        "learner",
        "Review your cards every day",
        "flashcards:study",
        "FSRS schedules each card for the day you are about to forget it. "
        "Space shows the answer, 1-4 rates it.",
    ),
    (
        "learner",
        "Practise on fresh numbers",
        "quizzes:practice",
        "Worked memory problems whose numbers change every attempt, graded with "
        "feedback on the mistake you made.",
    ),
    (
        "learner",
        "Run the precision demos",
        "workers:demo-list",
        "See 16, 8 and 4 bits act on real numbers, on a GPU when the service has one.",
    ),
    (
        "teacher",
        "Open a class",
        "classes:list",
        "Share a join code, assign decks and quizzes, follow each learner.",
    ),
    (
        "teacher",
        "Write and import decks",
        "flashcards:deck-list",
        "Markdown and math with a live preview; import from Anki or CSV.",
    ),
)


def _start_steps(role: str) -> list[dict[str, str]]:
    steps = []
    for step_role, title, url_name, text in _START_STEPS:
        if step_role != role and not (role == "teacher" and step_role == "learner"):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        steps.append({"title": title, "url": url, "text": text})
    return steps


def home(request: HttpRequest) -> HttpResponse:
    role = request.user.role if request.user.is_authenticated else "learner"
    context: dict[str, Any] = {"steps": _start_steps(role), "assignments": []}
    if request.user.is_authenticated:
        # What the apps above studysite show on the start page (the classes'
        # assignments): each app's config may offer `home_context(user)`.
        for config in apps.get_app_configs():
            provider = getattr(config, "home_context", None)
            if callable(provider):
                context.update(provider(request.user))
    return render(request, "home.html", context)


def _form_page(request: HttpRequest, template: str, form: object) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}. Your account is ready.")
        return redirect("lessons:start")
    return _form_page(request, "registration/signup.html", form)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Preferences saved.")
        return redirect("preferences")
    return _form_page(request, "registration/preferences.html", form)


class ThrottledLoginView(LoginView):
    """Django's login page, with the API token endpoint's rate (THROTTLE_LOGIN)
    per client address and per username: past it, a 429 with the form and a
    message, without checking the password."""

    redirect_authenticated_user = True

    def post(
        self, request: HttpRequest, *args: object, **kwargs: object
    ) -> HttpResponse:
        allowed, seconds = rate_for("login")
        username = str(request.POST.get("username", ""))[:150].lower()
        keys = [
            f"login-throttle:ip:{client_address(request)}",
            f"login-throttle:user:{hashlib.sha256(username.encode()).hexdigest()}",
        ]
        if any(hits(key) >= allowed for key in keys):
            form = self.get_form()
            form.is_bound = True
            form._errors, form.cleaned_data = {}, {}  # no password check
            form.add_error(
                None, "Too many attempts to log in. Wait a minute and try again."
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(seconds)
            return response
        for key in keys:
            count_hit(key, seconds=seconds)
        return super().post(request, *args, **kwargs)


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset page, limited per client address (THROTTLE_PASSWORD_RESET,
    10 an hour): past it, a 429 with the form and a message, and no mail. Per
    account, the form sends at most THROTTLE_PASSWORD_RESET_ACCOUNT mails and
    answers the same either way."""

    form_class = LimitedPasswordResetForm

    def post(
        self, request: HttpRequest, *args: object, **kwargs: object
    ) -> HttpResponse:
        allowed, seconds = rate_for("password_reset")
        key = f"password-reset:ip:{client_address(request)}"
        if hits(key) >= allowed:
            form = self.get_form()
            form.is_bound = True
            form._errors, form.cleaned_data = {}, {}
            form.add_error(
                None,
                "Too many password reset requests from your network. "
                "Wait an hour and try again.",
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(seconds)
            return response
        count_hit(key, seconds=seconds)
        return super().post(request, *args, **kwargs)
