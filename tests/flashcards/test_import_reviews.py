"""manage.py import_reviews: FSRS optimizer CSV, replayed; bad rows by line."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO
from random import Random

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from flashcards import services
from flashcards.models import Card, CardMemory, Deck, Note, ReviewLog
from flashcards.parameters import scheduler_parameters_set
from flashcards.scheduling import CardState, DeckOptions, Rating, State, review
from flashcards.services import review_import
from flashcards.services.review_import import import_client_id, import_rng
from studysite import errors
from tests.flashcards.conftest import add_basic

pytestmark = pytest.mark.django_db

DAY_MS = 86_400_000
T0 = 1_700_000_000_000  # 2023-11-14, older than the offline limit: history is fine


def write(tmp_path, text):
    path = tmp_path / "revlog.csv"
    path.write_text(text)
    return str(path)


def run(path, *args):
    out = StringIO()
    call_command("import_reviews", path, *args, stdout=out)
    return out.getvalue()


def test_a_good_file_creates_cards_and_replays_the_history(tmp_path, learner):
    path = write(
        tmp_path,
        "card_id,review_time,review_rating,review_state,review_duration\n"
        f"1650000000001,{T0},3,0,5000\n"
        f"1650000000002,2023-11-14T22:13:20Z,1,0,\n"
        f"1650000000001,{T0 + 3 * DAY_MS},3,2,4000\n"  # rows need not be sorted
        f"1650000000001,{T0 + DAY_MS},4,1,3000\n",
    )
    out = run(path, "--user", learner.username)
    assert "Imported 4 reviews of 2 cards (2 new cards)" in out
    deck = Deck.objects.get(owner=learner)
    assert deck.title == "Imported reviews" and deck.cards.count() == 2
    first = deck.cards.get(note__external_id="1650000000001")
    logs = list(ReviewLog.objects.filter(card=first).order_by("reviewed_at"))
    assert [log.rating for log in logs] == [3, 4, 3]
    assert [log.duration_ms for log in logs] == [5000, 3000, 4000]
    assert [log.review_state for log in logs] == [
        State.NEW,
        State.LEARNING,
        State.REVIEW,
    ]
    # the memory equals replaying the history through the scheduler (no fuzz
    # can differ for these short intervals; compare stability and difficulty)
    state = CardState(due=datetime.fromtimestamp(T0 / 1000, tz=UTC))
    for ms, rating in ((T0, 3), (T0 + DAY_MS, 4), (T0 + 3 * DAY_MS, 3)):
        now = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
        state = review(
            state, Rating(rating), options=DeckOptions(), now=now, rng=Random(0)
        ).state
    memory = CardMemory.objects.get(learner=learner, card=first)
    assert memory.stability == pytest.approx(state.stability)
    assert memory.difficulty == pytest.approx(state.difficulty)
    assert memory.reps == 3

    # importing the same file again changes nothing
    assert "Imported 0 reviews" in run(path, "--user", learner.username)
    assert ReviewLog.objects.count() == 4


def test_known_card_ids_are_used_and_the_deck_option_scopes_them(
    tmp_path, learner, deck
):
    card = add_basic(deck).cards.get()
    path = write(tmp_path, f"card_id,review_time,review_rating\n{card.pk},{T0},3\n")
    run(path, "--user", learner.username, "--deck", str(deck.pk))
    assert ReviewLog.objects.get().card_id == card.pk
    assert deck.cards.count() == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"7,{T0},5", "review_rating"),
        (f"7,{T0},0", "review_rating"),
        ("7,last tuesday,3", "review_time"),
        (f"7,{T0},3,0,-4", "review_duration"),
        (f",{T0},3", "card_id"),
        ("7,4102444800000,3", "future"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(
    tmp_path, learner, row, message
):
    path = write(
        tmp_path,
        "card_id,review_time,review_rating,review_state,review_duration\n"
        f"1,{T0},3,0,1000\n"
        f"2,{T0},3,0,1000\n"
        f"{row}\n"
        f"3,{T0},3,0,1000\n",
    )
    with pytest.raises(CommandError) as info:
        run(path, "--user", learner.username)
    assert info.value.returncode != 0
    text = str(info.value)
    assert "\n" not in text  # one line: the bad row, by its line number
    assert text.startswith("Nothing imported; bad row: line 4: ") and message in text
    assert not ReviewLog.objects.exists()
    assert not Deck.objects.exists()
    assert not CardMemory.objects.exists()


def test_two_reviews_of_a_card_at_one_time_are_refused(tmp_path, learner):
    path = write(
        tmp_path,
        f"card_id,review_time,review_rating\n7,{T0},3\n8,{T0},3\n7,{T0},4\n",
    )
    with pytest.raises(CommandError, match=r"line 4: card 7 already has a review"):
        run(path, "--user", learner.username)
    assert not Deck.objects.exists()


def test_the_service_refuses_what_the_command_would(learner):
    when = datetime(2023, 1, 1, tzinfo=UTC)
    row = review_import.ImportedReview(
        2, "7", when, 1_672_531_200_000, Rating.GOOD, None
    )
    again = dataclasses.replace(row, line=3, rating=Rating.EASY)
    with pytest.raises(errors.Invalid) as info:
        services.review_history_import(learner=learner, rows=[row, again])
    assert info.value.fields == {
        "rows": ["line 3: card 7 already has a review at this time (line 2)"]
    }
    with pytest.raises(errors.NotFound, match="no deck with id 999"):
        services.review_history_import(learner=learner, rows=[row], deck="999")
    assert not ReviewLog.objects.exists()


def test_a_missing_column_is_reported(tmp_path, learner):
    path = write(tmp_path, "card_id,review_rating\n1,3\n")
    with pytest.raises(CommandError, match="line 1"):
        run(path, "--user", learner.username)


def test_history_before_a_cards_last_review_is_refused(tmp_path, learner, deck):
    card = add_basic(deck).cards.get()
    run(
        write(
            tmp_path, f"card_id,review_time,review_rating\n{card.pk},{T0 + DAY_MS},3\n"
        ),
        "--user",
        learner.username,
        "--deck",
        str(deck.pk),
    )
    with pytest.raises(CommandError, match="line 2"):
        run(
            write(tmp_path, f"card_id,review_time,review_rating\n{card.pk},{T0},3\n"),
            "--user",
            learner.username,
            "--deck",
            str(deck.pk),
        )
    assert ReviewLog.objects.count() == 1


def test_an_unknown_user_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No user"):
        run(write(tmp_path, "card_id,review_time,review_rating\n"), "--user", "nobody")


def test_several_bad_rows_are_listed_one_line_each(tmp_path, learner):
    path = write(
        tmp_path,
        f"card_id,review_time,review_rating\n1,{T0},9\n2,{T0},3\n3,never,3\n",
    )
    with pytest.raises(CommandError) as info:
        run(path, "--user", learner.username)
    lines = str(info.value).splitlines()
    assert lines[0] == "Nothing imported; bad rows:"
    assert [line.split(":", 1)[0] for line in lines[1:]] == ["line 2", "line 4"]
    assert not Deck.objects.exists()


# --- the bulk import writes what answering each review would ---------------------

DAY = timedelta(days=1)
START = datetime(2023, 3, 1, 9, 30, tzinfo=UTC)


class _Rollback(Exception):
    pass


def _imported_then_rolled_back(path, learner) -> tuple:
    """Import the file; return what it wrote and its message; undo it."""
    try:
        with transaction.atomic():
            out = run(path, "--user", learner.username)
            raise _Rollback(_memories(learner), _logs(learner), out)
    except _Rollback as done:
        return done.args


def _memories(learner) -> dict[int, dict]:
    skip = {"id", "updated_at"}
    return {
        row["card_id"]: {k: v for k, v in row.items() if k not in skip}
        for row in CardMemory.objects.filter(learner=learner).values()
    }


def _logs(learner) -> list[dict]:
    skip = {"id", "created_at"}
    return [
        {k: v for k, v in row.items() if k not in skip}
        for row in ReviewLog.objects.filter(learner=learner)
        .order_by("card_id", "reviewed_at")
        .values()
    ]


def _history(keys: list[str], rng: Random) -> list[tuple[str, datetime, int, int]]:
    """(card key, time, rating, duration) rows, days to weeks apart, lapses
    and a leech among them, so that fuzz, relearning and leech marking all run."""
    rows = []
    for index, key in enumerate(keys):
        at = START + timedelta(hours=7 * index)
        for step in range(12):
            rating = rng.choice((1, 2, 3, 3, 3, 4))
            if index == 0:  # the first card lapses and recovers, again and again
                rating = 1 if step % 2 else 4
            rows.append((key, at, rating, rng.randrange(500, 9000)))
            at += timedelta(days=rng.randrange(1, 25), minutes=rng.randrange(600))
    return rows


def _csv(rows) -> str:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    body = [
        f"{key},{(at - epoch) // timedelta(milliseconds=1)},{rating},,{duration}"
        for key, at, rating, duration in reversed(rows)  # any order will do
    ]
    return "card_id,review_time,review_rating,review_state,review_duration\n" + (
        "\n".join(body) + "\n"
    )


def _answer_each(learner, rows, cards: dict) -> None:
    """The per-answer path: `card_review` for each row, in time order, with
    the clock at the row's time and the import's fuzz source for the card."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    ordered = sorted(rows, key=lambda r: r[1])
    rngs = {}
    for key, at, rating, duration in ordered:
        millis = (at - epoch) // timedelta(milliseconds=1)
        rng = rngs.setdefault(key, import_rng(card_key=key, millis=millis))
        services.card_review(
            learner=learner,
            card_id=cards[key].pk,
            rating=rating,
            client_review_id=import_client_id(card_key=key, millis=millis),
            reviewed_at=at,
            duration_ms=duration,
            now=at,
            rng=rng,
        )


