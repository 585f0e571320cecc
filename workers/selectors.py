"""Reads for demos and demo runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from workers.demos import DEMOS, Demo, get_demo, matmul_throughput
from workers.models import DemoRun

LESSON_PATH = "/lessons/why-precision-matters/"

# Defaults a GPU run uses for the parameters the learner left out, where the
# CPU defaults would not load a GPU at all (applied when none of them is given).
GPU_DEFAULTS: dict[str, dict[str, Any]] = {
    "matmul_throughput": dict(matmul_throughput.GPU_PARAMS),
}


def lesson_url(demo: Demo) -> str:
    """The lesson section the demo illustrates."""
    return f"{LESSON_PATH}#{demo.lesson_anchor}"


def demo_list() -> list[Demo]:
    return list(DEMOS.values())


def demo_schema(demo: Demo) -> dict[str, Any]:
    """The demo's description, parameter schema and defaults, as JSON data."""
    data = demo.to_dict()
    data["lesson_url"] = lesson_url(demo)
    data["defaults"] = {p["name"]: p["default"] for p in data["params"]}
    data["gpu_defaults"] = GPU_DEFAULTS.get(demo.name, {})
    return data


def demo_run_get(*, run_id: int) -> DemoRun:
    """The run, with a stale one failed first (raises DemoRun.DoesNotExist)."""
    from workers.services import demo_run_expire_stale

    run = DemoRun.objects.select_related("requested_by").get(pk=run_id)
    if not run.is_finished:
        run = demo_run_expire_stale(run=run)
    return run


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
