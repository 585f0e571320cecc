"""The study page by keyboard and as a screen reader meets it (WCAG 2.1 AA).

Shortcuts act only in the study area and never on a link, a summary, a field
or a button other than a rating; the learner can turn them off (2.1.4). Each
new card focuses its question, the answer and any grading result are said by
one live region before focus moves to the ratings, and the end of a session
focuses its summary. Typed answers are checked by the server (the page
shows its verdict, sends a check once, and keeps the answer when the network
fails). axe-core checks the card's front, the shown answer, a typed result and
the summary.
"""

from __future__ import annotations

import re

import pytest

from flashcards import services as cards
from flashcards.models import ReviewLog
from tests.e2e import axe
from tests.e2e.conftest import basic_deck, login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "[data-role=question]"
BACK = "[data-role=back]"
ANNOUNCE = "[data-role=announce]"
RATINGS = "[data-role=ratings]"
NAV_LINK = ".nav-links a[href='/lessons/']"


def study(page, learner, url: str = "/study/") -> None:
    login(page, learner.username, PASSWORD)
    page.goto(page.base_url + url)
    page.wait_for_selector(f"{QUESTION} >> text=Card 0")


def focused(page, selector: str) -> bool:
    return page.evaluate(
        "(s) => document.activeElement === document.querySelector(s)", selector
    )


def wait_focus(page, selector: str) -> None:
    page.wait_for_function(
        "(s) => document.activeElement === document.querySelector(s)", arg=selector
    )


def answer_hidden(page) -> bool:
    return page.locator(BACK).is_hidden() and page.locator(RATINGS).is_hidden()


class Requests:
    """The API requests the page sends, and a marker to wait behind: a
    request the test sends after a key press is seen after any request that
    the key press started."""

    def __init__(self, page) -> None:
        self.page = page
        self.urls: list[str] = []
        page.on("request", lambda r: self.urls.append(f"{r.method} {r.url}"))

    def settle(self) -> list[str]:
        with self.page.expect_request(lambda r: "marker=1" in r.url):
            self.page.evaluate("fetch('/healthz?marker=1').catch(() => null)")
        return [u for u in self.urls if "/api/v1/" in u]


def rate_good(page) -> None:
    page.keyboard.press("Space")
    page.wait_for_selector(f"{RATINGS} >> text=Good")
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        page.keyboard.press("3")


def test_enter_on_the_skip_link_follows_it_and_does_not_reveal(page):
    learner = UserFactory()
    basic_deck(learner)
    study(page, learner)
    page.focus(".skip-link")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash === '#main'")
    assert answer_hidden(page)
    # A nav link is followed, not taken over.
    page.locator(NAV_LINK).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/lessons/")


def test_enter_on_the_decks_summary_toggles_it_and_does_not_reveal(page):
    learner = UserFactory()
    basic_deck(learner)
    study(page, learner)
    summary = page.locator("summary", has_text="Decks in this review")
    summary.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("details.study-decks[open]")
    assert answer_hidden(page)
    page.keyboard.press("Space")
    page.wait_for_selector("details.study-decks:not([open])")
    assert answer_hidden(page)


def test_with_the_answer_shown_enter_on_a_nav_link_follows_it_and_rates_nothing(
    page,
):
    learner = UserFactory()
    basic_deck(learner)
    study(page, learner)
    requests = Requests(page)
    page.keyboard.press("Space")
    page.wait_for_selector(f"{RATINGS} >> text=Good")
    page.locator(NAV_LINK).focus()
    page.keyboard.press("3")  # no shortcut on a link
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/lessons/")
    assert [u for u in requests.settle() if "/reviews/" in u] == []
    assert not ReviewLog.objects.filter(learner=learner).exists()


def test_u_on_a_footer_link_undoes_nothing(page):
    learner = UserFactory()
    basic_deck(learner)
    study(page, learner)
    rate_good(page)
    page.wait_for_selector(f"{QUESTION} >> text=Card 1")
    page.wait_for_selector("[data-role=undo]:visible")
    requests = Requests(page)
    page.locator(".site-footer a").first.focus()
    page.keyboard.press("u")
    assert requests.settle() == []
    assert ReviewLog.objects.filter(learner=learner).count() == 1
    # In the study area, u undoes and says so.
    page.locator(QUESTION).focus()
    with page.expect_response(lambda r: "/undo/" in r.url):
        page.keyboard.press("u")
    page.wait_for_selector(f"{QUESTION} >> text=Card 0")
    assert "undone" in page.locator(ANNOUNCE).inner_text()


