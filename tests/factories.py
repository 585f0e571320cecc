from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from studysite.models import TEACHER_GROUP, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    time_zone = "UTC"
    day_start_hour = 4
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class TeacherFactory(UserFactory):
    @factory.post_generation
    def teacher_group(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            group, _ = Group.objects.get_or_create(name=TEACHER_GROUP)
            obj.groups.add(group)
