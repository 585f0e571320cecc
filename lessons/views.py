"""HTML pages of the lessons app: the course outline, lesson pages, and the
htmx fragments of the float explorer and the memory calculator.

The fragments call the same selectors as the API. Bad input is a message on
the form (status 200, so htmx swaps it in), never a 500, worded by the form
in its own terms (see :meth:`MemoryCalculatorForm.word`).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lessons import selectors
from lessons.forms import FloatExplorerForm, MemoryCalculatorForm
from lessons.precision.errors import PrecisionInputError
from lessons.precision.validation import Problem


@require_GET
def lesson_index(request: HttpRequest) -> HttpResponse:
    courses = selectors.course_outline()
    return render(request, "lessons/index.html", {"courses": courses})


@require_GET
def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = selectors.lesson_get(slug=slug)
    tools = selectors.LESSON_TOOLS.get(lesson.slug, ())
    context: dict[str, Any] = {
        "lesson": lesson,
        "word_count": f"{lesson.word_count:,}",
        "objectives": selectors.lesson_objectives(lesson=lesson),
        "prerequisites": [p.required for p in lesson.prerequisites.all()],
        "blocks": _blocks(list(lesson.sections.all()), tools),
        "toc": _toc(lesson.toc, tools),
        **selectors.phase_neighbours(lesson=lesson),
    }
    tool_names = {anchor for anchor, *_rest in tools}
    # Without JavaScript the tools' forms submit to this page: render their
    # results from the query string (or the defaults).
    if "float-explorer" in tool_names:
        context["explorer"] = _explorer(_data(request, FloatExplorerForm))
    if "memory-calculator" in tool_names:
        context["calculator"] = _calculator(_data(request, MemoryCalculatorForm))
    return render(request, "lessons/detail.html", context)


def _blocks(sections: list, tools: tuple) -> list[dict[str, Any]]:
    """The page in order: each section, then any tool placed after it."""
    after: dict[str, list[str]] = {}
    anchors = {s.anchor for s in sections}
    for anchor, _label, _objective, where in tools:
        after.setdefault(where if where in anchors else "", []).append(anchor)
    blocks: list[dict[str, Any]] = []
    for section in sections:
        blocks.append({"section": section})
        blocks += [{"tool": t} for t in after.get(section.anchor, ())]
    blocks += [{"tool": t} for t in after.get("", ())]
    return blocks


def _toc(toc: list[dict], tools: tuple) -> list[dict]:
    """The renderer's TOC with each tool after its section's entries."""
    out: list[dict] = []
    places = {where: (anchor, label) for anchor, label, _o, where in tools}
    pending = None
    for entry in toc:
        if entry["level"] <= 2 and pending:
            out.append(pending)
            pending = None
        out.append(entry)
        if entry["id"] in places:
            anchor, label = places[entry["id"]]
            pending = {"level": 3, "id": anchor, "title": label, "tool": True}
    if pending:
        out.append(pending)
    return out


def _data(request: HttpRequest, form_class: type) -> dict[str, str] | None:
    fields = form_class.base_fields
    if not any(name in request.GET for name in fields):
        return None
    return {name: request.GET.get(name, f.initial or "") for name, f in fields.items()}


def _explorer(data: dict[str, str] | None) -> dict[str, Any]:
    form = FloatExplorerForm(
        data or {k: f.initial for k, f in FloatExplorerForm.base_fields.items()}
    )
    rows: list[dict[str, Any]] = []
    if form.is_valid():
        try:
            rows = selectors.format_encode_all(
                value=form.cleaned_data["value"], scale=form.cleaned_data["scale"]
            )
        except PrecisionInputError as error:
            _attach(form, error, {})
        rows = [selectors.against_exact(row, form.exact_value()) for row in rows]
    shown = [_explorer_row(row) for row in rows]
    return {"form": form, "rows": shown, "summary_line": _explorer_summary(form, shown)}


#: Each bit field: what a screen reader says, and the visible tag under it.
_BIT_GROUPS = {
    "sign": ("sign bit", "S"),
    "exponent": ("exponent bits", "E"),
    "mantissa": ("mantissa bits", "M"),
    "integer": ("integer bits", "I"),
    "index": ("table index bits", "T"),
}
#: The formats the explorer's one-line summary names; the table has them all.
_SUMMARY_FORMATS = ("fp32", "fp16", "bf16")


def _explorer_row(row: dict[str, Any]) -> dict[str, Any]:
    rel = row["rel_error"]
    groups = [
        {
            "kind": kind,
            "bits": bits,
            "name": _BIT_GROUPS.get(kind, (f"{kind} bits", ""))[0],
            "tag": _BIT_GROUPS.get(kind, ("", kind[:1].upper()))[1],
        }
        for kind, bits in row.get("bit_fields") or []
    ]
    return {
        **row,
        "bit_groups": groups,
        "stored_text": _show(row["stored"], exact=True),
        "abs_text": _show_fraction(row["abs_exact"])
        if row.get("abs_exact") and not row["abs_error"]  # below a double
        else _show(row["abs_error"]),
        "rel_text": rel if isinstance(rel, str | None) else f"{rel * 100:.3g} %",
    }


def _errors_line(form: Any) -> str:
    """The form's errors as one sentence, field by field."""
    parts = [str(e) for e in form.non_field_errors()]
    for field in form.visible_fields():
        parts += [f"{field.label}: {e}" for e in field.errors]
    return " ".join(parts)


