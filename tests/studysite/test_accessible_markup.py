"""Markup every page shares: errors linked to their fields, the menu button,
the messages region, and images that always carry alt text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.markup import render_user_markdown, sanitize_html

pytestmark = pytest.mark.django_db


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def test_every_id_a_field_is_described_by_is_on_the_page(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "", "password1": "a-long-unusual-pass-42", "password2": "other"},
    )
    assert response.status_code == 400  # a form sent back with errors
    html = response.content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described, "the fields with errors are described"
    ids = _ids(html)
    for value in described:
        for ref in value.split():
            assert ref in ids, f"{ref} is referenced but no element has it"
    assert 'id="id_password2_error"' in html
    assert re.search(r'id="id_password2"[^>]*aria-invalid="true"', html) or re.search(
        r'aria-invalid="true"[^>]*id="id_password2"', html
    )


def test_field_errors_are_not_each_an_alert(client):
    html = client.post("/accounts/signup/", {"username": ""}).content.decode()
    assert 'class="field-error" role="alert"' not in html


def test_the_menu_is_a_button_that_controls_the_menu(client):
    html = client.get("/").content.decode()
    button = re.search(r"<button[^>]*data-menu-button[^>]*>", html).group(0)
    assert 'aria-expanded="false"' in button
    assert 'aria-controls="site-menu"' in button
    assert 'id="site-menu"' in html
    assert 'type="checkbox" id="nav-toggle"' not in html


def test_messages_are_a_plain_list_inside_a_status_region(client, learner):
    client.force_login(learner)
    response = client.post("/classes/join/", {"code": "NOSUCHCODE"}, follow=True)
    html = response.content.decode()
    assert '<ul class="messages" role' not in html
    if 'class="messages"' in html:
        assert re.search(r'<div role="status">\s*<ul class="messages">', html)


def test_an_image_without_alt_gets_an_empty_one_and_a_given_alt_is_kept():
    assert sanitize_html("<img src=x onerror=alert(1)>") == '<img alt="" src="x">'
    assert sanitize_html('<img alt="Bit layout" src="/a.png">') == (
        '<img alt="Bit layout" src="/a.png">'
    )
    assert "alt=" not in sanitize_html("<p>&lt;img src=x&gt;</p>")


@given(st.text(alphabet="<>img srcalt=\"' x/", max_size=60))
def test_every_image_the_sanitizer_keeps_has_alt_text(text):
    html = render_user_markdown(text)
    for tag in re.findall(r"<img\b[^>]*>", html):
        assert re.search(r'\salt="', tag), tag


def _references_resolve(html: str) -> None:
    ids = _ids(html)
    for value in re.findall(
        r'aria-(?:describedby|labelledby|controls)="([^"]+)"', html
    ):
        for ref in value.split():
            assert ref in ids, f"{ref} is referenced but no element has it"


def test_a_demo_form_sent_back_links_each_error_to_its_field(client, learner):
    client.force_login(learner)
    response = client.post(
        "/demos/matmul_throughput/",
        {"min_size": "-3", "max_size": "banana", "dtypes": ["fp64"]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "_error" in html
    _references_resolve(html)


@pytest.mark.parametrize(
    "url", ["/", "/accounts/login/", "/accounts/signup/", "/demos/matmul_throughput/"]
)
def test_every_aria_reference_on_a_page_points_at_an_element(client, learner, url):
    client.force_login(learner)
    _references_resolve(client.get(url).content.decode())
