"""Benchmarks for ``manage.py bench lessons``: lesson rendering, the lesson
page, and the encode and calculator API latency (median and p95).

The group's class dashboard and quiz benchmarks live in `tests.bench.classes`
and `tests.bench.quizzes`."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from rest_framework.test import APIRequestFactory

from lessons import apis, lessonfiles
from lessons.services import CONTENT_DIR


def _timings(func: Callable[[], Any], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def _report(out: Any, label: str, runs: int, timings: tuple[float, float]) -> None:
    median, p95 = timings
    out.write(
        f"   {label}: median {median * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms ({runs} runs)"
    )


def bench_lesson_render(out: Any, quick: bool) -> None:
    """Load the content, compute the values and render the whole lesson."""
    runs = 3 if quick else 10
    course = lessonfiles.load_course(CONTENT_DIR)

    def render() -> None:
        values = lessonfiles.lesson_values()
        for lesson in course.lessons:
            lessonfiles.render_lesson(lesson, values)

    _report(out, "lesson_values + render_lesson", runs, _timings(render, runs))


def bench_precision_api(out: Any, quick: bool) -> None:
    """The encode and calculator endpoints, called in process (no throttling)."""
    runs = 50 if quick else 500
    factory = APIRequestFactory()
    cases = (
        (
            "encode fp16 0.1",
            apis.FormatEncodeApi,
            "/api/v1/formats/fp16/encode",
            {"value": "0.1"},
            {"name": "fp16"},
        ),
        (
            "training-memory 70B ZeRO-3 x8",
            apis.TrainingMemoryApi,
            "/api/v1/calculators/training-memory",
            {"params": "70e9", "zero_stage": "3", "gpus": "8"},
            {},
        ),
        (
            "kv-cache",
            apis.KVCacheApi,
            "/api/v1/calculators/kv-cache",
            {"layers": 32, "kv_heads": 8, "head_dim": 128, "seq_len": 4096},
            {},
        ),
    )
    for label, api, path, query, kwargs in cases:
        view = api.as_view(throttle_classes=[])

        def call(view=view, path=path, query=query, kwargs=kwargs) -> None:
            response = view(factory.get(path, query), **kwargs)
            response.render()
            assert response.status_code == 200, response.data

        _report(out, label, runs, _timings(call, runs))
