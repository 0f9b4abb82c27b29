"""Admin: the user list gains an "instructor" column and actions to grant or revoke it."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from .roles import grant_instructor, is_instructor, revoke_instructor

admin.site.unregister(User)


@admin.register(User)
class MemberAdmin(UserAdmin):
    list_display = (*UserAdmin.list_display, "instructor")
    actions = ["make_instructor", "remove_instructor"]

    @admin.display(boolean=True, description="Instructor")
    def instructor(self, user: User) -> bool:
        return is_instructor(user)

    @admin.action(description="Make the selected users instructors")
    def make_instructor(self, request, queryset):
        for user in queryset:
            grant_instructor(user)
        self.message_user(request, f"{queryset.count()} user(s) can now run classrooms.", messages.SUCCESS)

    @admin.action(description="Remove the instructor permission from the selected users")
    def remove_instructor(self, request, queryset):
        for user in queryset:
            revoke_instructor(user)
        self.message_user(request, f"{queryset.count()} user(s) can no longer run classrooms.", messages.SUCCESS)
