"""Progress pages: the learner's own dashboard, and a learner's dashboard for
their teacher or an admin (on the classes' assignments only, for a teacher).

``lessons.progress`` is not an app, so its templates are read from
``lessons/progress/templates/progress/`` and compiled by the project's
template engine (as ``lessons.quizzes`` does).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lessons.progress import charts, selectors
from lessons.progress.access import Scope, scope_for


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def dashboard_context(scope: Scope) -> dict[str, Any]:
    """The dashboard's figures plus the geometry of its charts."""
    data = selectors.dashboard(scope, now=timezone.now())
    forecast = data["forecast"]["days"]
    scores = [h["score"] or 0.0 for h in reversed(data["quizzes"]["history"])]
    states = data["states"]
    started = sum(v for k, v in states.items() if k not in ("new", "leech")) or 0
    total = started + states["new"]
    retention = data["retention"]
    for key in ("young", "mature", "all"):
        retention[key]["percent"] = _percent(retention[key]["rate"])
    for row in data["mastery"]:
        row["percent"] = _percent(row["mastery"])
        row["memory_percent"] = _percent(row["memory"])
        row["quiz_percent"] = _percent(row["quiz"])
    return {
        "p": data,
        "forecast_chart": charts.bars([d["due"] for d in forecast]),
        "quiz_chart": charts.sparkline(scores),
        "state_rows": [
            {
                "name": name,
                "count": states[name],
                "share": round(100 * states[name] / total, 1) if total else 0,
            }
            for name in ("new", "learning", "review", "relearning", "suspended")
        ],
        "cards_total": total,
        "time_rows": [
            (label, round(data["time"][key] / 60, 1))
            for key, label in (
                ("review_today", "Reviewing today"),
                ("review_7_days", "Reviewing, last 7 days"),
                ("review_30_days", "Reviewing, last 30 days"),
                ("review_total", "Reviewing, in all"),
                ("quiz_total", "On quizzes, in all"),
            )
        ],
    }


def render_dashboard(
    request: HttpRequest, scope: Scope, *, heading: str, note: str = ""
) -> HttpResponse:
    context = dashboard_context(scope)
    own = scope.learner == request.user
    context |= {
        "heading": heading,
        "note": note,
        "own": own,
        "due_definition": selectors.due_definition(
            whose="your" if own else "the learner's"
        ),
    }
    return render(request, "progress/dashboard.html", context)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Your progress: today, streak, heatmap, retention, forecast, mastery."""
    return render_dashboard(
        request, Scope(learner=request.user), heading="Your progress"
    )


@login_required
@require_GET
def learner_dashboard(request: HttpRequest, learner_id: int) -> HttpResponse:
    """A learner's progress, for their teacher (assigned items only) or an admin."""
    scope = scope_for(viewer=request.user, learner_id=learner_id)
    note = "" if scope.is_full else "Only the decks and quizzes your classes assigned."
    return render_dashboard(
        request, scope, heading=f"Progress of {scope.learner.username}", note=note
    )
