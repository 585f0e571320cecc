"""The permission matrix: every URL pattern of the site, as six kinds of user.

Each route the resolver knows has one rule here: the method to probe, the URL
(with ids of objects made for the test) and the roles that get through. Every
other role must be turned away: 401, 403 or 404 for the API (404 for objects a
user may not see), a redirect to the login page or 403/404 for pages. A route
without a rule fails `test_every_route_has_a_rule`, so a new endpoint cannot be
left out of the matrix silently.

The world: `learner` is enrolled in `teacher`'s class, which is assigned
`teacher`'s class deck and quiz; `other_learner` and `other_teacher` have
nothing to do with either; `admin` is a superuser (not in the teacher group).

Routes that name a deck, note or card are probed once per sharing state
(`DECK_STATES`: a deck of `teacher`'s that is private, shared with the class,
public in the catalog, plus `learner`'s own private deck); quizzes once per
state (`QUIZ_STATES`: assigned to the class, unassigned, assigned but not open
yet). A route that names such an object without a probe for every state fails
`test_every_object_route_is_probed_in_every_state`, and a new visibility
without a state fails `test_every_visibility_has_a_state`. The rules
themselves are `studysite.permissions`.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from functools import cached_property

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from flashcards import services as cards
from tests.factories import TeacherFactory, UserFactory

ANON, LEARNER, OTHER_LEARNER, TEACHER, OTHER_TEACHER, ADMIN = (
    "anonymous",
    "learner",
    "other_learner",
    "teacher",
    "other_teacher",
    "admin",
)
ROLES = (ANON, OTHER_LEARNER, OTHER_TEACHER, ADMIN, TEACHER, LEARNER)
ALL = frozenset(ROLES)
SIGNED_IN = ALL - {ANON}
TEACHERS = frozenset({TEACHER, OTHER_TEACHER})
OWNER = frozenset({LEARNER})  # the learner's own object
OWNER_ADMIN = frozenset({LEARNER, ADMIN})  # the learner's own deck: admins read it
# A deck of `teacher`'s in each sharing state: who reads it (studies it or
# is led to subscribe), and who changes it (its owner alone).
READERS = {
    "private": frozenset({TEACHER, ADMIN}),
    "class": frozenset({TEACHER, LEARNER, ADMIN}),
    "public": SIGNED_IN,
    "own": OWNER_ADMIN,
}
WRITERS = {"private": {TEACHER}, "class": {TEACHER}, "public": {TEACHER}, "own": OWNER}
DECK_STATES = tuple(READERS)
CLASS_TEACHER = frozenset({TEACHER})  # the teacher's own quiz
# A class: its teacher and staff (lessons/classes/apis.py `_teaches`,
# lessons/progress/access.py); for reading also its enrolled learner.
CLASS_STAFF = frozenset({TEACHER, ADMIN})
IN_CLASS = frozenset({TEACHER, LEARNER, ADMIN})
# A quiz is for its teacher, admins and the learners of the classes it is
# assigned to once it opens; its teacher and admins manage it.
QUIZ_SEERS = {
    "assigned": frozenset({TEACHER, LEARNER, ADMIN}),
    "unassigned": frozenset({TEACHER, ADMIN}),
    "not_open": frozenset({TEACHER, ADMIN}),
}
QUIZ_STATES = tuple(QUIZ_SEERS)


class World:
    """Objects the URLs name, made on first use."""

    def __init__(self) -> None:
        self.users = {
            LEARNER: UserFactory(),
            OTHER_LEARNER: UserFactory(),
            TEACHER: TeacherFactory(),
            OTHER_TEACHER: TeacherFactory(),
            ADMIN: UserFactory(is_staff=True, is_superuser=True),
        }

    def __getitem__(self, key: str) -> object:
        for kind in ("note", "card"):
            if key.startswith(f"{kind}_") and key.removeprefix(f"{kind}_") in READERS:
                cached = self.__dict__.setdefault("_made", {})
                if key not in cached:
                    maker = getattr(self, f"_state_{kind}")
                    cached[key] = maker(key.removeprefix(f"{kind}_"))
                return cached[key]
        return getattr(self, key)

    @cached_property
    def learner_id(self) -> int:
        return self.users[LEARNER].pk

    @cached_property
    def deck(self) -> int:
        return cards.deck_create(owner=self.users[LEARNER], title="Mine").pk

    @cached_property
    def note(self) -> int:
        from flashcards.models import Deck

        deck = Deck.objects.get(pk=self.deck)
        return cards.note_create(
            deck=deck, type="basic", fields={"front": "Q", "back": "A"}
        ).pk

    @cached_property
    def card(self) -> int:
        from flashcards.models import Card

        return Card.objects.filter(note_id=self.note).first().pk

    @cached_property
    def review(self) -> int:
        client = Client()
        client.force_login(self.users[LEARNER])
        response = client.post(
            "/api/v1/reviews/",
            {"card": self.card, "rating": 3, "client_review_id": str(uuid.uuid4())},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        return response.json()["review"]["id"]

    # Decks of `teacher`'s in each state, each with one note (one card).
    def _state_deck(self, state: str) -> int:
        if state == "own":
            return self.deck
        if state == "class":
            self.assignment  # noqa: B018 - assigning shares it with the class
            return self.teacher_deck
        deck = cards.deck_create(
            owner=self.users[TEACHER], title=f"{state} deck", visibility=state
        )
        if state == "public":  # someone outside any class subscribes
            cards.deck_subscribe(learner=self.users[OTHER_LEARNER], deck=deck)
        return deck.pk

    @cached_property
    def deck_private(self) -> int:
        return self._state_deck("private")

    @cached_property
    def deck_class(self) -> int:
        return self._state_deck("class")

    @cached_property
    def deck_public(self) -> int:
        return self._state_deck("public")

    @cached_property
    def deck_own(self) -> int:
        return self._state_deck("own")

    def _state_note(self, state: str) -> int:
        from flashcards.models import Deck, Note

        deck = Deck.objects.get(pk=self[f"deck_{state}"])
        existing = Note.objects.filter(deck=deck).first()
        if existing is not None:
            return existing.pk
        return cards.note_create(
            deck=deck, type="basic", fields={"front": "Q", "back": "A"}
        ).pk

    def _state_card(self, state: str) -> int:
        from flashcards.models import Card

        return Card.objects.filter(note_id=self[f"note_{state}"]).first().pk

    @cached_property
    def teacher_deck(self) -> int:
        return cards.deck_create(owner=self.users[TEACHER], title="Class deck").pk

    @cached_property
    def quiz(self) -> int:
        from tests.lessons.quiz_factories import QuizFactory

        return QuizFactory(teacher=self.users[TEACHER]).pk

    @cached_property
    def quiz_assigned(self) -> int:
        self.assignment  # noqa: B018 - assigns `quiz` to the class
        return self.quiz

    @cached_property
    def quiz_unassigned(self) -> int:
        from tests.lessons.quiz_factories import QuizFactory

        return QuizFactory(teacher=self.users[TEACHER]).pk

    @cached_property
    def quiz_not_open(self) -> int:
        from lessons.classes import services
        from lessons.models import SchoolClass
        from tests.lessons.quiz_factories import QuizFactory

        quiz = QuizFactory(
            teacher=self.users[TEACHER], opens_at=timezone.now() + timedelta(days=1)
        )
        services.assignment_create(
            school_class=SchoolClass.objects.get(pk=self.school_class), quiz_id=quiz.pk
        )
        return quiz.pk

    @cached_property
    def quiz_attempt(self) -> int:
        from lessons.models import Quiz
        from lessons.quizzes import services

        quiz = Quiz.objects.get(pk=self.quiz_assigned)
        return services.attempt_start(quiz=quiz, learner=self.users[LEARNER]).pk

    @cached_property
    def school_class(self) -> int:
        from lessons.classes import services

        school_class = services.class_create(teacher=self.users[TEACHER], name="7b")
        services.class_join(learner=self.users[LEARNER], code=school_class.join_code)
        return school_class.pk

    @cached_property
    def assignment(self) -> int:
        from lessons.classes import services
        from lessons.models import SchoolClass

        school_class = SchoolClass.objects.get(pk=self.school_class)
        services.assignment_create(school_class=school_class, quiz_id=self.quiz)
        return services.assignment_create(
            school_class=school_class,
            deck_id=self.teacher_deck,
            due_at=timezone.now() + timedelta(days=7),
        ).pk

    @cached_property
    def attempt(self) -> int:
        from lessons.quizzes import services

        return services.practice_start(learner=self.users[LEARNER]).pk

    @cached_property
    def problem(self) -> int:
        from lessons.quizzes import services

        return services.problem_create(
            owner=self.users[LEARNER], template="zero-per-gpu", seed=7
        ).pk

    @cached_property
    def run(self) -> int:
        from workers.services import demo_run_request

        run, _ = demo_run_request(
            demo_name="range_precision", params=None, user=self.users[LEARNER]
        )
        return run.pk

    @cached_property
    def run_share(self) -> str:
        """The share token of the learner's run, shared by its owner."""
        from workers.models import DemoRun
        from workers.services import demo_run_share

        run = DemoRun.objects.get(pk=self.run)
        return str(demo_run_share(run=run, user=self.users[LEARNER]).share_token)

    @cached_property
    def fit(self) -> int:
        from workers.models import SchedulerFit

        return SchedulerFit.objects.create(learner=self.users[LEARNER]).pk

    @cached_property
    def simulation(self) -> int:
        from workers.models import SchedulerSimulation

        return SchedulerSimulation.objects.create(
            learner=self.users[LEARNER], params={}, parameters=[]
        ).pk

    @cached_property
    def import_job(self) -> int:
        from flashcards.interop import import_job_create

        return import_job_create(
            owner=self.users[LEARNER],
            filename="cards.csv",
            data=b"front,back\nQ,A\n",
        ).pk

    @cached_property
    def media(self) -> str:
        from flashcards.interop import media_create

        png = bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
        )
        image = media_create(owner=self.users[LEARNER], name="dot.png", data=png)
        return f"{image.sha256}.png"


