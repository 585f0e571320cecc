"""The permission matrix: every URL pattern of the site, as six kinds of user.

Each route the resolver knows has one rule here: the method to probe, the URL
(with ids of objects made for the test) and the roles that get through. Every
other role must be turned away: 401, 403 or 404 for the API (404 for objects a
user may not see), a redirect to the login page or 403/404 for pages. A route
without a rule fails `test_every_route_has_a_rule`, so a new endpoint cannot be
left out of the matrix silently.

The world: `learner` is enrolled in `teacher`'s class, which is assigned
`teacher`'s deck and quiz; `other_learner` and `other_teacher` have nothing to
do with either; `admin` is a superuser (not in the teacher group).
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
CLASS_TEACHER = frozenset({TEACHER})  # the teacher's own quiz
# A class: its teacher and staff (lessons/classes/apis.py `_teaches`,
# flashcards/progress/access.py); for reading also its enrolled learner.
CLASS_STAFF = frozenset({TEACHER, ADMIN})
IN_CLASS = frozenset({TEACHER, LEARNER, ADMIN})
# Quizzes are open to every learner once they open, assigned or not
# (lessons/quizzes/selectors.py `quizzes_for`); only their teacher manages them.
QUIZ_TAKERS = frozenset({TEACHER, LEARNER, OTHER_LEARNER, ADMIN})


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

    @cached_property
    def teacher_deck(self) -> int:
        return cards.deck_create(owner=self.users[TEACHER], title="Class deck").pk

    @cached_property
    def quiz(self) -> int:
        from tests.lessons.quiz_factories import QuizFactory

        return QuizFactory(teacher=self.users[TEACHER]).pk

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


# route (as the resolver spells it) -> (method, url, roles let through)
RULES: dict[str, tuple[str, str, frozenset[str]]] = {
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
    "api/v1/auth/token/": ("POST", "/api/v1/auth/token/", ALL),
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
    "api/v1/quizzes/<int:quiz_id>/": (
        "GET",
        "/api/v1/quizzes/{quiz}/?a={assignment}",
        QUIZ_TAKERS,
    ),
    "api/v1/quizzes/<int:quiz_id>/attempts/": (
        "POST",
        "/api/v1/quizzes/{quiz}/attempts/?a={assignment}",
        QUIZ_TAKERS,
    ),
    "api/v1/quizzes/<int:quiz_id>/generate/": (
        "POST",
        "/api/v1/quizzes/{quiz}/generate/",
        CLASS_TEACHER,
    ),
    "api/v1/quizzes/<int:quiz_id>/generation/": (
        "GET",
        "/api/v1/quizzes/{quiz}/generation/",
        CLASS_TEACHER,
    ),
    "api/v1/quizzes/<int:quiz_id>/analytics/": (
        "GET",
        "/api/v1/quizzes/{quiz}/analytics/",
        CLASS_TEACHER,
    ),
    "api/v1/attempts/practice/": ("POST", "/api/v1/attempts/practice/", SIGNED_IN),
    "api/v1/attempts/<int:attempt_id>/": ("GET", "/api/v1/attempts/{attempt}/", OWNER),
    "api/v1/attempts/<int:attempt_id>/answers/": (
        "PUT",
        "/api/v1/attempts/{attempt}/answers/",
        OWNER,
    ),
    "api/v1/attempts/<int:attempt_id>/submit/": (
        "POST",
        "/api/v1/attempts/{attempt}/submit/",
        OWNER,
    ),
    "api/v1/attempts/<int:attempt_id>/result/": (
        "GET",
        "/api/v1/attempts/{attempt}/result/",
        OWNER,
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
    "api/v1/decks/<int:deck_id>/": ("GET", "/api/v1/decks/{deck}/", OWNER),
    "api/v1/decks/<int:deck_id>/notes/": ("POST", "/api/v1/decks/{deck}/notes/", OWNER),
    "api/v1/notes/<int:note_id>/": ("GET", "/api/v1/notes/{note}/", OWNER),
    "api/v1/imports/": ("POST", "/api/v1/imports/", SIGNED_IN),
    "api/v1/imports/<int:job_id>/": ("GET", "/api/v1/imports/{import_job}/", OWNER),
    "api/v1/imports/<int:job_id>/mapping/": (
        "POST",
        "/api/v1/imports/{import_job}/mapping/",
        OWNER,
    ),
    "api/v1/decks/<int:deck_id>/export.apkg": (
        "GET",
        "/api/v1/decks/{deck}/export.apkg",
        OWNER,
    ),
    "api/v1/decks/<int:deck_id>/export.csv": (
        "GET",
        "/api/v1/decks/{deck}/export.csv",
        OWNER,
    ),
    "api/v1/notes/bulk/": ("POST", "/api/v1/notes/bulk/", SIGNED_IN),
    "api/v1/notes/preview/": ("POST", "/api/v1/notes/preview/", SIGNED_IN),
    "api/v1/media/": ("POST", "/api/v1/media/", SIGNED_IN),
    "api/v1/study/queue": ("GET", "/api/v1/study/queue", SIGNED_IN),
    "api/v1/study/queue/": ("GET", "/api/v1/study/queue/", SIGNED_IN),
    "api/v1/reviews/": ("POST", "/api/v1/reviews/", SIGNED_IN),
    "api/v1/reviews/undo/": ("POST", "/api/v1/reviews/undo/?r={review}", OWNER),
    "api/v1/reviews/export.csv": ("GET", "/api/v1/reviews/export.csv", SIGNED_IN),
    "api/v1/cards/<int:card_id>/grade/": ("POST", "/api/v1/cards/{card}/grade/", OWNER),
    # A basic card's review has no variant: 404 to everyone, its owner too.
    "api/v1/reviews/<int:review_id>/variant/": (
        "GET",
        "/api/v1/reviews/{review}/variant/",
        frozenset(),
    ),
    **{
        f"api/v1/cards/<int:card_id>/{action}/": (
            "POST",
            f"/api/v1/cards/{{card}}/{action}/",
            OWNER,
        )
        for action in ("suspend", "unsuspend", "bury", "unbury")
    },
    # API: demos and the scheduler
    "api/v1/demos/": ("GET", "/api/v1/demos/", ALL),
    "api/v1/demos/runs/<int:run_id>/": ("GET", "/api/v1/demos/runs/{run}/", ALL),
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
    "lessons/": ("GET", "/lessons/", ALL),
    "lessons/tools/float-explorer/": ("GET", "/lessons/tools/float-explorer/", ALL),
    "lessons/tools/memory-calculator/": (
        "GET",
        "/lessons/tools/memory-calculator/",
        ALL,
    ),
    "lessons/<slug:slug>/": ("GET", "/lessons/no-such-lesson/", frozenset()),
    "practice/": ("GET", "/practice/", SIGNED_IN),
    "practice/quizzes/<int:quiz_id>/start/": (
        "POST",
        "/practice/quizzes/{quiz}/start/?a={assignment}",
        QUIZ_TAKERS,
    ),
    "practice/attempts/<int:attempt_id>/": (
        "GET",
        "/practice/attempts/{attempt}/",
        OWNER,
    ),
    "practice/attempts/<int:attempt_id>/result/": (
        "GET",
        "/practice/attempts/{attempt}/result/",
        OWNER,
    ),
    "teach/quizzes/": ("GET", "/teach/quizzes/", TEACHERS),
    "teach/quizzes/new/": ("GET", "/teach/quizzes/new/", TEACHERS),
    "teach/quizzes/<int:quiz_id>/": ("GET", "/teach/quizzes/{quiz}/", CLASS_TEACHER),
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
    "study/deck/<int:deck_id>/": ("GET", "/study/deck/{deck}/", OWNER),
    "decks/": ("GET", "/decks/", SIGNED_IN),
    "decks/<int:deck_id>/": ("GET", "/decks/{deck}/", OWNER),
    "decks/<int:deck_id>/notes/new/": ("GET", "/decks/{deck}/notes/new/", OWNER),
    "decks/<int:deck_id>/bulk/": ("POST", "/decks/{deck}/bulk/", OWNER),
    "decks/<int:deck_id>/export.<str:fmt>": ("GET", "/decks/{deck}/export.csv", OWNER),
    "notes/<int:note_id>/edit/": ("GET", "/notes/{note}/edit/", OWNER),
    "notes/<int:note_id>/delete/": ("POST", "/notes/{note}/delete/", OWNER),
    "notes/preview/": ("POST", "/notes/preview/", SIGNED_IN),
    "flashcards/media/": ("POST", "/flashcards/media/", SIGNED_IN),
    "flashcards/media/<str:sha256>.<str:ext>": (
        "GET",
        "/flashcards/media/{media}",
        SIGNED_IN,
    ),
    "decks/import/": ("GET", "/decks/import/", SIGNED_IN),
    "imports/<int:job_id>/": ("GET", "/imports/{import_job}/", OWNER),
    "imports/<int:job_id>/status/": ("GET", "/imports/{import_job}/status/", OWNER),
    # Pages: demos and the scheduler
    "demos/": ("GET", "/demos/", ALL),
    "demos/runs/<int:run_id>/": ("GET", "/demos/runs/{run}/", ALL),
    "demos/runs/<int:run_id>/panel/": ("GET", "/demos/runs/{run}/panel/", ALL),
    "demos/runs/<int:run_id>.json": ("GET", "/demos/runs/{run}.json", ALL),
    "demos/runs/<int:run_id>.csv": ("GET", "/demos/runs/{run}.csv", ALL),
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
    "/notes/{note}/delete/",
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


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(RULES))
def test_each_role_gets_through_only_where_the_matrix_says(route):
    method, template, allowed = RULES[route]
    wrong = _probe(World(), method, template, allowed)
    assert wrong == [], f"{method} {template}: " + "; ".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ADMIN_PROBES)
def test_admin_pages_are_for_staff_only(url):
    assert _probe(World(), "GET", url, frozenset({ADMIN})) == []
