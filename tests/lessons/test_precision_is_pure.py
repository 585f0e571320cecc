"""lessons.precision stays a pure module: no Django on import."""

from __future__ import annotations

import subprocess
import sys


def test_importing_precision_loads_no_django():
    code = (
        "import sys, lessons.precision, lessons.precision.memory, "
        "lessons.precision.compute, lessons.precision.formats; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'rest_framework', 'celery'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
