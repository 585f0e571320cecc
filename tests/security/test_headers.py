"""Security headers: the Content-Security-Policy on every page, templates with
no inline script for it to block, the violation report endpoint, and cookies."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from studysite.middleware import ContentSecurityPolicyMiddleware
from tests.factories import PASSWORD
from tests.lessons.quiz_factories import QuizFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ("studysite", "lessons", "flashcards", "workers")
LESSON = "why-precision-matters"


def policy(response: HttpResponse) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response: HttpResponse) -> None:
    directives = policy(response)
    scripts = directives["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert resolve(directives["report-uri"][0]).view_name == "csp-report"


# ---------------------------------------------------------------- the policy

LEARNER_PAGES = [
    "/",
    "/lessons/",
    f"/lessons/{LESSON}/",
    "/study/",
    "/decks/",
    "/practice/",
    "/classes/",
    "/progress/",
    "/demos/",
    "/accounts/preferences/",
]


@pytest.fixture
def lessons(db):
    call_command("load_lessons", stdout=io.StringIO())


@pytest.mark.django_db
def test_every_main_page_carries_a_policy_without_inline_script(
    client, learner, lessons
):
    client.force_login(learner)
    for path in LEARNER_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/html"), path
        assert_strict(response)
        assert policy(response)["script-src"] == ["'self'"], path


@pytest.mark.django_db
def test_the_login_and_signup_pages_carry_the_policy(client):
    for path in (reverse("login"), reverse("signup")):
        response = client.get(path)
        assert response.status_code == 200
        assert_strict(response)


@pytest.mark.django_db
def test_quiz_pages_carry_the_policy_and_load_their_scripts_from_files(
    client, learner, teacher
):
    quiz = QuizFactory(teacher=teacher)
    client.force_login(teacher)
    detail = client.get(reverse("quizzes:teacher-detail", args=[quiz.pk]))
    assert detail.status_code == 200
    assert_strict(detail)
    assert "quizzes/job-progress.js" in detail.content.decode()

    client.force_login(learner)
    start = client.post(
        reverse("quizzes:practice"), {"templates": ["training-memory-fp32"], "count": 1}
    )
    take = client.get(start["Location"])
    assert take.status_code == 200
    assert_strict(take)
    html = take.content.decode()
    assert "quizzes/take.js" in html
    assert (
        'data-confirm="Submit your answers? You cannot change them afterwards."' in html
    )


@pytest.mark.django_db
def test_error_pages_and_api_responses_carry_the_policy_too(client, learner):
    assert_strict(client.get("/no-such-page/"))
    client.force_login(learner)
    assert_strict(client.get("/api/v1/auth/me/"))


def test_a_response_with_its_own_policy_keeps_it():
    own = "default-src 'none'; sandbox"

    def view(request):
        response = HttpResponse(b"<svg/>", content_type="image/svg+xml")
        response["Content-Security-Policy"] = own
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/m"))
    assert response["Content-Security-Policy"] == own


@pytest.mark.django_db
def test_the_api_docs_run_no_inline_script(client, learner):
    """Swagger UI's start-up code is a separate script (the split view)."""
    client.force_login(learner)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert_strict(response)
    assert policy(response)["script-src"] == ["'self'"]
    assert not re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    (init,) = re.findall(r'<script src="([^"]*\?script=?)"', response.text)
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


# ------------------------------------------------------------- the templates

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-zA-Z][^<>]*?\s(on[a-z]+)\s*=", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
HTMX_EVAL = re.compile(r"""\shx-on\b|\shx-on:|=\s*["']\s*js:""", re.IGNORECASE)
DATA_SCRIPT = re.compile(r"""\btype\s*=\s*["']application/(ld\+)?json["']""")


def _templates() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for folder in (ROOT / app).rglob("templates")
        for path in folder.rglob("*.html")
    )


def inline_code(html: str) -> list[str]:
    """What the policy would block in one template: inline scripts and handlers."""
    found = [
        f"<script{attrs}>"
        for attrs in SCRIPT_TAG.findall(html)
        if not re.search(r"\bsrc\s*=", attrs) and not DATA_SCRIPT.search(attrs)
    ]
    found += [f"{name}=" for name in HANDLER.findall(html)]
    found += ["javascript: URL" for _ in JS_URL.findall(html)]
    found += ["htmx code (hx-on, js:)" for _ in HTMX_EVAL.findall(html)]
    return found


def test_the_template_scan_spots_inline_code():
    assert inline_code("<script>alert(1)</script>") == ["<script>"]
    assert inline_code('<button class="x"\n  onclick="go()">') == ["onclick="]
    assert inline_code('<a href="javascript:go()">') == ["javascript: URL"]
    assert inline_code('<div hx-on:click="go()">') == ["htmx code (hx-on, js:)"]
    assert inline_code('<div hx-vals="js:{a: go()}">') == ["htmx code (hx-on, js:)"]
    clean = (
        '<script src="/static/a.js" defer></script>'
        '<script type="application/json" id="data">{}</script>'
        '<form action="/x" novalidate><button data-confirm="Sure?">Go</button></form>'
        "<p>Click on=the button</p>"
    )
    assert inline_code(clean) == []