def _explorer_summary(form: Any, rows: list[dict[str, Any]]) -> str:
    """One line for the explorer's live region, e.g. "0.1 is stored as
    0.10000000149011612 in fp32 (error 1.49e-06 %), …; 13 formats in the table"."""
    if form.errors or not rows:
        return _errors_line(form)
    stored = []
    for row in rows:
        if row["format"] in _SUMMARY_FORMATS:
            error = f" (error {row['rel_text']})" if row["rel_text"] else ""
            stored.append(f"{row['stored_text']} in {row['format']}{error}")
    value = _show(rows[0]["value"], exact=True)
    if rows[0]["value"] == 0 and not _zero_typed(form):
        value = form.data["value"].strip()  # below even fp64's subnormals
    return (
        f"{value} is stored as {', '.join(stored)}; "
        f"{len(rows)} formats in the table below."
    )


def _show_fraction(value: Fraction, *, digits: int = 4) -> str:
    """A rational too small for a double (1e-400), as _show writes numbers."""
    with localcontext() as context:
        context.prec = digits
        number = Decimal(value.numerator) / Decimal(value.denominator)
    return format(number, f".{digits}g")


def _zero_typed(form: Any) -> bool:
    exact = form.exact_value() if form.is_valid() else None
    return exact is None or exact == 0


