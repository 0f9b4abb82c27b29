"""The classroom's core pages: your classrooms, creating one, its front page, its settings and lifecycle, its
sections and its staff. Each view asks ``permissions.get_classroom`` first; each change is one function of
``changes`` (one transaction with its staff-log entry)."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest

from .. import changes, membership, permissions
from ..forms import (
    ClassroomForm,
    SectionDeleteForm,
    SectionForm,
    SettingsForm,
    StaffAddForm,
    StaffRoleForm,
    StateForm,
)
from ..models import Classroom, Enrollment, Section, StaffMember
from ..nav import page_context, roles_text
from ..permissions import get_classroom
from ..stats import class_statistics


def _posted(request: HtmxHttpRequest):
    """The form data of a POST (even an empty one, so that its form reports what is missing), else ``None``."""
    return request.POST if request.method == "POST" else None


# ---- your classrooms, a new classroom ----------------------------------------------------------------------------


@require_GET
@login_required
def classroom_list(request: HtmxHttpRequest) -> HttpResponse:
    """``/classrooms/``: the classrooms you teach or take, with their state and your role in each."""
    context = {"rows": _my_classrooms(request.user), "can_create": permissions.why_not_create(request.user) is None}
    return render(request, "classrooms/list.html", context)


def _my_classrooms(user) -> list[dict]:
    rows: dict = {}
    for staff in StaffMember.objects.filter(user=user).select_related("classroom"):
        rows[staff.classroom_id] = {"classroom": staff.classroom, "staff": staff, "enrollment": None}
    for enrollment in Enrollment.objects.filter(user=user).select_related("classroom"):
        row = rows.setdefault(enrollment.classroom_id, {"classroom": enrollment.classroom, "staff": None})
        row["enrollment"] = enrollment
    for row in rows.values():
        row["role"] = roles_text(row["staff"], row["enrollment"])
    return sorted(rows.values(), key=lambda row: row["classroom"].created, reverse=True)


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HtmxHttpRequest) -> HttpResponse:
    """A new classroom, in draft until its instructor opens it."""
    reason = permissions.why_not_create(request.user)
    if reason is not None:
        raise PermissionDenied(reason)
    form = ClassroomForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        classroom = membership.create_classroom(request.user, **form.cleaned_data)
        messages.success(request, _("Classroom created. It is a draft: add sections, then open it for students."))
        return redirect(classroom)
    return render(request, "classrooms/create.html", {"form": form})


# ---- one classroom's front page --------------------------------------------------------------------------------


@require_GET
def detail(request: HtmxHttpRequest, pk) -> HttpResponse:
    """For staff an overview of the class and its organization; for a student their member account; staff who
    enrolled to try it see both."""
    classroom, actor = get_classroom(request, pk, "view")
    student = actor.enrollment
    if student is not None and student.state != Enrollment.ACTIVE:
        student = None
    context = page_context(
        request,
        classroom,
        actor,
        stats=class_statistics(classroom) if actor.is_staff else None,
        scope=actor.section_ids(),
        student=student,
        student_section=student.section if student is not None else None,
        can_try=actor.is_staff and actor.enrollment is None,
        why_not_try=permissions.why_not(actor, "try_as_student"),
    )
    return render(request, "classrooms/detail.html", context)


@require_POST
def try_as_student(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The "Try it as a student" button: staff enrol with a member account of their own and keep their staff rights."""
    classroom, _actor = get_classroom(request, pk, "try_as_student")
    enrollment = changes.try_as_student(classroom, request.user)
    messages.success(
        request,
        _(
            "You are now also a student here, with member account %(account)s. You keep your staff rights, and "
            "the class's numbers leave you out."
        )
        % {"account": enrollment.account_id},
    )
    return redirect(classroom)


# ---- settings and lifecycle ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def settings(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Name, description, clock and seat limit; and the lifecycle's next steps."""
    # The page opens for whoever may take the lifecycle's steps (a closed classroom's, to reopen it); saving the
    # settings needs edit_settings, and a refused save names that right.
    classroom, actor = get_classroom(request, pk, "edit_settings" if request.method == "POST" else "change_state")
    # The form edits a copy, so that refused input never shows up as the classroom's name in the navigation.
    form = SettingsForm(_posted(request), instance=copy.copy(classroom))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in changes.SETTINGS}
        changed = changes.save_settings(classroom, request.user, values)
        messages.success(
            request, _("Settings saved.") if changed else _("Nothing changed: the settings were already so.")
        )
        return redirect("classrooms:settings", classroom.pk)
    return render(request, "classrooms/settings.html", _settings_context(request, classroom, actor, form))


