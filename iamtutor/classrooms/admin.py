"""Admin for every classroom model, to look at. Changes go through the site, where permissions are checked and
the staff log records them; deletion through ``purge_classrooms`` (which writes the classroom file first and
removes the students' classroom sandboxes with it). Snapshots' world data is never shown."""

from django.contrib import admin

from .models import (
    Assignment,
    Classroom,
    Enrollment,
    Guardrail,
    JoinKey,
    ResultOverride,
    Section,
    Snapshot,
    StaffAction,
    StaffMember,
)


class ReadOnly:
    """Shown, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SectionInline(ReadOnly, admin.TabularInline):
    model = Section
    extra = 0
    fields = ("name", "ou_id", "position")
    readonly_fields = ("ou_id",)


class StaffInline(ReadOnly, admin.TabularInline):
    model = StaffMember
    extra = 0
    fields = ("user", "role")
    raw_id_fields = ("user",)


@admin.register(Classroom)
class ClassroomAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "state", "clock_mode", "org_id", "management_account_id", "created_by", "created")
    list_filter = ("state", "clock_mode")
    search_fields = ("name", "org_id", "root_id", "management_account_id", "created_by__username")
    readonly_fields = ("id", "org_id", "root_id", "management_account_id", "revision", "created", "created_by")
    readonly_fields += ("opened_at", "closed_at", "archived_at")
    date_hierarchy = "created"
    inlines = [SectionInline, StaffInline]


@admin.register(Section)
class SectionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "classroom", "ou_id", "position")
    list_filter = ("classroom__state",)
    search_fields = ("name", "ou_id", "classroom__name")
    readonly_fields = ("ou_id",)
    list_select_related = ("classroom",)


@admin.register(StaffMember)
class StaffMemberAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("user", "role", "classroom", "added")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "classroom__name")
    raw_id_fields = ("user", "classroom")
    filter_horizontal = ("sections",)
    list_select_related = ("user", "classroom")
    readonly_fields = ("added",)


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("user", "classroom", "section", "account_id", "state", "joined")
    list_filter = ("state", "classroom__state")
    search_fields = ("user__username", "user__email", "account_id", "classroom__name")
    raw_id_fields = ("user", "classroom", "section")
    readonly_fields = ("account_id", "sandbox", "joined", "removed_at")
    list_select_related = ("user", "classroom", "section")


@admin.register(JoinKey)
class JoinKeyAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("classroom", "kind", "enabled", "expires_at", "created")
    list_filter = ("kind", "enabled")
    search_fields = ("classroom__name", "value")
    readonly_fields = ("value", "created")
    raw_id_fields = ("classroom",)
    list_select_related = ("classroom",)


@admin.register(Guardrail)
class GuardrailAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "kind", "classroom", "preset", "revision", "updated")
    list_filter = ("kind", "preset")
    search_fields = ("name", "description", "classroom__name")
    readonly_fields = ("revision", "updated")
    raw_id_fields = ("classroom",)
    list_select_related = ("classroom",)


@admin.register(StaffAction)
class StaffActionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created", "classroom", "actor_name", "action", "enrollment", "reason")
    list_filter = ("action",)
    search_fields = ("actor_name", "reason", "classroom__name", "enrollment__user__username")
    date_hierarchy = "created"
    list_select_related = ("classroom", "enrollment__user")


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("enrollment", "taken_by", "created", "restored_at")
    list_filter = ("restored_at",)
    search_fields = ("enrollment__user__username", "enrollment__account_id", "reason")
    exclude = ("data",)  # a whole world file with key secrets: not for a page
    list_select_related = ("enrollment__user", "enrollment__classroom", "taken_by")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("lab", "classroom", "section", "opens_at", "due_at", "closes_at")
    search_fields = ("lab__key", "classroom__name")
    list_select_related = ("lab", "classroom", "section")
    exclude = ("world",)  # a forked world: edited on the classroom's pages


@admin.register(ResultOverride)
class ResultOverrideAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("enrollment", "assignment", "score", "by_name", "reason", "created")
    search_fields = ("enrollment__user__username", "reason")
