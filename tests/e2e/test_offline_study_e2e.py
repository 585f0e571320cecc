"""The study page with a batch of cards, offline study and one clock.

The page loads a batch and shows the next card as soon as a card is rated,
while the answer is sent behind it. Without the network it goes on through
the batch: each answer waits in IndexedDB, the status line says how many, a
reload comes from the service worker and restores the cards and the waiting
answers, and when the network is back every answer arrives once (the
ReviewLog rows say so). Typed cards need the server to check the answer and
are set aside offline; undo takes back a waiting answer on the device; an
answer the server refuses is dropped and said; logging out clears what the
device keeps. Every time on the page is in the account's zone.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from flashcards import services as cards
from flashcards import views
from flashcards.models import Card, ReviewLog
from tests.e2e import axe
from tests.e2e.conftest import basic_deck, guarded_page, login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "[data-role=question]"
STATUS = "[data-role=status]"
ANNOUNCE = "[data-role=announce]"
RATINGS = "[data-role=ratings]"
REVIEWS = "**/api/v1/reviews/"


def study(page, learner, url: str = "/study/") -> None:
    """Sign in, open the study page and wait until it is kept for offline use."""
    login(page, learner.username, PASSWORD)
    page.goto(page.base_url + url)
    page.wait_for_selector(f"{QUESTION} >> text=Card 0")
    page.wait_for_selector("#study[data-offline-ready=yes]")


def shows(page, n: int) -> None:
    page.wait_for_selector(f"{QUESTION} >> text=Card {n}:")


def answer_good(page, n: int) -> None:
    """Rate card n Good by keyboard; wait for the next card (not the server)."""
    shows(page, n)
    page.locator(QUESTION).focus()
    page.keyboard.press("Space")
    page.wait_for_selector(f"{RATINGS} >> text=Good")
    page.keyboard.press("3")


def answer_saved(page, n: int) -> None:
    """Rate card n Good and wait until the server recorded it (201), so that
    no request is left running when the test ends."""
    with page.expect_response(
        lambda r: "/api/v1/reviews/" in r.url and r.status == 201, timeout=20_000
    ):
        answer_good(page, n)


def status(page) -> str:
    return page.locator(STATUS).inner_text().strip()


def wait_status(page, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => document.querySelector(s).textContent.includes(t)",
        arg=[STATUS, text],
    )


def wait_status_clear(page) -> None:
    page.wait_for_function(
        "(s) => document.querySelector(s).textContent === ''", arg=STATUS
    )


def counts(page) -> str:
    return " ".join(page.locator("[data-role=counts]").inner_text().split())


def test_answers_given_offline_survive_a_reload_and_arrive_once(page, monkeypatch):
    rendered = []
    real_page = views._study_page
    monkeypatch.setattr(
        views, "_study_page", lambda *a, **k: rendered.append(1) or real_page(*a, **k)
    )
    learner = UserFactory()
    basic_deck(learner, count=8)
    study(page, learner)
    for n in (0, 1):
        answer_saved(page, n)
    shows(page, 2)
    assert ReviewLog.objects.filter(learner=learner).count() == 2

    page.context.set_offline(True)
    for n in (2, 3, 4):
        answer_good(page, n)
    shows(page, 5)
    wait_status(page, "Offline: 3 answers waiting.")
    # Said once, when the network went; not again with each answer.
    assert page.locator(ANNOUNCE).inner_text() == ""
    assert counts(page) == "3 new · 0 learning · 0 to review"
    assert page.locator(STATUS).evaluate("(n) => !n.closest('[aria-live]')")
    page.shots("offline with 3 answers waiting")
    assert ReviewLog.objects.filter(learner=learner).count() == 2

    # A reload without the network: the worker gives the page, the page gives
    # back the cards and the waiting answers.
    renders = len(rendered)
    response = page.reload()
    assert response.from_service_worker and len(rendered) == renders  # the kept copy
    shows(page, 5)
    wait_status(page, "Offline: 3 answers waiting.")
    assert counts(page) == "3 new · 0 learning · 0 to review"
    page.wait_for_selector("[data-role=undo]:visible")
    answer_good(page, 5)
    shows(page, 6)
    wait_status(page, "Offline: 4 answers waiting.")
    assert ReviewLog.objects.filter(learner=learner).count() == 2

    page.context.set_offline(False)
    page.wait_for_function(
        "(s) => document.querySelector(s).textContent.startsWith('Back online: 4')",
        arg=ANNOUNCE,
    )
    wait_status_clear(page)
    logs = ReviewLog.objects.filter(learner=learner)
    assert logs.count() == 6
    assert len(set(logs.values_list("client_review_id", flat=True))) == 6
    assert sorted(logs.values_list("card__note__fields__front", flat=True)) == [
        f"Card {n}: how many bits?" for n in range(6)
    ]
    shows(page, 6)
    assert counts(page) == "2 new · 0 learning · 0 to review"
    page.shots("back online, all sent")


def test_the_next_card_shows_while_the_answer_is_still_on_its_way(page):
    learner = UserFactory()
    basic_deck(learner, count=5)
    study(page, learner)
    held = []
    page.route(REVIEWS, lambda route, request: held.append(route))
    with page.expect_request(lambda r: "/api/v1/reviews/" in r.url):
        answer_good(page, 0)
    shows(page, 1)  # at once: the answer is not back
    while not held:  # the route's handler runs after the request event
        page.wait_for_timeout(20)
    assert len(held) == 1 and not ReviewLog.objects.exists()
    assert page.locator(QUESTION).inner_text().startswith("Card 1:")
    assert counts(page) == "4 new · 0 learning · 0 to review"
    body = held[0].request.post_data_json
    assert "next" not in body
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", body["reviewed_at"]
    )
    assert body["version"] == 0 and uuid.UUID(body["client_review_id"])
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        held[0].continue_()
    page.unroute(REVIEWS)
    log = ReviewLog.objects.get(learner=learner)
    assert str(log.client_review_id) == body["client_review_id"]
    assert status(page) == ""


def test_a_card_answered_again_comes_back_once_it_is_due(page):
    learner = UserFactory()
    deck = cards.deck_create(
        owner=learner, title="Steps", options={"learning_steps": ["3s", "10m"]}
    )
    for n in range(3):
        cards.note_create(
            deck=deck, type="basic", fields={"front": f"Card {n}: ?", "back": "!"}
        )
    study(page, learner, f"/study/deck/{deck.pk}/")
    shows(page, 0)
    page.keyboard.press("Space")
    page.wait_for_selector(f"{RATINGS} >> text=Again")
    # The answer, then a load once the card is due again (the server says when).
    with page.expect_response(lambda r: "/study/queue" in r.url, timeout=20_000):
        page.keyboard.press("1")
        shows(page, 1)
    page.wait_for_function(
        "() => document.querySelector('[data-count=learning]').textContent === '1'"
    )
    answer_saved(page, 1)
    shows(page, 0)  # before card 2: learning cards come first
    assert counts(page) == "1 new · 1 learning · 0 to review"


def test_offline_with_no_card_left_the_page_waits_and_goes_on_online(page):
    learner = UserFactory()
    basic_deck(learner, count=2)
    study(page, learner)
    page.context.set_offline(True)
    answer_good(page, 0)
    answer_good(page, 1)
    panel = page.locator("[data-role=paused]")
    panel.wait_for()
    page.wait_for_function(
        "() => document.activeElement === document.querySelector('[data-role=paused]')"
    )
    assert page.get_by_role("region", name="Waiting for the network").count()
    assert "The cards kept on this device are done" in panel.inner_text()
    wait_status(page, "Offline: 2 answers waiting.")
    page.shots("offline, the kept cards done")
    page.context.set_offline(False)
    page.wait_for_selector("[data-role=summary]:visible")
    page.wait_for_function(
        "() => document.activeElement === document.querySelector('[data-role=summary]')"
    )
    assert panel.is_hidden()
    assert ReviewLog.objects.filter(learner=learner).count() == 2
    assert page.locator("[data-summary=answered]").inner_text() == "2"


def test_a_typed_card_is_set_aside_offline_and_comes_back_online(page):
    learner = UserFactory()
    deck = cards.deck_create(owner=learner, title="Mixed")
    cards.note_create(
        deck=deck, type="basic", fields={"front": "Card 0: a", "back": "b"}
    )
    cards.note_create(
        deck=deck, type="numeric", fields={"question": "Card 1: 2 + 2?", "answer": "4"}
    )
    cards.note_create(
        deck=deck, type="basic", fields={"front": "Card 2: c", "back": "d"}
    )
    study(page, learner, f"/study/deck/{deck.pk}/")
    page.context.set_offline(True)
    answer_good(page, 0)
    shows(page, 2)  # the typed card went aside
    wait_status(page, "1 card is set aside: it needs the network to check the answer")
    assert "comes back when you are online" in status(page)
    page.wait_for_function(
        "(s) => document.querySelector(s).textContent.includes('set aside')",
        arg=ANNOUNCE,
    )
    page.context.set_offline(False)
    wait_status_clear(page)
    assert ReviewLog.objects.filter(learner=learner).count() == 1
    answer_saved(page, 2)
    shows(page, 1)  # back with the network
    page.wait_for_function("() => document.activeElement.id === 'typed-answer'")


def test_undo_takes_back_a_waiting_answer_on_the_device(page):
    learner = UserFactory()
    basic_deck(learner, count=3)
    study(page, learner)
    page.context.set_offline(True)
    answer_good(page, 0)
    shows(page, 1)
    wait_status(page, "Offline: 1 answer waiting.")
    assert counts(page) == "2 new · 0 learning · 0 to review"
    page.locator(QUESTION).focus()
    page.keyboard.press("u")
    shows(page, 0)
    assert "undone" in page.locator(ANNOUNCE).inner_text()
    wait_status(page, "Offline: your answers are kept on this device")
    assert counts(page) == "3 new · 0 learning · 0 to review"
    assert page.locator("[data-role=undo]").is_hidden()
    page.context.set_offline(False)
    wait_status_clear(page)
    assert not ReviewLog.objects.exists()
    answer_saved(page, 0)
    assert ReviewLog.objects.filter(learner=learner).count() == 1


def test_a_waiting_answer_the_server_refuses_is_dropped_and_said(page):
    learner = UserFactory()
    basic_deck(learner, count=3)
    study(page, learner)
    page.context.set_offline(True)
    answer_good(page, 0)
    wait_status(page, "Offline: 1 answer waiting.")
    # Meanwhile another device answers the same card.
    card = Card.objects.get(note__fields__front="Card 0: how many bits?")
    cards.card_review(
        learner=learner, card_id=card.pk, rating=1, client_review_id=uuid.uuid4()
    )
    with page.expect_response(lambda r: "/study/queue" in r.url):  # loaded again
        page.context.set_offline(False)
    wait_status(page, "An answer was not saved: its card was answered elsewhere")
    assert "answered elsewhere" in page.locator(ANNOUNCE).inner_text()
    axe.check(page, "study: a refused answer")
    # Not sent again: the other device's answer is the only one.
    answer_saved(page, 1)
    assert list(ReviewLog.objects.values_list("card_id", "rating").order_by("id")) == [
        (card.pk, 1),
        (Card.objects.get(note__fields__front="Card 1: how many bits?").pk, 3),
    ]


STUDY_DATA = """async () => {
  const dbs = (await indexedDB.databases()).map((d) => d.name);
  const kept = await caches.keys();
  return [...dbs, ...kept].filter((name) => name.startsWith("study-"));
}"""


def test_logging_out_clears_what_the_device_keeps(page):
    learner = UserFactory()
    basic_deck(learner, count=3)
    study(page, learner)
    answer_saved(page, 0)
    shows(page, 1)
    assert f"study-{learner.pk}" in page.evaluate(STUDY_DATA)
    # With an answer waiting, logging out asks first (declined here).
    page.context.set_offline(True)
    answer_good(page, 1)
    wait_status(page, "Offline: 1 answer waiting.")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Log out").click()
    page.wait_for_function("() => true")
    assert asked and "1 answer has not reached the server" in asked[0]
    assert page.url.endswith("/study/")
    with page.expect_response(
        lambda r: "/api/v1/reviews/" in r.url and r.status == 201, timeout=20_000
    ):
        page.context.set_offline(False)
    wait_status_clear(page)
    # The outbox forgets the answer just after the server's 201; a logout in
    # that instant may still ask, and is confirmed (the answer is stored).
    page.on("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    assert urlparse(page.url).path != "/study/"
    assert page.evaluate(STUDY_DATA) == []
    assert ReviewLog.objects.filter(learner=learner).count() == 2


@pytest.fixture
def new_york_page(browser, live_server, request) -> Iterator[object]:
    """A browser in New York (en-US) for a learner whose account says Tokyo."""
    yield from guarded_page(
        browser,
        live_server,
        request,
        timezone_id="America/New_York",
        locale="en-US",
    )


def test_every_time_on_the_page_is_in_the_account_zone(new_york_page):
    page = new_york_page
    learner = UserFactory(time_zone="Asia/Tokyo")
    deck = basic_deck(learner, count=1)
    card = deck.cards.get()
    cards.card_review(
        learner=learner, card_id=card.pk, rating=1, client_review_id=uuid.uuid4()
    )
    due = card.memories.get(learner=learner).due
    assert due > timezone.now() + timedelta(seconds=30)
    local = due.astimezone(ZoneInfo("Asia/Tokyo"))
    expected = f"{local.hour % 12 or 12}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
    login(page, learner.username, PASSWORD)
    page.goto(page.base_url + "/study/")
    page.wait_for_selector("[data-role=summary]:visible")

    def said(selector: str) -> str:
        text = page.locator(selector).inner_text()
        return " ".join(text.replace("\u202f", " ").split())

    intro = said("[data-role=intro] time")
    summary = said("[data-summary=next] time")
    assert intro == summary == expected
    assert page.get_attribute("[data-role=intro] time", "datetime").startswith(
        local.strftime("%Y-%m-%dT%H:%M")
    )
    page.shots("a learning card comes back, in Tokyo time")
