"""A quiz's answer key stays out of a learner's reach until they submit.

The probe of issue 15 read each item's ``seed`` from an attempt, regenerated
the same problem through ``POST /api/v1/problems/`` with the quiz's limits and
typed back the answers its ``/answers/`` response carried: 9/9. These tests
replay that attack and every variant of it a learner could try (the seed, the
problem id, the quiz's base seed with the derivation the code used to publish),
and hold the seed spaces apart: quiz variants' seeds come from the server's
secret and live in ``[2^62, 2^63)``; whatever a learner may choose or practise
lies below.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.models import GeneratedProblem, QuizAttempt
from lessons.problems import MAX_SEED, generate
from lessons.quizzes import services
from lessons.quizzes.tasks import generate_quiz_variants
from studysite import errors
from tests.factories import UserFactory
from tests.lessons.classes_factories import class_with
from tests.lessons.quiz_factories import QuizFactory

LOW_HALF = 2**62


def _old_public_seed(base_seed: int, learner_id: int, attempt: int, pos: int) -> int:
    """How variant seeds were derived before: a public hash of public values."""
    text = f"{base_seed}:{learner_id}:{attempt}:{pos}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") & MAX_SEED


def _quiz_for(teacher, *learners, **fields):
    quiz = QuizFactory(teacher=teacher, **fields)
    class_with(teacher, *learners, quiz=quiz)
    return quiz


def _limits(quiz_view: dict, template: str) -> dict:
    for item in quiz_view["items"]:
        if item["template"] == template:
            return item.get("limits") or {}
    return {}


def _learn_answers(api, item: dict, quiz_view: dict, learner_id: int, number: int):
    """Everything a learner can try to get item's answers; {part: text} or {}."""
    limits = _limits(quiz_view, item["template"])
    tries = []
    if item.get("seed") is not None:
        tries.append(("seed", item["seed"]))
    if quiz_view.get("base_seed") is not None:
        seed = _old_public_seed(
            quiz_view["base_seed"], learner_id, number, item["position"]
        )
        tries.append(("base_seed", seed))
    for _, seed in tries:
        r = api.post(
            "/api/v1/problems/",
            {"template": item["template"], "seed": seed, "limits": limits},
            format="json",
        )
        if r.status_code != 201:
            continue
        solved = api.post(
            f"/api/v1/problems/{r.json()['id']}/answers/",
            {"answers": {item["parts"][0]["key"]: "0"}},
            format="json",
        )
        if solved.status_code == 200:
            return {
                p["key"]: p["answer_text"] for p in solved.json()["problem"]["parts"]
            }
    if item.get("problem_id") is not None:
        solved = api.post(
            f"/api/v1/problems/{item['problem_id']}/answers/",
            {"answers": {item["parts"][0]["key"]: "0"}},
            format="json",
        )
        if solved.status_code == 200:
            return {
                p["key"]: p["answer_text"] for p in solved.json()["problem"]["parts"]
            }
    return {}


@pytest.mark.django_db
def test_the_attack_from_the_issue_does_not_score(teacher, learner, learner_api):
    quiz = _quiz_for(teacher, learner)
    quiz_view = learner_api.get(f"/api/v1/quizzes/{quiz.pk}/").json()
    start = learner_api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert start.status_code == 201, start.content
    attempt = learner_api.get(f"/api/v1/attempts/{start.json()['id']}/").json()
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    learned = 0
    for item in attempt["items"]:
        answers = _learn_answers(learner_api, item, quiz_view, learner.pk, 1)
        for part, text in answers.items():
            learned += 1
            r = learner_api.put(
                url,
                {"item": item["position"], "part": part, "text": text},
                format="json",
            )
            assert r.status_code == 200, r.content
    result = learner_api.post(f"/api/v1/attempts/{attempt['id']}/submit/").json()
    assert learned == 0
    assert result["correct_parts"] == 0 and result["total_parts"] > 0


