"""One teacher rule (`studysite.permissions.can_teach`) behind every teacher
action: the classes and quizzes APIs and pages ask it, not the user object."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from studysite import permissions
from tests.factories import TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_a_signed_in_teacher_may_teach():
    assert permissions.can_teach(TeacherFactory())
    assert not permissions.can_teach(UserFactory())
    assert not permissions.can_teach(AnonymousUser())
    assert not permissions.can_teach(None)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/classes/", {"name": "Physics 1"}),
        ("/api/v1/quizzes/", {"lesson": "why-precision-matters", "items": []}),
    ],
)
def test_a_learner_is_refused_the_teacher_actions_before_their_input_is_read(
    learner_api, path, body
):
    response = learner_api.post(path, body, format="json")
    assert response.status_code == 403, response.content
