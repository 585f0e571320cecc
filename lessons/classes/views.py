"""Class pages: list and join, a class (teacher: code, learners, assignments;
learner: assignments, leave), the teacher's dashboard and its CSV, and one
learner's progress on the class's assignments.

``lessons.classes`` is not an app, so its templates are read from
``lessons/classes/templates/classes/`` (as ``lessons.quizzes`` does).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from flashcards.models import Deck, Visibility
from lessons.classes import dashboard, selectors, services
from lessons.classes.apis import dashboard_csv_response
from lessons.models import Assignment, Quiz, SchoolClass
from lessons.progress import charts
from lessons.progress.views import render_dashboard
from studysite import errors, permissions


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=32,
        help_text="The code your teacher gave you, e.g. K7MX4PQ.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )


class ClassForm(forms.Form):
    name = forms.CharField(label="Class name", max_length=200)


class AssignForm(forms.Form):
    item = forms.ChoiceField(label="Deck or quiz")
    due_at = forms.DateTimeField(
        label="Due (optional)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In your time zone.",
    )

    def __init__(self, *args: Any, teacher: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        decks = Deck.objects.filter(owner=teacher, is_system=False).values_list(
            "pk", "title"
        )
        quizzes = Quiz.objects.filter(teacher=teacher).values_list("pk", "title")
        self.fields["item"].choices = [
            ("Decks", [(f"deck:{pk}", title) for pk, title in decks]),
            ("Quizzes", [(f"quiz:{pk}", title) for pk, title in quizzes]),
        ]


def _list_page(request, *, join_form=None, class_form=None, status=200):
    user = request.user
    return render(
        request,
        "classes/list.html",
        {
            "taught": selectors.classes_taught(teacher=user)
            if permissions.can_teach(user)
            else [],
            "joined": selectors.classes_joined(learner=user),
            "join_form": join_form or JoinForm(),
            "class_form": class_form or ClassForm(),
        },
        status=status,
    )


@login_required
@require_GET
def class_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@login_required
@require_POST
def class_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_teach(request.user):
        raise PermissionDenied("Only teachers open classes.")
    form = ClassForm(request.POST)
    if form.is_valid():
        try:
            school_class = services.class_create(
                teacher=request.user, name=form.cleaned_data["name"]
            )
        except errors.Invalid as exc:
            errors.add_to_form(form, exc)
        else:
            messages.success(
                request, f"Class opened. Its join code is {school_class.join_code}."
            )
            return redirect("classes:detail", class_id=school_class.pk)
    return _list_page(request, class_form=form, status=400)


@login_required
@require_POST
def class_join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            enrollment = services.class_join(
                learner=request.user, code=form.cleaned_data["code"]
            )
        except errors.Invalid as exc:
            errors.add_to_form(form, exc)
        else:
            messages.success(request, f"You joined {enrollment.school_class.name}.")
            return redirect("classes:detail", class_id=enrollment.school_class_id)
    return _list_page(request, join_form=form, status=400)


def _detail_page(request, school_class: SchoolClass, *, form=None, status=200):
    teaches = permissions.class_manages(request.user, school_class)
    context: dict[str, Any] = {
        "class": school_class,
        "teaches": teaches,
        "assignments": selectors.class_assignments(school_class=school_class),
    }
    if teaches:
        context["learners"] = selectors.class_learners(school_class=school_class)
        context["form"] = form or AssignForm(teacher=school_class.teacher)
    return render(request, "classes/detail.html", context, status=status)


@login_required
@require_GET
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_for_member(user=request.user, class_id=class_id)
    return _detail_page(request, school_class)


@login_required
@require_POST
def class_leave(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_for_member(user=request.user, class_id=class_id)
    try:
        services.class_leave(learner=request.user, school_class=school_class)
    except errors.Invalid:
        raise Http404("You are not in this class.") from None
    messages.success(
        request,
        f"You left {school_class.name}. Its decks and quizzes are no longer in "
        "your review; your progress on them is kept if you join again.",
    )
    return redirect("classes:list")


@login_required
@require_POST
def class_code(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
    services.class_code_regenerate(school_class=school_class)
    messages.success(request, f"New join code: {school_class.join_code}.")
    return redirect("classes:detail", class_id=school_class.pk)


@login_required
@require_POST
def assignment_create(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
    form = AssignForm(request.POST, teacher=school_class.teacher)
    if form.is_valid():
        kind, _, pk = form.cleaned_data["item"].partition(":")
        try:
            assignment = services.assignment_create(
                school_class=school_class,
                deck_id=int(pk) if kind == "deck" else None,
                quiz_id=int(pk) if kind == "quiz" else None,
                due_at=form.cleaned_data["due_at"],
            )
        except errors.Invalid as exc:
            errors.add_to_form(form, exc)
        else:
            messages.success(request, _assigned_message(assignment))
            return redirect("classes:detail", class_id=school_class.pk)
    return _detail_page(request, school_class, form=form, status=400)


def _assigned_message(assignment: Assignment) -> str:
    name = assignment.school_class.name
    if assignment.deck_id is None:
        return f"Assigned “{assignment.title}” to {name}."
    if assignment.deck.visibility == Visibility.PUBLIC:
        return (
            f"Assigned “{assignment.title}” to {name}: its learners study it from "
            "now on. The deck stays public in the catalog."
        )
    return (
        f"Assigned “{assignment.title}” to {name}: the deck is now shared with "
        "the classes it is assigned to, and their learners study it, read-only."
    )


@login_required
@require_POST
def assignment_delete(
    request: HttpRequest, class_id: int, assignment_id: int
) -> HttpResponse:
    school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
    assignment = Assignment.objects.filter(
        pk=assignment_id, school_class=school_class
    ).first()
    if assignment is None:
        raise Http404("No such assignment.")
    services.assignment_delete(assignment=assignment)
    messages.success(request, "Assignment removed.")
    return redirect("classes:detail", class_id=school_class.pk)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@login_required
@require_GET
def class_dashboard(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
    data = dashboard.class_dashboard(school_class=school_class)
    quizzes = [a for a in data["assignments"] if a["kind"] == "quiz"]
    keys = [o["key"] for o in data["objectives"]]
    for row in data["learners"]:
        row["retention_percent"] = _percent(row["retention"])
        row["quiz_cells"] = [
            _percent(row["quiz_scores"].get(str(q["item_id"]))) for q in quizzes
        ]
        row["mastery_cells"] = [_percent(row["mastery"].get(k)) for k in keys]
    grid = charts.mastery_grid(
        [row["username"] for row in data["learners"]],
        [o["text"] for o in data["objectives"]],
        [[row["mastery"].get(k) for k in keys] for row in data["learners"]],
    )
    return render(
        request,
        "classes/dashboard.html",
        {"class": school_class, "d": data, "quizzes": quizzes, "grid": grid},
    )


@login_required
@require_GET
def class_dashboard_csv(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
    return dashboard_csv_response(school_class)


@login_required
@require_GET
def class_learner(request: HttpRequest, class_id: int, learner_id: int) -> HttpResponse:
    school_class = selectors.class_for_member(user=request.user, class_id=class_id)
    scope = selectors.class_learner_scope(
        viewer=request.user, school_class=school_class, learner_id=learner_id
    )
    return render_dashboard(
        request,
        scope,
        heading=f"{scope.learner.username} in {school_class.name}",
        note="Only the decks and quizzes assigned to this class.",
    )