def test_the_bulk_import_writes_what_answering_each_review_would(tmp_path, learner):
    learner.time_zone = "America/New_York"
    learner.day_start_hour = 4
    learner.save()
    fuzzed = services.deck_create(owner=learner, title="Fuzzed", options={})
    burying = services.deck_create(
        owner=learner,
        title="Burying",
        options={"bury_siblings": True, "leech_threshold": 3},
    )
    fitted = [p * 1.05 for p in DeckOptions().parameters]
    scheduler_parameters_set(learner=learner, deck=fuzzed, parameters=fitted)
    both_ways = services.note_create(
        deck=burying, type="basic_reversed", fields={"front": "Q", "back": "A"}
    )
    forward, backward = both_ways.cards.order_by("ordinal")
    new_only = services.note_create(
        deck=fuzzed, type="basic_reversed", fields={"front": "F", "back": "B"}
    ).cards.order_by("ordinal")[0]
    plain = add_basic(fuzzed, front="plain").cards.get()
    answered = add_basic(fuzzed, front="answered").cards.get()
    services.card_review(  # a row that exists, and a version to move on
        learner=learner,
        card_id=answered.pk,
        rating=3,
        client_review_id=uuid.uuid4(),
        reviewed_at=START - 5 * DAY,
        now=START - 5 * DAY,
        rng=Random(1),
    )
    earlier = (START - 10 * DAY).isoformat()
    run(
        write(tmp_path, f"card_id,review_time,review_rating\nx9,{earlier},3\n"),
        "--user",
        learner.username,
    )
    imported_before = Card.objects.get(note__external_id="x9")
    cards = {
        str(forward.pk): forward,
        str(backward.pk): backward,
        str(new_only.pk): new_only,
        str(plain.pk): plain,
        str(answered.pk): answered,
        "x9": imported_before,
    }
    rows = _history(list(cards), Random(11))
    path = write(tmp_path, _csv(rows))
    bulk = _imported_then_rolled_back(path, learner)
    assert f"Imported {len(rows)} reviews" in bulk[2]
    _answer_each(learner, rows, cards)
    one_by_one = (_memories(learner), _logs(learner))
    assert bulk[0] == one_by_one[0]
    assert len(bulk[1]) == len(one_by_one[1]) == len(rows) + 2
    for mine, theirs in zip(bulk[1], one_by_one[1], strict=True):
        assert mine == theirs
    # the history did reach what the comparison is meant to cover
    logs = ReviewLog.objects.filter(learner=learner)
    assert logs.filter(state_after__buried_siblings__isnull=False).exists()
    assert any(log.interval_days > 10 for log in logs)
    assert CardMemory.objects.get(learner=learner, card=forward).leech


