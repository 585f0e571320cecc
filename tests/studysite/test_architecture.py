"""The layout rules hold (CONTRIBUTING.md, "Which way imports point").

Imports point one way (import-linter's contracts in pyproject.toml), and no
product module grows past 500 lines: a module that long holds more than one
idea and is split by what it holds.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("studysite", "flashcards", "lessons", "workers")
MAX_LINES = 500


def test_imports_point_one_way():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = (
        str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    )
    assert command, "import-linter is a dev dependency: make install"
    result = subprocess.run(
        [command, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _product_modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_no_product_module_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _product_modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split by idea: {long}"


def test_the_product_holds_no_benchmarks():
    # Benchmarks live in tests/bench/ (make bench), not in the app packages.
    found = [
        str(path.relative_to(ROOT))
        for path in _product_modules()
        if "bench" in path.stem and path.parent.name != "commands"
    ]
    assert found == []


WRITES = {
    "save",
    "update",
    "create",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}


def _selector_modules() -> list[Path]:
    return [
        path
        for path in _product_modules()
        if path.stem.startswith("selectors") or path.parent.name == "selectors"
    ]


def test_selectors_never_write():
    found = []
    for path in _selector_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
            ):
                found.append(
                    f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()"
                )
    assert _selector_modules(), "no selector modules found"
    assert found == [], "selectors read; services write: " + ", ".join(found)
