"""The problems and quizzes API: generation, grading, attempts, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lessons.classes import services as class_services
from lessons.models import AttemptAnswer, GeneratedProblem, GenerationJob, QuizAttempt
from lessons.problems import generate, templates
from lessons.quizzes import services
from tests.factories import UserFactory
from tests.lessons.classes_factories import SchoolClassFactory, class_with, enroll
from tests.lessons.quiz_factories import LessonFactory, QuizFactory

pytestmark = pytest.mark.django_db


def _field(response, name):
    assert response.status_code == 400, response.content
    assert name in response.json()["error"]["fields"], response.json()


def test_templates_list(learner_api):
    r = learner_api.get("/api/v1/problems/templates/")
    assert r.status_code == 200
    keys = [t["key"] for t in r.json()["templates"]]
    assert keys == [t.key for t in templates()] and len(keys) >= 12
    zero = next(t for t in r.json()["templates"] if t["key"] == "zero-per-gpu")
    assert {"name": "zero_stage", "kind": "choice"}.items() <= zero["params"][1].items()


def test_problem_without_answers_then_graded(learner_api, learner):
    r = learner_api.post(
        "/api/v1/problems/",
        {"template": "training-memory-fp32", "seed": 42},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["seed"] == 42 and body["params"]["model"] == "GPT-3-175B"
    assert all("answer" not in p and "misconceptions" not in p for p in body["parts"])
    gp = GeneratedProblem.objects.get(pk=body["id"])
    assert gp.owner == learner and gp.problem() == generate("training-memory-fp32", 42)
    r = learner_api.post(
        f"/api/v1/problems/{body['id']}/answers/",
        {
            "answers": {
                "total": "2800 GB",
                "optimizer": "1.4e12 bytes",
                "weights": "700 GiB",
                "gradients": "lots",
            }
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    grades = {g["part"]: g for g in r.json()["grade"]["parts"]}
    assert grades["total"]["status"] == "correct"
    assert grades["optimizer"]["status"] == "correct"
    assert grades["weights"]["misconception"] == "gb_labelled_gib"
    assert (
        grades["weights"]["value_correct"] is True
        and grades["weights"]["unit_correct"] is False
    )
    assert grades["gradients"]["status"] == "unreadable"
    assert r.json()["problem"]["parts"][3]["solution"][-1]["value"] == 2800.0


def test_random_seed_when_none(learner_api):
    r = learner_api.post(
        "/api/v1/problems/", {"template": "kv-cache-gqa"}, format="json"
    )
    assert r.status_code == 201 and 0 <= r.json()["seed"] < 2**63


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"template": "nope"}, "template"),
        ({}, "template"),
        ({"template": "kv-cache-gqa", "seed": -3}, "seed"),
        ({"template": "kv-cache-gqa", "seed": "x"}, "seed"),
        ({"template": "kv-cache-gqa", "seed": 2**64}, "seed"),
        ({"template": "kv-cache-gqa", "seed": 1.5}, "seed"),
        ({"template": "kv-cache-gqa", "colour": 1}, "colour"),
        ({"template": "kv-cache-gqa", "limits": {"batch": [3]}}, "limits.batch"),
    ],
)
def test_bad_problem_input(learner_api, payload, field):
    _field(learner_api.post("/api/v1/problems/", payload, format="json"), field)


def test_another_learners_problem_is_404(learner_api, other_learner):
    gp = services.problem_create(owner=other_learner, template="loss-scale", seed=1)
    assert learner_api.get(f"/api/v1/problems/{gp.pk}/").status_code == 404
    r = learner_api.post(
        f"/api/v1/problems/{gp.pk}/answers/",
        {"answers": {"min_scale": "1"}},
        format="json",
    )
    assert r.status_code == 404


def test_answers_for_unknown_parts(learner_api, learner):
    gp = services.problem_create(owner=learner, template="loss-scale", seed=1)
    _field(
        learner_api.post(
            f"/api/v1/problems/{gp.pk}/answers/",
            {"answers": {"bogus": "1"}},
            format="json",
        ),
        "answers.bogus",
    )
    _field(
        learner_api.post(
            f"/api/v1/problems/{gp.pk}/answers/", {"answers": "208"}, format="json"
        ),
        "answers",
    )


def test_anonymous_is_refused(api):
    assert api.get("/api/v1/problems/templates/").status_code in (401, 403)


def _quiz_payload(**extra):
    LessonFactory()
    return {
        "lesson": "why-precision-matters",
        "title": "ZeRO check",
        "items": [
            {"template": "zero-per-gpu", "count": 2, "limits": {"zero_stage": [1, 2]}},
            {"template": "gb-vs-gib", "count": 1},
        ],
        "attempts_allowed": 2,
        "time_limit_minutes": 30,
        **extra,
    }


def _quiz_ids(api):
    return [q["id"] for q in api.get("/api/v1/quizzes/").json()["quizzes"]]


def test_teacher_creates_and_learner_takes_a_quiz(
    teacher_api, learner_api, learner, teacher, other_learner
):
    r = teacher_api.post("/api/v1/quizzes/", _quiz_payload(), format="json")
    assert r.status_code == 201, r.content
    quiz_id = r.json()["id"]
    assert r.json()["questions"] == 3
    # Not assigned yet: no learner sees it or may start it.
    assert _quiz_ids(learner_api) == []
    assert learner_api.post(f"/api/v1/quizzes/{quiz_id}/attempts/").status_code == 404
    # The teacher assigns it to the learner's class.
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, learner)
    r = teacher_api.post(
        f"/api/v1/classes/{school_class.pk}/assignments/",
        {"quiz": quiz_id},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert _quiz_ids(learner_api) == [quiz_id]
    outsider = APIClient()
    outsider.force_authenticate(other_learner)
    assert _quiz_ids(outsider) == []

    r = learner_api.post(f"/api/v1/quizzes/{quiz_id}/attempts/", format="json")
    assert r.status_code == 201, r.content
    attempt = r.json()
    assert len(attempt["items"]) == 3 and attempt["deadline"]
    assert all("answer" not in p for item in attempt["items"] for p in item["parts"])
    first = attempt["items"][0]
    assert first["template"] == "zero-per-gpu"
    assert "seed" not in first and "problem_id" not in first
    gp = GeneratedProblem.objects.get(
        attempt_items__attempt_id=attempt["id"], attempt_items__position=1
    )
    assert gp.params["zero_stage"] in (1, 2)
    problem = gp.problem()
    # Resume: starting again returns the same open attempt.
    assert (
        learner_api.post(f"/api/v1/quizzes/{quiz_id}/attempts/").json()["id"]
        == attempt["id"]
    )

    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    total = problem.part("total")
    assert (
        learner_api.put(
            url, {"item": 1, "part": "total", "text": total.answer_text}, format="json"
        ).status_code
        == 200
    )
    wrong = total.misconceptions[0]
    learner_api.put(
        url,
        {"item": 1, "part": "weights", "text": f"{wrong.value!r} {wrong.unit}"},
        format="json",
    )
    # saved as typed, overwritten on the next save
    learner_api.put(
        url, {"item": 1, "part": "weights", "text": "nonsense"}, format="json"
    )
    assert (
        AttemptAnswer.objects.get(
            item__attempt_id=attempt["id"], item__position=1, part_key="weights"
        ).text
        == "nonsense"
    )
    # the closed tab: a fresh GET shows what was typed
    again = learner_api.get(f"/api/v1/attempts/{attempt['id']}/").json()
    assert again["items"][0]["parts"][3]["typed"] == total.answer_text
    assert "status" not in again["items"][0]["parts"][3]

    _field(
        learner_api.put(url, {"item": 9, "part": "total", "text": "1"}, format="json"),
        "item",
    )
    _field(
        learner_api.put(url, {"item": 1, "part": "bogus", "text": "1"}, format="json"),
        "part",
    )
    assert (
        learner_api.get(f"/api/v1/attempts/{attempt['id']}/result/").status_code == 409
    )

    r = learner_api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    assert r.status_code == 200
    result = learner_api.get(f"/api/v1/attempts/{attempt['id']}/result/").json()
    parts = {p["key"]: p for p in result["items"][0]["parts"]}
    assert (
        parts["total"]["correct"] is True
        and parts["total"]["solution"][-1]["value"] == total.answer
    )
    assert parts["weights"]["status"] == "unreadable"
    assert result["correct_parts"] == 1 and result["total_parts"] == sum(
        len(i["parts"]) for i in result["items"]
    )
    assert (
        learner_api.put(
            url, {"item": 1, "part": "total", "text": "1"}, format="json"
        ).status_code
        == 409
    )

    # A re-attempt gets new variants; the third is refused.
    second = learner_api.post(f"/api/v1/quizzes/{quiz_id}/attempts/").json()
    assert second["number"] == 2
    second = learner_api.post(f"/api/v1/attempts/{second['id']}/submit/").json()
    assert [i["seed"] for i in second["items"]] != [i["seed"] for i in result["items"]]
    assert learner_api.post(f"/api/v1/quizzes/{quiz_id}/attempts/").status_code == 409

    analytics = teacher_api.get(f"/api/v1/quizzes/{quiz_id}/analytics/").json()
    assert analytics["attempts"] == 2
    assert {"template": "zero-per-gpu", "param": "zero_stage"}.items() <= analytics[
        "per_parameter"
    ][-1].items() or any(r["param"] == "zero_stage" for r in analytics["per_parameter"])
    assert any(
        p["part"] == "weights" and p["unreadable"] == 1 for p in analytics["per_part"]
    )
    assert learner_api.get(f"/api/v1/quizzes/{quiz_id}/analytics/").status_code == 404
    # Someone outside the class sees neither the quiz nor the learner's attempt.
    for url in (
        f"/api/v1/attempts/{attempt['id']}/",
        f"/api/v1/attempts/{attempt['id']}/result/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/api/v1/quizzes/{quiz_id}/attempts/").status_code == 404


def test_each_learner_gets_their_own_variants(teacher, learner, other_learner):
    quiz = QuizFactory(teacher=teacher)
    a = services.attempt_start(quiz=quiz, learner=learner)
    b = services.attempt_start(quiz=quiz, learner=other_learner)
    seeds_a = [i.problem.seed for i in a.items.all()]
    seeds_b = [i.problem.seed for i in b.items.all()]
    assert seeds_a != seeds_b
    assert seeds_a == [
        services.variant_seed(
            quiz_id=quiz.pk,
            base_seed=quiz.base_seed,
            learner_id=learner.pk,
            attempt_number=1,
            position=p,
        )
        for p in (1, 2, 3)
    ]


def test_time_limit_submits_what_was_saved(teacher, learner):
    quiz = QuizFactory(teacher=teacher, time_limit_minutes=10)
    start = timezone.now()
    attempt = services.attempt_start(quiz=quiz, learner=learner, now=start)
    services.answer_save(
        attempt=attempt,
        position=1,
        part="total",
        text="1 GB",
        now=start + timedelta(minutes=1),
    )
    with pytest.raises(Exception, match="Time is up"):
        services.answer_save(
            attempt=attempt,
            position=1,
            part="total",
            text="2 GB",
            now=start + timedelta(minutes=11),
        )
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.submitted_at == attempt.deadline
    assert (
        AttemptAnswer.objects.get(
            item__attempt=attempt, item__position=1, part_key="total"
        ).text
        == "1 GB"
    )


def test_quiz_windows_and_permissions(teacher_api, learner_api, teacher, learner):
    later = timezone.now() + timedelta(days=1)
    quiz = QuizFactory(teacher=teacher, opens_at=later)
    # Assigned to the learner's class, but not open yet: hidden until it opens.
    class_with(teacher, learner, quiz=quiz)
    assert learner_api.get("/api/v1/quizzes/").json()["quizzes"] == []
    assert learner_api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").status_code == 404
    assert _quiz_ids(teacher_api) == [quiz.pk]
    quiz.opens_at = timezone.now() - timedelta(minutes=1)
    quiz.save(update_fields=["opens_at"])
    assert _quiz_ids(learner_api) == [quiz.pk]
    assert (
        learner_api.post("/api/v1/quizzes/", _quiz_payload(), format="json").status_code
        == 403
    )
    _field(
        teacher_api.post(
            "/api/v1/quizzes/",
            _quiz_payload(items=[{"template": "x", "count": 1}]),
            format="json",
        ),
        "items[0].template",
    )
    _field(
        teacher_api.post(
            "/api/v1/quizzes/",
            _quiz_payload(items=[{"template": "loss-scale", "count": 0}]),
            format="json",
        ),
        "items[0].count",
    )
    _field(
        teacher_api.post(
            "/api/v1/quizzes/",
            _quiz_payload(
                items=[{"template": "loss-scale", "count": 1, "limits": {"large": [3]}}]
            ),
            format="json",
        ),
        "items[0].limits.large",
    )
    _field(
        teacher_api.post(
            "/api/v1/quizzes/", _quiz_payload(lesson="nope"), format="json"
        ),
        "lesson",
    )
    _field(
        teacher_api.post(
            "/api/v1/quizzes/",
            _quiz_payload(opens_at="2030-01-02T00:00Z", due_at="2030-01-01T00:00Z"),
            format="json",
        ),
        "due_at",
    )


def test_practice_attempt(learner_api):
    r = learner_api.post(
        "/api/v1/attempts/practice/",
        {"templates": ["loss-scale", "gb-vs-gib"], "count": 4},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert sorted({i["template"] for i in r.json()["items"]}) == [
        "gb-vs-gib",
        "loss-scale",
    ]
    mixed = learner_api.post("/api/v1/attempts/practice/", {}, format="json").json()
    assert len(mixed["items"]) == services.PRACTICE_DEFAULT_COUNT and mixed["practice"]
    _field(
        learner_api.post(
            "/api/v1/attempts/practice/", {"templates": ["nope"]}, format="json"
        ),
        "templates",
    )
    _field(
        learner_api.post("/api/v1/attempts/practice/", {"count": 0}, format="json"),
        "count",
    )
    _field(
        learner_api.post("/api/v1/attempts/practice/", {"seed": "x"}, format="json"),
        "seed",
    )


def test_another_learners_attempt_is_404(learner_api, other_learner):
    attempt = services.practice_start(learner=other_learner)
    assert learner_api.get(f"/api/v1/attempts/{attempt.pk}/").status_code == 404
    assert learner_api.post(f"/api/v1/attempts/{attempt.pk}/submit/").status_code == 404


def test_generation_task_is_idempotent_with_progress(teacher_api, teacher):
    quiz = QuizFactory(teacher=teacher)
    learners = [UserFactory() for _ in range(12)]
    ids = [u.pk for u in learners]
    url = f"/api/v1/quizzes/{quiz.pk}/generate/"
    # Not assigned: nobody to generate for, and no learner may be named.
    r = teacher_api.post(url, {}, format="json")
    assert r.status_code == 409, r.content
    _field(teacher_api.post(url, {"learner_ids": ids}, format="json"), "learner_ids")
    assert not GenerationJob.objects.exists()
    school_class = class_with(teacher, *learners, quiz=quiz)
    r = teacher_api.post(url, {"learner_ids": ids}, format="json")
    assert r.status_code == 202, r.content
    job = GenerationJob.objects.get(pk=r.json()["id"])
    assert (job.status, job.done, job.total, job.created) == ("done", 12, 12, 36)
    assert GeneratedProblem.objects.filter(quiz=quiz).count() == 36
    # retry: nothing new
    from lessons.quizzes.tasks import generate_quiz_variants

    out = generate_quiz_variants.apply(args=(quiz.pk, ids, quiz.base_seed)).get()
    assert (
        out["created"] == 0 and GeneratedProblem.objects.filter(quiz=quiz).count() == 36
    )
    # by default, the members of the assigned classes: all done already
    r = teacher_api.post(url, {}, format="json")
    assert r.status_code == 202, r.content
    assert (r.json()["total"], r.json()["created"]) == (12, 0)
    # a learner who starts uses the pre-generated variants
    attempt = services.attempt_start(quiz=quiz, learner=learners[0])
    assert {i.problem_id for i in attempt.items.all()} == set(
        GeneratedProblem.objects.filter(quiz=quiz, owner=learners[0]).values_list(
            "pk", flat=True
        )
    )
    assert (
        teacher_api.get(f"/api/v1/quizzes/{quiz.pk}/generation/").json()["job"]["state"]
        == "done"
    )
    # Unknown users, non-members and learners who left are refused by name.
    outsider = UserFactory()
    class_services.class_leave(learner=learners[1], school_class=school_class)
    jobs = GenerationJob.objects.count()
    for stranger in (999999, outsider.pk, learners[1].pk):
        _field(
            teacher_api.post(url, {"learner_ids": [stranger]}, format="json"),
            "learner_ids",
        )
    assert GenerationJob.objects.count() == jobs
    assert not GeneratedProblem.objects.filter(owner=outsider).exists()
    assert QuizAttempt.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [2**63, -1, "x"])
def test_a_base_seed_out_of_range_is_a_400_naming_it(teacher_api, teacher, seed):
    from lessons.models import Quiz

    LessonFactory(slug="why-precision-matters")
    response = teacher_api.post(
        "/api/v1/quizzes/",
        {
            "lesson": "why-precision-matters",
            "title": "Q",
            "items": [{"template": "zero-per-gpu", "count": 1}],
            "base_seed": seed,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "base_seed" in response.json()["error"]["fields"]
    assert not Quiz.objects.exists()
    quiz = QuizFactory(teacher=teacher)
    generate_ = teacher_api.post(
        f"/api/v1/quizzes/{quiz.pk}/generate/", {"base_seed": seed}, format="json"
    )
    assert generate_.status_code == 400
    assert not GenerationJob.objects.exists()
