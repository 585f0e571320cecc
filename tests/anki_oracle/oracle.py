"""The official ``anki`` package as a test oracle, in a virtualenv of its own.

``anki`` is AGPL: neither the product nor this test process imports it. The
suite makes ``var/anki-oracle/venv`` once (pip, from the package registry),
runs `build_packages.py` there, and reads back the packages Anki wrote and
what Anki itself counts in them. The packages are cached by the script's hash
and the pinned version, so later runs cost nothing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ANKI = "anki==26.9.3"
ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "var" / "anki-oracle"
VENV = HOME / "venv"
SCRIPT = Path(__file__).with_name("build_packages.py")
CASES = ("stock", "subdecks", "tolerant", "custom")
FORMATS = ("apkg", "apkg-legacy", "colpkg", "colpkg-legacy")


def package_name(case: str, fmt: str) -> str:
    return f"{case}-{fmt}.{fmt.split('-')[0]}"


def anki_python() -> Path:
    """The oracle virtualenv's python, made on first use."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == ANKI:
        return python
    HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            ANKI,
        ],
        check=True,
        timeout=900,
    )
    stamp.write_text(ANKI)
    return python


def packages() -> tuple[Path, dict[str, Any]]:
    """The directory of Anki-built packages and ``expected.json``'s contents."""
    key = hashlib.sha256(SCRIPT.read_bytes() + ANKI.encode()).hexdigest()[:16]
    out = HOME / f"packages-{key}"
    expected = out / "expected.json"
    if not expected.exists():
        subprocess.run(
            [str(anki_python()), str(SCRIPT), str(out)],
            check=True,
            timeout=600,
            cwd=HOME,
        )
    return out, json.loads(expected.read_text())


def opened_by_anki(path: Path) -> dict[str, Any]:
    """What a fresh Anki holds after importing the package at ``path``."""
    done = subprocess.run(
        [str(anki_python()), str(SCRIPT), "--open", str(path)],
        check=True,
        timeout=300,
        cwd=HOME,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)
