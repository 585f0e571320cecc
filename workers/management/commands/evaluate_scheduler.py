"""``manage.py evaluate_scheduler --user U [--deck D] [--splits 5]``.

Prints log loss, RMSE(bins) and AUC of the FSRS-6 default parameters and of
fitted parameters on the learner's review history, following the srs-benchmark
protocol: the time-ordered usable reviews (those made on a later study day
than the card's previous review) are cut into ``splits + 1`` segments and each
of the last ``splits`` is predicted. "fitted" is refitted on all earlier
segments for each fold (`flashcards.fitting.evaluate_fitting`), the fair
figure for fitting; the learner's parameters in use, when they come from a
fit, are shown too (they have seen the test folds, so they flatter).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from flashcards import fitting
from workers import selectors
from workers.management.commands._scheduler import HEADER, learner_and_deck, metrics_row


class Command(BaseCommand):
    help = "Log loss, RMSE(bins), AUC of default and fitted FSRS parameters."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--deck", help="one deck's reviews (id or title)")
        parser.add_argument(
            "--splits", type=int, default=fitting.DEFAULT_SPLITS, help="test folds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        learner, deck = learner_and_deck(user=options["user"], deck=options["deck"])
        splits = options["splits"]
        if splits < 1:
            raise CommandError("--splits must be at least 1.")
        records = selectors.review_records(learner=learner, deck=deck)
        day_of = selectors.learner_day_of(learner)
        current = selectors.learner_parameters_current(learner=learner, deck=deck)
        started = time.perf_counter()
        try:
            default = fitting.evaluate(
                records,
                day_of=day_of,
                parameters=fitting.DEFAULT_PARAMETERS,
                n_splits=splits,
            )
            fitted = fitting.evaluate_fitting(records, day_of=day_of, n_splits=splits)
            in_use = None
            if current.source != "default":
                in_use = fitting.evaluate(
                    records,
                    day_of=day_of,
                    parameters=current.parameters,
                    n_splits=splits,
                )
        except fitting.NotEnoughHistory as exc:
            raise CommandError(str(exc)) from None
        except fitting.FitFailed as exc:
            raise CommandError(f"A fold's fit failed: {exc}") from None
        scope = f"deck {deck.title!r}" if deck else "all decks"
        self.stdout.write(
            f"{learner.username}, {scope}: {len(records)} reviews; time-series "
            f"split, {splits} test folds of the time-ordered usable reviews "
            "(srs-benchmark protocol)"
        )
        self.stdout.write(HEADER)
        self.stdout.write(metrics_row("default (FSRS-6)", default))
        self.stdout.write(metrics_row("fitted (refit on earlier folds)", fitted))
        if in_use is not None:
            self.stdout.write(
                metrics_row(f"in use ({current.source}, seen all)", in_use)
            )
        self.stdout.write(f"({time.perf_counter() - started:.2f} s)")
