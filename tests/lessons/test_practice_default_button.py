"""Enter in a practice answer presses the form's first submit button: it must
save and move on (or save and stay), never go back or submit the attempt."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lessons.models import QuizAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(client, learner) -> QuizAttempt:
    client.force_login(learner)
    client.post(
        reverse("quizzes:practice"), {"templates": ["training-memory-fp32"], "count": 3}
    )
    return QuizAttempt.objects.get(learner=learner)


def _first_button(html: str) -> str:
    form = html[html.index('id="attempt-form"') :]
    return re.search(r"<button[^>]*>", form)[0]


@pytest.mark.parametrize(
    ("query", "action"),
    [
        ("?layout=one&q=1", "next"),
        ("?layout=one&q=2", "next"),
        ("?layout=one&q=3", "save"),
        ("?layout=all", "save"),
    ],
)
def test_the_default_button_saves_and_moves_on(client, attempt, query, action):
    html = client.get(reverse("quizzes:take", args=[attempt.pk]) + query)
    button = _first_button(html.content.decode())
    assert f'value="{action}"' in button
    assert 'tabindex="-1"' in button and 'aria-hidden="true"' in button
    assert 'class="sr-only"' in button


def test_pressing_the_default_button_on_question_2_saves_and_goes_to_3(client, attempt):
    url = reverse("quizzes:take", args=[attempt.pk])
    item = attempt.items.get(position=2)
    part = item.problem.problem().parts[0].key
    response = client.post(
        url + "?layout=one&q=2", {f"a-2-{part}": "42 GB", "action": "next"}
    )
    assert response["Location"] == url + "?layout=one&q=3"
    assert item.answers.get(part_key=part).text == "42 GB"
