"""Classes: open with a join code, join, leave, assign; assignments on the home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from flashcards import services as deck_services
from lessons.classes import services
from lessons.models import Enrollment, SchoolClass
from lessons.models.classes import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH
from tests.lessons.classes_factories import SchoolClassFactory, assign, enroll
from tests.lessons.progress_factories import make_deck, quiz_attempt
from tests.lessons.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db


def test_a_teacher_opens_a_class_and_gets_a_short_unambiguous_code(teacher_api):
    response = teacher_api.post(
        "/api/v1/classes/", {"name": "Physics 1"}, format="json"
    )
    assert response.status_code == 201
    code = response.json()["join_code"]
    assert len(code) == JOIN_CODE_LENGTH
    assert set(code) <= set(JOIN_CODE_ALPHABET)
    assert not set(code) & set("0O1IL")


def test_a_learner_cannot_open_a_class(learner_api):
    response = learner_api.post("/api/v1/classes/", {"name": "Mine"}, format="json")
    assert response.status_code == 403


def test_a_learner_joins_with_the_code_typed_loosely_and_sees_the_class(
    learner_api, teacher
):
    school_class = SchoolClassFactory(teacher=teacher)
    typed = f" {school_class.join_code[:3].lower()}-{school_class.join_code[3:]} "
    response = learner_api.post("/api/v1/classes/join/", {"code": typed}, format="json")
    assert response.status_code == 201
    listed = learner_api.get("/api/v1/classes/").json()
    assert [c["id"] for c in listed["enrolled"]] == [school_class.pk]
    assert "join_code" not in listed["enrolled"][0]


def test_a_bad_code_is_a_400_naming_the_code(learner_api):
    response = learner_api.post(
        "/api/v1/classes/join/", {"code": "ZZZZZZZ"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "code": ["No class has this join code."]
    }


def test_a_bad_code_on_the_page_is_a_form_error(client, learner):
    client.force_login(learner)
    response = client.post(reverse("classes:join"), {"code": "nope"})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_joining_on_the_page_goes_to_the_class(client, learner, teacher):
    school_class = SchoolClassFactory(teacher=teacher)
    client.force_login(learner)
    response = client.post(reverse("classes:join"), {"code": school_class.join_code})
    assert response.status_code == 302
    assert response["Location"] == reverse("classes:detail", args=[school_class.pk])


def test_a_new_code_stops_the_old_one_and_keeps_the_learners(
    learner, teacher, teacher_api
):
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    old = school_class.join_code
    response = teacher_api.post(f"/api/v1/classes/{school_class.pk}/code/")
    assert response.status_code == 200 and response.json()["join_code"] != old
    with pytest.raises(Exception, match="No class has this join code"):
        services.class_join(learner=learner, code=old)
    assert Enrollment.objects.get(learner=learner).left_at is None


def test_a_learner_leaves_and_can_join_again(learner_api, learner, teacher):
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    response = learner_api.post(f"/api/v1/classes/{school_class.pk}/leave/")
    assert response.status_code == 200
    assert learner_api.get("/api/v1/classes/").json()["enrolled"] == []
    # Once out, the class is not found; joining again restores the enrollment.
    assert (
        learner_api.post(f"/api/v1/classes/{school_class.pk}/leave/").status_code == 404
    )
    services.class_join(learner=learner, code=school_class.join_code)
    assert Enrollment.objects.get(learner=learner).left_at is None


def test_the_leave_button_on_the_page(client, learner, teacher):
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    client.force_login(learner)
    page = client.get(
        reverse("classes:detail", args=[school_class.pk])
    ).content.decode()
    assert "Leave this class" in page and school_class.join_code not in page
    response = client.post(reverse("classes:leave", args=[school_class.pk]))
    assert response.status_code == 302
    assert Enrollment.objects.get().left_at is not None


def test_the_teacher_assigns_a_deck_and_a_quiz_with_due_dates(teacher_api, teacher):
    school_class = SchoolClassFactory(teacher=teacher)
    deck, _ = make_deck(teacher, 2)
    quiz = QuizFactory(teacher=teacher)
    due = (timezone.now() + timedelta(days=7)).isoformat()
    url = f"/api/v1/classes/{school_class.pk}/assignments/"
    r1 = teacher_api.post(url, {"deck": deck.pk, "due_at": due}, format="json")
    r2 = teacher_api.post(url, {"quiz": quiz.pk}, format="json")
    assert r1.status_code == 201 and r2.status_code == 201
    assert r1.json()["kind"] == "deck" and r2.json()["due_at"] is None
    again = teacher_api.post(url, {"deck": deck.pk}, format="json")
    assert again.status_code == 400 and "deck" in again.json()["error"]["fields"]
    listed = teacher_api.get(url).json()["assignments"]
    assert {a["kind"] for a in listed} == {"deck", "quiz"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "deck"), ({"deck": 1, "quiz": 1}, "deck"), ({"extra": 1}, "extra")],
)
def test_an_assignment_needs_exactly_one_item(teacher_api, teacher, body, field):
    school_class = SchoolClassFactory(teacher=teacher)
    url = f"/api/v1/classes/{school_class.pk}/assignments/"
    response = teacher_api.post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_teacher_cannot_assign_someone_elses_deck(teacher_api, teacher, learner):
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    deck, _ = make_deck(learner, 1)
    public, _ = make_deck(learner, 1, title="Catalog")
    deck_services.deck_update(deck=public, visibility="public")
    quiz = QuizFactory(title="Another teacher's")
    url = f"/api/v1/classes/{school_class.pk}/assignments/"
    # Another's deck or quiz, private or even public, is not found among yours.
    for body in ({"deck": deck.pk}, {"deck": public.pk}, {"quiz": quiz.pk}):
        response = teacher_api.post(url, body, format="json")
        assert response.status_code == 404, body
        assert response.json()["error"]["status"] == 404
    assert not school_class.assignments.exists()
    deck.refresh_from_db()
    assert deck.visibility == "private"  # nothing was shared


def test_assigning_on_the_page_and_removing(client, teacher):
    school_class = SchoolClassFactory(teacher=teacher)
    deck, _ = make_deck(teacher, 1, title="Formats")
    client.force_login(teacher)
    url = reverse("classes:assignment-create", args=[school_class.pk])
    response = client.post(
        url, {"item": f"deck:{deck.pk}", "due_at": "2031-05-01T09:30"}
    )
    assert response.status_code == 302
    assignment = school_class.assignments.get()
    assert (
        assignment.due_at.isoformat() == "2031-05-01T09:30:00+00:00"
    )  # teacher in UTC
    page = client.get(
        reverse("classes:detail", args=[school_class.pk])
    ).content.decode()
    assert "Formats" in page and school_class.join_code in page
    client.post(
        reverse("classes:assignment-delete", args=[school_class.pk, assignment.pk])
    )
    assert not school_class.assignments.exists()


def test_the_class_list_page_for_a_teacher_opens_a_class(client, teacher):
    client.force_login(teacher)
    assert "Open a class" in client.get(reverse("classes:list")).content.decode()
    response = client.post(reverse("classes:create"), {"name": "Evening group"})
    school_class = SchoolClass.objects.get()
    assert response["Location"] == reverse("classes:detail", args=[school_class.pk])
    assert client.post(reverse("classes:create"), {"name": ""}).status_code == 400


def test_learners_see_their_assignments_on_the_home_page(client, learner, teacher):
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    deck, _ = make_deck(teacher, 1, title="Number formats deck")
    quiz = QuizFactory(teacher=teacher, title="Memory quiz A")
    assign(school_class, deck=deck, due_at=timezone.now() - timedelta(days=1))
    assign(school_class, quiz=quiz)
    quiz_attempt(
        learner,
        quiz=quiz,
        answers=[("zero-per-gpu", "correct", "")],
        submitted_at=timezone.now(),
    )
    other = SchoolClassFactory(teacher=teacher)
    assign(other, quiz=QuizFactory(teacher=teacher, title="Not yours"))
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert "Your assignments" in html
    assert "Number formats deck" in html and "(overdue)" in html
    assert "Memory quiz A" in html and "done" in html
    assert "Not yours" not in html
    mine = client.get("/api/v1/assignments/").json()["assignments"]
    assert [a["title"] for a in mine] == ["Number formats deck", "Memory quiz A"]


def test_a_learner_who_left_no_longer_sees_the_assignments(client, learner, teacher):
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner, left=True)
    deck, _ = make_deck(teacher, 1, title="Gone deck")
    assign(school_class, deck=deck)
    client.force_login(learner)
    assert "Gone deck" not in client.get("/").content.decode()


def test_the_nav_shows_classes(client, learner):
    client.force_login(learner)
    assert f'href="{reverse("classes:list")}"' in client.get("/").content.decode()
