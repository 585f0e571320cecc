"""The production timing that lets a killed worker's demo run finish elsewhere.

A run whose worker is SIGKILLed stays ``running`` with its message
unacknowledged. Redis hands the message to another worker once it is older
than the visibility timeout (the sweep runs every ``unacked_restore_interval``
seconds); the stale-run sweep fails a run still ``running`` after the hard
time limit + 60 s (``workers.services.demo_run_expire_stale``). Redelivery
must come first, and must not hit a task that is still running.
"""

from __future__ import annotations

from django.conf import settings

STALE_RUNNING_AFTER = settings.CELERY_TASK_TIME_LIMIT + 60


def test_a_running_task_is_never_handed_to_a_second_worker():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


def test_a_killed_workers_run_is_redelivered_before_it_counts_as_stale():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    latest_redelivery = options["visibility_timeout"] + options[
        "unacked_restore_interval"
    ] * options.get("unacked_restore_throttle", 10)
    assert latest_redelivery < STALE_RUNNING_AFTER
