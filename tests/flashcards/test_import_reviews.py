"""manage.py import_reviews: FSRS optimizer CSV, replayed; bad rows by line."""

from __future__ import annotations

from io import StringIO
from random import Random

import pytest
from django.core.management import CommandError, call_command

from flashcards.models import CardMemory, Deck, ReviewLog
from flashcards.scheduling import CardState, DeckOptions, Rating, State, review
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
    from datetime import UTC, datetime, timedelta

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
    assert "line 4" in str(info.value) and message in str(info.value)
    assert not ReviewLog.objects.exists()
    assert not Deck.objects.exists()
    assert not CardMemory.objects.exists()


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
