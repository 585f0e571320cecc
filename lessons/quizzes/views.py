"""Quiz pages: practice, taking a quiz (one question or all on one page),
results with worked solutions, and the teacher's quiz pages with analytics.

Templates live in ``lessons/templates/quizzes/`` (``extends "base.html"``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lessons.markup import render_user_markdown
from lessons.models import Lesson
from lessons.problems import templates
from lessons.quizzes import selectors, services
from studysite import errors, permissions


def _template_choices() -> list[tuple[str, str]]:
    return [(t.key, t.title) for t in templates()]


class PracticeForm(forms.Form):
    templates = forms.MultipleChoiceField(
        choices=_template_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for a mixed set.",
    )
    count = forms.IntegerField(
        min_value=1, max_value=services.MAX_COUNT_PER_ITEM, initial=5
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice(request: HttpRequest) -> HttpResponse:
    """Start a practice quiz (chosen templates or mixed); lists open quizzes."""
    objective = request.GET.get("objective", "")
    initial = {"templates": [t.key for t in templates() if t.objective == objective]}
    form = PracticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["templates"] or "mixed"
        attempt = services.practice_start(
            learner=request.user, templates_=chosen, count=form.cleaned_data["count"]
        )
        return redirect("quizzes:take", attempt_id=attempt.pk)
    now = timezone.now()
    quizzes = [
        q
        for q in selectors.quizzes_for(request.user, now)
        if permissions.can_teach(request.user) or services.quiz_is_open(q, now)
    ]
    attempts = selectors.attempts_visible(request.user, now)[:20]
    return render(
        request,
        "quizzes/practice.html",
        {
            "form": form,
            "quizzes": quizzes,
            "attempts": attempts,
            "lesson_slug": request.GET.get("lesson", ""),
            "templates": templates(),
        },
    )


@login_required
@require_POST
def quiz_start(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = selectors.quiz_for(request.user, quiz_id)
    try:
        attempt = services.attempt_start(quiz=quiz, learner=request.user)
    except errors.DomainError as exc:
        messages.error(request, exc.message)
        return redirect("quizzes:practice")
    return redirect("quizzes:take", attempt_id=attempt.pk)


def _posted_answers(request: HttpRequest) -> list[tuple[int, str, str]]:
    out = []
    for name, value in request.POST.items():
        if name.startswith("a-"):
            _, position, part = name.split("-", 2)
            if position.isdigit():
                out.append((int(position), part, value.strip()))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Answer the questions; every save is kept, so a closed tab loses nothing."""
    attempt = selectors.attempt_for(request.user, attempt_id)
    if attempt.is_submitted:
        return redirect("quizzes:result", attempt_id=attempt.pk)
    layout = request.GET.get("layout", "one")
    layout = layout if layout in ("one", "all") else "one"
    view = selectors.attempt_view(attempt, reveal=False)
    count = len(view["items"])
    try:
        q = min(max(int(request.GET.get("q", "1")), 1), count)
    except ValueError:
        q = 1
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            services.answers_save(attempt=attempt, answers=_posted_answers(request))
        except errors.DomainError as exc:
            messages.error(request, exc.message)
            attempt.refresh_from_db()
            if attempt.is_submitted:
                return redirect("quizzes:result", attempt_id=attempt.pk)
            return redirect(
                f"{reverse('quizzes:take', args=[attempt.pk])}?layout={layout}&q={q}"
            )
        if action == "submit":
            services.attempt_submit(attempt)
            return redirect("quizzes:result", attempt_id=attempt.pk)
        target = {"next": q + 1, "prev": q - 1}.get(action, q)
        target = min(max(target, 1), count)
        return redirect(
            f"{reverse('quizzes:take', args=[attempt.pk])}?layout={layout}&q={target}"
        )
    for item in view["items"]:
        item["html"] = render_user_markdown(item["prompt"])
    shown = view["items"] if layout == "all" else view["items"][q - 1 : q]
    return render(
        request,
        "quizzes/take.html",
        {
            "attempt": attempt,
            "view": view,
            "items": shown,
            "layout": layout,
            "q": q,
            "count": count,
            "has_prev": layout == "one" and q > 1,
            "has_next": layout == "one" and q < count,
            "answer_url": reverse("attempt-answer", args=[attempt.pk]),
        },
    )


@login_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_for(request.user, attempt_id)
    if not attempt.is_submitted:
        return redirect("quizzes:take", attempt_id=attempt.pk)
    view = selectors.attempt_view(attempt)
    for item in view["items"]:
        item["html"] = render_user_markdown(item["prompt"])
    return render(
        request,
        "quizzes/result.html",
        {
            "attempt": attempt,
            "view": view,
            "percent": round((attempt.score or 0) * 100),
        },
    )


# --- teacher pages ------------------------------------------------------------


def _teacher(request: HttpRequest) -> None:
    if not permissions.can_teach(request.user):
        raise PermissionDenied("Teachers only.")


class QuizForm(forms.Form):
    lesson = forms.ModelChoiceField(queryset=Lesson.objects.all(), to_field_name="slug")
    title = forms.CharField(max_length=200)
    time_limit_minutes = forms.IntegerField(
        required=False, min_value=1, max_value=24 * 60
    )
    attempts_allowed = forms.IntegerField(min_value=1, max_value=100, initial=1)
    opens_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    due_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


@login_required
def teacher_quiz_list(request: HttpRequest) -> HttpResponse:
    _teacher(request)
    return render(
        request,
        "quizzes/teacher_list.html",
        {"quizzes": selectors.quizzes_managed(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def teacher_quiz_new(request: HttpRequest) -> HttpResponse:
    """Define a quiz: lesson, title, a count per template, limits, dates."""
    _teacher(request)
    form = QuizForm(request.POST or None)
    rows = [
        {"template": t, "count": request.POST.get(f"count-{t.key}", "0")}
        for t in templates()
    ]
    if request.method == "POST" and form.is_valid():
        items = []
        for t in templates():
            raw = request.POST.get(f"count-{t.key}", "0").strip() or "0"
            if raw.isdigit() and int(raw) > 0:
                items.append({"template": t.key, "count": int(raw)})
        try:
            quiz = services.quiz_create(
                teacher=request.user, items=items, **form.cleaned_data
            )
        except errors.DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("quizzes:teacher-detail", quiz_id=quiz.pk)
    return render(request, "quizzes/teacher_new.html", {"form": form, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def teacher_quiz_detail(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """A quiz's variants job (start it, watch its progress) and its analytics."""
    _teacher(request)
    quiz = selectors.quiz_for(request.user, quiz_id, teacher=True)
    if request.method == "POST":
        try:
            services.dispatch_generation(quiz, request.user, None)
        except errors.DomainError as exc:
            messages.error(request, exc.message)
        return redirect("quizzes:teacher-detail", quiz_id=quiz.pk)
    return render(
        request,
        "quizzes/teacher_detail.html",
        {
            "quiz": quiz,
            "job": quiz.generation_jobs.first(),
            "analytics": selectors.quiz_analytics(quiz),
            "progress_url": reverse("quiz-generation", args=[quiz.pk]),
        },
    )