def _show(value: Any, *, digits: int = 4, exact: bool = False) -> str:
    """A number for reading: strings ("inf") and None ("—") pass through;
    ``exact`` gives the shortest text that reads back as the same float."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return {"inf": "∞", "-inf": "−∞"}.get(value, value)
    if value == 0 and math.copysign(1, value) < 0:
        return "-0"  # negative zero: its sign bit is set
    if isinstance(value, int) or float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return repr(float(value)) if exact else f"{value:.{digits}g}"


def _calculator(data: dict[str, str] | None) -> dict[str, Any]:
    form = MemoryCalculatorForm(
        data or {k: f.initial for k, f in MemoryCalculatorForm.base_fields.items()}
    )
    result = None
    valid = form.is_valid()
    try:
        # With a field already refused, still run it (that field at its
        # initial value) so that every bad field is told at once.
        found = selectors.calculate("training-memory", form.calculator_input())
        result = found if valid else None
    except PrecisionInputError as error:
        _attach(form, error, MemoryCalculatorForm.FIELD_FOR)
    except OverflowError:  # bytes beyond a double: only a huge model size
        if "model_size" not in form.errors:
            too_large = Problem("params", "too_large", None, "")
            form.add_error("model_size", form.word("model_size", too_large, ""))
    display = _calculator_display(result) if result is not None else {}
    if result is None:
        display["summary_line"] = _errors_line(form)
    return {"form": form, "result": result, **display}


_COMPONENTS = (
    ("weights", "Weights"),
    ("gradients", "Gradients"),
    ("master_weights", "Master weights"),
    ("optimizer_states", "Optimizer states"),
    ("total", "Total"),
)


def _calculator_display(result: dict[str, Any]) -> dict[str, Any]:
    table = [
        {
            "key": key,
            "label": label,
            "per_param": _show(result["per_param"][key]),
            "per_gpu_gb": _show(result["per_gpu"][key]["GB"]),
            "per_gpu_gib": _show(result["per_gpu"][key]["GiB"]),
            "all_gpus_gb": _show(result["all_gpus"][key]["GB"]),
        }
        for key, label in _COMPONENTS
    ]
    fits = [{**fit, "used": f"{fit['fraction_used']:.0%}"} for fit in result["fits"]]
    steps = [
        f"{s['label']}: {s['expression']} = {_show(s['value'])} {s['unit']}".rstrip()
        + (f" ({_show(s['GB'])} GB)" if "GB" in s else "")
        for s in result["steps"]
    ]
    summary = {
        "bytes_per_param": _show(result["bytes_per_param"]),
        "sum": _per_param_sum(result),
        "zero": _zero_line(result),
    }
    return {
        "table": table,
        "fits": fits,
        "steps": steps,
        "summary": summary,
        "summary_line": _calculator_summary(result, fits),
    }


def _per_param_sum(result: dict[str, Any]) -> str:
    """How the bytes per parameter add up, e.g. "2 + 2 + 4 + 8" (the
    domain's own step, else the components of the table)."""
    for step in result["steps"]:
        if step["label"] == "Bytes per parameter":
            return step["expression"]
    return " + ".join(_show(result["per_param"][key]) for key, _ in _COMPONENTS[:-1])


def _zero_line(result: dict[str, Any]) -> str:
    """ZeRO and the GPUs, in the table's words (no API field names)."""
    gpus = result["gpus"]
    line = f"ZeRO stage {result['zero_stage']} over {gpus} GPU" + "s" * (gpus != 1)
    if gpus > 1:
        line += "; “per GPU” is what each card holds, “all GPUs” adds every card"
    return line


def _calculator_summary(result: dict[str, Any], fits: list[dict[str, Any]]) -> str:
    """One line for the calculator's live region, e.g. "7 billion parameters,
    bf16 weights, adam: 112 GB per GPU to train (16 bytes per parameter); …"."""
    setup = f"{_show(result['params'] / 10**9)} billion parameters, "
    setup += f"{result['weights_dtype']} weights, {result['optimizer']}"
    if result["zero_stage"] or result["gpus"] > 1:
        gpus = result["gpus"]
        setup += f", ZeRO stage {result['zero_stage']} over {gpus} GPU"
        setup += "s" if gpus != 1 else ""
    total = _show(result["per_gpu"]["total"]["GB"])
    per_param = _show(result["bytes_per_param"])
    smallest = next((f for f in fits if f["fits"]), None)
    card = (
        f"smallest card it fits on: {smallest['capacity_gb']} GB"
        if smallest
        else "too big for every card listed"
    )
    return (
        f"{setup}: {total} GB per GPU to train "
        f"({per_param} bytes per parameter); {card}."
    )


def _attach(form: Any, error: PrecisionInputError, field_for: dict[str, str]) -> None:
    """The domain's problems as the form's field messages, in the form's words.

    A field the form already refused keeps its own message.
    """
    problems = getattr(error, "problems", {})
    for field, message in error.errors.items():
        name = field_for.get(field, field)
        if name not in form.fields:
            form.add_error(None, message)
        elif name not in form.errors:
            form.add_error(name, form.word(name, problems.get(field), message))


@require_GET
def float_explorer(request: HttpRequest) -> HttpResponse:
    """The explorer's result table (an htmx fragment)."""
    data = _data(request, FloatExplorerForm) or {}
    return render(request, "lessons/_float_explorer.html", _explorer(data))


@require_GET
def memory_calculator(request: HttpRequest) -> HttpResponse:
    """The calculator's breakdown (an htmx fragment)."""
    data = _data(request, MemoryCalculatorForm) or {}
    return render(request, "lessons/_memory_calculator.html", _calculator(data))
