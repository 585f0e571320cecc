"""The class dashboard draws a learners × objectives mastery grid (server-side
SVG, role="img" with a summary) beside a table of the same figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lessons import problems
from lessons.classes.dashboard import class_dashboard
from tests.lessons.classes_factories import SchoolClassFactory, assign, enroll
from tests.lessons.progress_factories import make_deck, memory, quiz_attempt
from tests.lessons.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass(teacher, learner, other_learner):
    now = timezone.now()
    school_class = SchoolClassFactory(teacher=teacher, name="Tuesday")
    enroll(school_class, learner, other_learner)
    deck, cards = make_deck(teacher, 4, objective_key="fp-representation")
    quiz = QuizFactory(teacher=teacher, title="Units quiz")
    assign(school_class, deck=deck)
    assign(school_class, quiz=quiz)
    for card in cards[:2]:  # half the deck, well remembered
        memory(
            learner, card, due=now + timedelta(days=9), stability=1e6, last_review=now
        )
    quiz_attempt(
        learner,
        quiz=quiz,
        answers=[("gb-vs-gib", "correct", ""), ("zero-per-gpu", "wrong", "")],
        submitted_at=now,
    )
    quiz_attempt(
        other_learner,
        quiz=quiz,
        answers=[("gb-vs-gib", "wrong", ""), ("zero-per-gpu", "wrong", "")],
        submitted_at=now,
    )
    return school_class


def _page(client, teacher, school_class) -> str:
    client.force_login(teacher)
    response = client.get(f"/classes/{school_class.pk}/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def _grid_svg(html: str) -> str:
    (svg,) = re.findall(r'<svg[^>]*id="mastery-grid".*?</svg>', html, re.DOTALL)
    return svg


def test_the_grid_is_an_image_with_a_summary_of_who_is_behind(klass, client, teacher):
    svg = _grid_svg(_page(client, teacher, klass))
    assert 'role="img"' in svg
    (label,) = re.findall(r'aria-label="([^"]*)"', svg)
    assert label.startswith("Mastery of 2 learners on 2 objectives")
    assert "below 40%" in label


def test_each_cell_shows_the_percentage_that_the_table_shows(
    klass, client, teacher, learner, other_learner
):
    html = _page(client, teacher, klass)
    svg = _grid_svg(html)
    data = class_dashboard(school_class=klass)
    rows = {r["username"]: r for r in data["learners"]}
    keys = [o["key"] for o in data["objectives"]]
    assert keys == ["fp-representation", "fewer-bits-save"]
    (table,) = re.findall(r'<table id="mastery-table".*?</table>', html, re.DOTALL)
    for who in (learner, other_learner):
        for key in keys:
            value = rows[who.username]["mastery"][key]
            text = "–" if value is None else f"{value * 100:.0f}%"
            assert f">{text}</text>" in svg
            assert f">{text}</td>" in table
    assert rows[learner.username]["mastery"]["fewer-bits-save"] == 0.5
    assert rows[other_learner.username]["mastery"]["fewer-bits-save"] == 0.0
    # The table names the objectives by their text.
    assert problems.OBJECTIVES["fewer-bits-save"] in table


def test_the_grid_needs_no_script(klass, client, teacher):
    html = _page(client, teacher, klass)
    assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " on" + "click=" not in html
