"""Each learner's scheduling rows (fitted parameters, daily limits) come from
the shared cache: no query while it holds them, the new values right after
any write, and the database whenever the cache misses, fails or is down,
never this process's memory standing in for Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flashcards import parameters, services
from flashcards.models import LearnerDeckLimits, SchedulerParameters
from flashcards.parameters import deck_options_for, deck_options_map
from flashcards.scheduling import DeckOptions
from tests.studysite.redis_server import RedisServer

pytestmark = pytest.mark.django_db

# Fitted parameters: the defaults with the first few initial stabilities doubled.
FITTED = [
    value * 2 if n < 3 else value for n, value in enumerate(DeckOptions().parameters)
]
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _key(learner) -> str:
    return parameters._KEY.format(learner.pk)


def _queries(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return result, len(queries)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write as its own committed transaction (on-commit hooks run)."""

    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


@pytest.fixture
def redis_cache(settings) -> Iterator:
    """Point the default cache at a Redis URL, as the service configures it."""

    def use(url: str, **options: object) -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "studysite.cache.ResilientRedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "studysite",
                "TIMEOUT": 300,
                "OPTIONS": {
                    "socket_connect_timeout": 0.5,
                    "socket_timeout": 0.5,
                    **options,
                },
            }
        }

    yield use
    caches["default"].clear()


@pytest.fixture(autouse=True)
def _nothing_unsent() -> Iterator[None]:
    parameters._unsent.clear()
    yield
    parameters._unsent.clear()


# --- a warm cache costs no query --------------------------------------------------


def test_the_second_call_makes_no_query(learner, deck, django_assert_num_queries):
    first, count = _queries(lambda: deck_options_for(learner=learner, deck=deck))
    assert count == 2  # the learner's parameters and limits, once
    with django_assert_num_queries(0):
        again = deck_options_for(learner=learner, deck=deck)
    assert again == first


def test_the_queue_map_reads_the_cache_once_and_no_query(
    learner, deck, teacher_deck, monkeypatch, django_assert_num_queries
):
    deck_options_for(learner=learner, deck=deck)  # warms the learner's entry
    backend = caches["default"]
    gets = []
    real_get = backend.get
    monkeypatch.setattr(
        backend, "get", lambda *a, **k: gets.append(a) or real_get(*a, **k)
    )
    with django_assert_num_queries(0):
        options = deck_options_map(learner=learner, decks=[deck, teacher_deck])
    assert len(gets) == 1
    assert set(options) == {deck.pk, teacher_deck.pk}


# --- every write is seen by the next call ------------------------------------------


def test_after_setting_limits_the_next_call_has_them(learner, deck, committed):
    assert deck_options_for(learner=learner, deck=deck).new_per_day == 20
    committed(
        services.deck_limits_set,
        learner=learner,
        deck_id=deck.pk,
        new_per_day=3,
        reviews_per_day=40,
    )
    options = deck_options_for(learner=learner, deck=deck)
    assert (options.new_per_day, options.reviews_per_day) == (3, 40)
    _, count = _queries(lambda: deck_options_for(learner=learner, deck=deck))
    assert count == 0
    committed(services.deck_limits_clear, learner=learner, deck_id=deck.pk)
    assert deck_options_for(learner=learner, deck=deck).new_per_day == 20


def test_after_a_fit_is_stored_the_next_call_has_its_parameters(
    learner, deck, committed
):
    assert deck_options_for(learner=learner, deck=deck).parameters != tuple(FITTED)
    committed(
        parameters.scheduler_parameters_set,
        learner=learner,
        deck=None,
        parameters=FITTED,
    )
    assert deck_options_for(learner=learner, deck=deck).parameters == tuple(FITTED)
    options = deck_options_map(learner=learner, decks=[deck])
    assert options[deck.pk].parameters == tuple(FITTED)


def test_inside_the_writing_transaction_the_new_rows_are_read_and_not_kept(
    learner, deck
):
    deck_options_for(learner=learner, deck=deck)
    services.deck_limits_set(  # the test's transaction is still open
        learner=learner, deck_id=deck.pk, new_per_day=7, reviews_per_day=None
    )
    assert deck_options_for(learner=learner, deck=deck).new_per_day == 7
    assert caches["default"].get(_key(learner)) == parameters._WRITING


def test_a_row_changed_outside_the_services_drops_the_entry(learner, deck, committed):
    committed(
        parameters.scheduler_parameters_set,
        learner=learner,
        deck=deck,
        parameters=FITTED,
    )
    assert deck_options_for(learner=learner, deck=deck).parameters == tuple(FITTED)
    committed(lambda: SchedulerParameters.objects.get(learner=learner).delete())
    assert deck_options_for(learner=learner, deck=deck).parameters != tuple(FITTED)
    row = LearnerDeckLimits(learner=learner, deck=deck, new_per_day=4)
    committed(row.save)  # the admin's path
    assert deck_options_for(learner=learner, deck=deck).new_per_day == 4


