"""The teacher's dashboard of a class: per learner and per item, on what the
class was assigned only.

Per learner: reviews done, true retention over 30 days, due cards (as on the
learner's own page: `lessons.progress.selectors.due_q`), quiz
scores (best per assigned quiz), mastery per objective, last active. Per
item: the hardest cards (lapses per review over the class), the quiz parts
and misconceptions most missed. Everything is grouped in the database by
learner or by item; the query count does not grow with the class (about a
dozen queries for any size). Mastery from memory needs each started card's
retrievability: one numpy pass over ``(learner, objective, stability,
last_review)`` rows.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, FloatField, Max, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from flashcards.models import Card, CardMemory, ReviewLog
from flashcards.scheduling import State
from lessons.classes import selectors
from lessons.models import AttemptAnswer, QuizAttempt, SchoolClass
from lessons.progress import selectors as progress
from studysite.exports import csv_writer

RETENTION_DAYS = 30
TOP_ITEMS = 10
MIN_REVIEWS_FOR_HARDEST = 3


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _review_stats(learner_ids, deck_ids, now) -> dict[int, dict[str, Any]]:
    since = now - timedelta(days=RETENTION_DAYS)
    recent = Q(review_state=State.REVIEW, reviewed_at__gte=since)
    rows = (
        ReviewLog.objects.filter(
            learner_id__in=learner_ids, deck_id__in=deck_ids, undone_at__isnull=True
        )
        .values_list("learner_id")
        .annotate(
            n=Count("id"),
            last=Max("reviewed_at"),
            judged=Count("id", filter=recent),
            passed=Count("id", filter=recent & Q(rating__gt=1)),
            ms=Sum("duration_ms"),
        )
    )
    return {
        learner: {
            "reviews": n,
            "last": last,
            "retention": _rate(passed, judged),
            "seconds": round((ms or 0) / 1000),
        }
        for learner, n, last, judged, passed, ms in rows
    }


def _memory_stats(learners, deck_ids, now) -> dict[int, dict[str, int]]:
    """Started and due cards per learner; due as on the learner's own page
    (`progress.due_q`, on each learner's study day)."""
    rows = (
        CardMemory.objects.filter(
            learner_id__in=[u.pk for u in learners], deck_id__in=deck_ids
        )
        .values_list("learner_id")
        .annotate(
            started=Count("id", filter=Q(state__gt=0)),
            due=Count("id", filter=progress.learners_due_q(learners, now=now)),
        )
    )
    return {learner: {"started": started, "due": due} for learner, started, due in rows}


def _quiz_stats(learner_ids, quiz_ids) -> dict[int, dict[int, dict[str, Any]]]:
    rows = (
        QuizAttempt.objects.filter(
            learner_id__in=learner_ids,
            quiz_id__in=quiz_ids,
            submitted_at__isnull=False,
        )
        .values_list("learner_id", "quiz_id")
        .annotate(best=Max("score"), attempts=Count("id"), last=Max("submitted_at"))
    )
    out: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for learner, quiz, best, n, last in rows:
        out[learner][quiz] = {"best": best, "attempts": n, "last": last}
    return out


def _memory_mastery(learner_ids, deck_ids, now) -> dict[int, dict[str, float]]:
    """Per learner and objective: the sum of retrievabilities of started cards."""
    rows = list(
        CardMemory.objects.filter(
            learner_id__in=learner_ids,
            deck_id__in=deck_ids,
            state__gt=0,
            last_review__isnull=False,
        )
        .annotate(objective=progress.card_objective(note="card__note"))
        .values_list("deck_id", "objective", "stability", "last_review", "learner_id")
    )
    r = progress.retrievabilities(rows, now=now)
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row, value in zip(rows, r, strict=True):
        if row[1]:
            out[row[4]][row[1]] += float(value)
    return out


def _answers(learner_ids, quiz_ids):
    return AttemptAnswer.objects.filter(
        item__attempt__learner_id__in=learner_ids,
        item__attempt__quiz_id__in=quiz_ids,
        item__attempt__submitted_at__isnull=False,
    )


def _quiz_mastery(learner_ids, quiz_ids) -> dict[int, dict[str, list[int]]]:
    objective_of = progress.template_objectives()
    rows = (
        _answers(learner_ids, quiz_ids)
        .values_list("item__attempt__learner_id", "item__problem__template_key")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(status="correct")))
    )
    out: dict[int, dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for learner, template, n, ok in rows:
        if template in objective_of:
            cell = out[learner][objective_of[template]]
            cell[0] += n
            cell[1] += ok
    return out


def hardest_cards(learner_ids, deck_ids) -> list[dict[str, Any]]:
    """Cards with the most lapses per review across the class."""
    rows = list(
        CardMemory.objects.filter(
            learner_id__in=learner_ids, deck_id__in=deck_ids, reps__gt=0
        )
        .values("card_id")
        .annotate(
            reps_sum=Sum("reps"),
            lapses_sum=Sum("lapses"),
            learners=Count("learner_id"),
        )
        .filter(reps_sum__gte=MIN_REVIEWS_FOR_HARDEST, lapses_sum__gt=0)
        .annotate(
            rate=Cast("lapses_sum", FloatField()) / Cast("reps_sum", FloatField())
        )
        .order_by("-rate", "-lapses_sum", "card_id")[:TOP_ITEMS]
    )
    cards = Card.objects.select_related("note", "deck").in_bulk(
        [r["card_id"] for r in rows]
    )
    out = []
    for r in rows:
        card = cards[r["card_id"]]
        out.append(
            {
                "card": card.pk,
                "deck": card.deck.title,
                "front": _front(card),
                "learners": r["learners"],
                "reviews": r["reps_sum"],
                "lapses": r["lapses_sum"],
                "lapse_rate": round(r["rate"], 4),
            }
        )
    return out


def _front(card: Card) -> str:
    try:
        text = card.sides().front
    except Exception:  # noqa: BLE001 (a note type this code does not know yet)
        fields = card.note.fields or {}
        text = next(iter(fields.values()), "") if isinstance(fields, dict) else ""
    return str(text)[:160]


def missed_parts(learner_ids, quiz_ids) -> list[dict[str, Any]]:
    rows = (
        _answers(learner_ids, quiz_ids)
        .values("item__problem__template_key", "part_key")
        .annotate(
            answers=Count("id"),
            missed=Count("id", filter=~Q(status="correct")),
        )
        .filter(missed__gt=0)
        .order_by("-missed", "item__problem__template_key", "part_key")[:TOP_ITEMS]
    )
    return [
        {
            "template": r["item__problem__template_key"],
            "part": r["part_key"],
            "answers": r["answers"],
            "missed": r["missed"],
            "miss_rate": _rate(r["missed"], r["answers"]),
        }
        for r in rows
    ]


def missed_misconceptions(learner_ids, quiz_ids) -> list[dict[str, Any]]:
    rows = (
        _answers(learner_ids, quiz_ids)
        .exclude(misconception="")
        .values("item__problem__template_key", "part_key", "misconception")
        .annotate(
            count=Count("id"),
            learners=Count("item__attempt__learner_id", distinct=True),
        )
        .order_by("-count", "misconception")[:TOP_ITEMS]
    )
    return [
        {
            "template": r["item__problem__template_key"],
            "part": r["part_key"],
            "misconception": r["misconception"],
            "count": r["count"],
            "learners": r["learners"],
        }
        for r in rows
    ]


def class_dashboard(
    *, school_class: SchoolClass, now: datetime | None = None
) -> dict[str, Any]:
    """Every figure of the teacher's dashboard for one class."""
    now = now or timezone.now()
    learners = selectors.class_learners(school_class=school_class)
    assignments = selectors.class_assignments(school_class=school_class)
    ids = [u.pk for u in learners]
    deck_ids = [a.deck_id for a in assignments if a.deck_id]
    quiz_ids = [a.quiz_id for a in assignments if a.quiz_id]
    reviews = _review_stats(ids, deck_ids, now) if deck_ids else {}
    memory = _memory_stats(learners, deck_ids, now) if deck_ids else {}
    quizzes = _quiz_stats(ids, quiz_ids) if quiz_ids else {}
    r_sums = _memory_mastery(ids, deck_ids, now) if deck_ids else {}
    cards = progress.cards_per_objective(deck_ids)
    quiz_parts = _quiz_mastery(ids, quiz_ids) if quiz_ids else {}
    lesson_keys = progress.lesson_objectives(deck_ids)
    objectives = progress.objective_order(
        set(cards) | set(lesson_keys) | {k for per in quiz_parts.values() for k in per},
        lesson_keys,
    )
    labels = progress.objective_labels(set(objectives))
    names = selectors.problem_names()
    rows = []
    for learner in learners:
        rows.append(
            _learner_row(
                learner,
                reviews.get(learner.pk, {}),
                memory.get(learner.pk, {}),
                quizzes.get(learner.pk, {}),
                quiz_ids,
                {
                    key: _mastery(
                        r_sums.get(learner.pk, {}).get(key, 0.0),
                        cards.get(key, 0),
                        quiz_parts.get(learner.pk, {}).get(key),
                    )
                    for key in objectives
                },
            )
        )
    return {
        "class": {"id": school_class.pk, "name": school_class.name},
        "generated_at": now,
        "due_definition": progress.due_definition(),
        "assignments": [
            {
                "id": a.pk,
                "kind": a.kind,
                "item_id": a.deck_id or a.quiz_id,
                "title": a.title,
                "due_at": a.due_at,
            }
            for a in assignments
        ],
        "objectives": [
            {"key": k, "text": labels[k]["text"], "cards": cards.get(k, 0)}
            for k in objectives
        ],
        "learners": rows,
        "hardest_cards": hardest_cards(ids, deck_ids) if deck_ids and ids else [],
        "missed_parts": names.label_rows(
            missed_parts(ids, quiz_ids) if quiz_ids and ids else []
        ),
        "misconceptions": names.label_rows(
            missed_misconceptions(ids, quiz_ids) if quiz_ids and ids else []
        ),
    }


def _mastery(r_sum: float, cards: int, quiz: list[int] | None) -> float | None:
    parts = []
    if cards:
        parts.append(min(1.0, r_sum / cards))
    if quiz and quiz[0]:
        parts.append(quiz[1] / quiz[0])
    return round(sum(parts) / len(parts), 4) if parts else None


def _learner_row(learner, reviews, memory, quizzes, quiz_ids, mastery) -> dict:
    lasts = [reviews.get("last")] + [q["last"] for q in quizzes.values()]
    lasts = [x for x in lasts if x is not None]
    bests = [q["best"] for q in quizzes.values() if q["best"] is not None]
    return {
        "id": learner.pk,
        "username": learner.username,
        "name": learner.get_full_name(),
        "reviews": reviews.get("reviews", 0),
        "retention": reviews.get("retention"),
        "review_seconds": reviews.get("seconds", 0),
        "started_cards": memory.get("started", 0),
        "due": memory.get("due", 0),
        "quiz_scores": {
            str(q): quizzes[q]["best"] if q in quizzes else None for q in quiz_ids
        },
        "quiz_mean": round(sum(bests) / len(bests), 4) if bests else None,
        "mastery": mastery,
        "last_active": max(lasts) if lasts else None,
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def class_dashboard_csv(data: dict[str, Any]) -> str:
    """One row per learner; a column per assigned quiz and per objective."""
    quizzes = [a for a in data["assignments"] if a["kind"] == "quiz"]
    objectives = [o["key"] for o in data["objectives"]]
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # usernames and titles never run as formulas
    writer.writerow(
        [
            "learner_id",
            "username",
            "name",
            "reviews",
            "retention_30d",
            "due_cards",
            "started_cards",
            "review_seconds",
            "quiz_mean",
            *[f"quiz:{q['title']}" for q in quizzes],
            *[f"mastery:{k}" for k in objectives],
            "last_active",
        ]
    )
    for row in data["learners"]:
        writer.writerow(
            _cell(v)
            for v in [
                row["id"],
                row["username"],
                row["name"],
                row["reviews"],
                row["retention"],
                row["due"],
                row["started_cards"],
                row["review_seconds"],
                row["quiz_mean"],
                *[row["quiz_scores"].get(str(q["item_id"])) for q in quizzes],
                *[row["mastery"].get(k) for k in objectives],
                row["last_active"],
            ]
        )
    return buffer.getvalue()
