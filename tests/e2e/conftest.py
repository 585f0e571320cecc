"""Browser tests: Playwright driving Debian's chromium against the live server.

Chromium comes from the system (`apt-get install chromium`, done by .ci/run);
Playwright never downloads a browser. Each test saves screenshots of its steps
under tests/e2e/screenshots/<test name>/. Requests to any host other than the
live server fail the test: the site must not reach the internet. So does any
Content-Security-Policy violation (the live server runs the real middleware) and
any page that arrives without a strict policy.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.e2e import axe

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Runs in every document before its own scripts: each CSP violation is handed to
# the test (through the exposed binding, so it survives navigations).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : "";
  window.__cspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || "?"} on ${e.documentURI}${where}`
  );
});
"""


class CspWatch:
    """CSP violations in one browser context, and pages sent without a policy."""

    def __init__(self, context: object) -> None:
        self.violations: list[str] = []
        self.console: list[str] = []
        self.unprotected: list[str] = []
        context.expose_binding(
            "__cspViolation", lambda source, text: self.violations.append(text)
        )
        context.add_init_script(CSP_LISTENER)
        context.on("page", self.watch)

    def watch(self, page: object) -> None:
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def _response(self, response) -> None:
        if response.request.resource_type != "document" or 300 <= response.status < 400:
            return
        header = response.headers.get("content-security-policy", "")
        if header.startswith("default-src 'none'"):  # stricter still (media)
            return
        scripts = next(
            (d for d in header.split(";") if d.split()[:1] == ["script-src"]), ""
        )
        if (
            "frame-ancestors 'none'" not in header
            or not scripts
            or "'unsafe-inline'" in scripts
            or "'unsafe-eval'" in scripts
        ):
            self.unprotected.append(f"{response.url}: {header or 'no policy'}")

    def flush(self, context: object) -> None:
        """Take in what the pages reported so far (one round trip to each)."""
        for page in context.pages:
            # A closed or crashed page has nothing more to report.
            with contextlib.suppress(Exception):
                page.evaluate("0")

    def check(self) -> None:
        assert self.violations == [], f"CSP violations: {self.violations}"
        assert self.console == [], f"CSP errors in the console: {self.console}"
        assert self.unprotected == [], f"pages without a strict CSP: {self.unprotected}"


# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of one test's steps, each step checked by axe."""

    def __init__(self, page: object, name: str) -> None:
        self.page = page
        self.name = name
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, step: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^\w.-]+", "-", step)
        path = self.folder / f"{self.count:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        axe.check(self.page, f"{self.name}: {step}")
        return path


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep what axe counted per page state, per impact, beside the screenshots."""
    if axe.RESULTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        out = SCREENSHOTS / "axe-results.json"
        out.write_text(json.dumps(axe.RESULTS, indent=2, sort_keys=True) + "\n")


def guarded_page(browser, live_server, request, **options) -> Iterator[object]:
    """A page in a new browser context (``options`` go to ``new_context``: a time
    zone, a locale, no script) held to the suite's rules: no other host, no
    script error, no CSP breach. Fixtures ``yield from`` it."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    csp = CspWatch(context)
    page = context.new_page()
    local = urlparse(live_server.url).netloc
    outside: list[str] = []
    errors: list[str] = []

    def guard(route, req) -> None:
        host = urlparse(req.url).netloc
        if req.url.startswith(("data:", "blob:")) or host == local:
            route.continue_()
        else:
            outside.append(req.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    page.shots = Shots(page, request.node.name)
    yield page
    csp.flush(context)
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
    csp.check()


@pytest.fixture
def page(browser, live_server, request) -> Iterator[object]:
    yield from guarded_page(browser, live_server, request)


@pytest.fixture
def phone_page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True
    )
    csp = CspWatch(context)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    csp.flush(context)
    context.close()
    csp.check()


def login(page, username: str, password: str) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def basic_deck(owner, count: int = 3, title: str = "Formats"):
    """A deck of ``count`` basic cards, "Card n: how many bits?"."""
    from flashcards import services as cards

    deck = cards.deck_create(owner=owner, title=title)
    for n in range(count):
        cards.note_create(
            deck=deck,
            type="basic",
            fields={"front": f"Card {n}: how many bits?", "back": f"Answer {n} bits"},
        )
    return deck