Probe = tuple[str, str, frozenset[str]]


def _in_state(template: str, state: str) -> str:
    for kind in ("deck", "note", "card"):
        template = template.replace(f"{{{kind}}}", f"{{{kind}_{state}}}")
    return template


def per_deck(
    method: str, template: str, who: dict[str, frozenset[str] | set[str]]
) -> list[Probe]:
    """One probe per sharing state of the deck (or its note or card)."""
    return [
        (method, _in_state(template, state), frozenset(who[state]))
        for state in DECK_STATES
    ]


def per_quiz(method: str, template: str, who: dict | frozenset[str]) -> list[Probe]:
    """One probe per state of the quiz."""
    return [
        (
            method,
            template.replace("{quiz}", f"{{quiz_{state}}}"),
            who[state] if isinstance(who, dict) else who,
        )
        for state in QUIZ_STATES
    ]


def per_attempt(method: str, template: str, who: frozenset[str]) -> list[Probe]:
    """A practice attempt and an attempt at the class's quiz."""
    return [
        (method, template, who),
        (method, template.replace("{attempt}", "{quiz_attempt}"), who),
    ]


STAFF = frozenset({TEACHER, ADMIN})
NOBODY: frozenset[str] = frozenset()
# Only `other_learner` subscribes (to the public deck).
SUBSCRIBER = dict.fromkeys(DECK_STATES, NOBODY) | {"public": {OTHER_LEARNER}}

