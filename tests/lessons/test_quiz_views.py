"""Quiz pages: practice, one-at-a-time and all-on-one-page, results, teacher pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lessons.classes import services as class_services
from lessons.models import GeneratedProblem, GenerationJob, Quiz, QuizAttempt
from tests.factories import UserFactory
from tests.lessons.classes_factories import SchoolClassFactory, class_with, enroll
from tests.lessons.quiz_factories import LessonFactory, QuizFactory

pytestmark = pytest.mark.django_db


def test_practice_page_and_navigation(client, learner):
    assert client.get(reverse("quizzes:practice")).status_code == 302  # sign in first
    client.force_login(learner)
    page = client.get(reverse("quizzes:practice"))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "Start practice" in html and 'href="/practice/"' in html
    )  # nav entry "Practice"


def test_practice_take_one_at_a_time_then_result(client, learner):
    client.force_login(learner)
    r = client.post(
        reverse("quizzes:practice"), {"templates": ["training-memory-fp32"], "count": 2}
    )
    attempt = QuizAttempt.objects.get(learner=learner)
    assert r["Location"] == reverse("quizzes:take", args=[attempt.pk])
    page = client.get(r["Location"])
    assert page.status_code == 200 and "Question 1 of 2" in page.content.decode()
    problem = attempt.items.get(position=1).problem.problem()
    total = problem.part("total")
    wrong = next(m for m in total.misconceptions if m.name == "forgot_optimizer_states")
    r = client.post(
        reverse("quizzes:take", args=[attempt.pk]) + "?layout=one&q=1",
        {
            "a-1-total": total.answer_text,
            "a-1-weights": f"{wrong.value} GB",
            "a-1-optimizer": "no idea",
            "action": "next",
        },
    )
    assert r["Location"].endswith("q=2")
    all_page = client.get(
        reverse("quizzes:take", args=[attempt.pk]) + "?layout=all"
    ).content.decode()
    assert all_page.count('class="problem"') == 2 and total.answer_text in all_page
    r = client.post(
        reverse("quizzes:take", args=[attempt.pk]) + "?layout=all", {"action": "submit"}
    )
    assert r["Location"] == reverse("quizzes:result", args=[attempt.pk])
    html = client.get(r["Location"]).content.decode()
    assert "✓ right" in html and "could not read" in html and "Worked solution" in html
    # the weights answer (the optimizer figure) is wrong; the total is right
    attempt.refresh_from_db()
    assert attempt.correct_parts >= 1 and attempt.is_submitted
    assert client.get(reverse("quizzes:take", args=[attempt.pk]))[
        "Location"
    ] == reverse("quizzes:result", args=[attempt.pk])


def test_result_names_the_misconception(client, learner):
    client.force_login(learner)
    client.post(reverse("quizzes:practice"), {"templates": ["gb-vs-gib"], "count": 1})
    attempt = QuizAttempt.objects.get(learner=learner)
    part = attempt.items.get().problem.problem().part("converted")
    label_swap = next(m for m in part.misconceptions if m.name == "gb_labelled_gib")
    client.post(
        reverse("quizzes:take", args=[attempt.pk]),
        {"a-1-converted": f"{label_swap.value} {label_swap.unit}", "action": "submit"},
    )
    html = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    from lessons.problems import misconception_title

    # Its name, not its id.
    assert "Misconception: " + misconception_title("gb_labelled_gib") in html
    assert "gb_labelled_gib" not in html


def test_other_learners_attempt_is_404(client, learner, other_learner):
    client.force_login(other_learner)
    client.post(reverse("quizzes:practice"), {"count": 1})
    attempt = QuizAttempt.objects.get(learner=other_learner)
    client.force_login(learner)
    assert client.get(reverse("quizzes:take", args=[attempt.pk])).status_code == 404


def test_learner_starts_a_teachers_quiz(client, learner):
    quiz = QuizFactory()
    client.force_login(learner)
    start = reverse("quizzes:quiz-start", args=[quiz.pk])
    # Not assigned to a class of the learner's: not listed, not startable.
    assert quiz.title not in client.get(reverse("quizzes:practice")).content.decode()
    assert client.post(start).status_code == 404
    assert not QuizAttempt.objects.filter(quiz=quiz).exists()
    school_class = class_with(quiz.teacher, learner, quiz=quiz)
    assert quiz.title in client.get(reverse("quizzes:practice")).content.decode()
    r = client.post(start)
    attempt = QuizAttempt.objects.get(learner=learner, quiz=quiz)
    assert r["Location"] == reverse("quizzes:take", args=[attempt.pk])
    # Once the learner leaves the class, the quiz and its attempt are gone.
    class_services.class_leave(learner=learner, school_class=school_class)
    assert quiz.title not in client.get(reverse("quizzes:practice")).content.decode()
    assert client.post(start).status_code == 404
    assert client.get(reverse("quizzes:take", args=[attempt.pk])).status_code == 404


def test_teacher_pages(client, teacher, learner):
    LessonFactory()
    client.force_login(learner)
    assert client.get(reverse("quizzes:teacher-new")).status_code == 403
    client.force_login(teacher)
    assert client.get(reverse("quizzes:teacher-new")).status_code == 200
    r = client.post(
        reverse("quizzes:teacher-new"),
        {
            "lesson": "why-precision-matters",
            "title": "Week 1",
            "attempts_allowed": 1,
            "count-zero-per-gpu": "2",
            "count-loss-scale": "1",
        },
    )
    quiz = Quiz.objects.get(title="Week 1")
    assert r["Location"] == reverse("quizzes:teacher-detail", args=[quiz.pk])
    assert quiz.items == [
        {"template": "loss-scale", "count": 1, "limits": {}},
        {"template": "zero-per-gpu", "count": 2, "limits": {}},
    ] or sorted(i["template"] for i in quiz.items) == ["loss-scale", "zero-per-gpu"]
    assert "Week 1" in client.get(reverse("quizzes:teacher-list")).content.decode()
    detail = reverse("quizzes:teacher-detail", args=[quiz.pk])
    # Not assigned yet: generating has nobody to generate for, and says so.
    r = client.post(detail, follow=True)
    assert "assign the quiz to a class" in r.content.decode()
    assert not GenerationJob.objects.filter(quiz=quiz).exists()
    # Assigned on the class page to a class of two: variants for those two only.
    school_class = SchoolClassFactory(teacher=teacher)
    members = [learner, UserFactory()]
    enroll(school_class, *members)
    r = client.post(
        reverse("classes:assignment-create", args=[school_class.pk]),
        {"item": f"quiz:{quiz.pk}"},
    )
    assert r.status_code == 302 and school_class.assignments.get().quiz == quiz
    outsider = UserFactory()
    client.post(detail)
    job = GenerationJob.objects.get(quiz=quiz)
    assert job.status == "done" and job.done == job.total == len(members)
    owners = set(
        GeneratedProblem.objects.filter(quiz=quiz).values_list("owner", flat=True)
    )
    assert owners == {m.pk for m in members} and outsider.pk not in owners
    page = client.get(
        reverse("quizzes:teacher-detail", args=[quiz.pk])
    ).content.decode()
    assert "Per misconception" in page and "Per parameter value" in page
    r = client.post(
        reverse("quizzes:teacher-new"),
        {"lesson": "why-precision-matters", "title": "Empty", "attempts_allowed": 1},
    )
    assert r.status_code == 200 and "items" in r.content.decode()
