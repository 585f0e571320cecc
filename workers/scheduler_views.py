"""The learner's scheduler settings page, ``/settings/scheduler/``.

Shows the parameters in use and their source, "Optimize now" (a fit as a
Celery task, with a progress bar htmx polls), the last fits with both
held-out figures and what changed, the history still needed when there is
too little, "Reschedule my cards", and the simulator ("help me decide") with
charts and a table. Every action is a plain form POST that redirects back,
so the page works without JavaScript (reload to see progress).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from flashcards import fitting
from studysite import errors
from workers import scheduler_services as services
from workers import selectors
from workers import simulation_services as simulations
from workers.simulation_services import DEFAULT_RETENTIONS, SIMULATION_LIMITS


class SimulationForm(forms.Form):
    desired_retentions = forms.CharField(
        label="Desired retentions to compare",
        help_text="Comma-separated, each from 0.70 to 0.99 (at most 10).",
        initial=", ".join(f"{value:g}" for value in DEFAULT_RETENTIONS),
    )
    deck_size = forms.IntegerField(
        label="Cards",
        min_value=SIMULATION_LIMITS["deck_size"][0],
        max_value=SIMULATION_LIMITS["deck_size"][1],
        initial=SIMULATION_LIMITS["deck_size"][2],
    )
    learn_per_day = forms.IntegerField(
        label="New cards per day",
        min_value=SIMULATION_LIMITS["learn_per_day"][0],
        max_value=SIMULATION_LIMITS["learn_per_day"][1],
        initial=SIMULATION_LIMITS["learn_per_day"][2],
    )
    days = forms.IntegerField(
        label="Days to simulate",
        min_value=SIMULATION_LIMITS["days"][0],
        max_value=SIMULATION_LIMITS["days"][1],
        initial=SIMULATION_LIMITS["days"][2],
    )
    seconds_per_review = forms.FloatField(
        label="Seconds per review",
        required=False,
        min_value=1,
        max_value=600,
        help_text="Empty: your own mean answer time (or FSRS's typical costs).",
    )

    def clean_desired_retentions(self) -> list[float]:
        text = self.cleaned_data["desired_retentions"]
        try:
            return [float(part) for part in text.replace(";", ",").split(",") if part]
        except ValueError:
            raise forms.ValidationError("Give numbers such as 0.85, 0.9.") from None

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


def _page_url() -> str:
    return reverse("workers:scheduler")


def _context(request: HttpRequest, form: SimulationForm | None = None) -> dict:
    learner = request.user
    current = selectors.learner_parameters_current(learner=learner)
    counts = selectors.history_counts(learner=learner)
    fits = selectors.scheduler_fits_recent(learner=learner)
    simulation = selectors.scheduler_simulation_latest(learner=learner)
    rows = [
        {"index": i, "name": name, "default": default, "current": value}
        for i, (name, default, value) in enumerate(
            zip(
                fitting.PARAMETER_NAMES,
                fitting.DEFAULT_PARAMETERS,
                current.parameters,
                strict=True,
            )
        )
    ]
    return {
        "current": current,
        "parameter_rows": rows,
        "counts": counts,
        "fits": fits,
        "fit": fits[0] if fits else None,
        **_simulation_context(simulation),
        "form": form or SimulationForm(),
    }


@login_required
@require_GET
def scheduler(request: HttpRequest) -> HttpResponse:
    return render(request, "workers/scheduler.html", _context(request))


@login_required
@require_POST
def scheduler_fit_start(request: HttpRequest) -> HttpResponse:
    try:
        fit, created = services.scheduler_fit_request(
            learner=request.user, reschedule=request.POST.get("reschedule") == "on"
        )
    except errors.DomainError as exc:  # 409 too little history, 503 broker down
        messages.error(request, exc.message)
        return redirect("workers:scheduler")
    if not created:
        messages.info(request, "An optimization is already running; here it is.")
    return redirect(f"{_page_url()}#fit")


@login_required
@require_GET
def scheduler_fit_panel(request: HttpRequest, fit_id: int) -> HttpResponse:
    fit = selectors.scheduler_fit_get(learner=request.user, fit_id=fit_id)
    fit = services.scheduler_fit_expire_stale(fit=fit)
    return render(request, "workers/_fit_panel.html", {"fit": fit})


@login_required
@require_POST
def scheduler_reschedule(request: HttpRequest) -> HttpResponse:
    count = services.memories_reschedule(learner=request.user)
    messages.success(
        request,
        f"Due dates of {count} review cards were recomputed with your "
        "current parameters and each deck's desired retention.",
    )
    return redirect("workers:scheduler")


@login_required
@require_POST
def scheduler_simulate(request: HttpRequest) -> HttpResponse:
    form = SimulationForm(request.POST)
    if form.is_valid():
        try:
            simulations.scheduler_simulation_request(
                learner=request.user, data=form.service_data()
            )
        except errors.Invalid as exc:
            for key, text in exc.fields.items():
                name = key if key in form.fields else None
                form.add_error(name, " ".join(text))
        except errors.DomainError as exc:
            messages.error(request, exc.message)
            return redirect("workers:scheduler")
        else:
            return redirect(f"{_page_url()}#simulation")
    return render(
        request, "workers/scheduler.html", _context(request, form), status=400
    )


@login_required
@require_GET
def scheduler_simulation_panel(
    request: HttpRequest, simulation_id: int
) -> HttpResponse:
    sim = selectors.scheduler_simulation_get(
        learner=request.user, simulation_id=simulation_id
    )
    sim = simulations.scheduler_simulation_expire_stale(sim=sim)
    return render(request, "workers/_simulation_panel.html", _simulation_context(sim))


def _simulation_context(sim: Any) -> dict[str, Any]:
    charts = selectors.simulation_charts(sim.result) if sim and sim.result else []
    return {"simulation": sim, "charts": charts}