def test_reimporting_a_file_changes_nothing(tmp_path, learner):
    rows = _history(["a", "b", "c"], Random(3))
    path = write(tmp_path, _csv(rows))
    run(path, "--user", learner.username)
    memories, logs = _memories(learner), _logs(learner)
    out = run(path, "--user", learner.username)
    assert "Imported 0 reviews of 3 cards (0 new cards)" in out
    assert _memories(learner) == memories and _logs(learner) == logs
    assert Card.objects.filter(deck__owner=learner).count() == 3


def test_a_file_with_more_history_adds_only_the_new_rows(tmp_path, learner):
    rows = _history(["a"], Random(5))
    run(write(tmp_path, _csv(rows[:6])), "--user", learner.username)
    out = run(write(tmp_path, _csv(rows)), "--user", learner.username)
    assert "Imported 6 reviews of 1 cards (0 new cards)" in out
    assert CardMemory.objects.get(learner=learner).reps == 12
    assert ReviewLog.objects.filter(learner=learner).count() == 12


def test_an_import_moves_the_version_so_an_open_study_tab_gets_a_409(
    tmp_path, learner, card
):
    first = services.card_review(
        learner=learner,
        card_id=card.pk,
        rating=3,
        client_review_id=uuid.uuid4(),
        reviewed_at=START - DAY,
        now=START - DAY,
    )
    shown = first.log.state_after["version"]
    rows = [(str(card.pk), START + n * DAY, 3, 1000) for n in range(3)]
    run(write(tmp_path, _csv(rows)), "--user", learner.username)
    memory = CardMemory.objects.get(learner=learner, card=card)
    assert memory.version == shown + 3
    assert memory.last_review == START + 2 * DAY
    with pytest.raises(errors.Conflict):
        services.card_review(
            learner=learner,
            card_id=card.pk,
            rating=3,
            client_review_id=uuid.uuid4(),
            expected_version=shown,
        )


