"""The study page's service worker, served from under /study/ so that its
scope covers the study pages (/study/ and /study/deck/<id>/).

The worker (``flashcards/static/flashcards/study-sw.js``) keeps the study page
and the static files it uses for offline study; the cards and the answers that
wait are the page's, in IndexedDB. This view prepends its settings: the
version its cache names carry, which changes whenever the worker or one of the
files it keeps changes, so a deploy replaces the caches, and the list of those
files' URLs. ``Cache-Control: no-cache`` makes the browser ask for the worker
again on each update check, so a new one is never held back by a cache.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

WORKER = "flashcards/study-sw.js"
# What the study page loads (base.html, includes/katex.html, study.html), so a
# reload without the network finds every file.
PAGE_FILES = (
    "css/site.css",
    "js/site.js",
    "favicon.svg",
    "django_htmx/htmx-2.min.js",
    "vendor/katex/katex.min.css",
    "vendor/katex/katex.min.js",
    "vendor/katex/contrib/auto-render.min.js",
    "js/math.js",
    "flashcards/study.css",
    "flashcards/study-store.js",
    "flashcards/study-sync.js",
    "flashcards/study-batch.js",
    "flashcards/study-parts.js",
    "flashcards/study-typed.js",
    "flashcards/study-offline.js",
    "flashcards/study.js",
)
# KaTeX's fonts: browsers that run service workers all read woff2.
FONT_DIR = "vendor/katex/fonts"


def _source(name: str) -> bytes:
    path = finders.find(name)
    if not path:
        raise FileNotFoundError(name)
    return Path(path).read_bytes()


def _fonts() -> list[str]:
    folder = finders.find(FONT_DIR)
    if not folder:
        return []
    return sorted(f"{FONT_DIR}/{font.name}" for font in Path(folder).glob("*.woff2"))


@lru_cache(maxsize=1)
def worker_script() -> str:
    """The worker's source after a line of settings (built once per process)."""
    names = [*PAGE_FILES, *_fonts()]
    worker = _source(WORKER)
    digest = hashlib.sha256(worker)
    for name in names:
        digest.update(name.encode())
        digest.update(_source(name))
    settings = {
        "version": digest.hexdigest()[:12],
        "precache": [static(name) for name in names],
        "login": reverse("login"),
    }
    head = f"self.STUDY_WORKER = {json.dumps(settings, sort_keys=True)};\n"
    return head + worker.decode()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The study page's service worker (anyone may fetch it: it holds no data)."""
    response = HttpResponse(
        worker_script(), content_type="text/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("flashcards:study")
    return response
