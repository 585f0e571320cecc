"""Each objective on the lesson page links to the problems and demos that practise it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lessons import selectors
from lessons.models import Lesson
from lessons.problems import templates
from lessons.services import course_load
from workers.demos import DEMOS

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    course_load()
    return Lesson.objects.get(slug="why-precision-matters")


def test_every_objective_has_practice_problems_and_a_demo(lesson):
    for objective in selectors.lesson_objectives(lesson=lesson):
        kinds = {link["kind"] for link in objective["links"]}
        assert {"problems", "demo"} <= kinds, objective["key"]


def test_problem_links_preselect_the_objectives_templates(lesson, client, learner):
    links = selectors.objective_links(lesson=lesson, key="fewer-bits-save")
    url = next(link.url for link in links if link.kind == "problems")
    client.force_login(learner)
    form = client.get(url).context["form"]
    expected = {t.key for t in templates() if t.objective == "fewer-bits-save"}
    assert set(form.initial["templates"]) == expected
    assert expected


def test_every_demo_is_linked_from_the_lesson_page(lesson, client):
    html = client.get(reverse("lessons:detail", args=[lesson.slug])).content.decode()
    for name in DEMOS:
        assert reverse("workers:demo-detail", args=[name]) in html
