"""PyTorch GradScaler's dynamic loss-scaling rule, as a pure state machine.

torch's ``GradScaler`` needs torch tensors and an optimizer; the numpy
backends need the same rule without torch, so it is restated here from
``torch.amp.GradScaler`` (``_amp_update_scale_``): on a step whose gradients
hold inf or NaN, skip the step, multiply the scale by ``backoff`` and reset
the counter; otherwise count the step and multiply the scale by ``growth``
after ``interval`` clean steps in a row. The torch backend of the loss-scaling
demo runs torch's own kernel to check this copy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

INIT_SCALE = 2.0**16
GROWTH_FACTOR = 2.0
BACKOFF_FACTOR = 0.5
GROWTH_INTERVAL = 2000


@dataclass(frozen=True)
class ScalerState:
    """Loss-scaler state.

    Attributes:
        scale: Current loss scale.
        clean_steps: Consecutive steps without inf/NaN since the last change.
    """

    scale: float = INIT_SCALE
    clean_steps: int = 0


def scaler_update(
    state: ScalerState,
    *,
    found_inf: bool,
    growth: float = GROWTH_FACTOR,
    backoff: float = BACKOFF_FACTOR,
    interval: int = GROWTH_INTERVAL,
) -> ScalerState:
    """Return the scaler state after one step.

    Args:
        state: State before the step.
        found_inf: Whether the scaled gradients held inf or NaN (the optimizer
            step is then skipped).
        growth: Factor applied after ``interval`` clean steps.
        backoff: Factor applied on overflow.
        interval: Clean steps needed before growing.

    Returns:
        The new state.
    """
    if found_inf:
        return ScalerState(scale=state.scale * backoff, clean_steps=0)
    if state.clean_steps + 1 >= interval:
        return ScalerState(scale=state.scale * growth, clean_steps=0)
    return replace(state, clean_steps=state.clean_steps + 1)
