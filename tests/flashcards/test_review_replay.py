"""The same ``client_review_id`` racing itself: every copy gets the first result.

A probe once sent one review 8 times in parallel and some copies came back
409: each copy had checked for an earlier log before the first had committed,
then waited for the card's memory row, found it moved on (the ``version`` it
was shown, a suspension, a later ``last_review``) and refused. The documented
answer is the first result for every copy: 201 for the one that wrote it, 200
with the same review for the others, and one log.

The answer path now looks for an earlier log only once something refused the
answer (a moved version, the unique constraint, a suspension, a later last
review): by then the copy that wrote it has committed, so the look finds it.
The unit tests count those looks (``reviews._existing``); the integration
test races real threads on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, connections

from flashcards import services
from flashcards.models import CardMemory, ReviewLog
from flashcards.scheduling import Rating
from flashcards.services import reviews
from studysite import errors, rows

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)


def _answer(learner, card, *, client_id, rating=Rating.GOOD, now=NOW, **kwargs):
    return services.card_review(
        learner=learner,
        card_id=card.pk,
        rating=rating,
        client_review_id=client_id,
        now=now,
        rng=Random(1),
        **kwargs,
    )


def _count_looks(monkeypatch) -> list[dict]:
    """Record every look for an earlier log of the same ``client_review_id``."""
    real = reviews._existing
    looks: list[dict] = []

    def existing(**kwargs):
        looks.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(reviews, "_existing", existing)
    return looks


@pytest.mark.django_db
def test_a_first_answer_looks_for_no_earlier_copy(learner, card, monkeypatch):
    looks = _count_looks(monkeypatch)
    result = _answer(learner, card, client_id=uuid.uuid4(), expected_version=0)
    assert result.created and looks == []


@pytest.mark.django_db
def test_a_copy_shown_the_old_version_replays_the_first(learner, card, monkeypatch):
    shown = 0  # both copies carry the version the queue gave
    first = _answer(learner, card, client_id=uuid.uuid4(), expected_version=shown)
    client_id = first.log.client_review_id
    state = CardMemory.objects.get(learner=learner, card=card).card_state()
    looks = _count_looks(monkeypatch)
    again = _answer(
        learner, card, client_id=client_id, expected_version=shown, rating=Rating.EASY
    )
    assert len(looks) == 1  # once the moved version refused it
    assert not again.created
    assert again.log.pk == first.log.pk and again.log.rating == Rating.GOOD
    assert ReviewLog.objects.count() == 1
    assert CardMemory.objects.get(learner=learner, card=card).card_state() == state


@pytest.mark.django_db
def test_a_copy_arriving_after_the_first_suspended_the_card_replays_it(
    learner, deck, card, monkeypatch
):
    """The first copy's lapse made a leech and suspended it; the copy is no 400."""
    services.deck_update(
        deck=deck,
        options={**deck.options, "leech_threshold": 1, "leech_action": "suspend"},
    )
    at = NOW
    _answer(learner, card, client_id=uuid.uuid4(), now=at)  # learning
    for _ in range(6):  # graduate it to review
        at += timedelta(days=30)
        _answer(learner, card, client_id=uuid.uuid4(), now=at, rating=Rating.EASY)
    at += timedelta(days=365)
    client_id = uuid.uuid4()
    first = _answer(learner, card, client_id=client_id, now=at, rating=Rating.AGAIN)
    assert first.log.state_after["suspended"] is True, first.log.state_after
    looks = _count_looks(monkeypatch)
    again = _answer(
        learner, card, client_id=client_id, now=at + timedelta(seconds=1), rating=1
    )
    assert len(looks) == 1  # once the suspension refused it
    assert not again.created and again.log.pk == first.log.pk


@pytest.mark.django_db
def test_a_copy_hitting_the_unique_constraint_replays_the_first(
    learner, card, monkeypatch
):
    client_id = uuid.uuid4()
    first = _answer(learner, card, client_id=client_id)
    looks = _count_looks(monkeypatch)
    # No version: only the log's unique constraint refuses the copy.
    again = _answer(learner, card, client_id=client_id, rating=Rating.HARD)
    assert len(looks) == 1
    assert not again.created and again.log.pk == first.log.pk
    assert ReviewLog.objects.count() == 1


@pytest.mark.django_db
def test_a_version_conflict_without_a_twin_is_still_409(learner, card, monkeypatch):
    _answer(learner, card, client_id=uuid.uuid4(), expected_version=0)
    with pytest.raises(errors.Conflict):
        _answer(learner, card, client_id=uuid.uuid4(), expected_version=0)
    assert ReviewLog.objects.count() == 1


@pytest.mark.django_db
def test_an_integrity_error_without_a_twin_is_a_conflict(learner, card, monkeypatch):
    insert = rows.insert

    def broken(model, values, **kwargs):
        if model is ReviewLog:
            raise IntegrityError("duplicate key")
        return insert(model, values, **kwargs)

    monkeypatch.setattr(rows, "insert", broken)
    with pytest.raises(errors.Conflict):
        _answer(learner, card, client_id=uuid.uuid4())
    assert not CardMemory.objects.filter(learner=learner).exists()


@pytest.mark.django_db
def test_the_same_id_for_another_card_racing_is_still_409(
    learner, deck, card, monkeypatch
):
    from tests.flashcards.conftest import add_basic

    other = add_basic(deck).cards.get()
    client_id = uuid.uuid4()
    _answer(learner, card, client_id=client_id)
    with pytest.raises(errors.Conflict):
        _answer(learner, other, client_id=client_id)


# --- the race for real -----------------------------------------------------------


COPIES = 8


def _needs_postgres() -> None:
    if not settings.INTEGRATION:
        pytest.skip("runs with STUDYSITE_INTEGRATION=1 (see .ci/run)")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent writers)")


def _race(learner, payload: dict, copies: int = COPIES) -> list[tuple[int, dict]]:
    from rest_framework.test import APIClient

    barrier = threading.Barrier(copies)
    results: list[tuple[int, dict] | BaseException] = [None] * copies  # type: ignore[list-item]

    def post(index: int) -> None:
        try:
            client = APIClient()
            client.force_authenticate(learner)
            barrier.wait(timeout=30)
            r = client.post("/api/v1/reviews/", payload, format="json")
            results[index] = (r.status_code, r.json())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results  # type: ignore[return-value]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_version", [True, False], ids=["version", "no-version"])
def test_eight_parallel_copies_all_get_the_first_result(learner, card, with_version):
    _needs_postgres()
    for round_ in range(3):
        client_id = str(uuid.uuid4())
        memory = CardMemory.objects.filter(learner=learner, card=card).first()
        payload = {"card": card.pk, "rating": 3, "client_review_id": client_id}
        if with_version:
            payload["version"] = memory.version if memory else 0
        results = _race(learner, payload)
        codes = sorted(code for code, _ in results)
        assert codes == [200] * (COPIES - 1) + [201], (round_, results)
        ids = {body["review"]["id"] for _, body in results}
        assert len(ids) == 1, results
        assert sum(body["replayed"] for _, body in results) == COPIES - 1
        assert ReviewLog.objects.filter(client_review_id=client_id).count() == 1
    assert ReviewLog.objects.filter(learner=learner, card=card).count() == 3
    assert CardMemory.objects.get(learner=learner, card=card).reps == 3
