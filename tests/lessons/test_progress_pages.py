"""The progress page and API: figures shown with tables, for the right people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.lessons.progress_factories import make_deck, memory, quiz_attempt, review

pytestmark = pytest.mark.django_db


def _busy_learner(learner):
    now = timezone.now()
    _, cards = make_deck(learner, 4, objective_key="fewer-bits-save")
    for i, card in enumerate(cards):
        memory(learner, card, due=now + timedelta(days=i - 1))
        review(learner, card, at=now - timedelta(days=i), rating=1 + i % 4)
    quiz_attempt(
        learner,
        answers=[
            ("zero-per-gpu", "correct", ""),
            ("gb-vs-gib", "wrong", "bits-for-bytes"),
        ],
        submitted_at=now,
        started_at=now - timedelta(minutes=5),
    )


def test_the_dashboard_shows_every_figure_with_a_table(client, learner):
    _busy_learner(learner)
    client.force_login(learner)
    response = client.get(reverse("progress:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Today",
        "Reviews per day",
        "True retention",
        "Forecast",
        "Cards by state",
        "Mastery per learning objective",
        "Quizzes",
        "Time spent",
    ):
        assert heading in html
    # Heatmap and forecast; the quiz trend is drawn from two attempts on.
    assert html.count("<svg") >= 2
    assert html.count("<table") >= 7
    assert "Compute what fewer bits save" in html
    assert 'role="img"' in html


def test_the_nav_shows_progress_once_signed_in(client, learner):
    client.force_login(learner)
    assert 'href="/progress/"' in client.get("/").content.decode()


def test_one_quiz_attempt_gets_its_table_but_no_trend_chart(client, learner):
    _busy_learner(learner)  # one submitted attempt
    client.force_login(learner)
    html = client.get(reverse("progress:dashboard")).content.decode()
    assert "1 submitted attempt" in html
    assert 'aria-labelledby="qz-h qz-desc"' not in html