def _settings_context(request, classroom: Classroom, actor, form) -> dict:
    steps = [
        {"to": to, "why_not": permissions.why_not(actor, changes.transition_action(classroom.state, to))}
        for to in changes.next_states(classroom.state)
    ]
    return page_context(
        request, classroom, actor, form=form, why_not_edit=permissions.why_not(actor, "edit_settings"), steps=steps
    )


@require_http_methods(["GET", "POST"])
def state(request: HtmxHttpRequest, pk) -> HttpResponse:
    """A step of the lifecycle. ``GET ?to=archived`` asks for the confirmation archiving needs."""
    classroom, actor = get_classroom(request, pk, "change_state")
    form = StateForm(_posted(request), initial={"to": request.GET.get("to")})
    to = request.POST.get("to") if request.method == "POST" else request.GET.get("to")
    action = changes.transition_action(classroom.state, to)
    if action is None:
        messages.error(request, changes.no_step(classroom.state, to))
        return redirect("classrooms:settings", classroom.pk)
    permissions.require(actor, action)
    if request.method == "POST" and form.is_valid():
        try:
            changes.change_state(classroom, request.user, to, form.cleaned_data["reason"])
        except changes.Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The classroom is now %(state)s.") % {"state": classroom.get_state_display()})
        return redirect("classrooms:settings", classroom.pk)
    return render(request, "classrooms/state.html", page_context(request, classroom, actor, form=form, to=to))


# ---- sections ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sections(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The sections (OUs): add one, rename one, delete one."""
    classroom, actor = get_classroom(request, pk, "manage_sections")
    form = SectionForm(_posted(request), classroom=classroom)
    if request.method == "POST" and form.is_valid():
        try:
            section = changes.add_section(classroom, request.user, form.cleaned_data["name"])
        except changes.Refused as refusal:
            form.add_error("name", str(refusal))
        else:
            messages.success(request, _("Section “%(name)s” added.") % {"name": section.name})
            return redirect("classrooms:sections", classroom.pk)
    return _sections_page(request, classroom, actor, form)


@require_POST
def section_rename(request: HtmxHttpRequest, pk, section: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "manage_sections")
    section = get_object_or_404(Section, classroom=classroom, pk=section)
    form = SectionForm(request.POST, classroom=classroom, section=section, prefix=f"section-{section.pk}")
    if form.is_valid():
        try:
            changes.rename_section(section, request.user, form.cleaned_data["name"])
        except changes.Refused as refusal:
            form.add_error("name", str(refusal))
        else:
            messages.success(request, _("Section renamed to “%(name)s”.") % {"name": section.name})
            return redirect("classrooms:sections", classroom.pk)
    return _sections_page(request, classroom, actor, SectionForm(classroom=classroom), refused=(section.pk, form))


def _sections_page(request, classroom: Classroom, actor, form, refused=None) -> HttpResponse:
    rows = [
        {
            "count": count,
            "form": refused[1]
            if refused and refused[0] == count.section.pk
            else SectionForm(
                initial={"name": count.section.name},
                classroom=classroom,
                section=count.section,
                prefix=f"section-{count.section.pk}",
            ),
        }
        for count in class_statistics(classroom).sections
        if count.section is not None
    ]
    context = page_context(request, classroom, actor, form=form, rows=rows)
    return render(request, "classrooms/sections.html", context)


@require_http_methods(["GET", "POST"])
def section_delete(request: HtmxHttpRequest, pk, section: int) -> HttpResponse:
    """Asks first: its students move to no section, its guardrail attachments go, and the labs assigned to it
    go with it (the page counts them and the students' work on them)."""
    classroom, actor = get_classroom(request, pk, "manage_sections")
    section = get_object_or_404(Section, classroom=classroom, pk=section)
    losses = changes.section_losses(section)
    form = SectionDeleteForm(_posted(request), initial={"assignments": losses.assignments})
    refused = ""
    if request.method == "POST" and form.is_valid():
        try:
            moved, detached, gone = changes.delete_section(section, request.user, form.cleaned_data["assignments"])
        except changes.Refused as refusal:
            form, refused = SectionDeleteForm(initial={"assignments": losses.assignments}), str(refusal)
        else:
            message = _(
                "Section deleted. %(moved)d student(s) moved to no section; %(detached)d guardrail(s) detached from it."
            ) % {"moved": moved, "detached": detached}
            if gone.assignments:
                message += " " + _("%(labs)d assigned lab(s) deleted with it.") % {"labs": gone.assignments}
            messages.success(request, message)
            return redirect("classrooms:sections", classroom.pk)
    guardrails = [guardrail for guardrail in classroom.guardrails.all() if section.ou_id in guardrail.targets]
    context = page_context(
        request,
        classroom,
        actor,
        form=form,
        section=section,
        students=section.students.count(),
        guardrails=guardrails,
        losses=losses,
        refused=refused,
    )
    return render(request, "classrooms/section_delete.html", context)