# route (as the resolver spells it) -> (method, url, roles let through), or a
# list of such probes (one per state of the object the route names)
RULES: dict[str, Probe | list[Probe]] = {
    # Site and accounts
    "": ("GET", "/", ALL),
    "accounts/signup/": ("GET", "/accounts/signup/", ALL),
    "accounts/preferences/": ("GET", "/accounts/preferences/", SIGNED_IN),
    "accounts/login/": ("GET", "/accounts/login/", ALL),
    "accounts/password_change/": ("GET", "/accounts/password_change/", SIGNED_IN),
    "accounts/password_change/done/": (
        "GET",
        "/accounts/password_change/done/",
        SIGNED_IN,
    ),
    "accounts/password_reset/": ("GET", "/accounts/password_reset/", ALL),
    "accounts/password_reset/done/": ("GET", "/accounts/password_reset/done/", ALL),
    "accounts/reset/done/": ("GET", "/accounts/reset/done/", ALL),
    "api/schema/": ("GET", "/api/schema/", ALL),
    "api/docs/": ("GET", "/api/docs/", ALL),
    # API: accounts
    "api/v1/auth/token/": [
        ("POST", "/api/v1/auth/token/", ALL),
        ("DELETE", "/api/v1/auth/token/", SIGNED_IN),  # revokes one's own token
    ],
    "api/v1/auth/signup/": ("POST", "/api/v1/auth/signup/", ALL),
    "api/v1/auth/me/": ("GET", "/api/v1/auth/me/", SIGNED_IN),
    # API: lessons (public reading and calculators)
    "api/v1/lessons/": ("GET", "/api/v1/lessons/", ALL),
    "api/v1/lessons/<slug:slug>/": (
        "GET",
        "/api/v1/lessons/no-such-lesson/",
        frozenset(),
    ),
    "api/v1/formats/": ("GET", "/api/v1/formats/", ALL),
    "api/v1/formats/<str:name>/encode": (
        "GET",
        "/api/v1/formats/fp16/encode?value=1.5",
        ALL,
    ),
    **{
        f"api/v1/calculators/{name}": ("GET", f"/api/v1/calculators/{name}", ALL)
        for name in (
            "training-memory",
            "inference-memory",
            "kv-cache",
            "activation-memory",
            "training-compute",
        )
    },
    # API: problems, quizzes, attempts
    "api/v1/problems/templates/": ("GET", "/api/v1/problems/templates/", SIGNED_IN),
    "api/v1/problems/": ("POST", "/api/v1/problems/", SIGNED_IN),
    "api/v1/problems/<int:problem_id>/": ("GET", "/api/v1/problems/{problem}/", OWNER),
    "api/v1/problems/<int:problem_id>/answers/": (
        "POST",
        "/api/v1/problems/{problem}/answers/",
        OWNER,
    ),
    "api/v1/quizzes/": ("POST", "/api/v1/quizzes/", TEACHERS),
    "api/v1/quizzes/<int:quiz_id>/": per_quiz(
        "GET", "/api/v1/quizzes/{quiz}/", QUIZ_SEERS
    ),
    "api/v1/quizzes/<int:quiz_id>/attempts/": per_quiz(
        "POST", "/api/v1/quizzes/{quiz}/attempts/", QUIZ_SEERS
    ),
    "api/v1/quizzes/<int:quiz_id>/generate/": per_quiz(
        "POST", "/api/v1/quizzes/{quiz}/generate/", STAFF
    ),
    "api/v1/quizzes/<int:quiz_id>/generation/": per_quiz(
        "GET", "/api/v1/quizzes/{quiz}/generation/", STAFF
    ),
    "api/v1/quizzes/<int:quiz_id>/analytics/": per_quiz(
        "GET", "/api/v1/quizzes/{quiz}/analytics/", STAFF
    ),
    "api/v1/attempts/practice/": ("POST", "/api/v1/attempts/practice/", SIGNED_IN),
    "api/v1/attempts/<int:attempt_id>/": per_attempt(
        "GET", "/api/v1/attempts/{attempt}/", OWNER
    ),
    "api/v1/attempts/<int:attempt_id>/answers/": per_attempt(
        "PUT", "/api/v1/attempts/{attempt}/answers/", OWNER
    ),
    "api/v1/attempts/<int:attempt_id>/submit/": per_attempt(
        "POST", "/api/v1/attempts/{attempt}/submit/", OWNER
    ),
    "api/v1/attempts/<int:attempt_id>/result/": per_attempt(
        "GET", "/api/v1/attempts/{attempt}/result/", OWNER
    ),
    # API: classes
    "api/v1/classes/": ("GET", "/api/v1/classes/", SIGNED_IN),
    "api/v1/classes/join/": ("POST", "/api/v1/classes/join/", SIGNED_IN),
    "api/v1/classes/<int:class_id>/": (
        "GET",
        "/api/v1/classes/{school_class}/",
        IN_CLASS,
    ),
    "api/v1/classes/<int:class_id>/leave/": (
        "POST",
        "/api/v1/classes/{school_class}/leave/",
        IN_CLASS,
    ),
    "api/v1/classes/<int:class_id>/code/": (
        "POST",
        "/api/v1/classes/{school_class}/code/",
        CLASS_STAFF,
    ),
    "api/v1/classes/<int:class_id>/assignments/": (
        "GET",
        "/api/v1/classes/{school_class}/assignments/",
        IN_CLASS,
    ),
    "api/v1/classes/<int:class_id>/assignments/<int:assignment_id>/": (
        "DELETE",
        "/api/v1/classes/{school_class}/assignments/{assignment}/",
        CLASS_STAFF,
    ),
    "api/v1/classes/<int:class_id>/dashboard/": (
        "GET",
        "/api/v1/classes/{school_class}/dashboard/",
        CLASS_STAFF,
    ),
    "api/v1/classes/<int:class_id>/dashboard.csv": (
        "GET",
        "/api/v1/classes/{school_class}/dashboard.csv",
        CLASS_STAFF,
    ),
    "api/v1/classes/<int:class_id>/learners/<int:learner_id>/progress/": (
        "GET",
        "/api/v1/classes/{school_class}/learners/{learner_id}/progress/",
        IN_CLASS,
    ),
    "api/v1/assignments/": ("GET", "/api/v1/assignments/", SIGNED_IN),
    # API: progress (always the caller's own)
    **{
        f"api/v1/progress/{name}": ("GET", f"/api/v1/progress/{name}", SIGNED_IN)
        for name in (
            "summary",
            "heatmap",
            "retention",
            "forecast",
            "mastery",
            "quizzes",
        )
    },
    # API: flashcards
    "api/v1/decks/": ("GET", "/api/v1/decks/", SIGNED_IN),
    "api/v1/decks/<int:deck_id>/": per_deck("GET", "/api/v1/decks/{deck}/", READERS),
    "api/v1/decks/<int:deck_id>/notes/": per_deck(
        "POST", "/api/v1/decks/{deck}/notes/", WRITERS
    ),
    "api/v1/notes/<int:note_id>/": per_deck("GET", "/api/v1/notes/{note}/", READERS),
    "api/v1/catalog/": ("GET", "/api/v1/catalog/", SIGNED_IN),
    "api/v1/decks/<int:deck_id>/subscription/": [
        *per_deck("POST", "/api/v1/decks/{deck}/subscription/", READERS),
        *per_deck("DELETE", "/api/v1/decks/{deck}/subscription/", SUBSCRIBER),
    ],
    # One's own daily limits for any deck one reads (for oneself alone).
    "api/v1/decks/<int:deck_id>/my-limits/": [
        *per_deck("GET", "/api/v1/decks/{deck}/my-limits/", READERS),
        *per_deck("PUT", "/api/v1/decks/{deck}/my-limits/", READERS),
        *per_deck("DELETE", "/api/v1/decks/{deck}/my-limits/", READERS),
    ],
    "api/v1/imports/": ("POST", "/api/v1/imports/", SIGNED_IN),
    "api/v1/imports/<int:job_id>/": ("GET", "/api/v1/imports/{import_job}/", OWNER),
    "api/v1/imports/<int:job_id>/mapping/": (
        "POST",
        "/api/v1/imports/{import_job}/mapping/",
        OWNER,
    ),
    "api/v1/imports/<int:job_id>/retry/": (
        "POST",
        "/api/v1/imports/{import_job}/retry/",
        OWNER,
    ),
    "api/v1/decks/<int:deck_id>/export.apkg": per_deck(
        "GET", "/api/v1/decks/{deck}/export.apkg", READERS
    ),
    "api/v1/decks/<int:deck_id>/export.csv": per_deck(
        "GET", "/api/v1/decks/{deck}/export.csv", READERS
    ),
    "api/v1/notes/bulk/": ("POST", "/api/v1/notes/bulk/", SIGNED_IN),
    "api/v1/notes/preview/": ("POST", "/api/v1/notes/preview/", SIGNED_IN),
    "api/v1/media/": ("POST", "/api/v1/media/", SIGNED_IN),
    "api/v1/study/queue": ("GET", "/api/v1/study/queue", SIGNED_IN),
    "api/v1/study/queue/": ("GET", "/api/v1/study/queue/", SIGNED_IN),
    "api/v1/reviews/": ("POST", "/api/v1/reviews/", SIGNED_IN),
    "api/v1/reviews/undo/": ("POST", "/api/v1/reviews/undo/?r={review}", OWNER),
    "api/v1/reviews/export.csv": ("GET", "/api/v1/reviews/export.csv", SIGNED_IN),
    "api/v1/cards/<int:card_id>/grade/": per_deck(
        "POST", "/api/v1/cards/{card}/grade/", READERS
    ),
    # A basic card's review has no variant: 404 to everyone, its owner too.
    "api/v1/reviews/<int:review_id>/variant/": (
        "GET",
        "/api/v1/reviews/{review}/variant/",
        frozenset(),
    ),
    **{
        f"api/v1/cards/<int:card_id>/{action}/": per_deck(
            "POST", f"/api/v1/cards/{{card}}/{action}/", READERS
        )
        for action in ("suspend", "unsuspend", "bury", "unbury")
    },
    # API: demos and the scheduler
    "api/v1/demos/": ("GET", "/api/v1/demos/", ALL),
    # A demo run is its owner's and admins'; anyone holds a shared one's link.
    "api/v1/demos/runs/<int:run_id>/": (
        "GET",
        "/api/v1/demos/runs/{run}/",
        OWNER_ADMIN,
    ),
    "api/v1/demos/runs/<int:run_id>/share/": (
        "POST",
        "/api/v1/demos/runs/{run}/share/",
        OWNER,
    ),
    "api/v1/demos/shared/<uuid:token>/": (
        "GET",
        "/api/v1/demos/shared/{run_share}/",
        ALL,
    ),
    "api/v1/demos/<slug:name>/runs/": (
        "POST",
        "/api/v1/demos/range_precision/runs/",
        SIGNED_IN,
    ),
    "api/v1/scheduler/fits/": ("POST", "/api/v1/scheduler/fits/", SIGNED_IN),
    "api/v1/scheduler/fits/<int:fit_id>/": (
        "GET",
        "/api/v1/scheduler/fits/{fit}/",
        OWNER,
    ),
    "api/v1/scheduler/parameters/": ("GET", "/api/v1/scheduler/parameters/", SIGNED_IN),
    "api/v1/scheduler/reschedule/": (
        "POST",
        "/api/v1/scheduler/reschedule/",
        SIGNED_IN,
    ),
    "api/v1/scheduler/simulations/": (
        "POST",
        "/api/v1/scheduler/simulations/",
        SIGNED_IN,
    ),
    "api/v1/scheduler/simulations/<int:simulation_id>/": (
        "GET",
        "/api/v1/scheduler/simulations/{simulation}/",
        OWNER,
    ),
    # Pages: lessons and quizzes
    "start/": ("GET", "/start/", SIGNED_IN),
    "lessons/": ("GET", "/lessons/", ALL),
    "lessons/tools/float-explorer/": ("GET", "/lessons/tools/float-explorer/", ALL),
    "lessons/tools/memory-calculator/": (
        "GET",
        "/lessons/tools/memory-calculator/",
        ALL,
    ),
    "lessons/<slug:slug>/": ("GET", "/lessons/no-such-lesson/", frozenset()),
    "practice/": ("GET", "/practice/", SIGNED_IN),
    "practice/quizzes/<int:quiz_id>/start/": per_quiz(
        "POST", "/practice/quizzes/{quiz}/start/", QUIZ_SEERS
    ),
    "practice/attempts/<int:attempt_id>/": per_attempt(
        "GET", "/practice/attempts/{attempt}/", OWNER
    ),
    "practice/attempts/<int:attempt_id>/result/": per_attempt(
        "GET", "/practice/attempts/{attempt}/result/", OWNER
    ),
    "teach/quizzes/": ("GET", "/teach/quizzes/", TEACHERS),
    "teach/quizzes/new/": ("GET", "/teach/quizzes/new/", TEACHERS),
    "teach/quizzes/<int:quiz_id>/": per_quiz(
        "GET", "/teach/quizzes/{quiz}/", CLASS_TEACHER
    ),
    # Pages: classes and progress
    "classes/": ("GET", "/classes/", SIGNED_IN),
    "classes/new/": ("POST", "/classes/new/", TEACHERS),
    "classes/join/": ("GET", "/classes/join/", SIGNED_IN),
    "classes/<int:class_id>/": ("GET", "/classes/{school_class}/", IN_CLASS),
    "classes/<int:class_id>/leave/": (
        "POST",
        "/classes/{school_class}/leave/",
        OWNER,
    ),
    "classes/<int:class_id>/code/": (
        "POST",
        "/classes/{school_class}/code/",
        CLASS_STAFF,
    ),
    "classes/<int:class_id>/assignments/": (
        "POST",
        "/classes/{school_class}/assignments/",
        CLASS_STAFF,
    ),
    "classes/<int:class_id>/assignments/<int:assignment_id>/delete/": (
        "POST",
        "/classes/{school_class}/assignments/{assignment}/delete/",
        CLASS_STAFF,
    ),
    "classes/<int:class_id>/dashboard/": (
        "GET",
        "/classes/{school_class}/dashboard/",
        CLASS_STAFF,
    ),
    "classes/<int:class_id>/dashboard.csv": (
        "GET",
        "/classes/{school_class}/dashboard.csv",
        CLASS_STAFF,
    ),
    "classes/<int:class_id>/learners/<int:learner_id>/": (
        "GET",
        "/classes/{school_class}/learners/{learner_id}/",
        IN_CLASS,
    ),
    "progress/": ("GET", "/progress/", SIGNED_IN),
    "progress/learners/<int:learner_id>/": (
        "GET",
        "/progress/learners/{learner_id}/?c={school_class}",
        IN_CLASS,
    ),
    # Pages: flashcards
    "study/": ("GET", "/study/", SIGNED_IN),
    # The study page's service worker holds no data (only static file URLs).
    "study/sw.js": ("GET", "/study/sw.js", ALL),
    # A reader who does not study a deck is led to its page to subscribe.
    "study/deck/<int:deck_id>/": per_deck("GET", "/study/deck/{deck}/", READERS),
    "decks/": ("GET", "/decks/", SIGNED_IN),
    "decks/catalog/": ("GET", "/decks/catalog/", SIGNED_IN),
    "decks/<int:deck_id>/": per_deck("GET", "/decks/{deck}/", READERS),
    "decks/<int:deck_id>/visibility/": per_deck(
        "POST", "/decks/{deck}/visibility/", WRITERS
    ),
    # Subscribing to a deck one reads but may not subscribe to is a message.
    "decks/<int:deck_id>/subscribe/": per_deck(
        "POST", "/decks/{deck}/subscribe/", READERS
    ),
    "decks/<int:deck_id>/unsubscribe/": per_deck(
        "POST", "/decks/{deck}/unsubscribe/", SUBSCRIBER
    ),
    "decks/<int:deck_id>/my-limits/": [
        *per_deck("GET", "/decks/{deck}/my-limits/", READERS),
        *per_deck("POST", "/decks/{deck}/my-limits/", READERS),
    ],
    "decks/<int:deck_id>/notes/new/": per_deck(
        "GET", "/decks/{deck}/notes/new/", WRITERS
    ),
    "decks/<int:deck_id>/bulk/": per_deck("POST", "/decks/{deck}/bulk/", WRITERS),
    "decks/<int:deck_id>/export.<str:fmt>": per_deck(
        "GET", "/decks/{deck}/export.csv", READERS
    ),
    "notes/<int:note_id>/edit/": per_deck("GET", "/notes/{note}/edit/", WRITERS),
    "notes/<int:note_id>/delete/": per_deck("POST", "/notes/{note}/delete/", WRITERS),
    "notes/preview/": ("POST", "/notes/preview/", SIGNED_IN),
    "flashcards/media/": ("POST", "/flashcards/media/", SIGNED_IN),
    # Without a signed URL (pages sign them for readers of the note), only the
    # uploader and admins get an image; tests/flashcards/test_media_access.py.
    "flashcards/media/<str:sha256>.<str:ext>": (
        "GET",
        "/flashcards/media/{media}",
        OWNER_ADMIN,
    ),
    "decks/import/": ("GET", "/decks/import/", SIGNED_IN),
    "imports/<int:job_id>/": ("GET", "/imports/{import_job}/", OWNER),
    "imports/<int:job_id>/status/": ("GET", "/imports/{import_job}/status/", OWNER),
    # Pages: demos and the scheduler
    "demos/": ("GET", "/demos/", ALL),
    "demos/runs/<int:run_id>/": ("GET", "/demos/runs/{run}/", OWNER_ADMIN),
    "demos/runs/<int:run_id>/panel/": (
        "GET",
        "/demos/runs/{run}/panel/",
        OWNER_ADMIN,
    ),
    "demos/runs/<int:run_id>.json": ("GET", "/demos/runs/{run}.json", OWNER_ADMIN),
    "demos/runs/<int:run_id>.csv": ("GET", "/demos/runs/{run}.csv", OWNER_ADMIN),
    "demos/runs/<int:run_id>/share/": ("POST", "/demos/runs/{run}/share/", OWNER),
    "demos/shared/<uuid:token>/": ("GET", "/demos/shared/{run_share}/", ALL),
    "demos/shared/<uuid:token>/panel/": (
        "GET",
        "/demos/shared/{run_share}/panel/",
        ALL,
    ),
    "demos/shared/<uuid:token>.json": ("GET", "/demos/shared/{run_share}.json", ALL),
    "demos/shared/<uuid:token>.csv": ("GET", "/demos/shared/{run_share}.csv", ALL),
    "demos/<slug:name>/": ("GET", "/demos/range_precision/", ALL),
    "settings/scheduler/": ("GET", "/settings/scheduler/", SIGNED_IN),
    "settings/scheduler/fits/": ("POST", "/settings/scheduler/fits/", SIGNED_IN),
    "settings/scheduler/fits/<int:fit_id>/panel/": (
        "GET",
        "/settings/scheduler/fits/{fit}/panel/",
        OWNER,
    ),
    "settings/scheduler/reschedule/": (
        "POST",
        "/settings/scheduler/reschedule/",
        SIGNED_IN,
    ),
    "settings/scheduler/simulations/": (
        "POST",
        "/settings/scheduler/simulations/",
        SIGNED_IN,
    ),
    "settings/scheduler/simulations/<int:simulation_id>/panel/": (
        "GET",
        "/settings/scheduler/simulations/{simulation}/panel/",
        OWNER,
    ),
    # The admin: staff only (one probe per kind of admin page)
    "admin/": ("GET", "/admin/", frozenset({ADMIN})),
}
# Probes that change what the next role would see get a fresh world per role.
DESTRUCTIVE = {
    "/api/v1/classes/{school_class}/assignments/{assignment}/",
    "/classes/{school_class}/assignments/{assignment}/delete/",
    "/api/v1/classes/{school_class}/leave/",
    "/classes/{school_class}/leave/",
    *(_in_state("/notes/{note}/delete/", state) for state in DECK_STATES),
    "/api/v1/reviews/undo/?r={review}",
}
ADMIN_PROBES = (
    "/admin/studysite/user/",
    "/admin/flashcards/deck/",
    "/admin/studysite/user/add/",
)

