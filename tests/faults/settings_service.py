"""Settings for the web and worker processes that the fault tests start.

The service's own configuration (real Redis cache, real broker, not eager),
pointed by the fixtures at a private Redis and the test database through
``REDIS_URL`` and ``DATABASE_URL``, with two changes for speed:

- a visibility timeout of a few seconds (``FAULTS_VISIBILITY_TIMEOUT``) and a
  restore sweep every second, so the message of a killed worker is handed to
  the next worker within seconds instead of an hour;
- ``tests.faults.slow_demo``, which slows the first attempt of a demo run down
  (``FAULTS_SLOW_FIRST_ATTEMPT`` seconds) so that a test can kill its worker
  in the middle of it;
- ``tests.faults.slow_claim``, which holds every kind of job, once claimed
  for the first time, for ``FAULTS_SLOW_FIRST_CLAIM`` seconds.
"""

import os

from studysite.settings import *  # noqa: F403
from studysite.settings import CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_IMPORTS

CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": float(os.environ.get("FAULTS_VISIBILITY_TIMEOUT", "3")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_IMPORTS = (*CELERY_IMPORTS, "tests.faults.slow_demo", "tests.faults.slow_claim")
WORKERS_DEMO_PROGRESS_INTERVAL = 0.2
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
