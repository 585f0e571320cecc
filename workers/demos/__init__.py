"""Precision demos: pure functions that the Celery workers run.

Each demo module has a ``DEMO`` description, a parameter schema
(``PARAMS``), ``validate_params(params)`` and ``run(params, *, backend,
device, progress)``. Nothing here imports Django or Celery, and torch is
imported only inside the torch code paths, so importing this package is cheap
and safe in a forking worker.

Usage::

    from workers.demos import get_demo

    demo = get_demo("update_swallowing")
    result = demo.run({"steps": 500}, backend="numpy", device=None, progress=None)
"""

from __future__ import annotations

from workers.demos import (
    loss_scaling,
    matmul_throughput,
    mixed_precision_training,
    quantization,
    range_precision,
    update_swallowing,
)
from workers.demos._backend import BACKENDS, numpy_label
from workers.demos._results import json_safe
from workers.demos._schema import Demo, DemoParamError, Param

DEMOS: dict[str, Demo] = {
    m.DEMO.name: m.DEMO
    for m in (
        range_precision,
        update_swallowing,
        loss_scaling,
        quantization,
        matmul_throughput,
        mixed_precision_training,
    )
}


class UnknownDemoError(KeyError):
    """Raised by ``get_demo`` for a name that is not in ``DEMOS``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown demo"


def get_demo(name: str) -> Demo:
    """Return the demo registered under ``name``.

    Args:
        name: A demo slug, e.g. ``"quantization"``.

    Returns:
        The demo's description, schema and run function.

    Raises:
        UnknownDemoError: If there is no such demo; the message lists the known
            names.
    """
    try:
        return DEMOS[name]
    except KeyError:
        raise UnknownDemoError(
            f"unknown demo {name!r}; known demos: {', '.join(DEMOS)}"
        ) from None


__all__ = [
    "BACKENDS",
    "DEMOS",
    "Demo",
    "DemoParamError",
    "Param",
    "UnknownDemoError",
    "get_demo",
    "json_safe",
    "numpy_label",
]
