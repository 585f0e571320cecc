"""The quiz benchmarks run (quick sizes, eager path) and leave nothing behind."""

from __future__ import annotations

import contextlib
import io

import pytest

from lessons.models import GeneratedProblem, Quiz
from tests.bench import quizzes as benchmarks


@pytest.mark.django_db
def test_benchmarks_run_quick(monkeypatch):
    monkeypatch.setattr(benchmarks, "_worker_available", lambda: False)
    # The test already runs on a test database (the scratch one is for
    # manage.py bench, which would otherwise fill the configured database).
    monkeypatch.setattr(benchmarks, "scratch_database", contextlib.nullcontext)
    out = io.StringIO()

    class Out:
        def write(self, text):
            out.write(text + "\n")

    benchmarks.bench_problem_generation(Out(), quick=True)
    benchmarks.bench_quiz_for_500_learners(Out(), quick=True)
    text = out.getvalue()
    assert "problems/s" in text and "eager, in this process: 50 learners" in text
    assert "idempotent re-run" in text
    assert not Quiz.objects.exists() and not GeneratedProblem.objects.exists()
