"""Demo pages: list, form from the schema, runs with progress, results, downloads."""

from __future__ import annotations

import csv
import io
import json
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from workers.demos import DEMOS
from workers.models import DemoRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def test_demo_list_links_each_demo_and_its_lesson_section(client):
    response = client.get("/demos/")
    assert response.status_code == 200
    html = response.content.decode()
    for demo in DEMOS.values():
        assert f'href="/demos/{demo.name}/"' in html
        assert f'href="/lessons/why-precision-matters/#{demo.lesson_anchor}"' in html
        assert demo.title in html


def test_demo_page_shows_a_form_with_bounds_to_anyone(client):
    response = client.get("/demos/matmul_throughput/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="max_size"' in html and 'max="16384"' in html and 'min="16"' in html
    assert "From 16 to 16384." in html
    assert 'type="checkbox" name="dtypes" value="fp8_e4m3fn"' in html
    assert "Log in to run the demo" in html


def test_unknown_demo_page_is_404(client):
    assert client.get("/demos/nope/").status_code == 404


def test_anonymous_post_redirects_to_login(client):
    response = client.post("/demos/update_swallowing/", {"steps": 10})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not DemoRun.objects.exists()


def _form(**values):
    data = {"modes": ["fp32", "fp16", "bf16_master"], "steps": 40, "max_points": 20}
    data.update(values)
    return data


def test_posting_the_form_runs_and_shows_charts_tables_and_downloads(learner_client):
    response = learner_client.post("/demos/update_swallowing/", _form())
    assert response.status_code == 302
    run = DemoRun.objects.get()
    assert response["Location"] == f"/demos/runs/{run.pk}/"
    assert run.params["steps"] == 40
    assert run.params["modes"] == ["fp32", "fp16", "bf16_master"]
    page = learner_client.get(response["Location"]).content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "<title id=" in page and "<desc id=" in page
    assert "Final weight versus the exact sum" in page
    assert run.device_label in page
    assert f'href="/demos/runs/{run.pk}.json"' in page
    assert f'href="/demos/runs/{run.pk}.csv"' in page
    for sentence in run.result["summary"]:
        assert sentence.split("'")[0][:30] in page.replace("&#x27;", "'")
    assert "hx-trigger" not in page  # finished: no polling


def test_a_running_run_polls_its_panel_with_a_progress_bar(learner_client, learner):
    client = learner_client
    run = DemoRun.objects.create(
        demo="update_swallowing",
        params={},
        params_hash="x" * 64,
        status="running",
        progress=0.42,
        progress_message="fp16 step 420",
        requested_by=learner,
    )
    page = client.get(f"/demos/runs/{run.pk}/").content.decode()
    assert f'hx-get="/demos/runs/{run.pk}/panel/"' in page
    assert 'hx-trigger="every 1s"' in page
    assert '<progress max="100" value="42"' in page
    assert "fp16 step 420" in page
    panel = client.get(f"/demos/runs/{run.pk}/panel/")
    assert panel.status_code == 200
    assert panel.content.decode().lstrip().startswith("<section")


def test_failed_run_shows_its_error(learner_client, learner):
    run = DemoRun.objects.create(
        demo="update_swallowing",
        params={},
        params_hash="x" * 64,
        status="failed",
        error="The GPU ran out of memory running this demo; try smaller sizes.",
        requested_by=learner,
    )
    page = learner_client.get(f"/demos/runs/{run.pk}/").content.decode()
    assert "ran out of memory" in page


def test_bad_values_rerender_the_form_with_the_field_error(learner_client):
    response = learner_client.post("/demos/update_swallowing/", _form(steps=100_001))
    assert response.status_code == 400
    assert "must be at most 100000" in response.content.decode()
    response = learner_client.post("/demos/update_swallowing/", _form(lr="nan"))
    assert response.status_code == 400
    assert not DemoRun.objects.exists()


def test_reused_result_is_said_and_fresh_runs_again(learner_client):
    first = learner_client.post("/demos/update_swallowing/", _form())
    again = learner_client.post("/demos/update_swallowing/", _form(), follow=True)
    assert again.redirect_chain[0][0] == first["Location"]
    assert "here is that result" in again.content.decode()
    learner_client.post("/demos/update_swallowing/", _form(fresh="on"))
    assert DemoRun.objects.count() == 2


def test_broker_down_page_answers_503(learner_client):
    with mock.patch(
        "workers.tasks.demo_run.apply_async", side_effect=OperationalError("down")
    ):
        response = learner_client.post("/demos/update_swallowing/", _form())
    assert response.status_code == 503
    assert "queue is unavailable" in response.content.decode()


def test_json_and_csv_downloads(learner_client, client):
    learner_client.post(
        "/demos/quantization/",
        {"schemes": ["int8_channel", "nf4"], "rows": 64, "cols": 64},
    )
    run = DemoRun.objects.get()
    assert run.status == "succeeded", run.error
    as_json = client.get(f"/demos/runs/{run.pk}.json")
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    assert "attachment" in as_json["Content-Disposition"]
    assert json.loads(as_json.content) == run.result
    as_csv = client.get(f"/demos/runs/{run.pk}.csv")
    assert as_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert rows[0] == [f"# {run.result['tables'][0]['title']}"]
    assert rows[1] == run.result["tables"][0]["columns"]
    assert ["# chart points"] in rows


def test_downloads_of_unfinished_or_missing_runs_are_404(client):
    run = DemoRun.objects.create(
        demo="update_swallowing", params={}, params_hash="x" * 64
    )
    assert client.get(f"/demos/runs/{run.pk}.json").status_code == 404
    assert client.get(f"/demos/runs/{run.pk}.csv").status_code == 404
    assert client.get("/demos/runs/99999/").status_code == 404


def _defaults(demo) -> dict:
    """What a browser posts for the untouched form (unticked boxes are absent)."""
    data = {}
    for p in demo.params:
        if p.type == "bool":
            if p.default:
                data[p.name] = "on"
        elif p.type == "multichoice":
            data[p.name] = list(p.default)
        else:
            data[p.name] = str(p.default)
    return data


SMALL = {
    "matmul_throughput": {"min_size": "16", "max_size": "32"},
    "mixed_precision_training": {"steps": "20", "batch": "32", "hidden": "16"},
}


def test_every_demo_result_page_renders(learner_client):
    for name, demo in DEMOS.items():
        data = {**_defaults(demo), **SMALL.get(name, {})}
        response = learner_client.post(f"/demos/{name}/", data)
        assert response.status_code == 302, response.content.decode()[-2000:]
    assert DemoRun.objects.count() == len(DEMOS)
    for run in DemoRun.objects.all():
        assert run.status == "succeeded", (run.demo, run.error)
        page = learner_client.get(f"/demos/runs/{run.pk}/")
        assert page.status_code == 200
        assert page.content.decode().count("<svg") == len(run.result["charts"])
