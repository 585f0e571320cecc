"""The round-trip benchmark's own gunicorn: it serves the database this process
uses, answers only authenticated requests as the site does, and is stopped when
its block ends, by an error too."""

from __future__ import annotations

import socket

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.bench import live_server
from tests.bench.review_flows import HttpTransport, QueryTally, run_trivial


def _in_memory() -> bool:
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and (
        "mode=memory" in name or name == ":memory:"
    )


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.django_db
def test_an_in_memory_database_cannot_be_served():
    if not _in_memory():
        pytest.skip("the test database is not SQLite in memory here")
    with pytest.raises(RuntimeError, match="in-memory SQLite"):
        live_server.database_url()


@pytest.mark.django_db
def test_the_served_database_is_the_one_this_process_uses():
    if _in_memory():
        pytest.skip("an in-memory test database")
    url = live_server.database_url()
    assert url.endswith("/" + str(connection.settings_dict["NAME"]).lstrip("/"))


def test_file_backed_points_sqlite_at_a_file_for_the_block_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    before = connection.settings_dict.get("TEST", {}).get("NAME")
    with live_server.file_backed():
        name = connection.settings_dict["TEST"]["NAME"]
        assert name.endswith("bench.sqlite3")
    assert connection.settings_dict["TEST"]["NAME"] == before


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_server_answers_a_token_and_refuses_a_wrong_one_then_stops(learner):
    if _in_memory():
        pytest.skip("a server process cannot open an in-memory test database")
    token = Token.objects.create(user=learner).key
    with live_server.gunicorn_server(workers=1) as server:
        assert server.workers == 1
        status, me = HttpTransport(server.url, token).call("GET", "/api/v1/auth/me/")
        assert status == 200, me
        assert me["username"] == learner.username
        with pytest.raises(RuntimeError, match=r"auth/me/ answered 40[13]"):
            run_trivial(
                HttpTransport(server.url, "not-a-token"),
                calls=1,
                tally=QueryTally(False),
            )
    assert _refused(server.port)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_error_in_the_block_stops_the_server():
    if _in_memory():
        pytest.skip("a server process cannot open an in-memory test database")
    ports: list[int] = []

    def failing_benchmark() -> None:
        with live_server.gunicorn_server(workers=1) as server:
            ports.append(server.port)
            raise KeyError("the benchmark failed")

    with pytest.raises(KeyError):
        failing_benchmark()
    assert ports and _refused(ports[0])
