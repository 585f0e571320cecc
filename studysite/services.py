"""Writes for accounts.

A password the validators refuse, or a user the model refuses, is
`studysite.errors.Invalid` naming the field.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from studysite import errors
from studysite.models import TEACHER_GROUP, User


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    time_zone: str = "UTC",
    day_start_hour: int = 4,
    teacher: bool = False,
) -> User:
    """Create a learner (or a teacher); the password is validated first."""
    user = User(
        username=username,
        email=email,
        time_zone=time_zone,
        day_start_hour=day_start_hour,
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise errors.Invalid({"password": list(exc.messages)}) from None
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise errors.Invalid(exc.message_dict) from None
    user.save()
    if teacher:
        user_set_teacher(user=user, teacher=True)
    return user


def user_set_teacher(*, user: User, teacher: bool) -> User:
    group, _ = Group.objects.get_or_create(name=TEACHER_GROUP)
    if teacher:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    user.__dict__.pop("_is_teacher", None)
    return user
