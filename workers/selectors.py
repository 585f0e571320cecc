"""Reads for demos and demo runs, and for the learner's scheduler.

The scheduler half: the learner's current FSRS parameters and their source
(`learner_parameters`, used by the review service), their review history as
the fitter takes it, how much of it a fit could use, their fits and
simulations (another learner's are a 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from flashcards import fitting, parameters
from flashcards.models import ReviewLog
from lessons.models import LessonSection
from studysite import errors, permissions
from workers.demos import DEMOS, Demo, get_demo, matmul_throughput
from workers.models import DemoRun, SchedulerFit, SchedulerSimulation

LESSON_PATH = "/lessons/why-precision-matters/"

# Defaults a GPU run uses for the parameters the learner left out, where the
# CPU defaults would not load a GPU at all (applied when none of them is given).
GPU_DEFAULTS: dict[str, dict[str, Any]] = {
    "matmul_throughput": dict(matmul_throughput.GPU_PARAMS),
}


LESSON_SLUG = "why-precision-matters"
LESSON_TITLE = "Why precision matters"


def lesson_url(demo: Demo) -> str:
    """The lesson section the demo illustrates."""
    return f"{LESSON_PATH}#{demo.lesson_anchor}"


@dataclass(frozen=True)
class LessonLink:
    """The lesson section a demo illustrates, by its title and its address."""

    url: str
    title: str
    lesson_title: str


def lesson_links(demos: Iterable[Demo]) -> dict[str, LessonLink]:
    """Each demo's lesson section, titled as the loaded lesson titles it.

    One query for all the demos. Where the lesson is not loaded (a fresh
    database) the anchor is written out in words instead of shown as a slug.

    Args:
        demos: The demos to link.

    Returns:
        ``{demo name: LessonLink}``.
    """
    demos = list(demos)
    rows = LessonSection.objects.filter(
        lesson__slug=LESSON_SLUG, anchor__in={d.lesson_anchor for d in demos}
    ).values_list("anchor", "title", "lesson__title")
    titles = {anchor: (title, lesson) for anchor, title, lesson in rows}
    links = {}
    for demo in demos:
        anchor = demo.lesson_anchor
        words = anchor.replace("-", " ").capitalize()
        title, lesson = titles.get(anchor, (words, LESSON_TITLE))
        links[demo.name] = LessonLink(lesson_url(demo), title, lesson)
    return links


def demo_list() -> list[Demo]:
    return list(DEMOS.values())


def demo_schema(demo: Demo) -> dict[str, Any]:
    """The demo's description, parameter schema and defaults, as JSON data."""
    data = demo.to_dict()
    data["lesson_url"] = lesson_url(demo)
    data["defaults"] = {p["name"]: p["default"] for p in data["params"]}
    data["gpu_defaults"] = GPU_DEFAULTS.get(demo.name, {})
    return data


def demo_run_get(*, run_id: int, user: Any) -> DemoRun:
    """A run ``user`` may open by id (`permissions.demo_run_visible`).

    Reads only: callers fail a stale one (`services.demo_run_expire_stale`).

    Raises:
        DemoRun.DoesNotExist: No such run, or not one ``user`` may see.
    """
    return (
        DemoRun.objects.filter(permissions.demo_run_visible(user))
        .select_related("requested_by")
        .get(pk=run_id)
    )


def demo_run_get_shared(*, token: Any) -> DemoRun:
    """The run shared by the link with ``token`` (`permissions.demo_run_shared`).

    Raises:
        DemoRun.DoesNotExist: No run is shared with this token (never was, or
            its owner stopped sharing it).
    """
    return DemoRun.objects.filter(permissions.demo_run_shared(token)).get()


def demo_runs_unfinished() -> QuerySet[DemoRun]:
    return DemoRun.objects.filter(
        status__in=(DemoRun.Status.QUEUED, DemoRun.Status.RUNNING)
    )


