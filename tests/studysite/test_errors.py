"""The domain errors (`studysite.errors`): the API answers each with the one
error body and its status, a form shows an `Invalid` on its fields, and a page
that lets `NotFound` escape is a 404."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django import forms
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from studysite import errors
from studysite.api_errors import exception_handler

ROOT = Path(__file__).resolve().parents[2]


def _body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "fields": fields or {},
        }
    }


CASES = [
    (
        errors.Invalid({"rating": "Must be 1-4.", "tags": ["Too long.", "Empty."]}),
        400,
        _body(
            400,
            "invalid",
            "rating: Must be 1-4.; tags: Too long. Empty.",
            {"rating": ["Must be 1-4."], "tags": ["Too long.", "Empty."]},
        ),
    ),
    (
        errors.Invalid("Nothing to do."),
        400,
        _body(
            400,
            "invalid",
            "non_field_errors: Nothing to do.",
            {"non_field_errors": ["Nothing to do."]},
        ),
    ),
    (
        errors.Invalid({"history": "Too few reviews."}, code="not_enough_history"),
        400,
        _body(
            400,
            "not_enough_history",
            "history: Too few reviews.",
            {"history": ["Too few reviews."]},
        ),
    ),
    (errors.NotFound("No such deck."), 404, _body(404, "not_found", "No such deck.")),
    (errors.NotFound(), 404, _body(404, "not_found", "Not found.")),
    (
        errors.Forbidden("Only the deck's owner may change it."),
        403,
        _body(403, "permission_denied", "Only the deck's owner may change it."),
    ),
    (
        errors.Conflict(),
        409,
        _body(
            409,
            "conflict",
            "The resource changed at the same time; reload and try again.",
        ),
    ),
    (
        errors.Unavailable("The import queue is unavailable."),
        503,
        _body(503, "unavailable", "The import queue is unavailable."),
    ),
]


@pytest.mark.parametrize(("error", "status", "body"), CASES)
def test_the_handler_answers_each_domain_error_with_its_status_and_body(
    error, status, body
):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert response.data == body


class _Raises(APIView):
    """A tiny API view that lets the error it is given escape."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    error: errors.DomainError = errors.NotFound()

    def get(self, request: Request) -> Response:
        raise self.error


@pytest.mark.parametrize(("error", "status", "body"), CASES)
def test_an_api_view_that_raises_a_domain_error_answers_with_the_error_body(
    error, status, body
):
    view = _Raises.as_view(error=error)
    response = view(APIRequestFactory().get("/api/v1/anything/"))
    assert response.status_code == status
    assert response.data == body


class _Form(forms.Form):
    title = forms.CharField()
    front = forms.CharField()


def test_add_to_form_puts_known_fields_on_the_field_and_the_rest_on_top():
    form = _Form(data={"title": "t", "front": "f"})
    assert form.is_valid()
    errors.add_to_form(
        form,
        errors.Invalid(
            {"title": "Too long.", "options.x": "Unknown.", "non_field_errors": "No."}
        ),
    )
    assert form.errors["title"] == ["Too long."]
    assert form.non_field_errors() == ["Unknown.", "No."]
    assert "front" not in form.errors


def test_add_to_form_takes_a_prefix_off_the_names_first():
    form = _Form(data={"title": "t", "front": "f"})
    assert form.is_valid()
    errors.add_to_form(
        form, errors.Invalid({"fields.front": "Required."}), prefix="fields."
    )
    assert form.errors["front"] == ["Required."]
    assert form.non_field_errors() == []


# --- pages ---------------------------------------------------------------------


def _raising(error: errors.DomainError):
    def view(request: HttpRequest) -> HttpResponse:
        raise error

    return view


urlpatterns = [
    path("missing/", _raising(errors.NotFound("No such deck."))),
    path("refused/", _raising(errors.Forbidden("Not yours."))),
    path("conflict/", _raising(errors.Conflict("Changed meanwhile."))),
    path("", include("studysite.urls")),  # the site's pages, for the layout
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_page_that_lets_not_found_escape_is_a_404(client):
    assert client.get("/missing/").status_code == 404


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_page_that_lets_forbidden_escape_is_a_403(client):
    assert client.get("/refused/").status_code == 403


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_page_that_lets_a_conflict_escape_says_it_with_a_409(client):
    response = client.get("/conflict/")
    assert response.status_code == 409
    assert "Changed meanwhile." in response.content.decode()


# --- services and selectors know nothing of HTTP ---------------------------------


def _service_modules() -> list[Path]:
    """Every services*/selectors* module of the apps, and every module of a
    services or selectors package (a split module keeps the rule)."""
    found: set[Path] = set()
    for app in ("studysite", "flashcards", "lessons", "workers"):
        for pattern in ("services*.py", "selectors*.py"):
            found.update((ROOT / app).rglob(pattern))
        for package in ("services", "selectors"):
            for folder in (ROOT / app).rglob(package):
                if folder.is_dir():
                    found.update(folder.rglob("*.py"))
    return sorted(p for p in found if "migrations" not in p.parts)


def _http_in(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        problems += [
            f"imports {n}" for n in names if n.split(".")[0] == "rest_framework"
        ]
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = getattr(raised, "id", None) or getattr(raised, "attr", None)
            if name == "Http404":
                problems.append(f"raises Http404 (line {node.lineno})")
    return problems


def test_the_scan_finds_the_service_and_selector_modules():
    names = {p.relative_to(ROOT).as_posix() for p in _service_modules()}
    assert "studysite/services.py" in names
    assert "flashcards/services/reviews.py" in names
    assert "lessons/progress/selectors/mastery.py" in names


def test_no_service_or_selector_imports_rest_framework_or_raises_http404():
    """They raise `studysite.errors`; the API and the pages say it in HTTP."""
    found = {
        path.relative_to(ROOT).as_posix(): problems
        for path in _service_modules()
        if (problems := _http_in(path.read_text()))
    }
    assert found == {}
