"""Benchmarks of moving study data in and out (``make bench``; figures, not tests).

Run::

    make bench BENCH_ARGS="flashcards.bench_import_reviews --quick"   # SQLite
    DATABASE_URL=postgres://user@127.0.0.1/studysite \
        make bench BENCH_ARGS=flashcards.bench_import_reviews

* ``bench_import_reviews``: ``manage.py import_reviews`` of a deterministic
  FSRS optimizer CSV, 10,000 reviews of 1,000 cards the learner does not have
  yet (``--quick``: 1,000 of 100), into a scratch database
  (`tests.bench.scratch`). It prints the time, the SQL statements sent (a bulk
  insert is one) and the peak Python memory (``tracemalloc``, measured on a
  second learner's import, since tracing slows the code it watches), and the
  same file imported again (every row already there: nothing is written).
"""

from __future__ import annotations

import io
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from random import Random
from typing import Any

from tests.bench.scratch import scratch_database

DAY_MS = 86_400_000
START_MS = 1_672_531_200_000  # 2023-01-01T00:00:00Z: the whole history is past
HEADER = "card_id,review_time,review_rating,review_state,review_duration"


def optimizer_csv(*, reviews: int, cards: int, seed: int = 2024) -> str:
    """A review history in the FSRS optimizer's CSV layout, the same for a seed.

    Each card gets ``reviews // cards`` reviews (the first ones one more for a
    remainder), days apart, mostly rated Good; the rows are shuffled, as the
    importer takes them in any order.
    """
    rng = Random(seed)
    lines: list[str] = []
    for index in range(cards):
        count = reviews // cards + (1 if index < reviews % cards else 0)
        at = START_MS + rng.randrange(30 * DAY_MS)
        for _ in range(count):
            rating = rng.choices((1, 2, 3, 4), weights=(10, 15, 60, 15))[0]
            duration = rng.randrange(1_000, 20_000)
            lines.append(f"{5_000_000 + index},{at},{rating},,{duration}")
            at += rng.randrange(DAY_MS // 2, 20 * DAY_MS)
    rng.shuffle(lines)
    return "\n".join([HEADER, *lines]) + "\n"


@contextmanager
def _counting_queries() -> Iterator[Callable[[], int]]:
    """Count the statements sent to the database inside the block."""
    from django.db import connection

    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield lambda: count


def _import(path: Path, username: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("import_reviews", str(path), "--user", username, stdout=out)
    return out.getvalue().strip()


def bench_import_reviews(*, out: Any, quick: bool) -> None:
    """import_reviews of a 10,000-review file: time, SQL statements, memory."""
    from django.db import connection

    from studysite.models import User

    reviews, cards = (1_000, 100) if quick else (10_000, 1_000)
    text = optimizer_csv(reviews=reviews, cards=cards)
    out.write(
        f"   {reviews} reviews of {cards} new cards (FSRS optimizer CSV, "
        f"{len(text) / 1024:.0f} KiB), database {connection.vendor}"
    )
    with tempfile.TemporaryDirectory() as folder, scratch_database():
        path = Path(folder) / "revlog.csv"
        path.write_text(text)
        timed = User.objects.create_user(username="bench-import")
        traced = User.objects.create_user(username="bench-import-traced")
        for label in ("first import", "same file again"):
            with _counting_queries() as queries:
                started = time.perf_counter()
                message = _import(path, timed.username)
                seconds = time.perf_counter() - started
            out.write(
                f"   {label}: {seconds:.2f} s, {queries()} SQL statements ({message})"
            )
        tracemalloc.start()
        try:
            _import(path, traced.username)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out.write(f"   peak Python memory of an import: {peak / 2**20:.1f} MiB")
