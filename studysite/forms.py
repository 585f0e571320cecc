from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm

from studysite.models import User, time_zone_choices
from studysite.throttling import count_hit, rate_for

logger = logging.getLogger(__name__)


class SignupForm(UserCreationForm):
    """A new learner's account. The time zone is chosen from the zones the
    server knows (the rule the preferences page and the API apply too); on a
    fresh form ``time-zone.js`` proposes the browser's own zone, and without
    script it stays UTC."""

    email = forms.EmailField(
        required=False, help_text="Only used to reset your password."
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        initial="UTC",
        help_text="Decides which cards are due on your day. Proposed from your "
        "browser where it can be; change it if it is wrong.",
    )
    day_start_hour = forms.IntegerField(
        min_value=0,
        max_value=23,
        initial=4,
        help_text="When your study day begins (0-23).",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "time_zone", "day_start_hour")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Only a fresh form: a form sent back keeps the learner's choice.
            self.fields["time_zone"].widget.attrs["data-browser-time-zone"] = ""


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices)

    class Meta:
        model = User
        fields = ("email", "time_zone", "day_start_hour", "keyboard_shortcuts")


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form; each account gets THROTTLE_PASSWORD_RESET_ACCOUNT
    mails (3 an hour by default), however often and however spelt its address
    is asked for. Past that no mail goes, and the page says what it says for
    an address with no account."""

    def get_users(self, email: str) -> Iterator[User]:
        allowed, seconds = rate_for("password_reset_account")
        for user in super().get_users(email):
            if count_hit(f"password-reset:user:{user.pk}", seconds=seconds) > allowed:
                logger.warning("password reset for user %s: over its limit", user.pk)
                continue
            yield user
