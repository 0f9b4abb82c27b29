"""Admin for every classroom model. The organization's ids, member account ids and OU ids are read-only: other
records and students' worlds refer to them. The staff log and snapshots are records: they are read, never
edited here."""

from django.contrib import admin

from .models import Classroom, Enrollment, Guardrail, JoinKey, Section, Snapshot, StaffAction, StaffMember


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ("name", "ou_id", "position")
    readonly_fields = ("ou_id",)


class StaffInline(admin.TabularInline):
    model = StaffMember
    extra = 0
    fields = ("user", "role")
    raw_id_fields = ("user",)


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "state", "clock_mode", "org_id", "management_account_id", "created_by", "created")
    list_filter = ("state", "clock_mode")
    search_fields = ("name", "org_id", "root_id", "management_account_id", "created_by__username")
    readonly_fields = ("id", "org_id", "root_id", "management_account_id", "revision", "created", "created_by")
    readonly_fields += ("opened_at", "closed_at", "archived_at")
    date_hierarchy = "created"
    inlines = [SectionInline, StaffInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "classroom", "ou_id", "position")
    list_filter = ("classroom__state",)
    search_fields = ("name", "ou_id", "classroom__name")
    readonly_fields = ("ou_id",)
    list_select_related = ("classroom",)


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "classroom", "added")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "classroom__name")
    raw_id_fields = ("user", "classroom")
    filter_horizontal = ("sections",)
    list_select_related = ("user", "classroom")
    readonly_fields = ("added",)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "classroom", "section", "account_id", "state", "joined")
    list_filter = ("state", "classroom__state")
    search_fields = ("user__username", "user__email", "account_id", "classroom__name")
    raw_id_fields = ("user", "classroom", "section")
    readonly_fields = ("account_id", "sandbox", "joined", "removed_at")
    list_select_related = ("user", "classroom", "section")


@admin.register(JoinKey)
class JoinKeyAdmin(admin.ModelAdmin):
    list_display = ("classroom", "kind", "enabled", "expires_at", "created")
    list_filter = ("kind", "enabled")
    search_fields = ("classroom__name", "value")
    readonly_fields = ("value", "created")
    raw_id_fields = ("classroom",)
    list_select_related = ("classroom",)


@admin.register(Guardrail)
class GuardrailAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "classroom", "preset", "revision", "updated")
    list_filter = ("kind", "preset")
    search_fields = ("name", "description", "classroom__name")
    readonly_fields = ("revision", "updated")
    raw_id_fields = ("classroom",)
    list_select_related = ("classroom",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records: listed and shown, never added or edited by hand (deleting stays possible, for the operator)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffAction)
class StaffActionAdmin(ReadOnlyAdmin):
    list_display = ("created", "classroom", "actor_name", "action", "enrollment", "reason")
    list_filter = ("action",)
    search_fields = ("actor_name", "reason", "classroom__name", "enrollment__user__username")
    date_hierarchy = "created"
    list_select_related = ("classroom", "enrollment__user")


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("enrollment", "taken_by", "created", "restored_at")
    list_filter = ("restored_at",)
    search_fields = ("enrollment__user__username", "enrollment__account_id", "reason")
    exclude = ("data",)  # a whole world file with key secrets: not for a page
    list_select_related = ("enrollment__user", "enrollment__classroom", "taken_by")
