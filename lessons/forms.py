"""Forms of the lesson page's interactive pieces.

Each form reads its numbers with the API's own number reader
(:func:`lessons.selectors.parse_number`, so ``0,5`` or ``2^-7`` mean what they
mean everywhere) and says what is wrong in its own terms: its labels, its
units (billions of parameters, not parameters), never a field name of the API.
The rules themselves stay in the domain: the views hand the domain's
:class:`~lessons.precision.validation.Problem` for a field to :meth:`word`.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django import forms

from lessons import precision
from lessons.precision import memory
from lessons.precision.validation import Problem
from lessons.problems.units import read_number
from lessons.selectors import exact_value, parse_number

_FLOATS = [(f.name, f.label) for f in precision.all_formats() if f.kind == "float"]
_MINUS = ("-", "\u2212")
#: One parameter, in the form's unit: 0.000000001 billion.
_ONE_PARAMETER = f"{Decimal(1).scaleb(-9):f} billion"


def _select(choices: list[tuple[str, str]], initial: str, label: str) -> forms.Field:
    # A select widget on a plain text field: the calculator, not the form,
    # judges the value, so every bad field is reported at once, as the API does.
    return forms.CharField(
        widget=forms.Select(choices=choices),
        initial=initial,
        required=False,
        label=label,
    )


def _text(
    *, max_length: int, initial: str, label: str, required: str, numeric: str
) -> forms.CharField:
    return forms.CharField(
        max_length=max_length,
        initial=initial,
        label=label,
        required=bool(required),
        error_messages={
            "required": required,
            "max_length": f"is too long: enter at most {max_length} characters.",
        },
        widget=forms.TextInput(attrs={"inputmode": numeric, "autocomplete": "off"}),
    )


def _read(text: str, *, not_a_number: str, not_finite: str) -> int | float:
    """``text`` as the API reads it, or a ValidationError in the form's words.

    A minus zero ("-0", "−0") stays negative zero: the API's reader takes
    "-0" for the integer 0, which has no sign.
    """
    try:
        number = parse_number(text)
    except ValueError:
        finite = _is_float_literal(text) or read_number(text) is not None
        raise forms.ValidationError(
            (not_finite if finite else not_a_number).format(typed=text)
        ) from None
    if number == 0 and text.lstrip("+").startswith(_MINUS):
        return -0.0
    return number


def _is_float_literal(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _typed(form: forms.Form, name: str) -> str:
    return str(form.data.get(name, "") or "").strip()


class FloatExplorerForm(forms.Form):
    value = _text(
        max_length=64,
        initial="0.1",
        label="Value",
        required="enter a number, such as 0.1, 65504 or 1e-8.",
        numeric="decimal",
    )
    value.help_text = "Any decimal number: 0.1, 65504, 1e-8, -2.5, 1e6 …"
    scale = _text(
        max_length=64,
        initial="1",
        label="Scale (int8, int4) / block absmax (nf4)",
        required="",
        numeric="decimal",
    )

    def clean_value(self) -> int | float:
        return _read(
            self.cleaned_data["value"],
            not_a_number="enter a number, such as 0.1, 65504 or 1e-8 "
            "(you entered “{typed}”).",
            not_finite="enter a finite number: no format stores this one "
            "(you entered “{typed}”).",
        )

    def clean_scale(self) -> int | float | None:
        text = self.cleaned_data["scale"]
        if not text:
            return None
        message = (
            "must be a positive number, such as 1 or 0.05 (you entered “{typed}”)."
        )
        number = _read(text, not_a_number=message, not_finite=message)
        if not number > 0:
            raise forms.ValidationError(message.format(typed=text))
        return number

    def exact_value(self) -> Fraction | None:
        """The exact value typed (see :func:`exact_value`); call when valid."""
        return exact_value(_typed(self, "value"), self.cleaned_data["value"])

    def word(self, name: str, problem: Problem | None, message: str) -> str:
        """A problem the domain found, in this form's words."""
        typed = _typed(self, name)
        if name == "scale":
            return (
                f"must be a positive number, such as 1 or 0.05 (you entered “{typed}”)."
            )
        if name == "value":
            return f"enter a finite number (you entered “{typed}”)."
        return message


