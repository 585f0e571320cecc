"""Benchmarks of the workers app (``make bench``, ``manage.py bench workers``).

- ``bench_demos``: each demo at its default parameters on the CPU backend
  (numpy), the aim being under 3 s each.
- ``bench_demo_costs``: each demo at sample parameters, numpy backend: the
  cost estimate the service bounds runs by (`workers.demos._cost`) next to
  the measured wall and CPU time; the estimate should stay above both
  (ratio > 1), or the constants need raising.
- ``bench_dispatch``: queue dispatch overhead, enqueue to start of a task
  (and the round trip to its result), through Redis to a running worker; it
  also times the GPU-worker inspection that a new run pays when its cache is
  cold. Skipped, with the reason, unless ``REDIS_URL`` points at a Redis that
  answers and a worker answers a ping.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

AIM_SECONDS = 3.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.1f} ms"


def bench_demos(*, out: Any, quick: bool) -> None:
    from workers.demos import DEMOS

    repeats = 1 if quick else 3
    out.write(f"   each demo at its defaults, numpy backend, best of {repeats}")
    slow = []
    for name, demo in DEMOS.items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            demo.run({}, backend="numpy", device=None, progress=None)
            times.append(time.perf_counter() - started)
        best = min(times)
        mark = "ok" if best < AIM_SECONDS else f"over the {AIM_SECONDS:g} s aim"
        if best >= AIM_SECONDS:
            slow.append(name)
        out.write(f"   {name:<26} {best:6.2f} s   {mark}")
    cores = os.cpu_count()
    out.write(
        f"   ({cores} CPU cores; "
        + (f"over the aim: {', '.join(slow)})" if slow else "all under the aim)")
    )


# (demo, params): defaults, then heavier runs that still finish in seconds.
COST_SAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("range_precision", {}),
    ("range_precision", {"points_per_octave": 64, "min_exp2": -149}),
    ("update_swallowing", {}),
    ("update_swallowing", {"steps": 50_000}),
    ("loss_scaling", {}),
    ("loss_scaling", {"count": 1_000_000, "steps": 2000, "batch": 2000}),
    ("quantization", {}),
    ("quantization", {"rows": 2048, "cols": 2048}),
    ("quantization", {"source": "mlp", "hidden": 512, "train_steps": 1000}),
    ("matmul_throughput", {}),
    ("matmul_throughput", {"max_size": 1024, "dtypes": ["fp32", "bf16", "fp16"]}),
    ("mixed_precision_training", {}),
    ("mixed_precision_training", {"steps": 100, "batch": 1024, "hidden": 512}),
)


def bench_demo_costs(*, out: Any, quick: bool) -> None:
    from workers.demos import get_demo

    samples = COST_SAMPLES[::2] if quick else COST_SAMPLES
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    out.write(
        "   estimate vs measured, numpy backend "
        f"(OPENBLAS_NUM_THREADS={threads}; the demos worker runs with 1)"
    )
    out.write(f"   {'demo':<26} {'estimate':>9} {'wall':>8} {'cpu':>8} {'ratio':>6}")
    worst = float("inf")
    for name, params in samples:
        demo = get_demo(name)
        clean = demo.validate_params(params)
        estimate = demo.estimate(clean, backend="numpy").seconds
        wall, cpu = time.perf_counter(), time.process_time()
        demo.run(clean, backend="numpy", device=None, progress=None)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        ratio = estimate / max(wall, cpu)
        worst = min(worst, ratio)
        label = name + (" *" if params else "")
        out.write(
            f"   {label:<26} {estimate:8.2f}s {wall:7.2f}s {cpu:7.2f}s {ratio:6.1f}"
        )
    verdict = "estimates above" if worst > 1 else "SOME ESTIMATES BELOW"
    out.write(f"   (* heavier than the defaults; worst ratio {worst:.2f}: {verdict})")


def _skip(out: Any, why: str) -> None:
    out.write(f"   skipped: {why}")


def bench_dispatch(*, out: Any, quick: bool) -> None:
    from django.conf import settings

    from studysite.celery import app
    from workers import dispatch
    from workers.tasks import dispatch_probe

    if not os.environ.get("REDIS_URL"):
        _skip(
            out,
            "REDIS_URL is not set (the embedded Redis runs only under `make run`); "
            "set it to a running Redis and start a worker.",
        )
        return
    import redis

    try:
        redis.Redis.from_url(
            settings.REDIS.cache_url, socket_connect_timeout=1, socket_timeout=1
        ).ping()
    except Exception as exc:  # noqa: BLE001 - any failure is the reason to skip
        _skip(out, f"Redis at REDIS_URL does not answer ({type(exc).__name__}: {exc}).")
        return
    if app.conf.task_always_eager:
        _skip(out, "CELERY_TASK_ALWAYS_EAGER is on: tasks would not go through Redis.")
        return
    replies = app.control.ping(timeout=1.0) or []
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        _skip(
            out,
            "no Celery worker answered a ping; start one with "
            "`celery -A studysite worker -Q default`.",
        )
        return
    out.write(f"   workers: {', '.join(workers)}")
    n = 5 if quick else 30
    dispatch_probe.delay(time.time()).get(timeout=30)  # warm the connection
    to_start, round_trip = [], []
    for _ in range(n):
        sent = time.time()
        result = dispatch_probe.delay(sent).get(timeout=30)
        done = time.time()
        to_start.append(result["started_at"] - sent)
        round_trip.append(done - sent)
    for label, values in (
        ("enqueue to start", to_start),
        ("enqueue to result", round_trip),
    ):
        values.sort()
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        out.write(
            f"   {label:<20} median {_ms(statistics.median(values))}  "
            f"p90 {_ms(p90)}  (n = {n}, one at a time)"
        )
    started = time.perf_counter()
    found = dispatch.gpu_workers(refresh=True)
    out.write(
        f"   GPU-worker inspection (cold cache) {_ms(time.perf_counter() - started)}"
        f"  -> {found or 'no GPU worker'}"
    )


def bench_scheduler_fit_time(*, out: Any, quick: bool) -> None:
    import io

    from tests.bench.fitting import bench_fit_time

    buffer = io.StringIO()
    bench_fit_time(out=buffer, quick=quick)
    for line in buffer.getvalue().splitlines():
        out.write(f"   {line} (synthetic log)")


def write_optimizer_csv(records: Any, path: Any) -> None:
    """Write reviews in the FSRS optimizer CSV layout (what import_reviews reads)."""
    import csv
    from datetime import UTC, datetime

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "card_id",
                "review_time",
                "review_rating",
                "review_state",
                "review_duration",
            ]
        )
        for record in records:
            millis = (record.reviewed_at - epoch) // _millisecond()
            writer.writerow(
                [
                    1_000_000 + record.card_id,
                    millis,
                    record.rating,
                    "",
                    record.duration_ms,
                ]
            )


def _millisecond() -> Any:
    from datetime import timedelta

    return timedelta(milliseconds=1)


class _Rollback(Exception):
    pass


def bench_scheduler_evaluate_imported(*, out: Any, quick: bool) -> None:
    import io
    import tempfile
    from pathlib import Path

    import numpy as np
    from django.core.management import call_command
    from django.db import transaction

    from flashcards import fitting
    from studysite.models import User
    from tests.bench.fitting import TRUE_PARAMETERS, synthetic_log
    from tests.bench.scratch import scratch_database

    size = 3_000 if quick else 10_000
    records = synthetic_log(size, rng=np.random.default_rng(2024))
    out.write(
        f"   SYNTHETIC review log ({size} reviews of a simulated FSRS-6 learner; "
        "no real log on this machine), FSRS optimizer CSV -> import_reviews"
    )
    # A scratch database: the configured one may be empty (never migrated).
    with tempfile.TemporaryDirectory() as folder, scratch_database():
        path = Path(folder) / "revlog.csv"
        write_optimizer_csv(records, path)
        try:
            with transaction.atomic():
                learner = User.objects.create(username="bench-scheduler-scratch")
                started = time.perf_counter()
                call_command(
                    "import_reviews",
                    str(path),
                    "--user",
                    learner.username,
                    stdout=io.StringIO(),
                )
                out.write(f"   import_reviews: {time.perf_counter() - started:.1f} s")
                report = io.StringIO()
                call_command(
                    "evaluate_scheduler", "--user", learner.username, stdout=report
                )
                for line in report.getvalue().splitlines():
                    out.write(f"   {line}")
                raise _Rollback
        except _Rollback:
            pass
    true = fitting.evaluate(
        records, day_of=fitting.day_counter("UTC", 4), parameters=TRUE_PARAMETERS
    )
    out.write(
        f"   for scale: the simulated learner's true parameters score log loss "
        f"{true.log_loss:.4f}, RMSE(bins) {true.rmse_bins:.4f} on the same folds"
    )