# ---- staff -------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def staff(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The owner's page: add co-instructors and TAs, change their roles, remove them."""
    classroom, actor = get_classroom(request, pk, "manage_staff")
    form = StaffAddForm(_posted(request), classroom=classroom, prefix="add")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes.add_staff(classroom, request.user, data["who"], data["role"], data["sections"])
        except changes.Refused as refusal:
            form.add_error("who", str(refusal))
        else:
            messages.success(request, _("%(name)s joined the staff.") % {"name": data["who"].username})
            return redirect("classrooms:staff", classroom.pk)
    return _staff_page(request, classroom, actor, form)


@require_POST
def staff_change(request: HtmxHttpRequest, pk, member: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "manage_staff")
    member = get_object_or_404(StaffMember.objects.select_related("user"), classroom=classroom, pk=member)
    form = StaffRoleForm(request.POST, classroom=classroom, prefix=f"staff-{member.pk}")
    if form.is_valid():
        try:
            changes.change_staff(member, request.user, form.cleaned_data["role"], form.cleaned_data["sections"])
        except changes.Refused as refusal:
            form.add_error("role", str(refusal))
        else:
            messages.success(request, _("%(name)s's role is saved.") % {"name": member.user.username})
            return redirect("classrooms:staff", classroom.pk)
    return _staff_page(request, classroom, actor, StaffAddForm(classroom=classroom, prefix="add"), (member.pk, form))


@require_POST
def staff_remove(request: HtmxHttpRequest, pk, member: int) -> HttpResponse:
    classroom, _actor = get_classroom(request, pk, "manage_staff")
    member = get_object_or_404(StaffMember.objects.select_related("user"), classroom=classroom, pk=member)
    try:
        changes.remove_staff(member, request.user)
    except changes.Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("%(name)s is no longer on the staff.") % {"name": member.user.username})
    return redirect("classrooms:staff", classroom.pk)


def _staff_page(request, classroom: Classroom, actor, form, refused=None) -> HttpResponse:
    members = list(classroom.staff.select_related("user").prefetch_related("sections"))
    owners = sum(member.role == StaffMember.OWNER for member in members)
    rows = []
    for member in members:
        role_form = (
            refused[1]
            if refused and refused[0] == member.pk
            else StaffRoleForm(
                initial={"role": member.role, "sections": [section.pk for section in member.sections.all()]},
                classroom=classroom,
                prefix=f"staff-{member.pk}",
            )
        )
        removable = member.user_id != request.user.pk and not (member.role == StaffMember.OWNER and owners == 1)
        rows.append({"member": member, "form": role_form, "removable": removable})
    context = page_context(request, classroom, actor, form=form, rows=rows)
    return render(request, "classrooms/staff.html", context)


urlpatterns = [
    path("", classroom_list, name="list"),
    path("new/", create, name="create"),
    path("<uuid:pk>/", detail, name="detail"),
    path("<uuid:pk>/try/", try_as_student, name="try_as_student"),
    path("<uuid:pk>/settings/", settings, name="settings"),
    path("<uuid:pk>/state/", state, name="state"),
    path("<uuid:pk>/sections/", sections, name="sections"),
    path("<uuid:pk>/sections/<int:section>/", section_rename, name="section_rename"),
    path("<uuid:pk>/sections/<int:section>/delete/", section_delete, name="section_delete"),
    path("<uuid:pk>/staff/", staff, name="staff"),
    path("<uuid:pk>/staff/<int:member>/", staff_change, name="staff_change"),
    path("<uuid:pk>/staff/<int:member>/remove/", staff_remove, name="staff_remove"),
]
