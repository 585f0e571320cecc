"""An import's progress is announced from one live region outside the fragment
that htmx replaces every second (see studysite/static/js/job-status.js)."""

from __future__ import annotations

import pytest

from flashcards.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(learner) -> ImportJob:
    return ImportJob.objects.create(
        owner=learner,
        kind=ImportJob.Kind.CSV,
        status=ImportJob.Status.RUNNING,
        filename="cards.csv",
        data=b"q,a\n",
        total=200,
        done=110,
    )


def test_the_import_page_has_its_live_region_outside_the_polled_status(
    client, learner, running
):
    client.force_login(learner)
    html = client.get(f"/imports/{running.pk}/").content.decode()
    live = html.index(
        '<p id="import-live" class="sr-only" role="status" aria-live="polite"'
        ' aria-atomic="true"></p>'
    )
    assert live < html.index('<div id="import-status">')
    assert 'src="/static/js/job-status.js"' in html


def test_the_status_fragment_carries_its_progress_and_no_live_region(
    client, learner, running
):
    client.force_login(learner)
    status = client.get(f"/imports/{running.pk}/status/").content.decode()
    assert 'data-job-live="import-live"' in status
    assert 'data-job-status="running"' in status
    assert 'data-job-progress="55"' in status
    assert "aria-live" not in status and "role=" not in status
    assert 'aria-label="Import progress"' in status
