"""A two-layer MLP and a synthetic classification task, in plain numpy.

The demos need a model whose every rounding step is visible: the forward
and backward passes are written out by hand so that mixed precision can be
emulated by casting at exactly the places a GPU rounds (inputs and outputs
of each matrix product in 16 bits, accumulation in fp32, loss in fp32). A
framework would hide those places; torch is the other backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Cast = Callable[[np.ndarray], np.ndarray]


def identity(x: np.ndarray) -> np.ndarray:
    """Return ``x`` unchanged (the fp32 'cast')."""
    return x


@dataclass(frozen=True)
class Task:
    """A synthetic classification problem, split into train and test sets."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int


def make_task(
    *, features: int, classes: int, n_train: int, n_test: int, seed: int
) -> Task:
    """Label Gaussian inputs by a random two-layer teacher network.

    Args:
        features: Input dimension.
        classes: Number of classes.
        n_train: Training examples.
        n_test: Test examples.
        seed: Random seed.

    Returns:
        Float32 inputs and integer labels.
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((features, 4 * classes))
    b = rng.standard_normal((4 * classes, classes))
    x = rng.standard_normal((n_train + n_test, features)).astype(np.float32)
    scores = np.maximum(x @ a, 0) @ b
    # Centre each class's score so that the classes come out roughly balanced.
    y = np.argmax(scores - np.median(scores, axis=0), axis=1)
    return Task(x[:n_train], y[:n_train], x[n_train:], y[n_train:], classes)


def init_params(
    *, features: int, hidden: int, classes: int, seed: int
) -> dict[str, np.ndarray]:
    """Return He-initialised float32 weights, shaped (out, in), and zero biases."""
    rng = np.random.default_rng(seed + 7)
    return {
        "w1": (rng.standard_normal((hidden, features)) * np.sqrt(2 / features)).astype(
            np.float32
        ),
        "b1": np.zeros(hidden, np.float32),
        "w2": (rng.standard_normal((classes, hidden)) * np.sqrt(2 / hidden)).astype(
            np.float32
        ),
        "b2": np.zeros(classes, np.float32),
    }


def softmax_xent(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Return the mean cross-entropy (fp32) and d loss / d logits."""
    z = logits.astype(np.float32)
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(-np.mean(np.log(np.maximum(p[np.arange(n), y], 1e-30))))
    p[np.arange(n), y] -= 1
    return loss, (p / n).astype(np.float32)


def forward_backward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    cast: Cast = identity,
    loss_scale: float = 1.0,
) -> tuple[float, dict[str, np.ndarray]]:
    """Run one forward and backward pass, rounding with ``cast`` like a GPU.

    Every matrix product reads inputs rounded by ``cast``, accumulates in fp32
    and rounds its output by ``cast``; the loss is computed in fp32 and its
    gradient is multiplied by ``loss_scale`` before it is rounded.

    Args:
        params: Weights as the forward pass should see them (before ``cast``).
        x: Inputs.
        y: Labels.
        cast: Rounds a float32 array to the compute format (as float32).
        loss_scale: Loss scale applied to the gradient.

    Returns:
        The unscaled loss and the (scaled, rounded) gradients.
    """
    w1, b1, w2, b2 = (cast(params[k]) for k in ("w1", "b1", "w2", "b2"))
    xc = cast(x)
    z1 = cast(xc @ w1.T + b1)
    h = np.maximum(z1, 0)
    logits = cast(h @ w2.T + b2)
    loss, dlogits = softmax_xent(logits, y)
    with np.errstate(over="ignore", invalid="ignore"):
        d2 = cast(dlogits * np.float32(loss_scale))
        dh = cast(d2 @ w2) * (z1 > 0)
        grads = {
            "w2": cast(d2.T @ h),
            "b2": cast(d2.sum(axis=0)),
            "w1": cast(dh.T @ xc),
            "b1": cast(dh.sum(axis=0)),
        }
    return loss, grads


def predict(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Return the predicted class of each row of ``x`` (fp32 forward)."""
    p = {k: v.astype(np.float32) for k, v in params.items()}
    h = np.maximum(x @ p["w1"].T + p["b1"], 0)
    out: np.ndarray = np.argmax(h @ p["w2"].T + p["b2"], axis=1)
    return out


def accuracy(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Return the share of rows of ``x`` classified correctly."""
    return float(np.mean(predict(params, x) == y))


def batch_indices(n: int, batch: int, steps: int, seed: int) -> np.ndarray:
    """Return ``steps`` rows of minibatch indices, drawn with a fixed seed."""
    rng = np.random.default_rng(seed + 11)
    return rng.integers(0, n, size=(steps, batch))


def train_fp32(
    params: dict[str, np.ndarray],
    task: Task,
    *,
    steps: int,
    batch: int,
    lr: float,
    seed: int,
) -> dict[str, np.ndarray]:
    """Train with plain SGD in fp32 and return new weights."""
    p = {k: v.copy() for k, v in params.items()}
    for idx in batch_indices(len(task.y_train), batch, steps, seed):
        _, g = forward_backward(p, task.x_train[idx], task.y_train[idx])
        for k in p:
            p[k] -= np.float32(lr) * g[k]
    return p
