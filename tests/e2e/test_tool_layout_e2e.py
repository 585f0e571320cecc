"""The float explorer and the memory calculator fit their box on a laptop
(1,366 px) and on a phone (390 px): each format's stored value, category and
errors are in view without scrolling sideways, and so is every calculator
column. Screenshots of each land in tests/e2e/screenshots/<test name>/."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.e2e import axe

pytestmark = pytest.mark.django_db(transaction=True)
LESSON = "why-precision-matters"

# For each tool: how far anything in it reaches past the tool's own box, and
# the boxes of the explorer's value cells that fall outside the viewport.
MEASURE = """(id) => {
  const tool = document.getElementById(id);
  const box = tool.getBoundingClientRect();
  let overflow = 0;
  for (const el of tool.querySelectorAll("*")) {
    // Clipped to 1px on purpose, for screen readers only (the narrow
    // layout hides the explorer's column headings so).
    if (el.closest(".sr-only") || el.closest("thead")?.clientWidth <= 1) continue;
    if (getComputedStyle(el).overflowX !== "visible")
      overflow = Math.max(overflow, el.scrollWidth - el.clientWidth);
    const r = el.getBoundingClientRect();
    if (r.width) overflow = Math.max(overflow, Math.round(r.right - box.right));
  }
  const hidden = [];
  for (const group of tool.querySelectorAll("tbody[data-format]")) {
    for (const cell of group.querySelectorAll("tr:first-child td")) {
      const r = cell.getBoundingClientRect();
      if (r.left < 0 || r.right > window.innerWidth || !r.width)
        hidden.push(group.dataset.format + ": " + cell.textContent.trim().slice(0, 30));
    }
  }
  return {overflow, hidden, page: document.documentElement.scrollWidth - innerWidth};
}"""


@pytest.mark.parametrize("width", [1366, 390])
def test_the_tools_fit_their_box_without_sideways_scrolling(
    browser, live_server, width
):
    call_command("load_lessons", stdout=io.StringIO())
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/lessons/{LESSON}/?value=0.1")
        for tool in ("float-explorer", "memory-calculator"):
            page.locator(f"#{tool}").scroll_into_view_if_needed()
            measured = page.evaluate(MEASURE, tool)
            assert measured["overflow"] <= 1, (tool, width, measured)
            assert measured["hidden"] == [], (tool, width, measured)
            page.locator(f"#{tool}").screenshot(
                path=str(_shot(f"{tool}-{width}px.png"))
            )
        # Every format is in the explorer and the fp64 bits wrap inside it.
        assert page.locator("#float-explorer tbody[data-format]").count() == 13
        axe.check(page, f"lesson tools at {width} px")
    finally:
        context.close()


def _shot(name: str):
    from tests.e2e.conftest import SCREENSHOTS

    folder = SCREENSHOTS / "test_the_tools_fit_their_box_without_sideways_scrolling"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
