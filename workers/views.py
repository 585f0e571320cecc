"""Pages of the precision demos.

``/demos/`` lists them; ``/demos/<name>/`` has the parameter form (generated
from the demo's schema, bounds shown); posting it (signed in) starts a run
and redirects to ``/demos/runs/<id>/``, the same page with the run's panel,
which htmx polls every second until the run is done (without JavaScript the
page says to reload). Results are drawn as server-side SVG with their numbers
below; ``/demos/runs/<id>.json`` and ``.csv`` download them.

A run is its owner's (and staff's): anyone else gets a 404 by id. The owner
may share it (``POST /demos/runs/<id>/share/``) by an unguessable link,
``/demos/shared/<token>/`` (and its ``panel/``, ``.json``, ``.csv``), which
anyone holding it may open, signed in or not, until the owner stops sharing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from studysite import errors, permissions
from studysite.api_errors import status_of
from workers import services
from workers.apis import DemoRunThrottle
from workers.demos import Demo, Param, UnknownDemoError, get_demo
from workers.exports import result_csv
from workers.models import DemoRun
from workers.selectors import demo_list as select_demos
from workers.selectors import (
    demo_run_get,
    demo_run_get_shared,
    demo_runs_recent,
    lesson_links,
    lesson_url,
)
from workers.services import demo_run_request
from workers.templatetags.demo_tags import ago


def _fmt_bound(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _help(param: Param) -> str:
    parts = [param.help]
    if param.min is not None and param.max is not None:
        parts.append(f"From {_fmt_bound(param.min)} to {_fmt_bound(param.max)}.")
    default = param.default
    if isinstance(default, tuple | list):
        default = ", ".join(default)
    elif isinstance(default, bool):
        default = "on" if default else "off"
    parts.append(f"Default: {default}.")
    return " ".join(parts)


def _field(param: Param) -> forms.Field:
    common: dict[str, Any] = {
        "label": param.display_label,
        "help_text": _help(param),
        "required": False,
    }
    bounds = {
        k: _fmt_bound(v)
        for k, v in (("min", param.min), ("max", param.max))
        if v is not None
    }
    if param.type == "int":
        return forms.IntegerField(
            widget=forms.NumberInput(attrs={**bounds, "step": "1"}), **common
        )
    if param.type == "float":
        return forms.FloatField(
            widget=forms.NumberInput(attrs={**bounds, "step": "any"}), **common
        )
    if param.type == "choice":
        return forms.ChoiceField(choices=[(c, c) for c in param.choices], **common)
    if param.type == "multichoice":
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in param.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.BooleanField(**common)


class DemoParamsForm(forms.Form):
    """The demo's parameters as form fields; the demo itself validates."""

    def __init__(self, demo: Demo, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.demo = demo
        for param in demo.params:
            self.fields[param.name] = _field(param)
        self.fields["fresh"] = forms.BooleanField(
            required=False,
            label="Run again even if an identical recent result exists",
        )

    def demo_params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for param in self.demo.params:
            value = self.cleaned_data.get(param.name)
            if param.type in ("int", "float", "choice") and value in (None, ""):
                continue
            if param.type == "multichoice":
                value = list(value or [])
            out[param.name] = value
        return out


def _initial(demo: Demo, params: dict[str, Any] | None = None) -> dict[str, Any]:
    initial = {p.name: p.default for p in demo.params}
    initial.update(params or {})
    return {k: list(v) if isinstance(v, tuple) else v for k, v in initial.items()}


def _demo_or_404(name: str) -> Demo:
    try:
        return get_demo(name)
    except UnknownDemoError as exc:
        raise Http404(str(exc)) from None


def _run_or_404(request: HttpRequest, run_id: int) -> DemoRun:
    try:
        run = demo_run_get(run_id=run_id, user=request.user)
    except DemoRun.DoesNotExist:
        raise Http404("No demo run with this id.") from None
    return services.demo_run_expire_stale(run=run)


def _shared_or_404(token: uuid.UUID) -> DemoRun:
    try:
        run = demo_run_get_shared(token=token)
    except DemoRun.DoesNotExist:
        raise Http404("No demo run is shared by this link.") from None
    return services.demo_run_expire_stale(run=run)


def _links(run: DemoRun, *, shared: bool) -> dict[str, str]:
    """Where the run panel polls and downloads: by id, or by its share link."""
    if shared:
        token = run.share_token
        return {
            "page": reverse("workers:demo-shared", args=[token]),
            "panel": reverse("workers:demo-shared-panel", args=[token]),
            "json": reverse("workers:demo-shared-json", args=[token]),
            "csv": reverse("workers:demo-shared-csv", args=[token]),
        }
    return {
        "page": reverse("workers:demo-run", args=[run.pk]),
        "panel": reverse("workers:demo-run-panel", args=[run.pk]),
        "json": reverse("workers:demo-run-json", args=[run.pk]),
        "csv": reverse("workers:demo-run-csv", args=[run.pk]),
    }


def _panel_context(
    request: HttpRequest, run: DemoRun, *, shared: bool
) -> dict[str, Any]:
    share_url = ""
    if run.share_token is not None and not shared:
        share_url = request.build_absolute_uri(
            reverse("workers:demo-shared", args=[run.share_token])
        )
    return {
        "run": run,
        "shared": shared,
        "links": _links(run, shared=shared),
        "chart_key": "shared" if shared else run.pk,
        "can_share": not shared and permissions.demo_run_sharable(request.user, run),
        "share_url": share_url,
    }


@require_GET
def demo_list(request: HttpRequest) -> HttpResponse:
    demos = select_demos()
    links = lesson_links(demos)
    demos = [
        {"demo": d, "lesson_url": lesson_url(d), "lesson": links[d.name]} for d in demos
    ]
    return render(request, "workers/demo_list.html", {"demos": demos})


def _page(
    request: HttpRequest,
    demo: Demo,
    form: DemoParamsForm,
    run: DemoRun | None,
    *,
    status: int = 200,
    error: str = "",
    shared: bool = False,
) -> HttpResponse:
    context = {
        "demo": demo,
        "lesson_url": lesson_url(demo),
        "lesson": lesson_links([demo])[demo.name],
        "form": form,
        "run": run,
        "error": error,
        "recent": demo_runs_recent(demo_name=demo.name, user=request.user),
        **(_panel_context(request, run, shared=shared) if run is not None else {}),
    }
    return render(request, "workers/demo_detail.html", context, status=status)


def _apply_errors(form: DemoParamsForm, exc: errors.Invalid) -> None:
    for key, msgs in exc.fields.items():
        name = str(key).removeprefix("params.")
        form.add_error(name if name in form.fields else None, " ".join(msgs))


@require_http_methods(["GET", "POST"])
def demo_detail(request: HttpRequest, name: str) -> HttpResponse:
    demo = _demo_or_404(name)
    if request.method == "GET":
        return _page(request, demo, DemoParamsForm(demo, initial=_initial(demo)), None)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = DemoParamsForm(demo, request.POST)
    if not form.is_valid():
        return _page(request, demo, form, None, status=400)
    if not DemoRunThrottle().allow_request(request, None):  # type: ignore[arg-type]
        return _page(
            request,
            demo,
            form,
            None,
            status=429,
            error="You have started many runs in the last minute; wait a little.",
        )
    try:
        run, reused = demo_run_request(
            demo_name=demo.name,
            params=form.demo_params(),
            user=request.user,
            fresh=form.cleaned_data.get("fresh", False),
        )
    except errors.Invalid as exc:
        _apply_errors(form, exc)
        return _page(request, demo, form, None, status=400)
    except errors.DomainError as exc:  # Unavailable (503), TooManyRunsInFlight (429)
        return _page(
            request, demo, form, None, status=status_of(exc), error=exc.message
        )
    if reused:
        when = ago(run.finished_at) if run.finished_at else "a moment ago"
        messages.info(
            request,
            f"The same demo with the same parameters ran {when} on this kind of "
            "device; here is that result. Tick “Run again” for a fresh run.",
        )
    return redirect("workers:demo-run", run_id=run.pk)


@require_GET
def demo_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request, run_id)
    demo = _demo_or_404(run.demo)
    form = DemoParamsForm(demo, initial=_initial(demo, run.params))
    return _page(request, demo, form, run)


