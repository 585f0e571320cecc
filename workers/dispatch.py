"""Is a GPU worker alive? Which queue and backend does a demo run get?

How a GPU worker is recognised (robust to naming, and never a guess):

1. A worker that consumes the ``gpu`` queue probes CUDA once at start-up
   (``worker_ready``), in a *subprocess* so the worker's parent process never
   initialises CUDA before it forks its pool children. The probe imports
   torch and records the device name, e.g. ``"NVIDIA H200"``, or why there is
   none (torch missing, no CUDA device).
2. Every worker answers the remote-control command ``studysite_gpu_info``
   (registered below) with the queues it consumes and that probe's outcome.
3. The web process broadcasts that command with a short timeout
   (``WORKERS_GPU_INSPECT_TIMEOUT``, default 0.5 s) and caches the list of
   live GPU workers for ``WORKERS_GPU_CACHE_SECONDS`` (default 30 s). A GPU
   worker is one that consumes ``gpu`` *and* reported a CUDA device; a worker
   that consumes ``gpu`` without a GPU (the test worker does) does not count,
   and neither does its hostname (``gpu@…`` in docker-compose.yml is a
   convention for people, not a signal).

When no GPU worker answers (none started, still probing, broker down, eager
mode) runs go to the ``demos`` queue with the numpy backend. Demos have that
queue to themselves, so that a worker busy with them never delays an import,
a quiz generation or a scheduler fit (those stay on ``default``).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any

from celery.signals import worker_ready
from celery.worker.control import inspect_command
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

GPU_QUEUE = "gpu"
DEMOS_QUEUE = "demos"  # CPU demo runs (numpy)
DEFAULT_QUEUE = "default"  # imports, quiz generation, scheduler fits
CONTROL_COMMAND = "studysite_gpu_info"
CACHE_KEY = "workers:gpu-workers:v1"

# What the worker found when it probed CUDA; filled by a background thread.
_probe: dict[str, Any] = {"state": "not probed", "cuda": None}
_PROBE_CODE = """
import json
try:
    import torch
except ImportError:
    print(json.dumps({"cuda": None, "why": "torch is not installed"}))
else:
    if torch.cuda.is_available():
        print(json.dumps({"cuda": torch.cuda.get_device_name(0),
                          "count": torch.cuda.device_count(),
                          "torch": torch.__version__, "cuda_version": torch.version.cuda}))
    else:
        print(json.dumps({"cuda": None, "why": "torch sees no CUDA device",
                          "torch": torch.__version__}))
"""


@dataclass(frozen=True)
class Placement:
    """Where a run goes: the queue, the backend and the kind of device."""

    queue: str
    backend: str
    device_kind: str
    gpu_worker: str | None = None
    gpu_name: str | None = None


def probe_cuda(timeout: float = 120.0) -> dict[str, Any]:
    """Ask a fresh Python process whether torch sees a CUDA device."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE_CODE],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"cuda": None, "why": f"probe failed: {exc}"}
    if done.returncode != 0:
        return {"cuda": None, "why": f"probe failed: {done.stderr.strip()[-300:]}"}
    try:
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"cuda": None, "why": "probe printed nothing readable"}


def _consumed_queues(consumer: Any) -> list[str]:
    task_consumer = getattr(consumer, "task_consumer", None)
    if not task_consumer:
        return []
    return sorted(q.name for q in task_consumer.queues)


@worker_ready.connect
def _probe_when_ready(sender: Any = None, **kwargs: Any) -> None:
    """On a worker that consumes ``gpu``, probe CUDA in the background."""
    if GPU_QUEUE not in _consumed_queues(sender):
        _probe.update(state="skipped", cuda=None, why="does not consume gpu")
        return

    def work() -> None:
        _probe.update(state="probing")
        found = probe_cuda()
        _probe.clear()
        _probe.update(state="done", **found)
        logger.info("GPU probe: %s", found)

    threading.Thread(target=work, name="gpu-probe", daemon=True).start()


@inspect_command(name=CONTROL_COMMAND)
def gpu_info(state: Any) -> dict[str, Any]:
    """The queues this worker consumes and the CUDA device it found, if any."""
    return {"queues": _consumed_queues(state.consumer), **_probe}


def _eager() -> bool:
    from studysite.celery import app

    return bool(app.conf.task_always_eager)


def gpu_workers(*, refresh: bool = False) -> list[dict[str, str]]:
    """Live workers that consume ``gpu`` and reported a CUDA device.

    Cached for ``WORKERS_GPU_CACHE_SECONDS``; an unreachable broker reads as
    "none" (and is cached too, so a down broker costs one timeout per period).

    Returns:
        ``[{"worker": "gpu@host", "device": "NVIDIA H200"}, ...]``.
    """
    if _eager():
        return []
    if not refresh:
        cached = cache.get(CACHE_KEY)
        if cached is not None:
            return list(cached)
    found = _inspect()
    cache.set(CACHE_KEY, found, getattr(settings, "WORKERS_GPU_CACHE_SECONDS", 30))
    return found


def _broadcast(timeout: float) -> list[dict[str, Any]]:
    from studysite.celery import app

    with app.connection_for_write() as conn:
        # Fail fast when the broker is down instead of retrying for seconds.
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
        replies = app.control.broadcast(
            CONTROL_COMMAND, reply=True, timeout=timeout, connection=conn
        )
    return list(replies or [])


def _inspect() -> list[dict[str, str]]:
    timeout = float(getattr(settings, "WORKERS_GPU_INSPECT_TIMEOUT", 0.5))
    try:
        replies = _broadcast(timeout)
    except Exception as exc:  # noqa: BLE001 - broker down reads as "no GPU"
        logger.warning("GPU worker inspection failed: %s", exc)
        return []
    found = []
    for reply in replies:
        for name, info in reply.items():
            if not isinstance(info, dict):
                continue
            if GPU_QUEUE in info.get("queues", []) and info.get("cuda"):
                found.append({"worker": name, "device": str(info["cuda"])})
    return sorted(found, key=lambda w: w["worker"])


def place(demo_name: str) -> Placement:
    """Choose queue, backend and device kind for a new run of ``demo_name``.

    Every demo has a CUDA path, so every demo goes to a live GPU worker when
    there is one; otherwise the ``demos`` queue runs it on numpy (exact
    emulation of every format).
    """
    del demo_name  # every demo can use a GPU; kept for a per-demo policy
    workers = gpu_workers()
    if workers:
        return Placement(
            GPU_QUEUE, "torch", "gpu", workers[0]["worker"], workers[0]["device"]
        )
    return Placement(DEMOS_QUEUE, "numpy", "cpu")
