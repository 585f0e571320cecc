"""Long jobs announce progress from one live region outside the polled panel.

htmx replaces a running job's panel every second, so the panel itself holds no
live region: the page has one (role="status") outside the swap target, and the
panel carries data-job-* attributes that js/job-status.js turns into
milestone sentences.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.workers.test_scheduler_data import give_history
from workers import scheduler_services as services
from workers.models import DemoRun

pytestmark = pytest.mark.django_db
LIVE = 'role="status" aria-live="polite" aria-atomic="true"'


@pytest.fixture
def client_in(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


def _running_run(learner, **fields) -> DemoRun:
    values = {
        "demo": "update_swallowing",
        "params": {},
        "params_hash": "x" * 64,
        "status": "running",
        "progress": 0.42,
        "progress_message": "fp16 step 420",
        "requested_by": learner,
    }
    values.update(fields)
    return DemoRun.objects.create(**values)


def _live_region_before_panel(html: str, live_id: str, panel_id: str) -> None:
    live = re.search(rf'<p id="{live_id}" class="sr-only" {LIVE}></p>', html)
    assert live, f"no live region #{live_id}"
    panel = html.index(f'id="{panel_id}"')
    assert live.start() < panel
    # The live region is a sibling before the panel, not inside it.
    assert "</p>" in html[live.start() : panel]


def test_the_run_page_has_its_live_region_outside_the_polled_panel(client_in, learner):
    run = _running_run(learner)
    html = client_in.get(f"/demos/runs/{run.pk}/").content.decode()
    _live_region_before_panel(html, "run-live", "run")
    start = html.index('<section id="run"')
    panel = html[start : html.index("</section>", start)]
    assert "aria-live" not in panel and "role=" not in panel
    assert 'src="/static/js/job-status.js"' in html


def test_a_running_panel_carries_its_progress_and_no_live_region(client_in, learner):
    run = _running_run(learner)
    panel = client_in.get(f"/demos/runs/{run.pk}/panel/").content.decode()
    assert 'data-job-live="run-live"' in panel
    assert 'data-job-status="running"' in panel
    assert 'data-job-progress="42"' in panel
    assert 'data-job-name="Demo"' in panel
    assert f'data-job-key="/demos/runs/{run.pk}/panel/"' in panel
    assert "aria-live" not in panel and "role=" not in panel
    assert 'aria-label="Demo progress"' in panel


def test_a_failed_panel_carries_the_reason(client_in, learner):
    run = _running_run(learner, status="failed", error="CUDA out of memory")
    panel = client_in.get(f"/demos/runs/{run.pk}/panel/").content.decode()
    assert 'data-job-status="failed"' in panel
    assert 'data-job-error="CUDA out of memory"' in panel
    assert "role=" not in panel


def test_a_shared_run_keys_its_panel_by_the_share_link(client, learner):
    run = _running_run(learner, share_token="5f0c4c4e-4a4b-4f7e-9a56-2b8e1f5a7c11")
    html = client.get(f"/demos/shared/{run.share_token}/").content.decode()
    _live_region_before_panel(html, "run-live", "run")
    assert f'data-job-key="/demos/shared/{run.share_token}/panel/"' in html
    assert f"runs/{run.pk}/" not in html


def test_the_scheduler_page_has_live_regions_outside_the_fit_and_simulation(
    learner, client_in
):
    give_history(learner, 3000)
    fit, _ = services.scheduler_fit_create(learner=learner)
    html = client_in.get("/settings/scheduler/").content.decode()
    _live_region_before_panel(html, "fit-live", "fit-panel")
    assert f'<p id="simulation-live" class="sr-only" {LIVE}></p>' in html
    panel = client_in.get(f"/settings/scheduler/fits/{fit.pk}/panel/").content.decode()
    assert 'data-job-live="fit-live"' in panel
    assert f'data-job-key="fit-{fit.pk}"' in panel
    assert 'data-job-status="queued"' in panel and 'data-job-progress="0"' in panel
    assert "aria-live" not in panel and "role=" not in panel


def test_a_finished_fit_says_what_happened_in_its_data(learner, client_in):
    give_history(learner, 3000)
    client_in.post("/settings/scheduler/fits/")
    html = client_in.get("/settings/scheduler/").content.decode()
    assert 'data-job-status="succeeded"' in html
    assert (
        'data-job-done="the new parameters predict your recent reviews better' in html
        or 'data-job-done="your old parameters predict' in html
    )


def test_a_simulation_panel_carries_its_progress(client_in):
    client_in.post(
        "/settings/scheduler/simulations/",
        {
            "desired_retentions": "0.8, 0.9",
            "deck_size": 100,
            "learn_per_day": 10,
            "days": 30,
        },
    )
    html = client_in.get("/settings/scheduler/").content.decode()
    _live_region_before_panel(html, "simulation-live", "simulation-panel")
    assert 'data-job-live="simulation-live"' in html
    assert 'data-job-status="succeeded"' in html and 'data-job-progress="100"' in html
