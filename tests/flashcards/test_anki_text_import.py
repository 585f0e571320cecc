"""Anki's own "Notes in Plain Text" and "Cards in Plain Text" exports import
with the mapping their header lines give (``#separator:``, ``#html:``,
``#tags column:``, ``#notetype column:``, ``#deck column:``, ``#guid
column:``); a header that cannot be used is a clear error on the file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flashcards import anki_text, interop
from flashcards.models import Card, Note
from studysite.errors import Invalid

pytestmark = pytest.mark.django_db

NOTES_EXPORT = (
    "#separator:tab\n"
    "#html:true\n"
    "#guid column:1\n"
    "#notetype column:2\n"
    "#deck column:3\n"
    "#tags column:6\n"
    "Ab1:cD\tBasic\tPhysics\tOhm's <b>law</b>\tV = IR\tohm electricity\n"
    "Ef2;gH\tBasic (and reversed card)\tPhysics\tVolt\tUnit of potential\tunits\n"
    "Ij3<kL\tBasic (optional reversed card)\tPhysics\tAmpere\tUnit of current\t\n"
    'Mn4>oP\tCloze\tPhysics\t"{{c1::Coulomb}} is charge"\t\t\n'
)


def _create(learner, data: bytes, filename: str = "Physics.txt"):
    return interop.import_job_create(owner=learner, filename=filename, data=data)


def _map_as_proposed(job):
    options = job.options
    return interop.import_job_map(
        job=job, columns=options["columns"], header=options["header"]
    )


def test_an_anki_notes_export_proposes_its_own_mapping(learner):
    job = _create(learner, NOTES_EXPORT.encode())
    assert job.options["delimiter"] == "\t" and job.options["header"] is False
    assert job.options["columns"] == {
        "guid": 0,
        "type": 1,
        "deck": 2,
        "tags": 5,
        "front": 3,
        "back": 4,
    }
    assert job.preview[0][0] == "Ab1:cD"  # header lines are not rows


def test_an_anki_notes_export_imports_types_guids_tags_and_deck_name(learner):
    job = _map_as_proposed(_create(learner, NOTES_EXPORT.encode()))
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    assert job.deck.title == "Physics"
    notes = list(Note.objects.order_by("id"))
    assert [n.type for n in notes] == ["basic", "basic_reversed", "basic", "cloze"]
    assert [n.external_id for n in notes] == ["Ab1:cD", "Ef2;gH", "Ij3<kL", "Mn4>oP"]
    assert notes[0].fields == {"front": "Ohm's <b>law</b>", "back": "V = IR"}
    assert notes[0].tags == ["ohm", "electricity"]
    # An optional reversed card with an empty third field has one card, as in Anki.
    assert [n.cards.count() for n in notes] == [1, 2, 1, 1]
    assert Card.objects.count() == 5


def test_html_false_keeps_angle_brackets_as_text(learner):
    data = b"#separator:Comma\n#html:false\n#tags:imported week1\na < b,<i>not italic</i>\n"
    job = _map_as_proposed(_create(learner, data, "t.csv"))
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    note = Note.objects.get()
    assert note.fields == {"front": "a &lt; b", "back": "&lt;i&gt;not italic&lt;/i&gt;"}
    assert note.tags == ["imported", "week1"]


def test_column_names_from_the_columns_header_are_used(learner):
    data = b"#separator:semicolon\n#columns:Back;Front;Tags\nanswer;question;t1\n"
    job = _create(learner, data, "c.txt")
    assert job.options["columns"] == {"back": 0, "front": 1, "tags": 2}


def test_a_line_after_the_headers_is_counted_in_the_file(learner):
    data = b"#separator:tab\n#notetype column:1\nNope\tq\ta\nBasic\tq2\ta2\n"
    job = interop.import_job_run(job_id=_map_as_proposed(_create(learner, data)).pk)
    assert job.status == "done" and job.result["notes"] == 1
    (skipped,) = job.result["skipped_notes"]
    assert skipped["where"] == "line 3" and "'Nope'" in skipped["reason"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#separator:Bananas", "not a separator"),
        ("#tags column:x", "not a column number"),
        ("#guid column:0", "counted from 1"),
    ],
)
def test_a_header_that_cannot_be_used_refuses_the_file(learner, header, message):
    with pytest.raises(Invalid, match=message):
        _create(learner, f"{header}\nq\ta\n".encode())


def test_the_mapping_page_says_the_headers_chose_the_columns(learner, client):
    job = _create(learner, NOTES_EXPORT.encode())
    client.force_login(learner)
    page = client.get(reverse("flashcards:import-detail", args=[job.pk])).content
    assert b"This is an Anki text export" in page
    assert b'<option value="0" selected>Column 1</option>' in page


def test_unknown_hash_lines_end_the_headers():
    headers, rest = anki_text.read_headers("#separator:tab\n# a comment\nq\ta\n")
    assert headers.lines == 1 and rest == "# a comment\nq\ta\n"
    none, same = anki_text.read_headers("front,back\n")
    assert not none.present and same == "front,back\n"