def test_focus_is_on_the_question_and_the_answer_is_announced_on_reveal(page):
    learner = UserFactory()
    basic_deck(learner)
    study(page, learner, "/study/")
    wait_focus(page, QUESTION)
    assert page.get_by_role("region", name=re.compile(r"^Question: Card 0")).count()
    axe.check(page, "study: card front")
    region = page.locator(ANNOUNCE).element_handle()
    # Ctrl, Alt or Meta with a key is never a shortcut.
    page.keyboard.press("Control+Enter")
    assert answer_hidden(page)
    page.keyboard.press("Space")
    page.wait_for_function(
        "(s) => document.querySelector(s).textContent.includes('Answer 0 bits')",
        arg=ANNOUNCE,
    )
    wait_focus(page, RATINGS)
    assert page.get_by_role("group", name="Rate how well you remembered").count()
    axe.check(page, "study: answer shown")
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        page.keyboard.press("3")
    page.wait_for_selector(f"{QUESTION} >> text=Card 1")
    wait_focus(page, QUESTION)
    # The same live region, never swapped out; cleared for the new card.
    assert region.evaluate("(n) => n.isConnected && n.textContent === ''")


def numeric_deck(owner, fields: dict):
    deck = cards.deck_create(owner=owner, title="Numbers")
    cards.note_create(deck=deck, type="numeric", fields=fields)
    return deck


GRADE = "**/api/v1/cards/*/grade/"


def test_a_wrong_typed_answer_is_said_and_enter_rates_it_again(page):
    learner = UserFactory()
    deck = numeric_deck(learner, {"question": "Card 0: what is 2 + 2?", "answer": "4"})
    study(page, learner, f"/study/deck/{deck.pk}/")
    wait_focus(page, "#typed-answer")
    assert page.get_attribute(
        "#typed-answer", "aria-describedby"
    ) == page.get_attribute("[data-role=front]", "id")
    requests = Requests(page)
    page.keyboard.type("7")
    page.keyboard.press("Enter")  # checks the answer on the server; rates nothing
    page.wait_for_selector("[data-role=typed-result].wrong")
    result = page.locator("[data-role=typed-result]").inner_text()
    # The server's verdict, as the server says it.
    assert result == "Not quite: you typed 7; the answer is 4."
    said = page.locator(ANNOUNCE).inner_text()
    assert said.startswith(result) and "Answer: 4" in said
    wait_focus(page, "[data-rating='1']")
    (grade,) = requests.settle()
    assert grade.startswith("POST ") and grade.endswith("/grade/")
    axe.check(page, "study: typed result shown")
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        page.keyboard.press("Enter")
    assert list(
        ReviewLog.objects.filter(learner=learner).values_list("rating", "correct")
    ) == [(1, False)]


def test_a_power_on_an_epsilon_card_is_right_and_enter_rates_it_good(page):
    learner = UserFactory()
    deck = numeric_deck(
        learner,
        {
            "question": "Card 0: the machine epsilon of bf16?",
            "answer": "0.0078125",
            "relative_tolerance": "0.01",
            "explanation": "Seven mantissa bits: epsilon is 2^-7.",
        },
    )
    study(page, learner, f"/study/deck/{deck.pk}/")
    wait_focus(page, "#typed-answer")
    # The answer comes with the server's grade, not before.
    assert "0.0078125" not in page.content()
    page.keyboard.type("2^-7")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-role=typed-result].right")
    result = page.locator("[data-role=typed-result]").inner_text()
    assert result.startswith("Right: ")
    assert "0.0078125" in page.locator(BACK).inner_text()
    said = page.locator(ANNOUNCE).inner_text()
    assert said.startswith(result) and "Answer: 0.0078125" in said
    wait_focus(page, "[data-rating='3']")
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        page.keyboard.press("Enter")
    log = ReviewLog.objects.get(learner=learner)
    assert (log.rating, log.correct, log.answer) == (3, True, "2^-7")


def test_a_check_in_flight_is_sent_once_and_a_failed_one_keeps_the_answer(page):
    learner = UserFactory()
    deck = numeric_deck(
        learner,
        {"question": "Card 0: bytes of 4 bf16 values?", "answer": "8", "unit": "B"},
    )
    study(page, learner, f"/study/deck/{deck.pk}/")
    wait_focus(page, "#typed-answer")
    held = []
    page.route(GRADE, lambda route, request: held.append(route))
    requests = Requests(page)
    page.keyboard.type("64 bits")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-role=status] >> text=Checking")
    page.keyboard.press("Enter")
    page.click("[data-role=show]")
    assert len([u for u in requests.settle() if u.endswith("/grade/")]) == 1
    assert len(held) == 1 and answer_hidden(page)
    held[0].abort()  # the network fails
    page.wait_for_selector("[data-role=status].error >> text=Could not reach")
    assert page.input_value("#typed-answer") == "64 bits"
    assert page.locator("#typed-answer").is_editable()
    assert "Could not reach" in page.locator(ANNOUNCE).inner_text()
    assert answer_hidden(page)
    page.unroute(GRADE)
    page.locator("#typed-answer").focus()
    page.keyboard.press("Enter")  # the learner checks again
    page.wait_for_selector("[data-role=typed-result].right")
    assert page.locator("[data-role=status]").inner_text() == ""
    wait_focus(page, "[data-rating='3']")
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        page.keyboard.press("Enter")
    log = ReviewLog.objects.get(learner=learner)
    assert (log.rating, log.correct, log.answer) == (3, True, "64 bits")


