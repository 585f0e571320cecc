"""Imported by the fault tests' worker (``CELERY_IMPORTS``), never by the suite.

Wraps the demos that ``workers.demo_execution.demo_run_execute`` runs so that:

- the first attempt of a run sleeps ``FAULTS_SLOW_FIRST_ATTEMPT`` seconds,
  writing progress, before the real demo (a test kills the worker meanwhile);
- every start and finish is appended to ``FAULTS_DEMO_LOG`` as
  ``start <run> <attempt>`` / ``finish <run> <attempt>``, so a test can count
  how many times a run was executed and completed.
"""

from __future__ import annotations

import os
import time
from typing import Any

from workers import demo_execution as services

SLOW_SECONDS = float(os.environ.get("FAULTS_SLOW_FIRST_ATTEMPT", "0") or 0)
LOG = os.environ.get("FAULTS_DEMO_LOG", "")
_real_get_demo = services.get_demo


def _log(line: str) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class _Observed:
    def __init__(self, demo: Any) -> None:
        self._demo = demo

    def __getattr__(self, name: str) -> Any:
        return getattr(self._demo, name)

    def run(self, params: Any, *, progress: Any, **kwargs: Any) -> Any:
        run_id = getattr(progress, "run_id", "?")
        attempt = getattr(progress, "attempt", 1)
        _log(f"start {run_id} {attempt}")
        if attempt == 1 and SLOW_SECONDS > 0:
            end = time.monotonic() + SLOW_SECONDS
            while (left := end - time.monotonic()) > 0:
                progress(0.5 * (1 - left / SLOW_SECONDS), "slowed down by a fault test")
                time.sleep(0.05)
        result = self._demo.run(params, progress=progress, **kwargs)
        _log(f"finish {run_id} {attempt}")
        return result


def get_demo(name: str) -> Any:
    return _Observed(_real_get_demo(name))


services.get_demo = get_demo