@require_GET
def demo_run_panel(request: HttpRequest, run_id: int) -> HttpResponse:
    """The polled panel, and the sidebar's recent runs swapped out of band.

    The sidebar is outside the panel and rendered with the page: without
    the out-of-band copy it would say "Running" after the run finished.
    """
    run = _run_or_404(request, run_id)
    context = {
        **_panel_context(request, run, shared=False),
        "recent": demo_runs_recent(demo_name=run.demo, user=request.user),
    }
    return render(request, "workers/_run_panel_poll.html", context)


@require_POST
def demo_run_share(request: HttpRequest, run_id: int) -> HttpResponse:
    """The owner turns the run's share link on (``action=share``) or off."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("workers:demo-run", args=[run_id]))
    run = _run_or_404(request, run_id)
    if request.POST.get("action") == "unshare":
        services.demo_run_unshare(run=run, user=request.user)
        messages.info(request, "The run is no longer shared; its link stopped working.")
    else:
        services.demo_run_share(run=run, user=request.user)
        messages.info(request, "Anyone with the link below can now see this run.")
    return redirect("workers:demo-run", run_id=run.pk)


@require_GET
def demo_shared(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    run = _shared_or_404(token)
    demo = _demo_or_404(run.demo)
    form = DemoParamsForm(demo, initial=_initial(demo, run.params))
    return _page(request, demo, form, run, shared=True)


@require_GET
def demo_shared_panel(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    run = _shared_or_404(token)
    return render(
        request, "workers/_run_panel.html", _panel_context(request, run, shared=True)
    )


def _result_or_404(run: DemoRun) -> dict[str, Any]:
    if run.status != DemoRun.Status.SUCCEEDED or not run.result:
        raise Http404("This run has no result (yet).")
    return run.result


def _download(run: DemoRun, fmt: str, *, name: str) -> HttpResponse:
    result = _result_or_404(run)
    if fmt == "json":
        body = json.dumps(result, allow_nan=False, indent=2)
        response = HttpResponse(body, content_type="application/json")
    else:
        response = HttpResponse(
            result_csv(result), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
def demo_run_json(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request, run_id)
    return _download(run, "json", name=f"{run.demo}-run-{run.pk}")


@require_GET
def demo_run_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request, run_id)
    return _download(run, "csv", name=f"{run.demo}-run-{run.pk}")


@require_GET
def demo_shared_json(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    run = _shared_or_404(token)
    return _download(run, "json", name=f"{run.demo}-shared-run")


@require_GET
def demo_shared_csv(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    run = _shared_or_404(token)
    return _download(run, "csv", name=f"{run.demo}-shared-run")
