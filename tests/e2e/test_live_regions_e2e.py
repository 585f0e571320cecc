"""Live regions in the browser: long jobs announce milestones from one region
outside the panel that htmx replaces every second, and the float explorer and
the memory calculator announce one line instead of re-reading their tables.

Tasks are eager in tests, so a run or fit is finished as soon as it starts:
the tests finish one for real, then set it back to running in the database and
move it along, as a worker would, while the page polls.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from lessons.models import GenerationJob
from tests.e2e import axe
from tests.e2e.conftest import login
from tests.factories import PASSWORD, TeacherFactory, UserFactory
from tests.lessons.quiz_factories import QuizFactory
from tests.workers.test_scheduler_data import give_history
from workers.models import DemoRun, SchedulerFit

pytestmark = pytest.mark.django_db(transaction=True)
LESSON = "why-precision-matters"

# Counts every change of a live region's text, so a test can tell "announced
# once" from "announced at every poll".
WATCH = """(id) => {
  const live = document.getElementById(id);
  window.__liveChanges = window.__liveChanges || {};
  window.__liveChanges[id] = [];
  new MutationObserver(() => window.__liveChanges[id].push(live.textContent))
    .observe(live, {childList: true, characterData: true, subtree: true});
  live.__original = true;
  if (window.__swaps === undefined) {
    window.__swaps = 0;
    document.addEventListener("htmx:afterSettle", () => { window.__swaps += 1; });
  }
}"""


def _swaps(page) -> int:
    return page.evaluate("window.__swaps")


def _wait_for_swaps(page, count: int) -> None:
    """Wait until htmx has swapped ``count`` more times."""
    page.wait_for_function("(n) => window.__swaps >= n", arg=_swaps(page) + count)


def _changes(page, live_id: str) -> list[str]:
    return page.evaluate(f"window.__liveChanges[{live_id!r}]")


def _wait_for_text(page, live_id: str, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => document.getElementById(id).textContent === text",
        arg=[live_id, text],
    )


def _outside(page, live_id: str, panel_id: str) -> bool:
    return page.evaluate(
        """([live, panel]) => {
          const region = document.getElementById(live);
          return region.__original === true
            && !document.getElementById(panel).contains(region)
            && !document.getElementById(panel).querySelector('[aria-live], [role=status]');
        }""",
        [live_id, panel_id],
    )


def _set(model, pk: int, **fields) -> None:
    model.objects.filter(pk=pk).update(**fields)


@pytest.fixture
def signed_in(page):
    user = UserFactory(username="runner")
    login(page, user.username, PASSWORD)
    return user


def test_a_demo_run_announces_its_milestones_and_its_end_once(page, signed_in):
    page.goto(page.base_url + "/demos/update_swallowing/")
    page.click("text=Run the demo")
    page.wait_for_url(re.compile(r".*/demos/runs/\d+/$"))
    page.wait_for_selector("figure svg")
    axe.check(page, "demo run finished")
    run = DemoRun.objects.get()
    assert page.locator("#run-live").text_content() == ""  # the page says it

    _set(DemoRun, run.pk, status="running", progress=0.1, finished_at=None)
    page.reload()
    page.wait_for_selector("#run progress")
    assert page.get_attribute("#run progress", "aria-label") == "Demo progress"
    page.evaluate(WATCH, "run-live")
    axe.check(page, "demo run running")

    _set(DemoRun, run.pk, progress=0.3)
    _wait_for_text(page, "run-live", "Demo running: 25% done.")
    assert _outside(page, "run-live", "run")
    # More polls at the same milestone say nothing new.
    _set(DemoRun, run.pk, progress=0.35, progress_message="still going")
    page.wait_for_selector("text=still going")
    _wait_for_swaps(page, 2)
    assert _changes(page, "run-live") == ["Demo running: 25% done."]
    # A jump over two milestones names the last one.
    _set(DemoRun, run.pk, progress=0.8)
    _wait_for_text(page, "run-live", "Demo running: 75% done.")

    focused = page.evaluate("document.activeElement.tagName")
    _set(DemoRun, run.pk, status="succeeded", progress=1.0)
    _wait_for_text(page, "run-live", "Demo succeeded: results below.")
    page.wait_for_selector("figure svg")
    assert _outside(page, "run-live", "run")
    assert page.evaluate("document.activeElement.tagName") == focused
    assert _changes(page, "run-live") == [
        "Demo running: 25% done.",
        "Demo running: 75% done.",
        "Demo succeeded: results below.",
    ]
    axe.check(page, "demo run succeeded after polling")


def test_a_failed_run_announces_why(page, signed_in):
    run = DemoRun.objects.create(
        demo="update_swallowing",
        params={},
        params_hash="x" * 64,
        status="queued",
        requested_by=signed_in,
    )
    page.goto(page.base_url + f"/demos/runs/{run.pk}/")
    page.evaluate(WATCH, "run-live")
    _set(DemoRun, run.pk, status="running", progress=0.0)
    _wait_for_text(page, "run-live", "Demo started.")
    _set(DemoRun, run.pk, status="failed", error="the worker ran out of memory")
    _wait_for_text(page, "run-live", "Demo failed: the worker ran out of memory")
    assert _outside(page, "run-live", "run")
    axe.check(page, "demo run failed")


def test_a_fit_announces_its_progress_and_outcome(page, signed_in):
    give_history(signed_in, 3000)
    page.goto(page.base_url + "/settings/scheduler/")
    page.click("text=Optimize now")
    page.wait_for_selector("#fit-panel >> text=succeeded")
    fit = SchedulerFit.objects.get()
    done = page.get_attribute("#fit-panel", "data-job-done")

    _set(SchedulerFit, fit.pk, status="running", progress=0.2, finished_at=None)
    page.reload()
    page.wait_for_selector("#fit-panel progress")
    page.evaluate(WATCH, "fit-live")
    axe.check(page, "fit running")
    _set(SchedulerFit, fit.pk, progress=0.55)
    _wait_for_text(page, "fit-live", "Fit running: 50% done.")
    assert _outside(page, "fit-live", "fit-panel")
    _set(SchedulerFit, fit.pk, status="succeeded", progress=1.0)
    _wait_for_text(page, "fit-live", f"Fit succeeded: {done}.")
    page.wait_for_selector("#fit-panel >> text=Held-out figures")
    assert _outside(page, "fit-live", "fit-panel")
    axe.check(page, "fit succeeded after polling")


@pytest.fixture
def lesson_page(page):
    call_command("load_lessons", stdout=io.StringIO())
    page.goto(page.base_url + f"/lessons/{LESSON}/")
    return page


def _in_live_region(page, selector: str) -> bool:
    return page.evaluate(
        "(sel) => !!document.querySelector(sel).closest('[aria-live], [role=status],"
        " [role=log], [role=alert]')",
        selector,
    )


def test_the_explorer_announces_one_line_and_its_table_is_not_live(lesson_page):
    page = lesson_page
    page.evaluate(WATCH, "float-explorer-summary")
    with page.expect_response(lambda r: "/lessons/tools/float-explorer/" in r.url):
        page.fill("#id_value", "65504")
    page.wait_for_function(
        "() => document.getElementById('float-explorer-summary').textContent"
        ".startsWith('65,504 is stored as 65,504 in fp32 (error 0 %)')"
    )
    summary = page.locator("#float-explorer-summary").text_content()
    assert summary == page.get_attribute(
        "#float-explorer-result [data-tool-summary]", "data-tool-summary"
    )
    assert not _in_live_region(page, "#float-explorer-result table")
    assert not _in_live_region(page, "#float-explorer-result")
    # The bits of each group are named and set apart, not only coloured.
    cell = page.locator("#float-explorer-result tbody tr").nth(1).locator("td.bits")
    spoken = " ".join(cell.text_content().split())
    assert re.match(r"sign bit 0S, exponent bits [01]+E, mantissa bits [01]+M$", spoken)
    assert [t.inner_text() for t in cell.locator(".bit-tag").all()] == ["S", "E", "M"]
    assert cell.locator(".bit-tag").first.is_visible()
    axe.check(page, "explorer with a value")
    page.emulate_media(color_scheme="dark")
    axe.check(page, "explorer with a value, dark colour scheme")
    page.emulate_media(color_scheme="light")

    # The same value written differently changes nothing, so says nothing.
    swaps = _swaps(page)
    page.fill("#id_value", "65504.0")
    page.wait_for_function("(n) => window.__swaps > n", arg=swaps)
    assert _changes(page, "float-explorer-summary") == [summary]

    # An error is one line too, and its field says it is invalid.
    with page.expect_response(lambda r: "/lessons/tools/float-explorer/" in r.url):
        page.fill("#id_value", "abc")
    page.wait_for_selector("#id_value[aria-invalid=true]")
    assert page.locator("#float-explorer-summary").text_content().startswith("Value: ")
    assert "id_value_error" in page.get_attribute("#id_value", "aria-describedby")
    axe.check(page, "explorer with an error")


def test_the_calculator_announces_one_line_and_its_table_is_not_live(lesson_page):
    page = lesson_page
    with page.expect_response(lambda r: "/lessons/tools/memory-calculator/" in r.url):
        page.fill("#id_model_size", "70")
    page.wait_for_function(
        "() => document.getElementById('memory-calculator-summary').textContent"
        ".startsWith('70 billion parameters, bf16 weights, adam: 1,120 GB')"
    )
    assert not _in_live_region(page, "#memory-calculator-result table")
    axe.check(page, "calculator with a result")


def test_a_quiz_variants_job_announces_its_milestones_and_end(page):
    teacher = TeacherFactory(username="setter")
    quiz = QuizFactory(teacher=teacher, title="Memory quiz")
    job = GenerationJob.objects.create(
        quiz=quiz, requested_by=teacher, base_seed=1, status="running", total=4
    )
    login(page, teacher.username, PASSWORD)
    progress_url = reverse("quiz-generation", args=[quiz.pk])
    polls = []
    page.on("request", lambda r: polls.append(r.url) if progress_url in r.url else None)
    page.goto(page.base_url + f"/teach/quizzes/{quiz.pk}/")
    page.wait_for_function(
        "() => document.querySelector('#job [data-role=state]').textContent === 'running'"
    )
    page.evaluate(WATCH, "job-live")
    # The page's first poll only learns where the job stands (it says nothing);
    # change the job once a second poll shows the first one was read, or a slow
    # first answer could already carry the change and rightly stay silent.
    for _ in range(100):
        if len(polls) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(polls) >= 2, polls
    _set(GenerationJob, job.pk, done=2)
    _wait_for_text(page, "job-live", "Generating variants: 50% done.")
    _set(GenerationJob, job.pk, status="done", done=4)
    _wait_for_text(page, "job-live", "Variants generated: 4 of 4 learners.")
    assert _changes(page, "job-live") == [
        "Generating variants: 50% done.",
        "Variants generated: 4 of 4 learners.",
    ]
    axe.check(page, "quiz variants generated")
