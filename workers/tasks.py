"""Celery tasks: thin wrappers that load by id, call a service, store the result.

Tasks whose name starts with ``gpu_`` are routed to the ``gpu`` queue
(``CELERY_TASK_ROUTES``). Torch is imported only inside GPU work.
"""

from __future__ import annotations

import os
import socket

from celery import shared_task


@shared_task(name="workers.tasks.ping")
def ping() -> dict[str, object]:
    """Prove the path from the web process through the broker to a worker."""
    return {"pong": True, "host": socket.gethostname(), "pid": os.getpid()}
