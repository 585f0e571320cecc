"""`make load` still runs: its script, shrunk to 5 learners for 5 seconds.

The run needs PostgreSQL (the script creates and drops its own database) and
locust (the ``load`` extra), so it runs in the integration pass only; its
refusal of bad arguments runs in every pass.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _postgres_server() -> str:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the load script needs PostgreSQL (DATABASE_URL)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{db.get('PORT') or 5432}"


@pytest.mark.integration
@pytest.mark.slow
def test_the_load_script_runs_a_short_load_without_errors():
    if not settings.INTEGRATION:
        pytest.skip("runs with STUDYSITE_INTEGRATION=1 (see .ci/run)")
    if importlib.util.find_spec("locust") is None:
        pytest.skip('locust is not installed (pip install -e ".[load]")')
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.load.run",
            "--users",
            "5",
            "--seconds",
            "5",
            "--baseline-seconds",
            "2",
            "--cards",
            "30",
            "--reversed",
            "10",
            "--workers",
            "2",
            "--threads",
            "2",
            "--pg",
            _postgres_server(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "OK: zero errors, and every 201 answer is one review stored" in out
    total = re.search(r"total requests \(mixed run\): (\d+)\s+errors: (\d+)", out)
    assert total, out[-4000:]
    assert int(total.group(1)) > 0 and int(total.group(2)) == 0
    # The study page's loop: batches of 10 and answers without next.
    assert "GET /study/queue (batch)" in out and "POST /reviews " in out
    assert re.search(r"answers \(POST /api/v1/reviews/.*p50 \d+ ms, p99 \d+ ms", out)
    assert re.search(r"ratio answer throughput / trivial throughput: \d", out)
    # Reviews stored for the learners equal the 201 answers, one row each.
    stored = re.search(
        r"reviews in the database for the load's learners: (\d+); "
        r"201 answers the load got: (\d+)",
        out,
    )
    assert stored, out[-4000:]
    assert int(stored.group(1)) == int(stored.group(2)) > 0
    assert "MISMATCH" not in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--users", "0"], "must be positive"),
        (["--cards", "0"], "must be positive"),
        (["--cards", "10", "--reversed", "11"], "--reversed must be"),
        (["--pg", "postgres://postgres@db.example.org:5432"], "only loopback"),
        (["--redis-url", "redis://cache.example.org:6379/0"], "only loopback"),
    ],
)
def test_make_load_refuses_bad_arguments_before_starting_anything(argv, says, capsys):
    from tests.load import run

    with pytest.raises(SystemExit) as exc:
        run.main(argv)
    assert exc.value.code == 2
    assert says in capsys.readouterr().err
