"""Settings for the Celery worker that integration tests start.

It is the service's own configuration (not eager) pointed by the fixture at the
test database through DATABASE_URL.
"""

from studysite.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
