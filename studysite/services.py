"""Writes for accounts."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.db import transaction

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
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.full_clean()
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
