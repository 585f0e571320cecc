"""A deck written out: as an Anki package (with its images) or as CSV.

The package shows in Anki what the study page shows here: each field's
markdown rendered and sanitized as for study (math kept in Anki's
``\\(…\\)``/``\\[…\\]``, which Anki's MathJax renders), numeric notes as
"type in the answer", parametric notes as one worked instance
(`flashcards.anki_export`).
"""

from __future__ import annotations

from typing import Any

from flashcards import anki_export, content, csvio, media, selectors
from flashcards.models import Deck, MediaFile, Note
from lessons.markup.markdown_html import render_user_markdown
from lessons.problems.wording import fmt
from studysite.models import User


def _html(value: Any) -> str:
    return render_user_markdown(value) if isinstance(value, str) and value else ""


def _tolerance(fields: dict[str, Any]) -> str:
    parts = []
    if fields.get("tolerance"):
        parts.append(f"±{fmt(float(fields['tolerance']), 6)}")
    if fields.get("relative_tolerance"):
        parts.append(f"±{fmt(float(fields['relative_tolerance']) * 100, 6)}%")
    if not parts:
        return ""
    return (
        f"On the study site an answer within {' or '.join(parts)} counts as right; "
        f"Anki compares the typed text exactly."
    )


def _worked_instance(fields: dict[str, Any], seed: int) -> dict[str, str]:
    problem = content.parametric_problem(fields, seed)
    parts = content.parametric_parts(fields, problem)
    asked = "".join(f"<li>{part.field_label}</li>" for part in parts)
    solved = "".join(
        "<li>"
        + _html(f"**{part.label}: {part.answer_text}**")
        + "<ol>"
        + "".join(f"<li>{_html(line)}</li>" for line in part.solution_lines())
        + "</ol></li>"
        for part in parts
    )
    return {
        "problem": f"<p><strong>{problem.title}</strong></p>"
        + _html(problem.prompt)
        + f"<ul>{asked}</ul>",
        "solution": f"<ul>{solved}</ul>",
    }


def shown_fields(note: Note) -> dict[str, str]:
    """The fields of ``note`` as Anki will show them (HTML)."""
    fields = dict(note.fields)
    if note.type == "numeric":
        explanation = _html(fields.get("explanation"))
        tolerance = _tolerance(fields)
        return {
            "question": _html(fields["question"]),
            "answer": str(fields["answer"]),
            "unit": str(fields.get("unit") or ""),
            "explanation": explanation + (f"<p>{tolerance}</p>" if tolerance else ""),
        }
    if note.type == "parametric":
        return _worked_instance(fields, seed=note.pk)
    return {name: _html(value) for name, value in fields.items()}


def _export_notes(deck: Deck) -> list[anki_export.ExportNote]:
    return [
        anki_export.ExportNote(
            id=n.pk,
            type=n.type,
            shown=shown_fields(n),
            source=dict(n.fields),
            tags=list(n.tags),
        )
        for n in deck.notes.order_by("id")
    ]


def deck_export_apkg(*, deck: Deck, user: User | None = None) -> bytes:
    """The deck and its subdecks (those ``user`` may read; all of them when
    ``user`` is None) as an Anki package (Anki shows the tree), with the
    images and audio their notes show, named as they were when they came."""
    below = selectors.deck_descendants(deck)
    if user is not None:
        readable = set(
            selectors.decks_readable(user=user)
            .filter(pk__in=[d.pk for d in below])
            .values_list("pk", flat=True)
        )
        below = [d for d in below if d.pk in readable]
    decks = [
        anki_export.ExportDeck(
            id=one.pk,
            title=one.title,
            description=one.description,
            notes=_export_notes(one),
        )
        for one in [deck, *below]
    ]
    wanted: set[str] = set()
    for one in decks:
        for note in one.notes:
            for value in note.shown.values():
                wanted.update(sha for sha, _ in media.media_hashes(value))
    names: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for m in MediaFile.objects.filter(sha256__in=wanted).order_by("id"):
        # The name the file came with (as Anki named it), unless another file
        # of the deck has it or it lacks its type's extension.
        name = m.name if m.name.lower().endswith(f".{m.extension}") else ""
        if not name or name in files:
            name = f"{m.sha256}.{m.extension}"
        names[m.sha256] = name
        files[name] = bytes(m.data)
    return anki_export.write_apkg(decks=decks, files=files, names=names)


def deck_export_csv(*, deck: Deck) -> str:
    return csvio.write_csv(
        (n.type, dict(n.fields), list(n.tags)) for n in deck.notes.order_by("id")
    )
