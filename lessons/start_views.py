"""The "Start here" page: what a new learner does first, in order.

Sign-up lands here; the home page links to it for anyone signed in. The steps
are the first lesson, the first review (today's counts from the study queue),
a practice quiz on that lesson and, for a learner in a class, the class. The
page shows names and counts, never an internal id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from flashcards import selectors as cards
from lessons import selectors
from lessons.classes.selectors import classes_joined
from lessons.models import Lesson
from studysite import permissions
from studysite.models import User


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    user = request.user
    lesson = first_lesson()
    context: dict[str, Any] = {
        "lesson": lesson,
        "review": _review(user),
        "practice_url": _practice_url(lesson),
        "classes": _classes(user),
        "can_teach": permissions.can_teach(user),
    }
    return render(request, "lessons/start.html", context)


def first_lesson() -> Lesson | None:
    """The first published lesson in outline order, if there is one."""
    return selectors.lesson_list().filter(published=True).first()


def _review(user: User) -> dict[str, int]:
    queue = cards.study_queue(learner=user, limit=0)
    return {
        "due": queue.remaining,
        "new": queue.new_count,
        "learning": queue.learning_count,
        "review": queue.review_count,
        "decks": queue.deck_count,
    }


def _practice_url(lesson: Lesson | None) -> str:
    url = reverse("quizzes:practice")
    return f"{url}?{urlencode({'lesson': lesson.slug})}" if lesson else url


def _classes(user: User) -> list[dict[str, str]]:
    """The classes the learner is enrolled in: name, teacher, page."""
    return [
        {
            "name": school_class.name,
            "teacher": school_class.teacher.username,
            "url": reverse("classes:detail", args=[school_class.pk]),
        }
        for school_class in classes_joined(learner=user)
    ]