class MemoryCalculatorForm(forms.Form):
    """Training memory: model size in billions, precisions, optimizer, ZeRO."""

    model_size = _text(
        max_length=32,
        initial="7",
        label="Model size (billions of parameters)",
        required="enter a number of billions, such as 7 or 0.5.",
        numeric="decimal",
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
    gpus = _text(
        max_length=8,
        initial="1",
        label="GPUs (data parallel)",
        required="enter how many GPUs, such as 1 or 8.",
        numeric="numeric",
    )

    #: Selector field -> form field, for attaching the selector's errors
    #: (the bytes to fit on a card follow from the model size alone).
    FIELD_FOR = {"params": "model_size", "total_bytes": "model_size"}
    _FORMAT_FIELDS = ("weights_dtype", "grads_dtype", "master_weights")

    def clean_model_size(self) -> Fraction:
        """The model size in billions, exactly as typed."""
        text = self.cleaned_data["model_size"]
        number = _read(
            text,
            not_a_number="enter a number of billions, such as 7 or 0.5 "
            "(you entered “{typed}”).",
            not_finite="enter a finite number of billions (you entered “{typed}”).",
        )
        exact = exact_value(text, number)
        assert exact is not None  # _read refuses what is not finite
        return exact

    def clean_gpus(self) -> str:
        text = self.cleaned_data["gpus"]
        _read(
            text,
            not_a_number="enter a whole number of GPUs, such as 1 or 8 "
            "(you entered “{typed}”).",
            not_finite="enter a whole number of GPUs, such as 1 or 8 "
            "(you entered “{typed}”).",
        )
        return text

    def calculator_input(self) -> dict[str, str]:
        """The cleaned fields as the training-memory calculator's raw input.

        ``model_size`` in billions becomes ``params``, rounded to a whole
        number of parameters (7.0000000004 billion is 7,000,000,000).
        A field that failed its own check is replaced by its initial value,
        so that the calculator can still judge the others.
        """
        initial = {name: field.initial or "" for name, field in self.fields.items()}
        data = {**initial, **self.cleaned_data}
        billions = Fraction(data.pop("model_size"))
        return {**data, "params": str(round(billions * 10**9))}

    def word(self, name: str, problem: Problem | None, message: str) -> str:
        """A problem the domain found, in this form's words (``message``, the
        API's wording, only for a field this form does not know)."""
        typed = _typed(self, name)
        rule = problem.rule if problem else None
        if name == "model_size":
            # Rounded, the size is whole unless beyond a double; total_bytes
            # is the memory it comes to, infinite for such a size.
            if rule in ("whole", "too_large") or (
                problem and problem.field == "total_bytes"
            ):
                return f"is too large to work with (you entered {typed} billion)."
            if rule in ("at_least", "positive"):
                return (
                    f"must be at least one parameter ({_ONE_PARAMETER}); "
                    f"you entered {typed} billion."
                )
            return (
                f"enter a number of billions, such as 7 or 0.5 (you entered “{typed}”)."
            )
        if name == "gpus":
            if rule == "at_least":
                return f"must be at least 1 (you entered {typed})."
            if rule == "whole":
                return f"must be a whole number of GPUs (you entered {typed})."
            return (
                f"enter a whole number of GPUs, such as 1 or 8 (you entered “{typed}”)."
            )
        if name == "zero_stage":
            stages = [str(n) for n in range(4)]
            if problem and problem.low is not None and problem.high is not None:
                stages = [
                    str(n) for n in range(int(problem.low), int(problem.high) + 1)
                ]
            allowed = f"{', '.join(stages[:-1])} or {stages[-1]}"
            return f"must be {allowed} (you entered {typed})."
        if name in self._FORMAT_FIELDS:
            return f"choose one of the listed formats (you entered “{typed}”)."
        if name == "optimizer":
            return f"choose one of the listed optimizers (you entered “{typed}”)."
        return message
