"""The study page's service worker (/study/sw.js) and what the page gives its
script for offline study and its one clock (the browser side is
tests/e2e/test_offline_study_e2e.py)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders

from flashcards import offline_views, services
from flashcards.models import CardMemory
from tests.flashcards.conftest import add_basic

pytestmark = pytest.mark.django_db

WORKER_URL = "/study/sw.js"


@pytest.fixture(autouse=True)
def _fresh_worker():
    offline_views.worker_script.cache_clear()
    yield
    offline_views.worker_script.cache_clear()


def _settings(response) -> dict:
    first = response.content.decode().split("\n", 1)[0]
    match = re.fullmatch(r"self\.STUDY_WORKER = (.*);", first)
    assert match, first
    return json.loads(match.group(1))


def test_the_worker_is_javascript_that_is_never_kept_stale(client):
    response = client.get(WORKER_URL)  # nobody signed in: it holds no data
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/study/"
    assert 'addEventListener("fetch"' in response.content.decode()


def test_the_worker_keeps_every_file_the_study_page_loads(client, learner, deck):
    add_basic(deck)
    client.force_login(learner)
    page = client.get("/study/").content.decode()
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
    kept = set(_settings(client.get(WORKER_URL))["precache"])
    assert loaded and loaded <= kept
    assert "/static/flashcards/study.js" in kept
    assert any(
        re.search(r"/vendor/katex/fonts/KaTeX_Main-Regular\.woff2$", u) for u in kept
    )


def test_the_cache_version_changes_when_a_kept_file_changes(
    client, monkeypatch, tmp_path: Path
):
    before = _settings(client.get(WORKER_URL))["version"]
    changed = tmp_path / "study.js"
    changed.write_text(Path(finders.find("flashcards/study.js")).read_text() + "\n;")
    real = finders.find

    def find(path, *args, **kwargs):
        return (
            str(changed)
            if path == "flashcards/study.js"
            else real(path, *args, **kwargs)
        )

    monkeypatch.setattr(offline_views.finders, "find", find)
    offline_views.worker_script.cache_clear()
    after = _settings(client.get(WORKER_URL))["version"]
    assert re.fullmatch(r"[0-9a-f]{12}", before) and after != before


def test_the_worker_answers_only_get(client):
    for method in ("post", "put", "delete"):
        assert getattr(client, method)(WORKER_URL).status_code == 405


def test_the_study_page_names_the_worker_the_learner_and_the_zone(
    client, learner, deck
):
    learner.time_zone = "Asia/Tokyo"
    learner.save()
    add_basic(deck)
    client.force_login(learner)
    html = client.get(f"/study/deck/{deck.pk}/").content.decode()
    assert f'data-user="{learner.pk}"' in html
    assert 'data-time-zone="Asia/Tokyo"' in html
    assert f'data-worker-url="{WORKER_URL}"' in html
    assert 'data-logout-url="/accounts/logout/"' in html
    for script in (
        "study-store",
        "study-sync",
        "study-batch",
        "study-offline",
        "study",
    ):
        assert f"/static/flashcards/{script}.js" in html
    assert 'data-role="paused"' in html


def test_nothing_due_until_is_a_time_in_the_account_zone(client, learner, deck):
    learner.time_zone = "Asia/Tokyo"
    learner.save()
    card = add_basic(deck).cards.get()
    services.card_review(
        learner=learner, card_id=card.pk, rating=1, client_review_id=uuid.uuid4()
    )
    due = CardMemory.objects.get(learner=learner, card=card).due
    local = due.astimezone(ZoneInfo("Asia/Tokyo"))
    client.force_login(learner)
    html = client.get("/study/").content.decode()
    found = re.search(r'<time datetime="([^"]+)" data-clock>([^<]+)</time>', html)
    assert found, html
    assert found.group(1) == local.isoformat()
    assert found.group(2) == f"{local:%H:%M}"  # the fallback the script rewrites


def test_the_study_page_and_its_worker_are_for_the_page_alone(client, learner):
    # Signed out: the page sends to the login page; the worker is still served
    # (it says nothing about anyone), and only at its own URL.
    assert client.get("/study/").status_code == 302
    assert client.get("/study/sw.js/").status_code == 404
    client.force_login(learner)
    assert client.get(WORKER_URL).status_code == 200
