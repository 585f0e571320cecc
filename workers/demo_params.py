"""Checks of a demo run's parameters before it is queued: values and cost.

`demo_params_clean` validates the learner's values and fills defaults;
`demo_cost_check` estimates the run's seconds from them and refuses (a 400
naming the parameters) a run over the soft time limit. `params_hash` is the
digest a recent identical result is found by.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from studysite import errors
from workers.demos import DemoParamError, get_demo, json_safe, matmul_throughput
from workers.demos._cost import Estimate, raised
from workers.selectors import GPU_DEFAULTS


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def params_hash(params: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of validated parameters."""
    canonical = json.dumps(
        json_safe(params), sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def demo_params_clean(
    *, demo_name: str, params: Mapping[str, Any] | None, device_kind: str
) -> dict[str, Any]:
    """Validate parameters for a run on ``device_kind`` and fill defaults.

    Raises:
        UnknownDemoError: For a demo that does not exist.
        errors.Invalid: With keys ``params.<name>`` (or ``params``) for bad input.
    """
    demo = get_demo(demo_name)
    if params is not None and not isinstance(params, Mapping):
        raise errors.Invalid({"params": "must be an object of parameter values"})
    given = dict(params or {})
    gpu_defaults = GPU_DEFAULTS.get(demo_name, {})
    if device_kind == "gpu" and not set(gpu_defaults) & set(given):
        given = {**gpu_defaults, **given}
    try:
        clean = demo.validate_params(given)
    except DemoParamError as exc:
        raise errors.Invalid(_field_errors(exc)) from None
    if (
        demo_name == "matmul_throughput"
        and device_kind == "cpu"
        and clean["max_size"] > matmul_throughput.CPU_MAX_SIZE
    ):
        raise errors.Invalid(
            {
                "params.max_size": (
                    f"must be at most {matmul_throughput.CPU_MAX_SIZE} on a CPU "
                    "(no GPU worker is available now)"
                )
            }
        )
    return clean


def _field_errors(exc: DemoParamError) -> dict[str, str]:
    return {
        ("params" if name == "__all__" else f"params.{name}"): message
        for name, message in exc.errors.items()
    }


def demo_cost_check(
    *, demo_name: str, params: Mapping[str, Any], backend: str
) -> Estimate:
    """The run's estimated seconds; a 400 when it is over the soft time limit.

    The estimate (`workers.demos._cost`) is multiplied by
    ``WORKERS_DEMO_COST_FACTOR`` (default 1; raise it for workers slower than
    CI's CPU) and compared with ``CELERY_TASK_SOFT_TIME_LIMIT``, the time
    after which the worker stops a run anyway.

    Raises:
        errors.Invalid: ``params.<name>`` for each parameter the cost grows with
            that was set above its default (all of them when none was), with
            the estimate and the limit.
    """
    demo = get_demo(demo_name)
    factor = float(_setting("WORKERS_DEMO_COST_FACTOR", 1.0))
    estimate = demo.estimate(params, backend=backend).scaled(factor)
    limit = float(_setting("CELERY_TASK_SOFT_TIME_LIMIT", 120))
    if estimate.seconds <= limit:
        return estimate
    names = raised(params, demo.defaults, demo.cost_params)
    where = "a GPU worker" if backend == "torch" else "a CPU worker"
    message = (
        f"with these parameters the run would take about "
        f"{_seconds(estimate.seconds)} on {where}, over the {limit:g} s limit of a "
        f"demo run; ask for less ({', '.join(names)})"
        + (f"; {estimate.hint}" if estimate.hint else "")
    )
    raise errors.Invalid({f"params.{name}": message for name in names})


def _seconds(value: float) -> str:
    if value < 3600:
        return f"{value:.0f} s"
    return f"{value / 3600:.1f} hours" if value < 86400 * 2 else "days"
