"""Who sees whose progress: every progress endpoint and page, for anonymous,
the learner, another learner, the class's teacher, another teacher, an admin.

The teacher sees the learner only on what the class was assigned: the
learner's own deck never shows in the teacher's figures.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from flashcards.selectors import study_day
from tests.factories import TeacherFactory
from tests.lessons.classes_factories import SchoolClassFactory, assign, enroll
from tests.lessons.progress_factories import make_deck, memory, quiz_attempt, review
from tests.lessons.quiz_factories import QuizFactory

ROLES = ("anonymous", "learner", "other_learner", "teacher", "other_teacher", "admin")


@pytest.fixture
def world(learner, other_learner, teacher, admin_user):
    now = timezone.now()
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    assigned, a_cards = make_deck(teacher, 2, title="Assigned")
    private, p_cards = make_deck(learner, 3, title="Private")
    quiz = QuizFactory(teacher=teacher)
    assign(school_class, deck=assigned)
    assign(school_class, quiz=quiz)
    # Reviewed earlier in the learner's study day, whatever the hour (half an
    # hour ago would be yesterday just after the day starts at 04:00).
    day_start, _ = study_day(learner=learner, now=now)
    reviewed_at = day_start + (now - day_start) / 2
    for card in a_cards + p_cards:
        memory(learner, card, due=now - timedelta(hours=1))
        review(learner, card, at=reviewed_at)
    quiz_attempt(
        learner, quiz=quiz, answers=[("zero-per-gpu", "correct", "")], submitted_at=now
    )
    quiz_attempt(
        learner, answers=[("gb-vs-gib", "wrong", "")], submitted_at=now
    )  # practice
    return {
        "class": school_class,
        "learner": learner,
        "users": {
            "anonymous": None,
            "learner": learner,
            "other_learner": other_learner,
            "teacher": teacher,
            "other_teacher": TeacherFactory(),
            "admin": admin_user,
        },
    }


def _client(world, role, *, api):
    client = APIClient() if api else Client()
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return client


# (url, api?, allowed roles). Everyone else: 404 (signed in) or no entry.
def _cases(world):
    c = world["class"].pk
    lid = world["learner"].pk
    everyone_but_strangers = {"learner", "teacher", "admin"}
    teacher_admin = {"teacher", "admin"}
    cases = [
        (f"/api/v1/progress/{name}?learner={lid}", True, everyone_but_strangers)
        for name in (
            "summary",
            "heatmap",
            "retention",
            "forecast",
            "mastery",
            "quizzes",
        )
    ]
    cases += [
        (f"/progress/learners/{lid}/", False, everyone_but_strangers),
        (f"/api/v1/classes/{c}/", True, everyone_but_strangers),
        (f"/classes/{c}/", False, everyone_but_strangers),
        (f"/api/v1/classes/{c}/dashboard/", True, teacher_admin),
        (f"/api/v1/classes/{c}/dashboard.csv", True, teacher_admin),
        (f"/classes/{c}/dashboard/", False, teacher_admin),
        (f"/classes/{c}/dashboard.csv", False, teacher_admin),
        (f"/api/v1/classes/{c}/learners/{lid}/progress/", True, everyone_but_strangers),
        (f"/classes/{c}/learners/{lid}/", False, everyone_but_strangers),
    ]
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_permission_matrix(world, role):
    failures = []
    for url, api, allowed in _cases(world):
        response = _client(world, role, api=api).get(url)
        if role == "anonymous":
            expected = (401, 403) if api else (302,)
        elif role in allowed:
            expected = (200,)
        else:
            expected = (404,)
        if response.status_code not in expected:
            failures.append(f"{url}: {response.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_own_dashboard_is_always_ones_own(world, role):
    client = _client(world, role, api=True)
    response = client.get("/api/v1/progress/summary")
    page = _client(world, role, api=False).get("/progress/")
    if role == "anonymous":
        assert response.status_code in (401, 403) and page.status_code == 302
        return
    assert response.status_code == 200 and page.status_code == 200
    assert response.json()["learner"]["id"] == world["users"][role].pk


@pytest.mark.django_db
def test_the_teacher_sees_only_what_the_class_was_assigned(world, teacher, admin_user):
    lid = world["learner"].pk
    as_teacher = _client(world, "teacher", api=True)
    summary = as_teacher.get(f"/api/v1/progress/summary?learner={lid}").json()
    assert summary["scoped"] is True
    assert summary["today"]["done"] == 2  # the assigned deck's two cards
    assert summary["states"]["review"] == 2
    quizzes = as_teacher.get(f"/api/v1/progress/quizzes?learner={lid}").json()
    assert quizzes["attempts"] == 1  # the assigned quiz, not the practice
    in_class = as_teacher.get(
        f"/api/v1/classes/{world['class'].pk}/learners/{lid}/progress/"
    ).json()
    assert in_class["today"]["done"] == 2
    full = _client(world, "admin", api=True).get(
        f"/api/v1/progress/summary?learner={lid}"
    )
    assert full.json()["today"]["done"] == 5 and full.json()["scoped"] is False


@pytest.mark.django_db
def test_a_learner_who_left_is_no_longer_visible_to_the_teacher(world):
    from lessons.classes import services

    services.class_leave(learner=world["learner"], school_class=world["class"])
    response = _client(world, "teacher", api=True).get(
        f"/api/v1/progress/summary?learner={world['learner'].pk}"
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_unknown_learner_and_a_bad_parameter(world):
    client = _client(world, "admin", api=True)
    assert client.get("/api/v1/progress/summary?learner=999999").status_code == 404
    bad = client.get("/api/v1/progress/summary?learner=abc")
    assert bad.status_code == 400 and "learner" in bad.json()["error"]["fields"]
    unknown = client.get("/api/v1/progress/summary?who=1")
    assert unknown.status_code == 400 and "who" in unknown.json()["error"]["fields"]


@pytest.mark.django_db
def test_only_the_teacher_or_an_admin_changes_a_class(world):
    c = world["class"].pk
    for role in ("learner", "other_learner", "other_teacher"):
        client = _client(world, role, api=True)
        assert client.post(f"/api/v1/classes/{c}/code/").status_code == 404
        response = client.post(
            f"/api/v1/classes/{c}/assignments/", {"deck": 1}, format="json"
        )
        assert response.status_code == 404
    admin = _client(world, "admin", api=True)
    assert admin.post(f"/api/v1/classes/{c}/code/").status_code == 200
