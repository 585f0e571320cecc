from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

TEACHER_GROUP = "teacher"


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
    ]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.", code="invalid")


class User(AbstractUser):
    """A learner; a member of the ``teacher`` group is also a teacher.

    The time zone and the hour at which the learner's study day starts decide
    what "due today" means for them (Anki's default day start is 4:00).
    ``keyboard_shortcuts`` turns the study page's single-key shortcuts on or
    off (WCAG 2.1.4).
    """

    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    day_start_hour = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text="Hour (0-23, local time) at which a new study day begins.",
    )
    # db_default too: rows written by code that predates the field (an older
    # migration state, a data migration) still get shortcuts on.
    keyboard_shortcuts = models.BooleanField(
        "single-key shortcuts on the study page",
        db_default=True,
        default=True,
        help_text="Space or Enter shows the answer, 1-4 rate it, u undoes the "
        "last answer. Turn them off if they get in the way of a screen reader, "
        "speech input or other keyboard tools; the buttons work either way.",
    )

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a new password, or none, ends every API token of the account.

        A token stands for the password that earned it: changing the password
        on the page, completing a reset, the admin's or ``changepassword``'s
        new password, or an unusable one all end the account's tokens (a
        client signs in again). Django's rehash of the same password on login
        (``check_password`` with a new hasher) is not a change.
        """
        update_fields = kwargs.get("update_fields")
        replaced = self._password is not None or getattr(
            self, "_password_disabled", False
        )
        password_changed = (
            replaced
            and not self._state.adding
            and (update_fields is None or "password" in update_fields)
        )
        with transaction.atomic(using=kwargs.get("using") or self._state.db):
            super().save(*args, **kwargs)
            if password_changed:
                from rest_framework.authtoken.models import Token

                Token.objects.filter(user=self).delete()
        self._password_disabled = False

    @property
    def is_teacher(self) -> bool:
        if not hasattr(self, "_is_teacher"):
            self._is_teacher = self.groups.filter(name=TEACHER_GROUP).exists()
        return self._is_teacher

    @property
    def role(self) -> str:
        return "teacher" if self.is_teacher else "learner"
