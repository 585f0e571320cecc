"""workers 0004 on a populated database: accepted fits become flashcards'
`SchedulerParameters`, the newest of each learner and scope, and reversing
empties only the new table (every fit is kept both ways)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("workers", "0003_demo_run_sharing"),
    ("flashcards", "0004_scheduler_parameters"),
]
AFTER = [("workers", "0004_accepted_parameters_to_flashcards")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def before(transactional_db) -> Iterator:
    try:
        yield _migrate(BEFORE)
    finally:
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())


def _fit(apps, learner, *, deck=None, parameters, accepted=True, age_days=0):
    return apps.get_model("workers", "SchedulerFit").objects.create(
        learner_id=learner.pk,
        scope="all" if deck is None else f"deck:{deck.pk}",
        deck_id=None if deck is None else deck.pk,
        status="succeeded",
        accepted=accepted,
        new_parameters=parameters,
        finished_at=timezone.now() - timedelta(days=age_days),
    )


def test_the_newest_accepted_fit_of_each_scope_becomes_the_learners(before):
    apps = before
    User = apps.get_model("studysite", "User")
    Deck = apps.get_model("flashcards", "Deck")
    learner = User.objects.create(username="ada")
    other = User.objects.create(username="bo")
    deck = Deck.objects.create(owner_id=learner.pk, title="Formats")
    p = [0.1 * i for i in range(21)]
    _fit(apps, learner, parameters=[1.0] * 21, age_days=3)
    newest = _fit(apps, learner, parameters=p, age_days=1)
    _fit(apps, learner, parameters=[9.0] * 21, accepted=False)  # kept defaults
    on_deck = _fit(apps, learner, deck=deck, parameters=[2.0] * 21)
    _fit(apps, other, parameters=[3.0] * 21, accepted=False)

    apps = _migrate(AFTER)
    rows = {
        (r.learner_id, r.deck_id): r
        for r in apps.get_model("flashcards", "SchedulerParameters").objects.all()
    }
    assert set(rows) == {(learner.pk, None), (learner.pk, deck.pk)}
    assert rows[(learner.pk, None)].parameters == p
    assert rows[(learner.pk, None)].fit_id == newest.pk
    assert rows[(learner.pk, deck.pk)].fit_id == on_deck.pk

    apps = _migrate(BEFORE)
    assert not apps.get_model("flashcards", "SchedulerParameters").objects.exists()
    assert apps.get_model("workers", "SchedulerFit").objects.count() == 5