def test_a_deleted_deck_drops_the_entry_and_leaves_the_others_right(
    learner, deck, committed
):
    other = services.deck_create(owner=learner, title="Other")
    for each in (deck, other):
        committed(
            services.deck_limits_set,
            learner=learner,
            deck_id=each.pk,
            new_per_day=5,
            reviews_per_day=None,
        )
    deck_options_map(learner=learner, decks=[deck, other])
    committed(services.deck_delete, deck=deck)
    assert caches["default"].get(_key(learner)) is None
    assert deck_options_map(learner=learner, decks=[other])[other.pk].new_per_day == 5


def test_one_learners_write_leaves_anothers_entry(
    learner, other_learner, deck, committed, django_assert_num_queries
):
    deck_options_for(learner=other_learner, deck=deck)
    committed(
        services.deck_limits_set,
        learner=learner,
        deck_id=deck.pk,
        new_per_day=1,
        reviews_per_day=1,
    )
    with django_assert_num_queries(0):
        assert deck_options_for(learner=other_learner, deck=deck).new_per_day == 20


def test_an_entry_of_another_shape_is_replaced(learner, deck):
    caches["default"].set(_key(learner), {"old": "shape"})
    assert deck_options_for(learner=learner, deck=deck).new_per_day == 20
    _, count = _queries(lambda: deck_options_for(learner=learner, deck=deck))
    assert count == 0


# --- a cache that misses, fails or is down: the database -----------------------------


def test_a_cache_that_raises_falls_back_to_the_database(
    learner, deck, committed, monkeypatch
):
    committed(
        services.deck_limits_set,
        learner=learner,
        deck_id=deck.pk,
        new_per_day=11,
        reviews_per_day=None,
    )

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    backend = caches["default"]
    for name in ("get", "add", "set", "delete", "delete_many"):
        monkeypatch.setattr(backend, name, broken)
    assert deck_options_for(learner=learner, deck=deck).new_per_day == 11
    committed(  # a write while it is down does not fail either
        services.deck_limits_set,
        learner=learner,
        deck_id=deck.pk,
        new_per_day=12,
        reviews_per_day=None,
    )
    assert deck_options_map(learner=learner, decks=[deck])[deck.pk].new_per_day == 12


def test_a_cache_that_always_misses_still_gives_the_rows(
    learner, deck, committed, monkeypatch
):
    committed(
        services.deck_limits_set,
        learner=learner,
        deck_id=deck.pk,
        new_per_day=13,
        reviews_per_day=None,
    )
    monkeypatch.setattr(caches["default"], "get", lambda *a, **k: None)
    for _ in range(2):
        options, count = _queries(lambda: deck_options_for(learner=learner, deck=deck))
        assert options.new_per_day == 13
        assert count == 2


def test_with_redis_unreachable_every_call_reads_the_database_not_process_memory(
    redis_cache, learner, deck, committed
):
    redis_cache(UNREACHABLE)
    assert deck_options_for(learner=learner, deck=deck).new_per_day == 20
    # Another web process changes the row; nothing of it reaches this process.
    LearnerDeckLimits.objects.bulk_create(
        [LearnerDeckLimits(learner=learner, deck=deck, new_per_day=30)]
    )
    options, count = _queries(lambda: deck_options_for(learner=learner, deck=deck))
    assert options.new_per_day == 30
    assert count == 2


def test_with_a_real_redis_the_entry_is_shared_and_an_outage_is_a_miss(
    redis_cache, tmp_path, learner, deck, committed
):
    server = RedisServer(tmp_path)
    server.start()
    try:
        redis_cache(server.url, RETRY_SECONDS=0)
        deck_options_for(learner=learner, deck=deck)
        _, count = _queries(lambda: deck_options_for(learner=learner, deck=deck))
        assert count == 0
        server.stop()
        committed(
            services.deck_limits_set,
            learner=learner,
            deck_id=deck.pk,
            new_per_day=8,
            reviews_per_day=None,
        )
        assert deck_options_for(learner=learner, deck=deck).new_per_day == 8
        assert deck_options_for(learner=learner, deck=deck).new_per_day == 8
    finally:
        server.stop()


def test_a_drop_that_missed_redis_is_sent_when_it_answers_again(
    redis_cache, tmp_path, learner, deck, committed
):
    server = RedisServer(tmp_path, persistent=True)  # keeps the entry over a restart
    server.start()
    try:
        redis_cache(server.url, RETRY_SECONDS=0)
        assert deck_options_for(learner=learner, deck=deck).new_per_day == 20
        server.stop()
        committed(
            services.deck_limits_set,
            learner=learner,
            deck_id=deck.pk,
            new_per_day=6,
            reviews_per_day=None,
        )
        server.start()  # the old entry is back in Redis
        assert deck_options_for(learner=learner, deck=deck).new_per_day == 6
        _, count = _queries(lambda: deck_options_for(learner=learner, deck=deck))
        assert count == 0
    finally:
        server.stop()