@pytest.mark.django_db
def test_the_real_seed_is_refused_by_the_problems_api(teacher, learner, learner_api):
    """Even a learner who somehow had a variant's seed cannot regenerate it."""
    quiz = _quiz_for(teacher, learner)
    attempt = services.attempt_start(quiz=quiz, learner=learner)
    variants = [item.problem for item in attempt.items.all()]
    for stage in ("open", "submitted"):
        for gp in variants:
            r = learner_api.post(
                "/api/v1/problems/",
                {"template": gp.template_key, "seed": gp.seed, "limits": gp.limits},
                format="json",
            )
            assert r.status_code == 400, (stage, r.content)
            assert "seed" in r.json()["error"]["fields"]
        services.attempt_submit(attempt)
    assert not GeneratedProblem.objects.filter(quiz__isnull=True).exists()


@pytest.mark.django_db
def test_a_variant_is_no_problems_api_object(teacher, learner, learner_api):
    """Pre-generated or started, a variant's id opens nothing in /problems/."""
    quiz = _quiz_for(teacher, learner)
    generate_quiz_variants.apply(args=(quiz.pk, [learner.pk], quiz.base_seed)).get()
    pregenerated = list(GeneratedProblem.objects.filter(quiz=quiz, owner=learner))
    assert pregenerated
    attempt = services.attempt_start(quiz=quiz, learner=learner)
    for gp in pregenerated + [i.problem for i in attempt.items.all()]:
        assert learner_api.get(f"/api/v1/problems/{gp.pk}/").status_code == 404
        r = learner_api.post(
            f"/api/v1/problems/{gp.pk}/answers/",
            {"answers": {gp.problem().part_keys[0]: "1"}},
            format="json",
        )
        assert r.status_code == 404


@pytest.mark.django_db
def test_the_seed_is_absent_before_submission_and_present_after(
    teacher, learner, learner_api, client
):
    quiz = _quiz_for(teacher, learner)
    r = learner_api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    attempt_id = r.json()["id"]
    seeds = list(
        GeneratedProblem.objects.filter(quiz=quiz, owner=learner)
        .order_by("position")
        .values_list("seed", flat=True)
    )
    assert len(seeds) == quiz.question_count
    client.force_login(learner)
    bodies = {
        "start": r.content.decode(),
        "detail": learner_api.get(f"/api/v1/attempts/{attempt_id}/").content.decode(),
        "resume": learner_api.post(
            f"/api/v1/quizzes/{quiz.pk}/attempts/"
        ).content.decode(),
        "quiz": learner_api.get(f"/api/v1/quizzes/{quiz.pk}/").content.decode(),
        "quizzes": learner_api.get("/api/v1/quizzes/").content.decode(),
        "page": client.get(
            reverse("quizzes:take", args=[attempt_id]) + "?layout=all"
        ).content.decode(),
    }
    for name, body in bodies.items():
        for seed in seeds:
            assert str(seed) not in body, name
    for item in json.loads(bodies["detail"])["items"]:
        assert "seed" not in item and "problem_id" not in item
    assert "base_seed" not in json.loads(bodies["quiz"])
    submitted = learner_api.post(f"/api/v1/attempts/{attempt_id}/submit/").json()
    result = learner_api.get(f"/api/v1/attempts/{attempt_id}/result/").json()
    for view in (submitted, result):
        assert [i["seed"] for i in view["items"]] == seeds
        assert all(i["problem_id"] for i in view["items"])


@pytest.mark.django_db
def test_the_teacher_still_sees_the_base_seed(teacher, learner, teacher_api):
    quiz = _quiz_for(teacher, learner)
    assert teacher_api.get(f"/api/v1/quizzes/{quiz.pk}/").json()["base_seed"] == (
        quiz.base_seed
    )
    listed = teacher_api.get("/api/v1/quizzes/").json()["quizzes"]
    assert [q["base_seed"] for q in listed] == [quiz.base_seed]


