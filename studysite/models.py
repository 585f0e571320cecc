from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

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
    """

    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    day_start_hour = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text="Hour (0-23, local time) at which a new study day begins.",
    )

    @property
    def is_teacher(self) -> bool:
        if not hasattr(self, "_is_teacher"):
            self._is_teacher = self.groups.filter(name=TEACHER_GROUP).exists()
        return self._is_teacher

    @property
    def role(self) -> str:
        return "teacher" if self.is_teacher else "learner"