# Reachable by anyone on purpose, and not probed here: they take secrets in the
# URL, change state on any visit, or answer for the infrastructure.
DELIBERATELY_PUBLIC = {
    "healthz": "liveness for the load balancer; tests/studysite/test_health.py",
    "accounts/logout/": "POST only; logs the caller out",
    "accounts/reset/<uidb64>/<token>/": "the emailed token is the credential",
    "csp-report/": "browsers post policy violations here; tests/security/test_headers.py",
}


def _routes(resolver: URLResolver | None = None, prefix: str = ""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_route_has_a_rule():
    missing = sorted(
        route
        for route in set(_routes())
        if route not in RULES
        and route not in DELIBERATELY_PUBLIC
        and not route.startswith("admin/")
    )
    assert missing == [], f"routes without a rule in the permission matrix: {missing}"


def test_no_rule_names_a_route_that_is_gone():
    routes = set(_routes())
    assert sorted(set(RULES) - routes) == []


def _denied(response, url: str) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and (
        "/accounts/login/" in location or "/admin/login/" in location
    )


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != ANON:
        client.force_login(world.users[role])
    return client


def _request(client: Client, method: str, url: str):
    if url.startswith("/api/"):
        return client.generic(method, url, b"{}", content_type="application/json")
    return client.generic(
        method, url, b"", content_type="application/x-www-form-urlencoded"
    )


def _probe(world: World, method: str, template: str, allowed: frozenset[str]):
    wrong = []
    for role in ROLES:  # those to be turned away first, the owners last
        if template in DESTRUCTIVE and role != ROLES[0]:
            world = World()  # each role deletes or changes its own copy
        url = re.sub(r"\{(\w+)\}", lambda m, w=world: str(w[m.group(1)]), template)
        response = _request(_client(world, role), method, url)
        assert response.status_code < 500, (role, method, url, response.content[:300])
        denied = _denied(response, url)
        if denied == (role in allowed):
            got = f"{response.status_code} {response.get('Location', '')}".strip()
            wrong.append(
                f"{role}: {got} ({'allowed' if role in allowed else 'denied'} expected)"
            )
    return wrong


def probes(route: str) -> list[Probe]:
    rule = RULES[route]
    return rule if isinstance(rule, list) else [rule]


PROBES = [
    pytest.param(route, probe, id=f"{route} {probe[0]} {probe[1]}")
    for route in sorted(RULES)
    for probe in probes(route)
]


def test_every_object_route_is_probed_in_every_state():
    """A route that names a deck, note, card or quiz is probed in each of its
    states; a new route or state without a rule fails here."""
    missing = []
    for route in RULES:
        urls = [url for _, url, _ in probes(route)]
        for kind, states in (
            ("deck", DECK_STATES),
            ("note", DECK_STATES),
            ("card", DECK_STATES),
            ("quiz", QUIZ_STATES),
        ):
            if f"{kind}_id>" not in route:
                continue
            for state in states:
                if not any(f"{{{kind}_{state}}}" in url for url in urls):
                    missing.append(f"{route}: no probe with the {kind} {state}")
    assert missing == []


def test_every_visibility_has_a_state():
    from flashcards.models import Visibility

    assert set(Visibility.values) <= set(DECK_STATES)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "probe"), PROBES)
