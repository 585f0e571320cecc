"""A benchmark's scratch database is dropped at the end of its block and the
connection points at the configured database again, so the next benchmark
never runs on a leftover scratch database (nor on a dropped one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, django
django.setup()
from django.db import connection
from tests.bench import live_server
from tests.bench.scratch import scratch_database
names = [str(connection.settings_dict["NAME"])]
with scratch_database():
    names.append(str(connection.settings_dict["NAME"]))
with live_server.file_backed(), scratch_database():
    names.append(str(connection.settings_dict["NAME"]))
    names.append(live_server.database_url())
names.append(str(connection.settings_dict["NAME"]))
print(json.dumps(names))
"""


def test_the_configured_database_is_back_after_each_scratch_database(tmp_path):
    configured = tmp_path / "configured.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studysite.settings",
        "DATABASE_URL": f"sqlite:///{configured}",
        "VAR_DIR": str(tmp_path / "var"),
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    before, scratch, file_scratch, url, after = json.loads(
        done.stdout.strip().splitlines()[-1]
    )
    assert before == after == str(configured)
    assert "mode=memory" in scratch
    assert file_scratch.endswith("bench.sqlite3")
    assert url == f"sqlite:///{file_scratch}"
    assert not Path(file_scratch).exists()  # dropped with its folder
    assert not configured.exists()  # never opened, never created