@pytest.mark.django_db
def test_variant_seeds_are_in_the_quiz_space_and_follow_the_secret(teacher, learner):
    quiz = _quiz_for(teacher, learner)
    attempt = services.attempt_start(quiz=quiz, learner=learner)
    seeds = [i.problem.seed for i in attempt.items.all()]
    assert all(LOW_HALF <= s <= MAX_SEED for s in seeds)
    assert seeds != [
        _old_public_seed(quiz.base_seed, learner.pk, 1, p)
        for p in range(1, len(seeds) + 1)
    ]
    expected = [
        services.variant_seed(
            quiz_id=quiz.pk,
            base_seed=quiz.base_seed,
            learner_id=learner.pk,
            attempt_number=1,
            position=p,
        )
        for p in range(1, len(seeds) + 1)
    ]
    assert seeds == expected
    with override_settings(SECRET_KEY="another server's secret " * 3):
        other = [
            services.variant_seed(
                quiz_id=quiz.pk,
                base_seed=quiz.base_seed,
                learner_id=learner.pk,
                attempt_number=1,
                position=p,
            )
            for p in range(1, len(seeds) + 1)
        ]
    assert other != expected and all(s >= LOW_HALF for s in other)


@pytest.mark.django_db
def test_generation_is_deterministic_for_quiz_learner_and_attempt(teacher):
    learners = [UserFactory() for _ in range(3)]
    quiz = _quiz_for(teacher, *learners)
    ids = [u.pk for u in learners]

    def seeds():
        return sorted(
            GeneratedProblem.objects.filter(quiz=quiz).values_list(
                "owner_id", "attempt_number", "position", "seed"
            )
        )

    out = generate_quiz_variants.apply(args=(quiz.pk, ids, quiz.base_seed)).get()
    assert out["created"] == 3 * quiz.question_count
    first = seeds()
    again = generate_quiz_variants.apply(args=(quiz.pk, ids, quiz.base_seed)).get()
    assert again["created"] == 0 and seeds() == first
    # Lost rows come back with the same numbers.
    GeneratedProblem.objects.filter(quiz=quiz).delete()
    generate_quiz_variants.apply(args=(quiz.pk, ids, quiz.base_seed)).get()
    assert seeds() == first
    # A learner starting now gets exactly the pre-generated problems.
    GeneratedProblem.objects.filter(quiz=quiz, owner=learners[0]).delete()
    attempt = services.attempt_start(quiz=quiz, learner=learners[0])
    assert seeds() == first
    assert [i.problem.seed for i in attempt.items.all()] == [
        s for owner, _, _, s in first if owner == learners[0].pk
    ]


@pytest.mark.django_db
def test_a_reattempt_gets_new_variants(teacher, learner):
    quiz = _quiz_for(teacher, learner, attempts_allowed=3)
    seen = []
    for _ in range(3):
        attempt = services.attempt_start(quiz=quiz, learner=learner)
        seen.append([i.problem.seed for i in attempt.items.all()])
        services.attempt_submit(attempt)
    assert len({s for seeds in seen for s in seeds}) == 3 * quiz.question_count
    assert [a.number for a in QuizAttempt.objects.order_by("number")] == [1, 2, 3]


@pytest.mark.django_db
def test_analytics_still_group_by_parameter(teacher, teacher_api):
    learners = [UserFactory() for _ in range(4)]
    quiz = _quiz_for(
        teacher,
        *learners,
        items=[
            {"template": "zero-per-gpu", "count": 2, "limits": {"zero_stage": [1, 3]}}
        ],
    )
    for learner in learners:
        attempt = services.attempt_start(quiz=quiz, learner=learner)
        item = attempt.items.select_related("problem").first()
        problem = item.problem.problem()
        services.answer_save(
            attempt=attempt,
            position=1,
            part="total",
            text=problem.part("total").answer_text,
        )
        services.attempt_submit(attempt)
    analytics = teacher_api.get(f"/api/v1/quizzes/{quiz.pk}/analytics/").json()
    assert analytics["attempts"] == 4
    stages = {
        r["value"]: r["answers"]
        for r in analytics["per_parameter"]
        if r["param"] == "zero_stage"
    }
    assert set(stages) <= {"1", "2", "3"} and sum(stages.values()) > 0
    params = {
        gp.params["zero_stage"]
        for gp in GeneratedProblem.objects.filter(quiz=quiz, position=1)
    }
    assert {str(p) for p in params} <= set(stages)


