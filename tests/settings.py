"""Settings for the test suite: the real settings with test-friendly overrides."""

import os
import tempfile

from studysite.settings import *  # noqa: F403

# Integration tests (a real Celery worker on a real Redis) run when asked.
INTEGRATION = os.environ.get("STUDYSITE_INTEGRATION") == "1"

# A worker process cannot see an in-memory SQLite test database: on SQLite the
# integration tests (``make gpu-check`` runs them so) use a file.
if INTEGRATION and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(
            tempfile.mkdtemp(prefix="studysite-test-db-"), "test.sqlite3"
        )
    }

CELERY_TASK_ALWAYS_EAGER = True  # integration fixtures switch this off
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="studysite-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}
