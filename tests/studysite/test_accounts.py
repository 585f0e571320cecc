from __future__ import annotations

import re

import pytest
from django.core import mail

from studysite.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "username": "ada",
        "email": "ada@example.com",
        "password1": "a-long-unusual-pass-42",
        "password2": "a-long-unusual-pass-42",
        "time_zone": "Europe/Paris",
        "day_start_hour": 5,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def test_signup_creates_a_learner_and_logs_them_in(client):
    response = _signup(client)
    assert response.status_code == 302
    user = User.objects.get(username="ada")
    assert user.role == "learner"
    assert (user.time_zone, user.day_start_hour) == ("Europe/Paris", 5)
    assert client.get("/").context["user"] == user


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "different-pass-42"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password2"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"day_start_hour": 24}, "day_start_hour"),
        ({"username": ""}, "username"),
    ],
)
def test_signup_with_bad_input_shows_the_form_error_and_creates_nobody(
    client, overrides, field
):
    response = _signup(client, **overrides)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not User.objects.filter(username="ada").exists()


def test_login_and_logout(client, learner):
    response = client.post(
        "/accounts/login/", {"username": learner.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_login_with_a_wrong_password_is_refused(client, learner):
    response = client.post(
        "/accounts/login/", {"username": learner.username, "password": "nope"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_password_change_requires_the_old_password(client, learner):
    client.force_login(learner)
    bad = client.post(
        "/accounts/password_change/",
        {
            "old_password": "wrong",
            "new_password1": "n3w-long-pass-x",
            "new_password2": "n3w-long-pass-x",
        },
    )
    assert bad.status_code == 200 and "old_password" in bad.context["form"].errors
    good = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-long-pass-x",
            "new_password2": "n3w-long-pass-x",
        },
    )
    assert good.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("n3w-long-pass-x")


def test_password_reset_sends_a_link_that_sets_a_new_password(client, learner):
    client.post("/accounts/password_reset/", {"email": learner.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(
        1
    )
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "fresh-long-pass-7", "new_password2": "fresh-long-pass-7"},
    )
    assert done.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("fresh-long-pass-7")


def test_preferences_need_login_and_save_time_zone(client, learner):
    assert client.get("/accounts/preferences/").status_code == 302
    client.force_login(learner)
    response = client.post(
        "/accounts/preferences/",
        {"email": learner.email, "time_zone": "Asia/Tokyo", "day_start_hour": 6},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert (learner.time_zone, learner.day_start_hour) == ("Asia/Tokyo", 6)
    bad = client.post(
        "/accounts/preferences/",
        {"email": "", "time_zone": "Nowhere", "day_start_hour": 6},
    )
    assert bad.status_code == 400
    learner.refresh_from_db()
    assert learner.time_zone == "Asia/Tokyo"


def test_teacher_role_comes_from_the_teacher_group(teacher, learner):
    assert teacher.is_teacher and teacher.role == "teacher"
    assert not learner.is_teacher


def test_admin_is_for_staff_only(client, learner, admin_user):
    client.force_login(learner)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/admin/studysite/user/").status_code == 200


def test_home_page_says_what_the_site_is(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Why precision matters" in html
    assert "Sign up" in html
    assert "cdn" not in html.lower()


def test_user_times_are_shown_in_their_time_zone(client, learner):
    from django.utils import timezone

    learner.time_zone = "America/New_York"
    learner.save()
    client.force_login(learner)
    client.get("/")
    # The middleware activates the zone for the request and resets it after.
    assert timezone.get_current_timezone_name() in ("UTC", "America/New_York")
