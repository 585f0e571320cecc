"""Background jobs: one abstract model, one lifecycle, one Celery task base.

- `studysite.jobs.models`: `BackgroundJob`, the abstract row every kind of job
  (demo run, scheduler fit and simulation, deck import, quiz generation)
  derives from: status, progress, error, times, task id, attempts.
- `studysite.jobs.services`: the lifecycle, the same for every kind:
  `enqueue` (on commit; a broker that is down is `studysite.errors.Unavailable`),
  `claim` (one attempt per delivery), `progress`, `finish`, `fail`,
  `mark_failed` and `expire_stale`.
- `studysite.jobs.tasks`: `JobTask`, the Celery base class (shared retry
  policy, the job failed when the task dies).
- `includes/job_panel.html`: the progress protocol of a polled panel, the
  ``data-job-*`` attributes `js/job-status.js` announces from (demo runs, fits,
  simulations, imports); quiz generation's page polls its job's JSON instead.

The work itself (the demo runner, the fitter, the importer, the generator)
stays in its app; a kind of job is its model, a few lines of policy and a
thin task.
"""
