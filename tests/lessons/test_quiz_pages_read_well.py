"""A practice result and a teacher's analytics read as a person writes:
colours that repeat right and wrong, units once, no tolerance on a yes/no,
solutions with plain numbers, names instead of keys."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lessons.models import QuizAttempt
from lessons.problems import get_template, misconception_title

pytestmark = pytest.mark.django_db


def _practise(client, learner, template: str, answers: dict[str, str]) -> str:
    client.force_login(learner)
    client.post(reverse("quizzes:practice"), {"templates": [template], "count": 1})
    attempt = QuizAttempt.objects.filter(learner=learner).latest("pk")
    problem = attempt.items.get().problem.problem()
    data = {f"a-1-{k}": v(problem) if callable(v) else v for k, v in answers.items()}
    client.post(
        reverse("quizzes:take", args=[attempt.pk]), {**data, "action": "submit"}
    )
    return client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()


def test_a_result_colours_right_and_wrong_and_says_it_in_words(client, learner):
    html = _practise(client, learner, "gb-vs-gib", {"converted": "1 GB"})
    assert 'href="/static/quizzes/quizzes.css"' in html
    assert "part-wrong" in html and "✗ wrong" in html


def test_labels_name_their_unit_once(client, learner):
    html = _practise(client, learner, "training-memory-fp32", {"total": "1 GB"})
    for label in re.findall(r"<h3>([^<]*):", html):
        for unit in ("(GB)", "(GiB)", "(B)"):
            assert label.count(unit) <= 1, label
        assert not re.search(r"\((\w+)\) \(\1\)", label), label


def test_a_yes_no_part_shows_no_tolerance_and_no_number(client, learner):
    html = _practise(client, learner, "fits-on-gpu", {"fits": "yes"})
    assert re.search(r"answer: <strong>(yes|no)</strong></p>", html)
    assert not re.search(r"answer: <strong>(yes|no)</strong> <span", html)
    assert not re.search(r": (yes|no) = \d", html)


def test_solutions_print_whole_numbers_without_a_decimal_point(client, learner):
    html = _practise(client, learner, "training-memory-fp32", {"total": "1 GB"})
    solution = html[html.index("Worked solution") :]
    assert not re.search(r"\d\.0\b(?![\d])", solution), solution[:400]


def test_a_result_names_the_misconception_not_its_id(client, learner):
    def swap(problem):
        part = problem.part("converted")
        m = next(m for m in part.misconceptions if m.name == "gb_labelled_gib")
        return f"{m.value} {m.unit}"

    html = _practise(client, learner, "gb-vs-gib", {"converted": swap})
    assert misconception_title("gb_labelled_gib") in html
    assert "gb_labelled_gib" not in html


def test_quiz_analytics_name_templates_parts_and_misconceptions(client):
    from lessons.classes import services as classes
    from lessons.quizzes import services
    from tests.factories import TeacherFactory, UserFactory
    from tests.lessons.quiz_factories import QuizFactory

    teacher, member = TeacherFactory(), UserFactory()
    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.class_join(learner=member, code=school_class.join_code)
    quiz = QuizFactory(teacher=teacher)
    classes.assignment_create(school_class=school_class, quiz_id=quiz.pk)
    attempt = services.attempt_start(quiz=quiz, learner=member)
    services.attempt_submit(attempt)
    keys = {item.problem.template_key for item in attempt.items.all()}
    assert keys
    client.force_login(teacher)
    html = client.get(f"/teach/quizzes/{quiz.pk}/").content.decode()
    cells = re.findall(r"<td>([^<]*)</td>", html[html.index("<h2>Analytics</h2>") :])
    for key in keys:
        assert key not in cells
        assert get_template(key).title in cells
