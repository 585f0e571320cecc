"""The progress protocol: what a job says about itself, the same for every kind."""

from __future__ import annotations

from typing import Any


def job_status(job: Any) -> dict[str, Any]:
    """``{"status", "progress", "progress_message", "error"}`` of a job row.

    The polled panels (``includes/job_panel.html``) show the same four.
    """
    return {
        "status": job.status,
        "progress": job.progress,
        "progress_message": job.progress_message,
        "error": job.error,
    }