def demo_runs_recent(*, demo_name: str, user: Any, limit: int = 5) -> list[DemoRun]:
    """The user's latest runs of a demo (none for anonymous users)."""
    get_demo(demo_name)
    if not getattr(user, "is_authenticated", False):
        return []
    return list(DemoRun.objects.filter(demo=demo_name, requested_by=user)[:limit])


# --- the learner's scheduler: parameters, fits, simulations ---------------------

SCOPE_ALL = "all"


def scope_of(deck: Any = None) -> str:
    """The `SchedulerFit.scope` of a deck preset, or ``"all"``."""
    return SCOPE_ALL if deck is None else f"deck:{deck.pk}"


@dataclass(frozen=True)
class CurrentParameters:
    """The parameters a learner's reviews use now, and where they come from.

    ``source`` is ``"deck fit"`` (a fit of this deck's reviews), ``"fit"`` (a
    fit of all the learner's reviews), ``"deck options"`` (the deck's own
    parameters, when set) or ``"default"`` (FSRS-6's defaults).
    """

    parameters: tuple[float, ...]
    source: str
    fit: SchedulerFit | None = None


def learner_parameters_current(*, learner: Any, deck: Any = None) -> CurrentParameters:
    """The learner's parameters for a deck (or in general), with their source.

    The parameters themselves are flashcards' (`flashcards.parameters`); this
    adds the fit that produced them, for the scheduler pages.
    """
    row = parameters.scheduler_parameters_get(learner=learner, deck=deck)
    if row is not None:
        fit = SchedulerFit.objects.filter(pk=row.fit_id).first() if row.fit_id else None
        source = "fit" if row.deck_id is None else "deck fit"
        return CurrentParameters(tuple(row.parameters), source, fit)
    if deck is not None:
        own = tuple(deck.scheduling_options.parameters)
        if own != fitting.DEFAULT_PARAMETERS:
            return CurrentParameters(own, "deck options")
    return CurrentParameters(fitting.DEFAULT_PARAMETERS, "default")


def learner_day_of(learner: Any) -> fitting.DayOf:
    return fitting.day_counter(learner.time_zone, learner.day_start_hour)


def _reviews(*, learner: Any, deck: Any = None) -> QuerySet:
    rows = ReviewLog.objects.filter(learner=learner, undone_at=None)
    return rows if deck is None else rows.filter(deck=deck)


def review_records(*, learner: Any, deck: Any = None) -> list[fitting.ReviewRecord]:
    """The learner's reviews (undone ones left out) as the fitter takes them."""
    rows = _reviews(learner=learner, deck=deck).values_list(
        "card_id", "reviewed_at", "rating", "duration_ms"
    )
    return [
        fitting.ReviewRecord(card, when.astimezone(UTC), rating, duration or 0)
        for card, when, rating, duration in rows.iterator(chunk_size=5000)
    ]


@dataclass(frozen=True)
class HistoryCounts:
    """How much history a fit would have.

    ``usable`` counts reviews made on a later study day than the card's
    previous review (what the fitter learns from); ``needed`` is how many a
    fit takes (`flashcards.fitting.MIN_REVIEWS_FOR_FIT`).
    """

    reviews: int
    usable: int
    needed: int
    last_review_id: int

    @property
    def enough(self) -> bool:
        return self.usable >= self.needed

    @property
    def missing(self) -> int:
        return max(0, self.needed - self.usable)


def history_counts(*, learner: Any, deck: Any = None) -> HistoryCounts:
    """Count the learner's reviews and usable reviews (one pass, two columns)."""
    day_of = learner_day_of(learner)
    rows = (
        _reviews(learner=learner, deck=deck)
        .order_by("card_id", "reviewed_at", "id")
        .values_list("id", "card_id", "reviewed_at")
    )
    reviews = usable = last_id = 0
    previous: tuple[int, int] | None = None
    for review_id, card_id, when in rows.iterator(chunk_size=5000):
        reviews += 1
        last_id = max(last_id, review_id)
        day = day_of(when)
        if previous is not None and previous[0] == card_id and day > previous[1]:
            usable += 1
        previous = (card_id, day)
    return HistoryCounts(reviews, usable, fitting.MIN_REVIEWS_FOR_FIT, last_id)


