"""Estimated knowledge and mastery per learning objective: card states
turned into retrievabilities in one numpy pass (once per forgetting-curve
decay), joined with quiz results by template objective."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import (
    CharField,
    Count,
    F,
    Q,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf

from flashcards.models import Card, Deck
from flashcards.scheduling import retrievability_many
from lessons.models import AttemptAnswer, LearningObjective
from lessons.progress.access import Scope
from lessons.progress.selectors.daily import deck_options
from lessons.progress.selectors.scope import attempts, memories, study_deck_ids

# --- knowledge and mastery ---------------------------------------------------------------------


def card_objective(*, note: str = "note", deck: str = "deck") -> Coalesce:
    """The objective a card counts towards, in the DB: its note's link
    (``Note.objective_key``, which every generated lesson card has), else an
    ``objective`` field of the note (an imported note may carry one), else its
    deck's. ``note`` and ``deck`` are the paths to them from the queried model
    (``"card__note"`` from a memory row)."""

    def key(expression):
        return NullIf(expression, Value(""))

    return Coalesce(
        key(F(f"{note}__objective_key")),
        key(KeyTextTransform("objective", f"{note}__fields")),
        key(F(f"{deck}__objective_key")),
        output_field=CharField(),
    )


def _studied_rows(scope: Scope) -> list[tuple]:
    return list(
        memories(scope)
        .filter(state__gt=0, last_review__isnull=False)
        .annotate(objective=card_objective(note="card__note"))
        .values_list("deck_id", "objective", "stability", "last_review")
    )


def retrievabilities(rows: list[tuple], *, now: datetime) -> np.ndarray:
    """Every row's retrievability now, one vectorised pass per decay.

    Rows start ``(deck_id, objective, stability, last_review, ...)``.
    """
    if not rows:
        return np.zeros(0)
    deck_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    stability = np.array([r[2] if r[2] is not None else np.nan for r in rows])
    now_ts = now.timestamp()
    elapsed = np.fromiter(
        ((now_ts - r[3].timestamp()) / 86400 for r in rows),
        dtype=np.float64,
        count=len(rows),
    )
    decays = {k: o.decay for k, o in deck_options(list(set(deck_ids.tolist()))).items()}
    out = np.zeros(len(rows))
    by_decay: dict[float, list[int]] = defaultdict(list)
    for deck_id, decay in decays.items():
        by_decay[decay].append(deck_id)
    for decay, ids in by_decay.items():
        mask = np.isin(deck_ids, ids)
        out[mask] = retrievability_many(stability[mask], elapsed[mask], decay)
    return out


def knowledge(scope: Scope, *, now: datetime) -> dict[str, Any]:
    """Estimated knowledge: the sum of current retrievabilities (cards you
    would recall right now), with per-objective sums for mastery."""
    rows = _studied_rows(scope)
    r = retrievabilities(rows, now=now)
    per_objective: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for row, value in zip(rows, r, strict=True):
        key = row[1]
        if key:
            per_objective[key][0] += float(value)
            per_objective[key][1] += 1
    return {
        "estimated_known": round(float(r.sum()), 1),
        "studied": len(rows),
        "mean_retrievability": round(float(r.mean()), 4) if len(rows) else None,
        "per_objective": dict(per_objective),
    }


def objective_cards(scope: Scope) -> dict[str, int]:
    """Cards linked to each objective in the study decks (`card_objective`)."""
    return cards_per_objective(study_deck_ids(scope))


def cards_per_objective(deck_ids: list[int]) -> dict[str, int]:
    """How many cards of these decks count towards each objective."""
    if not deck_ids:
        return {}
    rows = (
        Card.objects.filter(deck_id__in=deck_ids)
        .annotate(objective=card_objective())
        .exclude(objective__isnull=True)
        .values_list("objective")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def lesson_objectives(deck_ids: list[int]) -> list[str]:
    """The objectives of the lessons these decks belong to (a lesson's deck,
    or a deck linked to a lesson), in the lessons' order: each shows on the
    dashboards even before any of its cards is studied."""
    if not deck_ids:
        return []
    slugs = Deck.objects.filter(pk__in=deck_ids).exclude(lesson_slug="")
    keys = (
        LearningObjective.objects.filter(
            lesson__slug__in=slugs.values("lesson_slug"), retired=False
        )
        .order_by("lesson__order", "lesson_id", "order", "pk")
        .values_list("key", flat=True)
    )
    return list(dict.fromkeys(keys))


def objective_order(keys: set[str], lesson_keys: list[str]) -> list[str]:
    """The lessons' objectives first, in their order, then those of the
    problem registry in its order (the lesson's), then any other key."""
    from lessons.problems import OBJECTIVES

    ordered = list(dict.fromkeys([*lesson_keys, *OBJECTIVES]))
    known = [k for k in ordered if k in keys]
    return known + sorted(keys - set(known))


def quiz_parts_by_template(scope: Scope) -> dict[str, tuple[int, int]]:
    """(parts answered, parts correct) per problem template, submitted only."""
    rows = (
        AttemptAnswer.objects.filter(item__attempt__in=attempts(scope))
        .values_list("item__problem__template_key")
        .annotate(total=Count("id"), correct=Count("id", filter=Q(status="correct")))
    )
    return {key: (total, correct) for key, total, correct in rows}


def template_objectives() -> dict[str, str]:
    from lessons.problems import templates

    return {t.key: t.objective for t in templates()}


def objective_labels(keys: set[str]) -> dict[str, dict[str, str]]:
    """Each objective's text: the lesson's (``lesson.toml``), else the problem
    registry's, else the key made readable (never the bare key)."""
    from lessons.classes.selectors import humanize_key
    from lessons.problems import OBJECTIVES

    labels = {
        k: {"text": OBJECTIVES.get(k) or humanize_key(k), "lesson": ""} for k in keys
    }
    rows = LearningObjective.objects.filter(key__in=keys, retired=False).values_list(
        "key", "text", "lesson__title"
    )
    for key, text, lesson in rows:
        labels[key] = {"text": text, "lesson": lesson}
    return labels


def mastery(scope: Scope, *, now: datetime, known: dict | None = None) -> list[dict]:
    """Mastery per learning objective, from memory and from quizzes.

    ``memory`` is the sum of retrievabilities of the objective's cards over
    the number of its cards (an unseen card counts 0); ``quiz`` is the share
    of quiz parts answered correctly on templates of that objective;
    ``mastery`` is the mean of the parts that exist.
    """
    known = known or knowledge(scope, now=now)
    per_objective = known["per_objective"]
    deck_ids = study_deck_ids(scope)
    totals = cards_per_objective(deck_ids)
    lesson_keys = lesson_objectives(deck_ids)
    quiz: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    objective_of = template_objectives()
    for key, (total, correct) in quiz_parts_by_template(scope).items():
        if key in objective_of:
            quiz[objective_of[key]][0] += total
            quiz[objective_of[key]][1] += correct
    keys = set(per_objective) | set(totals) | set(quiz) | set(lesson_keys)
    labels = objective_labels(keys)
    out = []
    for key in objective_order(keys, lesson_keys):
        r_sum, studied = per_objective.get(key, (0.0, 0))
        cards = max(totals.get(key, 0), studied)
        memory = round(r_sum / cards, 4) if cards else None
        answered, correct = quiz.get(key, (0, 0))
        quiz_rate = round(correct / answered, 4) if answered else None
        parts = [x for x in (memory, quiz_rate) if x is not None]
        out.append(
            {
                "objective": key,
                "text": labels[key]["text"],
                "lesson": labels[key]["lesson"],
                "cards": cards,
                "studied": studied,
                "memory": memory,
                "quiz_parts": answered,
                "quiz": quiz_rate,
                "mastery": round(sum(parts) / len(parts), 4) if parts else None,
            }
        )
    return out
