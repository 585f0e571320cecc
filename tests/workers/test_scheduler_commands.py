"""evaluate_scheduler and optimize_scheduler."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from flashcards import parameters
from tests.workers.test_scheduler_data import give_history
from workers.models import SchedulerFit

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_evaluate_prints_default_and_fitted_figures(learner):
    give_history(learner, 3000)
    out = run("evaluate_scheduler", "--user", learner.username)
    assert "log loss" in out and "RMSE(bins)" in out and "AUC" in out
    assert "default (FSRS-6)" in out and "fitted (refit on earlier folds)" in out
    assert "5 test folds" in out
    default = float(out.split("default (FSRS-6)")[1].split()[0])
    fitted = float(out.split("fitted (refit on earlier folds)")[1].split()[0])
    assert fitted < default  # the synthetic learner is unlike the defaults


def test_evaluate_refuses_unknown_users_and_empty_history(learner):
    with pytest.raises(CommandError, match="No user"):
        run("evaluate_scheduler", "--user", "nobody")
    with pytest.raises(CommandError, match="not enough review history"):
        run("evaluate_scheduler", "--user", learner.username)


def test_optimize_without_apply_stores_nothing(learner):
    give_history(learner, 3000)
    out = run("optimize_scheduler", "--user", learner.username)
    assert "in use (old)" in out and "fitted (new)" in out
    assert "w[20] forgetting curve decay" in out and "dry run" in out
    assert not SchedulerFit.objects.exists()


def test_optimize_apply_stores_the_fit_and_uses_it_if_better(learner):
    give_history(learner, 3000)
    out = run("optimize_scheduler", "--user", learner.username, "--apply")
    fit = SchedulerFit.objects.get()
    assert fit.trigger == "command" and fit.accepted
    assert f"fit #{fit.pk} stored" in out and "now used" in out
    assert parameters.learner_parameters(learner) == fit.new_parameters


def test_optimize_with_too_little_history_says_how_many_are_needed(learner):
    give_history(learner, 40)
    with pytest.raises(CommandError, match="at least 80"):
        run("optimize_scheduler", "--user", learner.username, "--apply")
    assert not SchedulerFit.objects.exists()
