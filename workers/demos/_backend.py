"""Backend selection and device labels.

torch is optional (the ``gpu`` extra) and must never be imported when this
package is imported: web processes and CPU workers do not load it, and a
forking Celery worker must not touch CUDA before the fork. Every torch import
therefore goes through ``import_torch()``, called inside torch code paths only.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import ml_dtypes
import numpy as np

from workers.demos._schema import DemoParamError

Backend = Literal["numpy", "torch"]
BACKENDS: tuple[str, ...] = ("numpy", "torch")


@dataclass(frozen=True)
class Target:
    """Where a demo runs.

    Attributes:
        backend: ``"numpy"`` or ``"torch"``.
        device: ``"cpu"`` or a torch device string such as ``"cuda:0"``.
        label: The device in words for the result page.
        is_cuda: Whether the device is a CUDA GPU.
        emulated: Whether 16-bit and 8-bit arithmetic is emulated in software.
    """

    backend: str
    device: str
    label: str
    is_cuda: bool
    emulated: bool


def import_torch() -> ModuleType:
    """Import torch, with a clear error when the optional extra is missing.

    Returns:
        The torch module.

    Raises:
        DemoParamError: If torch is not installed.
    """
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DemoParamError(
            {"backend": "torch is not installed (pip install studysite[gpu])"}
        ) from exc
    return torch


def resolve_target(backend: str, device: str | None) -> Target:
    """Check the backend and device and describe them.

    Args:
        backend: ``"numpy"`` or ``"torch"``.
        device: None for the best available device, or ``"cpu"``, ``"cuda"``,
            ``"cuda:N"``.

    Returns:
        The resolved target.

    Raises:
        DemoParamError: For an unknown backend, a device numpy cannot use or a
            CUDA device that is not there.
    """
    if backend not in BACKENDS:
        raise DemoParamError(
            {"backend": f"unknown backend {backend!r}; choose from: numpy, torch"}
        )
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise DemoParamError({"device": "the numpy backend runs on the CPU only"})
        return Target("numpy", "cpu", numpy_label(), False, True)
    return _torch_target(device)


def numpy_label() -> str:
    """Return e.g. ``"CPU, numpy 2.4.6 + ml_dtypes 0.6.0, emulated"``."""
    return f"CPU, numpy {np.__version__} + ml_dtypes {ml_dtypes.__version__}, emulated"


def _torch_target(device: str | None) -> Target:
    torch = import_torch()
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise DemoParamError({"device": f"unknown device {device!r}"}) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DemoParamError({"device": "no CUDA device is available"})
        return Target("torch", str(dev), _cuda_label(torch, dev), True, False)
    if dev.type != "cpu":
        raise DemoParamError({"device": f"unsupported device type {dev.type!r}"})
    return Target(
        "torch", "cpu", f"CPU, torch {_short(torch.__version__)}", False, False
    )


def _cuda_label(torch: Any, dev: Any) -> str:
    name = torch.cuda.get_device_name(dev)
    return f"{name}, torch {_short(torch.__version__)}, CUDA {torch.version.cuda}"


def _short(version: str) -> str:
    return version.split("+", 1)[0]


def to_numpy(tensor: Any) -> np.ndarray:
    """Copy a torch tensor to a float64 numpy array (any dtype, any device)."""
    out: np.ndarray = tensor.detach().float().cpu().numpy().astype(np.float64)
    return out
