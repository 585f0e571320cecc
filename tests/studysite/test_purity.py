"""The pure modules import nothing from Django (DESIGN.md: they are tested alone)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = [
    "lessons.precision",
    "lessons.problems",
    "lessons.lessonfiles",
    "lessons.markup",
    "flashcards.scheduling",
    "flashcards.fitting",
    "workers.demos",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_django(module):
    # A package is checked with every module in it, not only what its
    # __init__ happens to import.
    code = (
        f"import sys, importlib, pkgutil; top = importlib.import_module({module!r}); "
        "[importlib.import_module(info.name) for info in "
        "pkgutil.walk_packages(getattr(top, '__path__', []), top.__name__ + '.')]; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'rest_framework', 'celery')) or m == 'torch'); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} imported {result.stdout.strip()}"
