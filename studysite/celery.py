"""The Celery application.

Tasks bind to it through ``@shared_task``; ``studysite/__init__.py`` imports it
so that it is configured whenever Django is. Routing, serializers, late acks
and time limits live in settings (``CELERY_*``). Each worker writes a
heartbeat that ``/healthz`` reads (``studysite.heartbeat``).
"""

from __future__ import annotations

import os

from celery import Celery

from studysite.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studysite.settings")

app = Celery("studysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["consumer"].add(WorkerHeartbeat)
