"""What ``make load`` prints (``tests/load/run.py``): locust's figures per
endpoint, the answers against the trivial endpoint on the same server, the
errors, and the reviews stored against the answers acknowledged.

The exit status: 1 on any error (a non-2xx status, an unexpected one, or no
answer at all), or when the reviews stored for the load's learners are not
exactly the 201 answers the load got, one row each; 0 otherwise.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TRIVIAL = "GET /auth/me (trivial)"
QUEUE = "GET /study/queue (batch)"
ANSWER = "POST /reviews"


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p99: float
    rps: float


def read_stats(prefix: Path) -> dict[str, Row]:
    """Locust's ``<prefix>_stats.csv`` by endpoint name; prints its failures."""
    rows: dict[str, Row] = {}
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            name = rec["Name"]
            rows[name] = Row(
                name=name,
                requests=int(rec["Request Count"]),
                failures=int(rec["Failure Count"]),
                p50=float(rec["50%"] or 0),
                p99=float(rec["99%"] or 0),
                rps=float(rec["Requests/s"] or 0),
            )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                print(
                    f"  FAILED {rec['Method']} {rec['Name']} x{rec['Occurrences']}: "
                    f"{rec['Error'][:300]}"
                )
    return rows


def acked_ids(path: Path) -> list[str]:
    """The ``client_review_id`` of each answer locust saw acknowledged (201)."""
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _table(rows: dict[str, Row]) -> None:
    print(
        f"{'endpoint':28} {'requests':>9} {'errors':>7} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>8}"
    )
    for name, row in rows.items():
        print(
            f"{name:28} {row.requests:9d} {row.failures:7d} {row.p50:8.0f} "
            f"{row.p99:8.0f} {row.rps:8.1f}"
        )


def throughput_report(
    mixed: dict[str, Row], baseline: dict[str, Row] | None, seconds: int
) -> int:
    """The endpoints, the answers against the trivial endpoint, the errors.

    Returns the number of errors (both runs).
    """
    total = mixed.get("Aggregated")
    if total is None:
        print("no requests were made")
        return 1
    base_errors = baseline["Aggregated"].failures if baseline else 0
    errors = total.failures + base_errors
    print()
    _table(mixed)
    print()
    answer = mixed.get(ANSWER)
    loop_rps = sum(mixed[n].rps for n in (ANSWER, QUEUE) if n in mixed)
    print(f"total requests (mixed run): {total.requests}   errors: {errors}")
    if answer:
        print(
            f"answers (POST /api/v1/reviews/, mixed run of {seconds} s): "
            f"{answer.requests}, {answer.rps:.1f}/s; p50 {answer.p50:.0f} ms, "
            f"p99 {answer.p99:.0f} ms"
        )
    base = (baseline or {}).get(TRIVIAL)
    if base:
        print(
            f"trivial endpoint alone (GET /api/v1/auth/me/, same server and "
            f"users): {base.requests}, {base.rps:.1f}/s; p50 {base.p50:.0f} ms, "
            f"p99 {base.p99:.0f} ms"
        )
        if base.rps and answer:
            print(
                f"ratio answer throughput / trivial throughput: "
                f"{answer.rps / base.rps:.2f}  (review loop with its batch "
                f"loads {loop_rps:.1f} req/s: {loop_rps / base.rps:.2f})"
            )
    print(
        f"errors (non-2xx, unexpected status or no answer): {errors} "
        f"(baseline {base_errors}, mixed {total.failures})"
    )
    return errors


def locust_count_note(mixed: dict[str, Row], acked: int) -> None:
    """Locust writes its figures as its users stop: answers still in flight
    then are acknowledged (and stored) but not in its counts. Said, not an
    error; the comparison with the database uses the load's own count."""
    answer = mixed.get(ANSWER)
    counted = answer.requests - answer.failures if answer else 0
    if counted != acked:
        print(
            f"note: locust's figures hold {counted} successful answers; "
            f"{acked} were acknowledged (the rest finished as locust stopped)"
        )


def reviews_stored_report(acked: list[str], stored: Counter) -> int:
    """Reviews stored for the load's learners against the 201 answers: 1 unless
    they are equal, one row for each answer.

    Every answer has a fresh ``client_review_id`` (the baseline posts none),
    and locust lets each user finish the request it is in before it stops, so
    a row without its 201 is an answer the client never saw acknowledged.
    """
    rows = sum(stored.values())
    missing = [key for key in acked if key not in stored]
    duplicates = [key for key, n in stored.items() if n > 1]
    unacked = set(stored) - set(acked)
    print(
        f"reviews in the database for the load's learners: {rows}; "
        f"201 answers the load got: {len(acked)}"
    )
    if rows == len(acked) and not (missing or duplicates or unacked):
        print("reviews stored = answers acknowledged: one row each")
        return 0
    print(
        f"MISMATCH: {rows} reviews stored != {len(acked)} answers acknowledged "
        f"(answers without a row {len(missing)}, reviews stored twice "
        f"{len(duplicates)}, rows no 201 acknowledged {len(unacked)})"
    )
    return 1
