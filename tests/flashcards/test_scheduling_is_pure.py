"""`flashcards.scheduling` must stay importable without Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import flashcards.scheduling
loaded = sorted(
    name
    for name in sys.modules
    if name.split(".")[0] in {"django", "rest_framework", "celery", "torch"}
)
print(",".join(loaded))
"""


def test_scheduling_imports_no_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert result.stdout.strip() == ""


def test_flashcards_package_init_is_empty() -> None:
    init = ROOT / "flashcards" / "__init__.py"
    assert init.read_text().strip() == ""
