"""Forms of the lesson page's interactive pieces.

They only collect text: all checks happen in the selectors (the API's), whose
errors the views attach to these forms as field messages.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from lessons import precision
from lessons.precision import memory

_FLOATS = [(f.name, f.label) for f in precision.all_formats() if f.kind == "float"]


def _select(choices: list[tuple[str, str]], initial: str, label: str) -> forms.Field:
    # A select widget on a plain text field: the calculator, not the form,
    # judges the value, so every bad field is reported at once, as the API does.
    return forms.CharField(
        widget=forms.Select(choices=choices),
        initial=initial,
        required=False,
        label=label,
    )


class FloatExplorerForm(forms.Form):
    value = forms.CharField(
        max_length=64,
        initial="0.1",
        label="Value",
        help_text="Any decimal number: 0.1, 65504, 1e-8, -2.5, 1e6 …",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    scale = forms.CharField(
        max_length=64,
        initial="1",
        required=False,
        label="Scale (int8, int4) / block absmax (nf4)",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class MemoryCalculatorForm(forms.Form):
    """Training memory: model size in billions, precisions, optimizer, ZeRO."""

    model_size = forms.CharField(
        max_length=32,
        initial="7",
        label="Model size (billions of parameters)",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    weights_dtype = _select(_FLOATS, "bf16", "Weights")
    grads_dtype = _select([("", "same as weights"), *_FLOATS], "", "Gradients")
    master_weights = _select(
        [("true", "fp32 copy"), ("false", "none"), *_FLOATS], "true", "Master weights"
    )
    optimizer = _select([(n, n) for n in memory.OPTIMIZER_STATES], "adam", "Optimizer")
    zero_stage = _select(
        [(str(n), f"{n}" if n else "0 (none)") for n in range(4)], "0", "ZeRO stage"
    )
    gpus = forms.CharField(
        max_length=8,
        initial="1",
        label="GPUs (data parallel)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    #: Selector field -> form field, for attaching the selector's errors.
    FIELD_FOR = {"params": "model_size"}

    def calculator_input(self) -> dict[str, str]:
        """The cleaned fields as the training-memory calculator's raw input.

        ``model_size`` in billions becomes ``params``; a non-number stays as
        written so that the calculator names it.
        """
        data = dict(self.cleaned_data)
        size = data.pop("model_size", "")
        try:
            billions = Decimal(size)
            params = str(billions * 10**9) if billions.is_finite() else size
        except InvalidOperation:
            params = size
        return {**data, "params": params}
