"""A scratch database for the benchmarks that fill tables.

The database benchmarks never touch the configured database's data: they
build a test database next to it (``test_<name>``; an in-memory one on
SQLite), fill it, and drop it. On Postgres the role needs CREATEDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_database() -> Iterator[None]:
    """A fresh, migrated test database for the duration of the block."""
    from django.db import connection
    from django.test.utils import (
        override_settings,
        setup_test_environment,
        teardown_test_environment,
    )

    setup_test_environment(debug=False)
    # create_test_db returns the test database's name: the configured one is
    # what destroy_test_db must put back.
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    # A local cache: the throttles' counters need no Redis here.
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    try:
        with override_settings(CACHES=local):
            yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