def test_the_queries_but_batched_inserts_do_not_grow_with_the_file(tmp_path, learner):
    def statements(keys: list[str]) -> list[str]:
        path = write(tmp_path, _csv(_history(keys, Random(len(keys)))))
        with CaptureQueriesContext(connection) as captured:
            run(path, "--user", learner.username)
        return [q["sql"].split()[0] for q in captured]

    statements(["first"])  # the first import also makes the learner's deck
    small = statements(["s1", "s2"])
    large = statements([f"b{n}" for n in range(40)])  # 480 reviews
    assert [s for s in small if s != "INSERT"] == [s for s in large if s != "INSERT"]
    assert large.count("INSERT") < 480 / 30  # SQLite: 999 values an insert


def test_a_failure_while_writing_leaves_nothing_imported(
    tmp_path, learner, card, monkeypatch
):
    services.card_review(
        learner=learner,
        card_id=card.pk,
        rating=3,
        client_review_id=uuid.uuid4(),
        reviewed_at=START - DAY,
        now=START - DAY,
    )
    before = _memories(learner), _logs(learner)
    monkeypatch.setattr(review_import, "LOG_BATCH", 5)
    real = QuerySet.bulk_create
    calls = []

    def failing(self, objs, *args, **kwargs):
        if self.model is ReviewLog:
            calls.append(len(objs))
            if len(calls) == 1:
                # the first batch goes in; the database fails on the second
                real(self, objs[:5], *args, **kwargs)
                raise DatabaseError("disk full")
        return real(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing)
    rows = _history([str(card.pk), "new-1", "new-2"], Random(2))
    with pytest.raises(DatabaseError):
        run(write(tmp_path, _csv(rows)), "--user", learner.username)
    assert calls  # the import did reach its writes
    assert (_memories(learner), _logs(learner)) == before
    assert not Deck.objects.filter(title="Imported reviews").exists()
    assert not Note.objects.filter(external_id__startswith="new-").exists()


def test_a_card_answered_during_the_import_is_a_clear_error(
    tmp_path, learner, card, monkeypatch
):
    def raced(self, objs, *args, **kwargs):
        raise IntegrityError("duplicate key value violates fc_memory_learner_card")

    monkeypatch.setattr(QuerySet, "bulk_create", raced)
    rows = [(str(card.pk), START, 3, 1000)]
    with pytest.raises(CommandError, match="answered while the history was imported"):
        run(write(tmp_path, _csv(rows)), "--user", learner.username)
    monkeypatch.undo()
    assert not ReviewLog.objects.exists() and not CardMemory.objects.exists()


def test_a_deck_of_someone_else_is_refused(tmp_path, learner, other_deck):
    rows = [("a", START, 3, 1000)]
    with pytest.raises(CommandError, match=f"has no deck with id {other_deck.pk}"):
        run(
            write(tmp_path, _csv(rows)),
            "--user",
            learner.username,
            "--deck",
            str(other_deck.pk),
        )
    assert not ReviewLog.objects.exists()
    assert other_deck.cards.count() == 0


def test_a_card_the_learner_may_not_read_is_not_theirs_to_import(
    tmp_path, learner, other_learner, other_deck
):
    private = add_basic(other_deck).cards.get()
    rows = [(str(private.pk), START, 3, 1000)]
    out = run(write(tmp_path, _csv(rows)), "--user", learner.username)
    assert "(1 new cards)" in out
    log = ReviewLog.objects.get()
    assert log.learner == learner and log.card_id != private.pk
    assert log.card.deck.owner == learner
    assert not CardMemory.objects.filter(card=private).exists()


def test_a_deck_title_makes_the_deck_and_scopes_the_cards(tmp_path, learner, card):
    rows = [(str(card.pk), START, 3, 1000)]
    out = run(write(tmp_path, _csv(rows)), "--user", learner.username, "--deck", "Old")
    assert "(1 new cards)" in out  # the card is not in "Old": a new one is made
    made = Deck.objects.get(owner=learner, title="Old")
    assert ReviewLog.objects.get().card.deck == made
