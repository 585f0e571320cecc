"""Packages built by Anki itself import here with the counts Anki gets.

The oracle is the official ``anki`` package, run in its own virtualenv
(`tests.anki_oracle.oracle`): it builds every kind of package (legacy and
current layouts, .apkg and .colpkg) from collections of stock note types,
math, media, review history, subdecks, loose notes and a custom note type,
then imports each into a fresh Anki and counts. Each package goes through
our whole import (upload, job, plan, write) and must come out the same.
"""

from __future__ import annotations

import pytest

from flashcards import interop, selectors
from flashcards.models import Card, Deck, ImportJob, MediaFile, Note, ReviewLog
from tests.anki_oracle import oracle

pytestmark = pytest.mark.slow

#: What is not built yet (issue 16): each is a strict xfail, so it fails
#: loudly the day it starts to pass.
CUSTOM_NOTE_TYPES = "custom note types with three templates map to two cards"
PACKAGES = [
    pytest.param(
        case,
        fmt,
        marks=[pytest.mark.xfail(strict=True, reason=CUSTOM_NOTE_TYPES)]
        if case == "custom"
        else [],
        id=oracle.package_name(case, fmt),
    )
    for case in oracle.CASES
    for fmt in oracle.FORMATS
]


@pytest.fixture(scope="session")
def anki_built():
    return oracle.packages()


def imported(user, anki_built, case: str, fmt: str) -> tuple[ImportJob, dict]:
    folder, expected = anki_built
    name = oracle.package_name(case, fmt)
    job = interop.import_job_create(
        owner=user, filename=name, data=(folder / name).read_bytes()
    )
    return interop.import_job_run(job_id=job.pk), expected[name]


@pytest.mark.parametrize(("case", "fmt"), PACKAGES)
def test_an_anki_package_imports_the_notes_cards_and_reviews_anki_counts(
    learner, anki_built, case, fmt
):
    job, anki = imported(learner, anki_built, case, fmt)
    assert job.status == "done", job.error
    assert job.result["skipped"] == 0, job.result.get("skipped_notes")
    tree = [job.deck, *selectors.deck_descendants(job.deck)]
    assert Note.objects.filter(deck__in=tree).count() == anki["notes"]
    assert Card.objects.filter(deck__in=tree).count() == anki["cards"]
    assert ReviewLog.objects.filter(card__deck__in=tree).count() == anki["reviews"]
    assert sorted(d.title for d in tree if d.notes.exists()) == anki["decks"]


@pytest.mark.parametrize("fmt", oracle.FORMATS)
def test_an_anki_package_brings_its_images_and_audio_and_the_notes_show_them(
    learner, anki_built, fmt
):
    job, anki = imported(learner, anki_built, "stock", fmt)
    assert anki["media"] == ["grid.png", "tone.mp3"]
    stored = {m.name: m for m in MediaFile.objects.all()}
    assert sorted(stored) == anki["media"]
    assert stored["grid.png"].content_type == "image/png"
    assert stored["tone.mp3"].content_type == "audio/mpeg"
    (note,) = [n for n in job.deck.notes.all() if "[sound:" in n.fields.get("back", "")]
    assert f'src="{stored["grid.png"].url}"' in note.fields["front"]
    assert note.fields["back"] == f"listen [sound:{stored['tone.mp3'].url}]"


@pytest.mark.parametrize("fmt", oracle.FORMATS)
def test_an_optional_reversed_note_gets_the_cards_anki_makes_and_no_switch_text(
    learner, anki_built, fmt
):
    job, _ = imported(learner, anki_built, "stock", fmt)
    notes = {n.fields.get("front"): n for n in job.deck.notes.all()}
    off, on = notes["fp8 E4M3 max"], notes["fp8 E5M2 max"]
    assert (off.type, off.fields["back"]) == ("basic", "448")
    assert (on.type, on.fields["back"]) == ("basic_reversed", "57344")
    assert off.cards.count() == 1 and on.cards.count() == 2


@pytest.mark.parametrize("fmt", oracle.FORMATS)
def test_math_in_anki_delimiters_arrives_as_written(learner, anki_built, fmt):
    job, _ = imported(learner, anki_built, "stock", fmt)
    fronts = [n.fields.get("front", "") for n in job.deck.notes.all()]
    assert r"Snell: \(n_1 \sin\theta_1 = n_2 \sin\theta_2\)" in fronts


@pytest.mark.parametrize("fmt", oracle.FORMATS)
def test_subdecks_arrive_as_the_deck_tree_anki_shows(learner, anki_built, fmt):
    job, anki = imported(learner, anki_built, "subdecks", fmt)
    decks = {d.title: d for d in Deck.objects.filter(owner=learner)}
    assert sorted(decks) == anki["decks"]
    assert job.deck == decks["Physics"] and job.deck.parent is None
    assert decks["Physics::Optics"].parent == decks["Physics"]
    assert decks["Physics::Optics::Lenses"].parent == decks["Physics::Optics"]
    assert [
        n.fields["front"] for n in decks["Physics::Optics::Lenses"].notes.all()
    ] == ["f of a flat lens"]
    assert job.result["subdecks"] == 3


def test_a_damaged_current_layout_package_imports_nothing_and_says_why(
    learner, anki_built
):
    import io
    import zipfile

    folder, _ = anki_built
    source = zipfile.ZipFile(folder / oracle.package_name("stock", "apkg"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "collection.anki21b":
                data = data[: len(data) // 2]
            target.writestr(item.filename, data)
    job = interop.import_job_create(
        owner=learner, filename="cut.apkg", data=out.getvalue()
    )
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "failed"
    assert "collection.anki21b" in job.error
    assert not Card.objects.exists()