@pytest.mark.django_db
def test_a_variant_made_before_the_change_keeps_working(teacher, learner, learner_api):
    """Rows with a seed from the old derivation are used, graded, and guarded."""
    quiz = _quiz_for(teacher, learner)
    for position, item in services.quiz_slots(quiz):
        seed = _old_public_seed(quiz.base_seed, learner.pk, 1, position)
        problem = generate(item["template"], seed)
        GeneratedProblem.objects.create(
            template_key=item["template"],
            seed=seed,
            limits={},
            params={k: v for k, v in problem.params.items() if not isinstance(v, dict)},
            owner=learner,
            quiz=quiz,
            attempt_number=1,
            position=position,
        )
    attempt = services.attempt_start(quiz=quiz, learner=learner)
    first = attempt.items.select_related("problem").get(position=1).problem
    assert first.seed == _old_public_seed(quiz.base_seed, learner.pk, 1, 1)
    # Its seed is below 2^62 but taken by a quiz variant: refused all the same.
    r = learner_api.post(
        "/api/v1/problems/",
        {"template": first.template_key, "seed": first.seed},
        format="json",
    )
    assert r.status_code == 400 and "seed" in r.json()["error"]["fields"]
    total = first.problem().part("total")
    services.answer_save(
        attempt=attempt, position=1, part="total", text=total.answer_text
    )
    services.attempt_submit(attempt)
    assert attempt.correct_parts == 1


@pytest.mark.django_db
def test_practice_never_reaches_the_quiz_space(learner):
    for seed in (0, 1, 2**62, MAX_SEED, 123456789):
        attempt = services.practice_start(learner=learner, seed=seed, count=20)
        seeds = [i.problem.seed for i in attempt.items.all()]
        assert all(0 <= s < LOW_HALF for s in seeds), seed
        again = services.practice_start(learner=learner, seed=seed, count=20)
        assert [i.problem.seed for i in again.items.all()] == seeds


@given(
    quiz_id=st.integers(1, 2**31),
    base_seed=st.integers(0, MAX_SEED),
    learner_id=st.integers(1, 2**31),
    attempt_number=st.integers(1, 100),
    position=st.integers(1, services.MAX_QUESTIONS),
)
def test_every_variant_seed_is_in_the_quiz_space(
    quiz_id, base_seed, learner_id, attempt_number, position
):
    seed = services.variant_seed(
        quiz_id=quiz_id,
        base_seed=base_seed,
        learner_id=learner_id,
        attempt_number=attempt_number,
        position=position,
    )
    assert LOW_HALF <= seed <= MAX_SEED and services.is_quiz_seed(seed)


@given(
    base_seed=st.integers(0, MAX_SEED),
    learner_id=st.integers(1, 2**31),
    position=st.integers(1, services.MAX_COUNT_PER_ITEM),
)
def test_every_practice_seed_is_below_the_quiz_space(base_seed, learner_id, position):
    seed = services.practice_seed(base_seed, learner_id, position)
    assert 0 <= seed < LOW_HALF and not services.is_quiz_seed(seed)


@settings(max_examples=200)
@given(seed=st.integers(LOW_HALF, MAX_SEED))
def test_a_chosen_seed_in_the_quiz_space_is_refused(seed):
    with pytest.raises(errors.Invalid) as raised:
        services.problem_create(owner=None, template="zero-per-gpu", seed=seed)
    assert "seed" in raised.value.fields


def test_a_random_problem_seed_is_below_the_quiz_space():
    assert all(0 <= services.new_seed() < LOW_HALF for _ in range(2000))