def test_each_role_gets_through_only_where_the_matrix_says(route, probe):
    method, template, allowed = probe
    wrong = _probe(World(), method, template, allowed)
    assert wrong == [], f"{method} {template}: " + "; ".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ADMIN_PROBES)
def test_admin_pages_are_for_staff_only(url):
    assert _probe(World(), "GET", url, frozenset({ADMIN})) == []


@pytest.mark.django_db
@pytest.mark.parametrize("state", sorted(READERS))
def test_answering_a_card_follows_its_readers_in_every_deck_state(state):
    """The card is in the request's body, not its URL: each role answers the
    card of a deck in each state, and only the deck's readers get a 201. The
    answer path decides them for the one deck (`permissions.deck_readable_one`,
    from the deck's row where it can), which must agree with the rule."""
    from flashcards.models import Card, Deck
    from studysite import permissions

    world = World()
    card_id = world[f"card_{state}"]
    deck = Deck.objects.get(pk=Card.objects.get(pk=card_id).deck_id)
    wrong = []
    for role in ROLES:
        body = {"card": card_id, "rating": 3, "client_review_id": str(uuid.uuid4())}
        response = _client(world, role).post(
            "/api/v1/reviews/", body, content_type="application/json"
        )
        if (response.status_code == 201) != (role in READERS[state]):
            wrong.append(f"{role}: {response.status_code}")
        user = world.users.get(role)
        if user is not None:
            by_rule = Deck.objects.filter(
                permissions.deck_readable(user), pk=deck.pk
            ).exists()
            by_row = permissions.deck_readable_from_row(user, deck)
            if by_row is not None and by_row != by_rule:
                wrong.append(f"{role}: from the row {by_row}, by the rule {by_rule}")
            one = permissions.deck_readable_one(user, deck)
            if one != by_rule:
                wrong.append(f"{role}: for one deck {one}, by the rule {by_rule}")
    assert wrong == []
