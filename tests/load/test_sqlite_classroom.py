"""The laptop default holds a classroom: SQLite in WAL, immediate write
transactions and a busy timeout, for the web server and the worker alike.

The settings tests run in every pass. The classroom itself (``make run``'s
stack on a fresh SQLite file, 20 learners answering at once while the worker
runs simulations) runs in the integration pass; with ``-s`` it prints the
figures (errors, p50, p99, reviews sent and stored). ``make load
LOAD_ARGS="--sqlite"`` prints the same report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.utils import OperationalError

from studysite.settings import SQLITE_OPTIONS

ROOT = Path(__file__).resolve().parents[2]


def _options_seen_by(code: str, **env: str) -> dict:
    """The default database's OPTIONS in a fresh process configured by ``env``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


_SETTINGS = (
    "import json; import studysite.settings as s; "
    "print(json.dumps(s.DATABASES['default']['OPTIONS']))"
)
# What `celery -A studysite worker` configures: the Celery app picks the
# settings module, then Django opens the connection with it.
_WORKER = (
    "import json, studysite.celery, django; django.setup(); "
    "from django.db import connection; "
    "print(json.dumps(connection.settings_dict['OPTIONS']))"
)


def test_sqlite_writes_take_the_lock_at_begin_and_wait_for_it_in_wal():
    assert SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    assert SQLITE_OPTIONS["timeout"] >= 5
    pragmas = [p.strip() for p in SQLITE_OPTIONS["init_command"].split(";")]
    assert "PRAGMA journal_mode=WAL" in pragmas
    assert "PRAGMA synchronous=NORMAL" in pragmas


@pytest.mark.parametrize(
    ("code", "env"),
    [
        pytest.param(_SETTINGS, {}, id="make-run-default"),
        pytest.param(_SETTINGS, {"DATABASE_URL": "sqlite:////tmp/x.db"}, id="url"),
        pytest.param(_WORKER, {}, id="worker-default"),
        pytest.param(_WORKER, {"DATABASE_URL": "sqlite:////tmp/x.db"}, id="worker-url"),
    ],
)
def test_the_web_server_and_the_worker_get_the_same_sqlite_options(code, env):
    assert _options_seen_by(code, **env) == SQLITE_OPTIONS


def _wrapper(name: str, alias: str) -> DatabaseWrapper:
    return DatabaseWrapper(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": dict(SQLITE_OPTIONS),
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "TIME_ZONE": None,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias,
    )


def _pragma(conn: DatabaseWrapper, name: str) -> object:
    with conn.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_a_file_database_runs_in_wal_with_the_busy_timeout(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        conn = _wrapper(str(tmp_path / "db.sqlite3"), "wal_check")
        try:
            assert _pragma(conn, "journal_mode") == "wal"
            assert _pragma(conn, "synchronous") == 1  # NORMAL
            assert _pragma(conn, "busy_timeout") == SQLITE_OPTIONS["timeout"] * 1000
        finally:
            conn.close()


def test_an_in_memory_database_accepts_the_options(django_db_blocker):
    """The test suite's database: WAL does not apply, nothing else changes."""
    with django_db_blocker.unblock():
        conn = _wrapper(":memory:", "memory_check")
        connections["memory_check"] = conn
        try:
            assert _pragma(conn, "journal_mode") == "memory"
            with transaction.atomic(using="memory_check"), conn.cursor() as cursor:
                cursor.execute("CREATE TABLE t (n integer)")
                cursor.execute("INSERT INTO t VALUES (1)")
            assert _pragma(conn, "busy_timeout") == SQLITE_OPTIONS["timeout"] * 1000
        finally:
            del connections["memory_check"]
            conn.close()


def test_concurrent_read_then_write_transactions_wait_instead_of_failing(
    tmp_path, django_db_blocker
):
    """The review service's shape: read a row, then write, in one atomic block.

    With deferred transactions two such blocks on one file deadlock and SQLite
    answers ``database is locked`` at once (no busy timeout helps); with
    immediate ones the second waits at BEGIN.
    """
    name = str(tmp_path / "db.sqlite3")
    threads, rounds = 8, 25
    errors: list[str] = []
    start = threading.Barrier(threads)

    def worker(i: int) -> None:
        alias = f"classroom_{i}"
        conn = _wrapper(name, alias)
        connections[alias] = conn
        try:
            start.wait()
            for _ in range(rounds):
                try:
                    with transaction.atomic(using=alias), conn.cursor() as cursor:
                        cursor.execute("SELECT COALESCE(MAX(n), 0) FROM t")
                        (top,) = cursor.fetchone()
                        cursor.execute(
                            "INSERT INTO t (n, who) VALUES (%s, %s)", [top + 1, i]
                        )
                except OperationalError as exc:
                    errors.append(str(exc))
        finally:
            del connections[alias]
            conn.close()

    with django_db_blocker.unblock():
        setup = _wrapper(name, "classroom_setup")
        with setup.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n integer UNIQUE, who integer)")
        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        with setup.cursor() as cursor:
            cursor.execute("SELECT COUNT(*), MAX(n) FROM t")
            count, top = cursor.fetchone()
        setup.close()
    assert errors == []
    # Every block saw the one before it: no lost update, no duplicate.
    assert count == top == threads * rounds


@pytest.mark.integration
@pytest.mark.slow
def test_twenty_learners_answering_at_once_on_make_run_get_no_server_error():
    if not settings.INTEGRATION:
        pytest.skip("runs with STUDYSITE_INTEGRATION=1 (see .ci/run)")
    from tests.load.classroom import run_classroom

    result = run_classroom(learners=20, answers=15, simulations=2, deadline=45)
    report = result.report()
    print("\n" + report)  # the figures, with -s
    assert result.server_errors == 0, report
    assert result.database_locked == 0, report
    # Every learner answered every card, each answer acknowledged with 201.
    assert len(result.answers) == 20 * 15, report
    assert result.statuses == {201: 20 * 15}, report
    # Reviews stored equal reviews sent: one row per acknowledged answer.
    assert result.missing == [], report
    assert result.duplicates == [], report
    assert result.unacknowledged_rows == [], report
    assert result.stored == len(result.acknowledged), report
    # The worker's writes under the same load: simulations finish.
    assert result.simulation_errors == [], report
    assert sorted(result.simulations.values()) == ["succeeded", "succeeded"], report


@pytest.mark.parametrize(
    "argv",
    [
        ["--sqlite", "--users", "0"],
        ["--sqlite", "--answers", "0"],
        ["--sqlite", "--seconds", "0"],
        ["--sqlite", "--users", "3", "--simulations", "4"],
    ],
)
def test_make_load_sqlite_refuses_bad_arguments_before_starting_anything(argv, capsys):
    from tests.load import run

    with pytest.raises(SystemExit) as exc:
        run.main(argv)
    assert exc.value.code == 2
    assert "must be" in capsys.readouterr().err
