"""A re-attempt gets new numbers: no variant repeats the learner's earlier ones
while the template's parameter space has others to give."""

from __future__ import annotations

import pytest

from lessons.quizzes import services
from tests.lessons.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db

FORMATS = 8  # format-properties draws one of eight formats


def _params(attempt) -> list[str]:
    items = attempt.items.select_related("problem").order_by("position")
    return [i.problem.params["format"] for i in items]


def test_a_second_attempt_repeats_no_numbers_of_the_first(teacher, learner):
    quiz = QuizFactory(
        teacher=teacher,
        items=[{"template": "format-properties", "count": 4, "limits": {}}],
        attempts_allowed=3,
        base_seed=12345,
    )
    first = services.attempt_start(quiz=quiz, learner=learner)
    services.attempt_submit(first)
    second = services.attempt_start(quiz=quiz, learner=learner)
    one, two = _params(first), _params(second)
    # Within an attempt no two questions share numbers, and the second attempt
    # shares none with the first: eight formats, eight questions.
    assert len(set(one)) == 4 and len(set(two)) == 4, (one, two)
    assert not set(one) & set(two), (one, two)
    assert len(set(one) | set(two)) == FORMATS
    # Every redrawn seed stays in the quiz variants' space.
    for attempt in (first, second):
        for item in attempt.items.select_related("problem"):
            assert services.is_quiz_seed(item.problem.seed)


def test_when_the_space_is_spent_the_least_used_numbers_come_back(teacher, learner):
    quiz = QuizFactory(
        teacher=teacher,
        items=[
            {
                "template": "format-properties",
                "count": 1,
                "limits": {"format": ["fp16", "bf16"]},
            }
        ],
        attempts_allowed=4,
        base_seed=7,
    )
    seen = []
    for _ in range(4):
        attempt = services.attempt_start(quiz=quiz, learner=learner)
        services.attempt_submit(attempt)
        seen += _params(attempt)
    assert seen[0] != seen[1] and sorted(seen) == ["bf16", "bf16", "fp16", "fp16"]


def test_variants_are_the_same_when_made_again(teacher, learner):
    quiz = QuizFactory(
        teacher=teacher,
        items=[{"template": "format-properties", "count": 3, "limits": {}}],
        attempts_allowed=2,
    )
    services.attempt_submit(services.attempt_start(quiz=quiz, learner=learner))
    made, created = services.ensure_variants(quiz, learner.pk, 2)
    again, created_again = services.ensure_variants(quiz, learner.pk, 2)
    assert created == 3 and created_again == 0
    assert [g.seed for g in made] == [g.seed for g in again]


def test_a_practice_session_does_not_repeat_a_questions_numbers(learner):
    for seed in range(5):
        attempt = services.practice_start(
            learner=learner, templates_=["format-properties"], count=FORMATS, seed=seed
        )
        formats = _params(attempt)
        assert sorted(formats) == sorted(set(formats)), (seed, formats)
        again = services.practice_start(
            learner=learner, templates_=["format-properties"], count=FORMATS, seed=seed
        )
        assert _params(again) == formats
