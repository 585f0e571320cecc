"""axe-core in the browser tests: every page state checked against WCAG 2.1 AA.

axe-core (MPL-2.0) is test-only JavaScript, installed from npm into
``tests/e2e/node_modules`` by ``ensure_axe`` (``npm ci`` on the committed
lock file) and evaluated in the page through Playwright, which the page's
Content-Security-Policy does not govern: the product never serves it.

``check(page, state)`` runs the WCAG 2.0/2.1 A and AA rules and fails on

- any violation of impact *serious* or *critical*, anywhere;
- any other violation that ``axe-baseline.json`` does not list for that rule
  (the baseline holds what is accepted, with the reason, and starts empty).

Every result is also recorded in ``RESULTS`` (state → impact → count), which
``tests/e2e/conftest.py`` writes to ``screenshots/axe-results.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
BASELINE = HERE / "axe-baseline.json"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
RESULTS: dict[str, dict[str, int]] = {}


@cache
def ensure_axe() -> str:
    """axe-core's source, installing it from npm the first time."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: axe-core cannot be installed")
        subprocess.run(  # noqa: S603 - npm on our own lock file
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=HERE,
            check=True,
            timeout=300,
        )
    return AXE.read_text()


@cache
def baseline() -> dict[str, list[str]]:
    """Accepted non-blocking rule ids, by rule: ``{rule: [reason]}``."""
    if not BASELINE.exists():
        return {}
    return json.loads(BASELINE.read_text())


def run(page: Any, *, include: str | None = None) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (WCAG 2.1 A and AA)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(ensure_axe())
    return page.evaluate(
        """async ([tags, include]) => {
          const context = include ? {include: [include]} : document;
          const result = await window.axe.run(context, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
          });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({
              target: n.target.join(" "), summary: n.failureSummary,
            })),
          }));
        }""",
        [TAGS, include],
    )


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['summary']}")
    return "\n".join(lines)


def check(page: Any, state: str) -> None:
    """Fail the test on a blocking or new violation in this page state."""
    violations = run(page)
    counts: dict[str, int] = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
    RESULTS[state] = counts
    accepted = baseline()
    failing = [
        v for v in violations if v["impact"] in BLOCKING or v["id"] not in accepted
    ]
    assert not failing, f"axe found in {state!r}:\n{describe(failing)}"
