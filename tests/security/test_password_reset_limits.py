"""Password resets are limited per account (THROTTLE_PASSWORD_RESET_ACCOUNT,
3 an hour) and per client address (THROTTLE_PASSWORD_RESET, 10 an hour). Past
an account's limit the page answers exactly as for an address with no account:
it tells nobody whether the account exists or was asked for."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DONE = "/accounts/password_reset/done/"


def _ask(email: str, ip: str = "10.0.0.1", client: Client | None = None):
    return (client or Client()).post(
        "/accounts/password_reset/", {"email": email}, REMOTE_ADDR=ip
    )


def test_an_account_gets_three_reset_mails_an_hour_however_often_it_is_asked(
    learner,
):
    answers = [_ask(learner.email, ip=f"10.0.1.{n}") for n in range(11)]
    assert len(mail.outbox) == 3
    assert all(a.status_code == 302 and a["Location"] == DONE for a in answers)
    assert {m.to[0] for m in mail.outbox} == {learner.email}


def test_past_the_accounts_limit_the_answer_is_the_same_as_for_no_account(learner):
    for n in range(3):
        _ask(learner.email, ip=f"10.0.2.{n}")
    limited = _ask(learner.email, ip="10.0.2.9")
    nobody = _ask("nobody@example.com", ip="10.0.2.10")
    assert len(mail.outbox) == 3
    assert (limited.status_code, limited["Location"]) == (
        nobody.status_code,
        nobody["Location"],
    )
    assert _without_csrf_token(Client().get(limited["Location"])) == (
        _without_csrf_token(Client().get(nobody["Location"]))
    )


def _without_csrf_token(response) -> str:
    return re.sub(r'"X-CSRFToken": "\w+"', "", response.content.decode())


def test_the_limit_is_per_account_not_per_spelling_of_the_address(learner):
    spellings = [learner.email, learner.email.upper(), learner.email.title()]
    for n, email in enumerate(spellings * 2):
        _ask(email, ip=f"10.0.3.{n}")
    assert len(mail.outbox) == 3


def test_one_accounts_limit_leaves_other_accounts_alone(learner, other_learner):
    for n in range(5):
        _ask(learner.email, ip=f"10.0.4.{n}")
    _ask(other_learner.email, ip="10.0.4.99")
    assert [m.to[0] for m in mail.outbox].count(other_learner.email) == 1


def test_one_address_may_ask_ten_times_an_hour(db):
    users = [UserFactory() for _ in range(11)]
    answers = [_ask(user.email, ip="10.0.5.1") for user in users]
    assert [a.status_code for a in answers] == [302] * 10 + [429]
    assert len(mail.outbox) == 10
    refused = answers[-1]
    assert int(refused["Retry-After"]) > 0
    assert b"Too many password reset requests" in refused.content
    # Another address is not held by that one's limit.
    assert _ask(users[-1].email, ip="10.0.5.2").status_code == 302
    assert len(mail.outbox) == 11


def test_the_address_limit_ignores_x_forwarded_for(db):
    codes = [
        Client()
        .post(
            "/accounts/password_reset/",
            {"email": f"someone{n}@example.com"},
            REMOTE_ADDR="10.0.6.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        .status_code
        for n in range(11)
    ]
    assert codes == [302] * 10 + [429]


def test_a_bad_address_is_still_a_form_error(db):
    response = _ask("not an email")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert mail.outbox == []
