"""Imported by the fault tests' worker (``CELERY_IMPORTS``), never by the suite.

Wraps the job lifecycle's ``claim`` (`studysite.jobs.services.claim`, which
every kind of job's task calls through the module) so that:

- a job's first attempt, once claimed (its row ``running``, ``attempts`` 1),
  waits ``FAULTS_SLOW_FIRST_CLAIM`` seconds before its work starts (a test
  kills the worker meanwhile, whatever the kind);
- every delivery is appended to ``FAULTS_CLAIM_LOG`` as
  ``claim <model> <job> <attempt>``, or ``skip <model> <job>`` when ``claim``
  declined it, so a test can count the deliveries of each job.
"""

from __future__ import annotations

import os
import time
from typing import Any

from studysite.jobs import services

SLOW_SECONDS = float(os.environ.get("FAULTS_SLOW_FIRST_CLAIM", "0") or 0)
LOG = os.environ.get("FAULTS_CLAIM_LOG", "")
_real_claim = services.claim


def _log(line: str) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def claim(model: type[Any], job_id: int, **kwargs: Any) -> Any:
    claimed = _real_claim(model, job_id, **kwargs)
    name = model._meta.label
    if claimed is None:
        _log(f"skip {name} {job_id}")
        return None
    attempt = claimed[1]
    _log(f"claim {name} {job_id} {attempt}")
    if attempt == 1 and SLOW_SECONDS > 0:
        time.sleep(SLOW_SECONDS)
    return claimed


services.claim = claim
