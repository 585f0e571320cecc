"""The Celery application and its queues.

Tasks bind to it through ``@shared_task``; ``studysite/__init__.py`` imports it
so that it is configured whenever Django is. Serializers, late acks and time
limits live in settings (``CELERY_*``); the queues and routes are here only:

- ``default``: imports, quiz generation, scheduler fits and simulations,
  everything short that a teacher or learner waits for;
- ``demos``: the precision demos on a CPU (numpy), which may take up to the
  soft time limit each; apart, so that a queue of demo runs never delays an
  import (`workers.dispatch`);
- ``gpu``: the demos on a CUDA worker (tasks named ``workers.tasks.gpu_*``).

A worker for each: ``docker-compose.yml`` runs ``worker`` (``-Q default``),
``demo-worker`` (``-Q demos``) and ``gpu-worker`` (``-Q gpu``); ``make run``
starts one worker for ``default`` and one for ``demos,gpu``.
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from studysite.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studysite.settings")

DEFAULT_QUEUE = "default"
DEMOS_QUEUE = "demos"
GPU_QUEUE = "gpu"
QUEUES = (DEFAULT_QUEUE, DEMOS_QUEUE, GPU_QUEUE)
ROUTES = {
    "workers.tasks.gpu_*": {"queue": GPU_QUEUE},
    "workers.tasks.demo_run": {"queue": DEMOS_QUEUE},
}

app = Celery("studysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = DEFAULT_QUEUE
app.conf.task_queues = tuple(Queue(name) for name in QUEUES)
app.conf.task_routes = ROUTES
app.autodiscover_tasks()
# Each worker writes a heartbeat that /healthz reads (studysite.heartbeat).
app.steps["consumer"].add(WorkerHeartbeat)