def test_no_template_holds_an_inline_script_or_event_handler():
    templates = _templates()
    assert len(templates) > 30
    found = {
        str(path.relative_to(ROOT)): code
        for path in templates
        if (code := inline_code(path.read_text()))
    }
    assert found == {}


# -------------------------------------------------------- the report endpoint

REPORT = {
    "csp-report": {
        "document-uri": "http://testserver/study/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'",
        "blocked-uri": "inline",
        "status-code": 200,
    }
}
URL = "/csp-report/"


def post(client: Client, body: bytes | str, content_type="application/csp-report"):
    return client.generic("POST", URL, body, content_type=content_type)


def test_the_policy_reports_to_the_report_route():
    assert resolve(URL).view_name == "csp-report"
    assert reverse("csp-report") == URL


@pytest.mark.django_db
def test_a_report_is_logged_once_and_answered_with_204(caplog):
    client = Client(enforce_csrf_checks=True)  # browsers send no CSRF token
    with caplog.at_level(logging.WARNING, logger="studysite.csp"):
        response = post(client, json.dumps(REPORT))
    assert response.status_code == 204
    assert response.content == b""
    records = [r for r in caplog.records if r.name == "studysite.csp"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    message = records[0].getMessage()
    assert "script-src-elem" in message and "inline" in message
    assert "http://testserver/study/" in message


@pytest.mark.django_db
def test_a_reporting_api_batch_logs_one_warning_per_violation(caplog):
    batch = [
        {
            "type": "csp-violation",
            "url": "http://testserver/",
            "body": {
                "documentURL": "http://testserver/",
                "effectiveDirective": directive,
                "blockedURL": blocked,
            },
        }
        for directive, blocked in (
            ("img-src", "https://cdn.example/x.png"),
            ("script-src-attr", "inline"),
        )
    ]
    with caplog.at_level(logging.WARNING, logger="studysite.csp"):
        response = post(Client(), json.dumps(batch), "application/reports+json")
    assert response.status_code == 204
    messages = [r.getMessage() for r in caplog.records if r.name == "studysite.csp"]
    assert len(messages) == 2
    assert "img-src" in messages[0] and "https://cdn.example/x.png" in messages[0]
    assert "script-src-attr" in messages[1]


@pytest.mark.django_db
def test_a_reported_value_is_logged_on_one_short_line(caplog):
    report = {
        "csp-report": {
            "violated-directive": "img-src",
            "blocked-uri": "https://x.example/\nFAKE LOG LINE" + "a" * 5000,
        }
    }
    with caplog.at_level(logging.WARNING, logger="studysite.csp"):
        assert post(Client(), json.dumps(report)).status_code == 204
    (message,) = [r.getMessage() for r in caplog.records if r.name == "studysite.csp"]
    assert "\n" not in message and len(message) < 1000


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"{",
        b"[" * 5000 + b"]" * 5000,
        b"null",
        b'"csp-report"',
        b"{}",
        b'{"csp-report": "script-src"}',
        b'{"csp-report": {}}',
        b'{"csp-report": {"violated-directive": 5}}',
        b"[]",
        b"[1, 2]",
        b'[{"type": "deprecation", "body": {}}]',
        b'[{"type": "csp-violation", "body": []}]',
    ],
)
def test_a_malformed_report_is_a_400(body, caplog):
    with caplog.at_level(logging.WARNING, logger="studysite.csp"):
        response = post(Client(), body)
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.name == "studysite.csp"]


@pytest.mark.django_db
def test_an_oversized_report_is_a_400_and_is_not_read(settings, caplog):
    settings.CSP_REPORT_MAX_BYTES = 1024
    report = {"csp-report": {**REPORT["csp-report"], "padding": "x" * 2000}}
    with caplog.at_level(logging.WARNING, logger="studysite.csp"):
        response = post(Client(), json.dumps(report))
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.name == "studysite.csp"]


@pytest.mark.django_db
def test_too_many_reports_in_one_body_is_a_400():
    entry = {"type": "csp-violation", "body": {"effectiveDirective": "img-src"}}
    response = post(Client(), json.dumps([entry] * 21), "application/reports+json")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_the_report_endpoint_takes_only_post(method):
    response = Client().generic(method, URL)
    assert response.status_code == 405


# ------------------------------------------------------------------ cookies


@pytest.mark.django_db
def test_signing_in_sets_httponly_samesite_lax_session_and_csrf_cookies(learner):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"
    response = client.post(
        reverse("login"),
        {
            "username": learner.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf.value,
        },
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert response.cookies["csrftoken"]["samesite"] == "Lax"  # rotated on login


@pytest.mark.django_db
def test_past_the_rate_an_address_gets_429_and_nothing_is_logged(settings, caplog):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "csp_report": "3/min"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    client = Client()
    with caplog.at_level(logging.WARNING, logger="studysite.csp"):
        codes = [post(client, json.dumps(REPORT)).status_code for _ in range(5)]
    assert codes == [204, 204, 204, 429, 429]
    assert len([r for r in caplog.records if r.name == "studysite.csp"]) == 3
    other = post(Client(REMOTE_ADDR="10.9.8.7"), json.dumps(REPORT))
    assert other.status_code == 204  # another address has its own share
