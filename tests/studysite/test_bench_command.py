"""``manage.py bench`` finds the benchmarks of tests/bench/ under the names users
type, the apps hold none, and the site never imports them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from studysite.management.commands.bench import Command

ROOT = Path(__file__).resolve().parents[2]

NAMES = [
    "studysite.bench_healthz",
    "lessons.bench_class_dashboard",
    "lessons.bench_lesson_render",
    "lessons.bench_precision_api",
    "lessons.bench_problem_generation",
    "lessons.bench_quiz_for_500_learners",
    "flashcards.bench_due_queue",
    "flashcards.bench_import_anki_package",
    "flashcards.bench_import_reviews",
    "flashcards.bench_progress_dashboard",
    "flashcards.bench_retrievability",
    "flashcards.bench_round_trip",
    "flashcards.bench_scheduling_overhead",
    "workers.bench_demo_costs",
    "workers.bench_demos",
    "workers.bench_dispatch",
    "workers.bench_scheduler_evaluate_imported",
    "workers.bench_scheduler_fit_time",
]


def test_every_benchmark_keeps_its_name_and_order():
    assert [name for name, _ in Command()._collect()] == NAMES


def test_benchmarks_come_from_tests_bench():
    modules = {func.__module__ for _, func in Command()._collect()}
    assert all(module.startswith("tests.bench.") for module in modules), modules


def test_no_app_holds_a_benchmark_module():
    found = [
        str(path.relative_to(ROOT))
        for app in ("studysite", "lessons", "flashcards", "workers")
        for path in (ROOT / app).rglob("*.py")
        if path.stem == "benchmarks" or path.stem.endswith("_bench")
    ]
    assert found == []


def test_an_unknown_name_is_an_error():
    with pytest.raises(CommandError, match="No benchmark matches nope"):
        call_command("bench", "nope")


def test_the_site_never_imports_the_benchmarks():
    probe = (
        "import django, sys\n"
        "django.setup()\n"
        "import studysite.urls, studysite.management.commands.bench\n"
        "print(','.join(sorted(n for n in sys.modules if n.startswith('tests.bench'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "",
            "DJANGO_SETTINGS_MODULE": "tests.settings",
        },
    )
    assert result.stdout.strip() == ""