def latest_review_id(*, learner: Any, deck: Any = None) -> int:
    found = _reviews(learner=learner, deck=deck).aggregate(last=Max("id"))["last"]
    return found or 0


def scheduler_fit_get(*, learner: Any, fit_id: int) -> SchedulerFit:
    """The learner's own fit; 404 for anyone else's (callers fail a stale one)."""
    fit = SchedulerFit.objects.filter(pk=fit_id, learner=learner).first()
    if fit is None:
        raise errors.NotFound()
    return fit


def scheduler_fits_recent(*, learner: Any, limit: int = 10) -> list[SchedulerFit]:
    return list(
        SchedulerFit.objects.filter(learner=learner)
        .select_related("deck")
        .order_by("-created_at", "-id")[:limit]
    )


def scheduler_fit_unfinished(*, learner: Any, scope: str) -> SchedulerFit | None:
    return (
        SchedulerFit.objects.filter(
            learner=learner,
            scope=scope,
            status__in=(SchedulerFit.Status.QUEUED, SchedulerFit.Status.RUNNING),
        )
        .order_by("-id")
        .first()
    )


def scheduler_simulation_get(
    *, learner: Any, simulation_id: int
) -> SchedulerSimulation:
    """The learner's own simulation; 404 for anyone else's (callers fail a
    stale one)."""
    found = SchedulerSimulation.objects.filter(
        pk=simulation_id, learner=learner
    ).first()
    if found is None:
        raise errors.NotFound()
    return found


def scheduler_simulation_latest(*, learner: Any) -> SchedulerSimulation | None:
    return SchedulerSimulation.objects.filter(learner=learner).first()


def learners_for_weekly_fit(*, min_new_reviews: int) -> list[int]:
    """Learners with at least ``min_new_reviews`` reviews since their last fit.

    "Since" is by review id: after the newest review the learner's last fit of
    all their reviews saw (any outcome), or ever if they never had one.
    """
    last_fit = (
        SchedulerFit.objects.filter(learner=OuterRef("learner"), scope=SCOPE_ALL)
        .order_by("-created_at", "-id")
        .values("last_review_id")[:1]
    )
    rows = (
        ReviewLog.objects.filter(undone_at=None)
        .annotate(since=Coalesce(Subquery(last_fit), Value(0)))
        .filter(id__gt=F("since"))
        .values("learner")
        .annotate(new=Count("id"))
        .filter(new__gte=min_new_reviews)
        .order_by("learner")
    )
    return [row["learner"] for row in rows]


# --- simulation charts ------------------------------------------------------------


def _weekly(values: list[float | None]) -> list[list[float]]:
    points = []
    for start in range(0, len(values), 7):
        week = [v for v in values[start : start + 7] if v is not None]
        if week:
            points.append([start // 7 + 1, sum(week) / len(week)])
    return points


def simulation_charts(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Chart descriptions (`workers.charts.render_chart`) of a simulation result:
    reviews per day, minutes per day and retention, weekly means."""
    charts = []
    for key, title, label in (
        ("reviews_per_day", "Reviews per day (weekly mean)", "reviews per day"),
        ("minutes_per_day", "Minutes per day (weekly mean)", "minutes per day"),
        ("retention_per_day", "Share of reviews recalled (weekly mean)", "retention"),
    ):
        charts.append(
            {
                "title": title,
                "x_label": "week",
                "y_label": label,
                "kind": "line",
                "series": [
                    {
                        "name": f"desired retention {series['desired_retention']:.2f}",
                        "points": _weekly(series[key]),
                    }
                    for series in result.get("series", [])
                ],
            }
        )
    return charts
