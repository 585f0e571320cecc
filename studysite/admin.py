from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from studysite.models import User
from studysite.services import user_set_teacher


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "time_zone", "is_staff", "last_login")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Study", {"fields": ("time_zone", "day_start_hour", "keyboard_shortcuts")}),
    )
    actions = ("make_teacher", "make_learner")

    @admin.display(description="Role")
    def role(self, obj: User) -> str:
        return obj.role

    @admin.action(description="Promote to teacher")
    def make_teacher(self, request, queryset) -> None:
        for user in queryset:
            user_set_teacher(user=user, teacher=True)
        self.message_user(request, f"{queryset.count()} user(s) are now teachers.")

    @admin.action(description="Make learner only (remove teacher role)")
    def make_learner(self, request, queryset) -> None:
        for user in queryset:
            user_set_teacher(user=user, teacher=False)
        self.message_user(request, f"{queryset.count()} user(s) are now learners only.")
