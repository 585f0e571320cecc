"""``manage.py optimize_scheduler --user U [--deck D] [--apply] [--reschedule]``.

Fits the learner's 21 FSRS-6 parameters now (in this process, no worker),
prints the held-out comparison of the parameters in use and the new ones (log
loss, RMSE(bins), AUC on the latest 20 % of the usable reviews) and what
changed. Without ``--apply`` nothing is stored. With ``--apply`` the fit is
stored as a `SchedulerFit` (trigger ``command``) and the new parameters are
used from then on **only if they are better**; otherwise the old ones stay.
``--reschedule`` (with ``--apply``) also recomputes due dates if they win.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from flashcards import fitting
from workers import scheduler_services as services
from workers.management.commands._scheduler import HEADER, learner_and_deck, metrics_row
from workers.models import SchedulerFit


class Command(BaseCommand):
    help = "Fit a learner's FSRS parameters now; keep the old ones unless better."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--deck", help="fit one deck's reviews (id or title)")
        parser.add_argument(
            "--apply", action="store_true", help="store it; use it if better"
        )
        parser.add_argument(
            "--reschedule", action="store_true", help="with --apply: reschedule cards"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        learner, deck = learner_and_deck(user=options["user"], deck=options["deck"])
        if options["apply"]:
            result = self._apply(learner, deck, reschedule=options["reschedule"])
        else:
            try:
                result = services.scheduler_fit_compute(learner=learner, deck=deck)
            except (fitting.NotEnoughHistory, fitting.FitFailed) as exc:
                raise CommandError(str(exc)) from None
        self._print(result)

    def _apply(self, learner: Any, deck: Any, *, reschedule: bool) -> dict[str, Any]:
        try:
            fit, created = services.scheduler_fit_create(
                learner=learner,
                deck=deck,
                trigger=SchedulerFit.Trigger.COMMAND,
                reschedule=reschedule,
            )
        except services.NotEnoughHistoryError as exc:
            raise CommandError(exc.message) from None
        if not created:
            raise CommandError(f"Fit #{fit.pk} of this scope is still {fit.status}.")
        services.scheduler_fit_execute(fit.pk)
        fit.refresh_from_db()
        if fit.status != SchedulerFit.Status.SUCCEEDED:
            raise CommandError(f"Fit #{fit.pk} failed; nothing changed: {fit.error}")
        return {"fit": fit}

    def _print(self, result: Any) -> None:
        if isinstance(result, dict):
            fit = result["fit"]
            old, new = fit.old_metrics, fit.new_metrics
            accepted, changes = fit.accepted, fit.changes
            counts = (fit.train_reviews, fit.holdout_reviews)
        else:
            old, new = result.old_metrics.to_dict(), result.new_metrics.to_dict()
            accepted = result.accepted
            changes = [change.to_dict() for change in result.changes]
            counts = (result.train_reviews, result.holdout_reviews)
        self.stdout.write(
            f"fitted on {counts[0]} reviews, scored on the {counts[1]} latest"
        )
        self.stdout.write(HEADER)
        self.stdout.write(metrics_row("in use (old)", _Metrics(old)))
        self.stdout.write(metrics_row("fitted (new)", _Metrics(new)))
        self.stdout.write("changes:")
        for change in changes:
            self.stdout.write(
                f"  w[{change['index']:>2}] {change['name']:<42} "
                f"{change['old']:>9.4f} -> {change['new']:>9.4f}"
            )
        if isinstance(result, dict):
            verdict = (
                f"fit #{result['fit'].pk} stored; the new parameters are better "
                "and are now used"
                if accepted
                else f"fit #{result['fit'].pk} stored; the old parameters are as "
                "good or better and stay in use"
            )
        else:
            verdict = (
                "the new parameters are better (dry run: use --apply to store them)"
                if accepted
                else "the old parameters are as good or better; nothing to apply"
            )
        self.stdout.write(verdict)


class _Metrics:
    def __init__(self, data: dict[str, Any]) -> None:
        self.log_loss = data["log_loss"]
        self.rmse_bins = data["rmse_bins"]
        self.auc = data["auc"]
        self.reviews = data["reviews"]
