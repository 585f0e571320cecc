"""WCAG 2.1 AA in the browser: axe over the pages the journeys do not reach,
in both colour schemes, and the site-wide keyboard behaviour (the menu
button, forms sent back with errors, scroll regions, the focus ring).

The study page, the practice attempt and the long jobs have their own
keyboard and live-region tests beside this file; the journeys run axe at each
of their steps (``page.shots``).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from flashcards import services as cards
from lessons.classes import services as classes
from tests.e2e import axe
from tests.e2e.conftest import login
from tests.factories import PASSWORD, TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
LESSON = "why-precision-matters"


@pytest.fixture
def lessons():
    call_command("load_lessons", stdout=io.StringIO())


@pytest.fixture
def teacher_world():
    teacher = TeacherFactory()
    school_class = classes.class_create(teacher=teacher, name="Precision 101")
    deck = cards.deck_create(owner=teacher, title="Number formats")
    cards.note_create(
        deck=deck, type="basic", fields={"front": "Bits in bf16?", "back": "16"}
    )
    classes.assignment_create(school_class=school_class, deck_id=deck.pk)
    return teacher, school_class, deck


def _audit(page, url: str, state: str) -> None:
    page.goto(page.base_url + url)
    page.wait_for_load_state("networkidle")
    axe.check(page, state)


ANONYMOUS = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_a_visitor_sees_have_no_serious_violation(page, lessons, scheme):
    page.emulate_media(color_scheme=scheme)
    for url in [*ANONYMOUS, "/lessons/", f"/lessons/{LESSON}/"]:
        _audit(page, url, f"visitor {scheme}: {url}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_a_teacher_uses_have_no_serious_violation(
    page, lessons, teacher_world, scheme
):
    teacher, school_class, deck = teacher_world
    page.emulate_media(color_scheme=scheme)
    login(page, teacher.username, PASSWORD)
    urls = [
        "/decks/",
        "/decks/catalog/",
        f"/decks/{deck.pk}/",
        f"/decks/{deck.pk}/notes/new/",
        "/decks/import/",
        "/classes/",
        f"/classes/{school_class.pk}/",
        f"/classes/{school_class.pk}/dashboard/",
        "/teach/quizzes/",
        "/teach/quizzes/new/",
        "/practice/",
        "/study/",
        "/progress/",
        "/demos/",
        "/demos/matmul_throughput/",
        "/settings/scheduler/",
        "/accounts/preferences/",
    ]
    for url in urls:
        _audit(page, url, f"teacher {scheme}: {url}")


def test_at_640_px_the_menu_is_a_button_that_opens_and_closes_by_keyboard(
    browser, live_server
):
    context = browser.new_context(viewport={"width": 640, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/")
    button = page.locator("[data-menu-button]")
    login_link = page.locator(".nav-account a", has_text="Log in")
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "site-menu"
    assert not login_link.is_visible()

    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the site's name
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.menuButton") == ""
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert login_link.is_visible()
    axe.check(page, "menu open at 640 px")

    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.dataset.menuButton") == ""
    assert not login_link.is_visible()

    page.keyboard.press("Space")
    assert login_link.is_visible()
    # Tab walks into the open menu; Enter on a link follows it.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Log in":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/accounts/login/")
    context.close()


def test_at_full_width_the_links_show_and_the_menu_button_does_not(page):
    page.goto(page.base_url + "/")
    assert not page.locator("[data-menu-button]").is_visible()
    assert page.locator(".nav-account a", has_text="Log in").is_visible()


def test_without_script_the_links_stay_reachable_at_640_px(browser, live_server):
    context = browser.new_context(
        viewport={"width": 640, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert not page.locator("[data-menu-button]").is_visible()
    assert page.locator(".nav-account a", has_text="Log in").is_visible()
    context.close()


def test_a_form_sent_back_puts_focus_on_the_first_invalid_field_linked_to_its_error(
    page,
):
    page.goto(page.base_url + "/accounts/signup/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_password1", "a-long-unusual-pass-42")
    page.fill("#id_password2", "something-else-entirely-7")
    page.click("form button[type=submit]")
    page.wait_for_selector(".field-error")
    # site.js (deferred) moves focus from the autofocused username once it runs.
    page.wait_for_function("() => document.activeElement.id === 'id_password2'")
    described = page.evaluate(
        """() => document.activeElement.getAttribute('aria-describedby')
              .split(' ').map((id) => document.getElementById(id).textContent)"""
    )
    assert any("didn’t match" in text or "didn't match" in text for text in described)
    assert page.get_attribute("#id_password2", "aria-invalid") == "true"
    axe.check(page, "signup with errors")


def test_a_login_refused_puts_focus_on_the_forms_error(page):
    UserFactory(username="someone")
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "someone")
    page.fill("#id_password", "not-the-password")
    page.click("form button[type=submit]")
    page.wait_for_selector(".form-errors")
    page.wait_for_function(
        "() => document.activeElement.classList.contains('form-errors')"
    )
    axe.check(page, "login refused")


def test_a_table_wider_than_a_phone_is_a_named_focusable_region(
    browser, live_server, teacher_world
):
    teacher, school_class, _ = teacher_world
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.base_url = live_server.url
    login(page, teacher.username, PASSWORD)
    page.goto(live_server.url + f"/classes/{school_class.pk}/dashboard/")
    region = page.locator("[data-scroll-region]").first
    region.wait_for()
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("role") == "region"
    assert "(table, scrolls sideways)" in region.get_attribute("aria-label")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('[data-scroll-region]').scrollLeft > 0"
    )
    axe.check(page, "class dashboard at 320 px")
    context.close()


def test_focus_shows_the_sites_own_ring(page):
    page.goto(page.base_url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"""
    )
    assert outline == ["solid", "3px", "rgb(11, 92, 173)"]


def test_flash_messages_are_a_list_inside_a_status_region(page, teacher_world):
    teacher, _, deck = teacher_world
    learner = UserFactory()
    school_class = classes.class_create(teacher=teacher, name="Second class")
    login(page, learner.username, PASSWORD)
    page.goto(page.base_url + "/classes/")
    page.fill("#id_code", school_class.join_code)
    page.click("form[action$='/classes/join/'] button[type=submit]")
    page.wait_for_selector(".messages li")
    assert page.locator("[role=status] > ul.messages > li").count() >= 1
    assert page.locator("ul[role]").count() == 0
    axe.check(page, "joined a class (message shown)")
