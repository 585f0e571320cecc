"""A teacher's quiz is for the classes it is assigned to (and its teacher and
admins); anyone else gets 404 for it, its attempts and its results, and the
analytics count members only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lessons.classes import services as classes
from lessons.models import QuizAttempt
from lessons.quizzes import selectors, services
from tests.factories import TeacherFactory, UserFactory
from tests.lessons.quiz_factories import QuizFactory


@pytest.fixture
def school(db):
    teacher = TeacherFactory()
    member, outsider = UserFactory(), UserFactory()
    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.class_join(learner=member, code=school_class.join_code)
    quiz = QuizFactory(teacher=teacher)
    return {
        "teacher": teacher,
        "member": member,
        "outsider": outsider,
        "class": school_class,
        "quiz": quiz,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _assign(school) -> None:
    classes.assignment_create(school_class=school["class"], quiz_id=school["quiz"].pk)


def test_an_unassigned_quiz_is_its_teachers_alone(school):
    quiz = school["quiz"]
    assert quiz in selectors.quizzes_for(school["teacher"])
    for who in ("member", "outsider"):
        assert quiz not in selectors.quizzes_for(school[who])
        response = _client(school[who]).post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
        assert response.status_code == 404
    assert not QuizAttempt.objects.exists()


def test_an_assigned_quiz_is_for_members_not_outsiders(school):
    _assign(school)
    quiz = school["quiz"]
    member = _client(school["member"])
    started = member.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert started.status_code == 201
    outsider = _client(school["outsider"])
    assert outsider.get(f"/api/v1/quizzes/{quiz.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").status_code == 404
    attempt_id = started.json()["id"]
    assert outsider.get(f"/api/v1/attempts/{attempt_id}/").status_code == 404
    practice = outsider.get("/practice/")
    assert quiz.title.encode() not in practice.content


def test_a_quiz_that_has_not_opened_is_hidden_from_members(school):
    quiz = school["quiz"]
    quiz.opens_at = timezone.now() + timedelta(days=1)
    quiz.save()
    _assign(school)
    assert quiz not in selectors.quizzes_for(school["member"])
    assert quiz in selectors.quizzes_for(school["teacher"])
    later = timezone.now() + timedelta(days=2)
    assert quiz in selectors.quizzes_for(school["member"], later)


def test_leaving_the_class_hides_the_quiz_and_its_attempts(school):
    _assign(school)
    attempt = services.attempt_start(quiz=school["quiz"], learner=school["member"])
    classes.class_leave(learner=school["member"], school_class=school["class"])
    client = _client(school["member"])
    assert client.get(f"/api/v1/attempts/{attempt.pk}/").status_code == 404
    assert client.get(f"/practice/attempts/{attempt.pk}/").status_code == 404
    assert QuizAttempt.objects.filter(pk=attempt.pk).exists()  # kept, not deleted


def test_practice_attempts_stay_the_learners_own(school):
    attempt = services.practice_start(learner=school["outsider"])
    assert (
        _client(school["outsider"]).get(f"/api/v1/attempts/{attempt.pk}/").status_code
        == 200
    )
    assert (
        _client(school["member"]).get(f"/api/v1/attempts/{attempt.pk}/").status_code
        == 404
    )


def test_analytics_count_members_only(school):
    _assign(school)
    quiz = school["quiz"]
    member_attempt = services.attempt_start(quiz=quiz, learner=school["member"])
    services.attempt_submit(member_attempt)
    # The teacher trying their own quiz, and a former member, do not count.
    services.attempt_submit(
        services.attempt_start(quiz=quiz, learner=school["teacher"])
    )
    leaver = UserFactory()
    classes.class_join(learner=leaver, code=school["class"].join_code)
    services.attempt_submit(services.attempt_start(quiz=quiz, learner=leaver))
    classes.class_leave(learner=leaver, school_class=school["class"])
    analytics = selectors.quiz_analytics(quiz)
    assert analytics["attempts"] == 1
    assert sum(q["parts"] for q in analytics["per_question"]) == (
        member_attempt.total_parts
    )


def test_generation_goes_to_members_only(school):
    from lessons.models import GeneratedProblem

    _assign(school)
    client = _client(school["teacher"])
    quiz = school["quiz"]
    response = client.post(
        f"/api/v1/quizzes/{quiz.pk}/generate/", {}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    owners = set(
        GeneratedProblem.objects.filter(quiz=quiz).values_list("owner_id", flat=True)
    )
    assert owners == {school["member"].pk}


def test_generation_refuses_learners_outside_the_class(school):
    from lessons.models import GenerationJob

    _assign(school)
    quiz = school["quiz"]
    response = _client(school["teacher"]).post(
        f"/api/v1/quizzes/{quiz.pk}/generate/",
        {"learner_ids": [school["outsider"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "learner_ids" in response.json()["error"]["fields"]
    assert not GenerationJob.objects.exists()


def test_generation_without_members_is_a_conflict(school):
    from lessons.models import GenerationJob

    response = _client(school["teacher"]).post(
        f"/api/v1/quizzes/{school['quiz'].pk}/generate/",
        {},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "assign the quiz" in response.json()["error"]["message"]
    assert not GenerationJob.objects.exists()


def test_assigning_another_teachers_quiz_is_404(school):
    theirs = QuizFactory(teacher=TeacherFactory())
    response = _client(school["teacher"]).post(
        f"/api/v1/classes/{school['class'].pk}/assignments/",
        {"quiz": theirs.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not theirs.assignments.exists()


def test_a_teacher_lists_their_own_quizzes_only(school):
    other = QuizFactory(teacher=TeacherFactory(), title="Someone else's")
    page = _client(school["teacher"]).get("/teach/quizzes/")
    assert school["quiz"].title.encode() in page.content
    assert other.title.encode() not in page.content


def test_an_assigned_quiz_not_open_yet_is_announced_not_offered(school):
    quiz = school["quiz"]
    quiz.opens_at = timezone.now() + timedelta(days=1)
    quiz.save()
    _assign(school)
    home = _client(school["member"]).get("/")
    text = home.content.decode()
    assert quiz.title in text and "opens " in text
    assert f"/practice/quizzes/{quiz.pk}/start/" not in text
    listed = _client(school["member"]).get("/api/v1/assignments/").json()
    (row,) = listed["assignments"]
    assert row["url"] == "" and row["opens_at"] is not None
