"""Admin: classrooms, their students, guardrails and staff log, to look at. Changes go through the site, where
permissions are checked and the staff log records them; deletion through ``purge_classrooms`` (which writes
the classroom file first and removes the students' classroom sandboxes with it)."""

from django.contrib import admin

from .models import Classroom, Enrollment, Guardrail, Section, StaffAction, StaffMember


class ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SectionInline(ReadOnly, admin.TabularInline):
    model = Section
    fields = ("name", "ou_id", "position")


class StaffInline(ReadOnly, admin.TabularInline):
    model = StaffMember
    fields = ("user", "role", "added")
    readonly_fields = ("added",)


@admin.register(Classroom)
class ClassroomAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "state", "org_id", "clock_mode", "created", "archived_at")
    list_filter = ("state", "clock_mode")
    search_fields = ("name", "org_id", "management_account_id")
    inlines = [SectionInline, StaffInline]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("user", "classroom", "account_id", "section", "state", "joined")
    list_filter = ("state",)
    search_fields = ("user__username", "account_id", "classroom__name")
    list_select_related = ("user", "classroom", "section")


@admin.register(Guardrail)
class GuardrailAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "kind", "classroom", "preset", "revision", "updated")
    list_filter = ("kind",)
    search_fields = ("name", "classroom__name")
    list_select_related = ("classroom",)


@admin.register(StaffAction)
class StaffActionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created", "classroom", "actor_name", "action", "enrollment", "reason")
    list_filter = ("action",)
    search_fields = ("actor_name", "classroom__name", "reason")
    list_select_related = ("classroom", "enrollment__user")
