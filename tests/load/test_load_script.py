"""`make load` still runs: its script, shrunk to 5 learners for 5 seconds.

Needs PostgreSQL (the script creates and drops its own database) and locust
(the ``load`` extra), so it runs in the integration pass only.
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
pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _postgres_server() -> str:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the load script needs PostgreSQL (DATABASE_URL)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{db.get('PORT') or 5432}"


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
    assert "OK: zero errors" in out, out[-4000:]
    total = re.search(r"total requests \(mixed run\): (\d+)\s+errors: (\d+)", out)
    assert total, out[-4000:]
    assert int(total.group(1)) > 0 and int(total.group(2)) == 0
    assert re.search(
        r"ratio review-loop throughput / trivial-alone throughput: \d", out
    )
    # Reviews sent equal reviews stored: one row per acknowledged answer.
    stored = re.search(
        r"reviews sent \(acknowledged\) (\d+), stored (\d+): missing (\d+), "
        r"duplicates (\d+)",
        out,
    )
    assert stored, out[-4000:]
    assert int(stored.group(1)) > 0
    assert stored.group(3) == stored.group(4) == "0", out[-4000:]