def test_a_wrong_parametric_answer_offers_only_again_and_enter_rates_it(page):
    learner = UserFactory()
    deck = cards.deck_create(owner=learner, title="Problems")
    cards.note_create(
        deck=deck,
        type="parametric",
        fields={"template": "training-memory-fp32", "part": "total", "limits": {}},
    )
    login(page, learner.username, PASSWORD)
    page.goto(page.base_url + f"/study/deck/{deck.pk}/")
    field = page.locator("[data-part=total]")
    field.wait_for()
    wait_focus(page, "[data-part=total]")
    assert field.get_attribute("aria-describedby") == "study-question"
    field.fill("1 B")
    with page.expect_response(lambda r: "/grade/" in r.url):
        page.keyboard.press("Enter")
    wait_focus(page, "[data-rating='1']")
    assert page.locator(f"{RATINGS} button:visible").all_inner_texts() == [
        page.locator("[data-rating='1']").inner_text()
    ]
    said = page.locator(ANNOUNCE).inner_text()
    assert said.startswith("Wrong: ") and "The answer is" in said
    axe.check(page, "study: parametric result shown")
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        page.keyboard.press("Enter")
    assert list(ReviewLog.objects.filter(learner=learner).values_list("rating")) == [
        (1,)
    ]


def test_the_end_of_a_session_focuses_its_summary(page):
    learner = UserFactory()
    basic_deck(learner, count=1)
    study(page, learner)
    rate_good(page)
    page.wait_for_selector("[data-role=summary]:visible")
    wait_focus(page, "[data-role=summary]")
    assert page.get_by_role("region", name="Session done").count()
    axe.check(page, "study: session summary")


def test_with_shortcuts_off_space_and_3_do_nothing_but_the_buttons_work(page):
    learner = UserFactory(keyboard_shortcuts=False)
    basic_deck(learner)
    study(page, learner)
    help_text = page.locator("[data-role=keys-help]")
    assert help_text.inner_text().startswith("Keyboard shortcuts are off")
    assert (
        help_text.locator("a")
        .get_attribute("href")
        .startswith("/accounts/preferences/")
    )
    requests = Requests(page)
    page.locator(QUESTION).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    assert answer_hidden(page)
    page.click("[data-role=show]")
    page.wait_for_selector(f"{RATINGS} >> text=Good")
    page.locator(RATINGS).focus()
    page.keyboard.press("3")
    page.keyboard.press("u")
    assert requests.settle() == []
    with page.expect_response(lambda r: "/api/v1/reviews/" in r.url):
        page.click("[data-rating='3']")
    page.wait_for_selector(f"{QUESTION} >> text=Card 1")
    assert list(ReviewLog.objects.filter(learner=learner).values_list("rating")) == [
        (3,)
    ]


CONTRAST = """() => {
  function rgb(text) { return text.match(/[\\d.]+/g).map(Number); }
  function lum(c) {
    var v = c.slice(0, 3).map(function (x) {
      x = x / 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  return Array.prototype.map.call(document.querySelectorAll(".rate .label"), function (label) {
    var button = label.closest("button");
    var fg = rgb(getComputedStyle(label).color), bg = rgb(getComputedStyle(button).backgroundColor);
    var alpha = fg.length > 3 ? fg[3] : 1;
    fg = fg.slice(0, 3).map(function (x, i) { return alpha * x + (1 - alpha) * bg[i]; });
    var a = lum(fg), b = lum(bg);
    return {
      rating: button.dataset.rating, text: label.textContent,
      opacity: Number(getComputedStyle(label).opacity) * Number(getComputedStyle(button).opacity),
      ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
    };
  });
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_interval_labels_contrast_at_least_4_5_to_1(page, scheme):
    page.emulate_media(color_scheme=scheme)
    learner = UserFactory()
    basic_deck(learner)
    study(page, learner)
    page.keyboard.press("Space")
    page.wait_for_selector(f"{RATINGS} >> text=Good")
    labels = page.evaluate(CONTRAST)
    assert len(labels) == 4 and all(label["text"] for label in labels)
    for label in labels:
        assert label["opacity"] == 1, label
        assert label["ratio"] >= 4.5, label
    # The counters say what they count, not only in colour.
    counts = page.locator("[data-role=counts]").inner_text()
    assert re.fullmatch(r"3 new · 0 learning · 0 to review", counts.strip()), counts
    axe.check(page, f"study: ratings in the {scheme} scheme")
