"""What a demo page says in words: lesson sections, field labels, times, statuses."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.lessons.factories import LessonFactory, LessonSectionFactory
from workers.demos import DEMOS
from workers.models import DemoRun
from workers.templatetags.demo_tags import ago

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def _run(learner, **fields) -> DemoRun:
    values = {
        "demo": "update_swallowing",
        "params": {},
        "params_hash": "x" * 64,
        "status": "running",
        "progress": 0.5,
        "requested_by": learner,
    }
    values.update(fields)
    return DemoRun.objects.create(**values)


# --- lesson sections by title ---------------------------------------------------


def test_demo_pages_name_the_lesson_section_by_its_title_with_a_link(client):
    lesson = LessonFactory(slug="why-precision-matters", title="Why precision matters")
    LessonSectionFactory(
        lesson=lesson, anchor="range-versus-precision", title="Range versus precision"
    )
    page = client.get("/demos/loss_scaling/").content.decode()
    assert (
        '<a href="/lessons/why-precision-matters/#range-versus-precision">'
        "Range versus precision</a>"
    ) in page
    assert "#range-versus-precision<" not in page
    listing = client.get("/demos/").content.decode()
    assert ">Range versus precision</a>" in listing
    assert not re.search(r">#[a-z-]+</a>", listing)


def test_without_the_lesson_loaded_the_section_is_still_named_in_words(client):
    page = client.get("/demos/mixed_precision_training/").content.decode()
    assert ">Mixed precision training</a>" in page
    assert not re.search(r">#[a-z-]+</a>", page)


# --- field labels ----------------------------------------------------------------


def test_every_demo_parameter_has_a_label_in_words():
    for demo in DEMOS.values():
        for param in demo.params:
            assert param.label, (demo.name, param.name)
            assert "_" not in param.label
            assert param.label != param.name.replace("_", " "), (demo.name, param.name)


def test_the_form_shows_the_labels_not_the_parameter_names(client):
    page = client.get("/demos/range_precision/").content.decode()
    assert ">Smallest power of two (2^n)</label>" in page
    assert "min exp2" not in page and "points per octave" not in page
    page = client.get("/demos/matmul_throughput/").content.decode()
    assert "max_size" not in re.sub(r'(name|id|for|aria-describedby)="[^"]*"', "", page)


# --- times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 minute ago"),
        (150, "2 minutes ago"),
        (3600, "1 hour ago"),
        (5 * 3600 + 59, "5 hours ago"),
    ],
)
def test_recent_times_read_as_words(seconds, said):
    assert ago(NOW - timedelta(seconds=seconds), now=NOW) == said


def test_a_time_a_day_or_more_ago_is_shown_in_the_users_time_zone():
    then = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        assert ago(then, now=NOW) == "on 10 Mar 2026 at 09:30 CET"
    assert ago(NOW + timedelta(seconds=5), now=NOW) == "just now"  # clock skew


def test_a_run_that_just_finished_says_just_now(learner_client, learner):
    run = _run(learner, status="succeeded", progress=1.0, result={"summary": []})
    DemoRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    page = learner_client.get(f"/demos/runs/{run.pk}/").content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Finished just now." in text
    assert "0 minutes" not in text
    assert re.search(
        r'<time datetime="2\d{3}-[^"]+" title="[^"]+">just now</time>', page
    )


# --- the sidebar follows the run -----------------------------------------------------


def test_the_polled_panel_brings_the_sidebar_up_to_date(learner_client, learner):
    run = _run(learner)
    page = learner_client.get(f"/demos/runs/{run.pk}/").content.decode()
    sidebar = page[page.index('id="recent-runs"') :]
    assert "Running" in sidebar[: sidebar.index("</ul>")]
    DemoRun.objects.filter(pk=run.pk).update(
        status="succeeded", progress=1.0, result={"summary": []}
    )
    panel = learner_client.get(f"/demos/runs/{run.pk}/panel/").content.decode()
    assert panel.lstrip().startswith("<section")
    oob = panel[panel.index('id="recent-runs"') :]
    assert oob.startswith('id="recent-runs" hx-swap-oob="true"')
    listed = oob[: oob.index("</ul>")]
    assert "Succeeded" in listed and "Running" not in listed
    assert 'aria-current="page"' in listed
    # The live region stays the page's: nothing in the response announces.
    assert "aria-live" not in panel and "role=" not in panel


def test_the_shared_panel_does_not_touch_the_viewers_sidebar(client, learner):
    run = _run(learner, share_token="5f0c4c4e-4a4b-4f7e-9a56-2b8e1f5a7c11")
    panel = client.get(f"/demos/shared/{run.share_token}/panel/").content.decode()
    assert "hx-swap-oob" not in panel
