"""Labs in a classroom. For staff: the assigned labs, assigning one to the class or a section with its dates,
changing them, editing a lab's starting world for this class (a fork), unassigning. For a student: their labs
with where each stands, and a lab worked in their own member account — start it, check it, climb its hint
ladder. ``assignments.py`` holds the logic; a student's work is always found through their own enrollment,
never by an attempt id."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.labs import attempts as lab_attempts
from iamtutor.labs.forms import AnswersForm
from iamtutor.lib.http import HtmxHttpRequest

from .. import assignments, grading
from ..forms import AssignmentForm, AssignmentHintForm, AssignmentWorldForm, StartAssignmentForm, UnassignForm
from ..models import Assignment, Classroom, Enrollment
from ..nav import page_context
from ..permissions import Actor, can, get_classroom

STALE = _(
    "Someone changed this assignment after you opened the page, so nothing was saved. The form now shows what it "
    "holds; make your change again."
)


def _posted(request: HtmxHttpRequest):
    return request.POST if request.method == "POST" else None


def _staff_assignment(classroom: Classroom, pk) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("lab", "section", "classroom"), classroom=classroom, pk=pk
    )


# ---- the list -------------------------------------------------------------------------------------------------


@require_GET
def assignment_list(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Staff see every lab assigned (a TA: to the class and their sections); a student sees theirs."""
    classroom, actor = get_classroom(request, pk, "view")
    context = page_context(request, classroom, actor)
    if actor.is_staff:
        staff_rows = list(assignments.visible(actor))
        for row in staff_rows:
            row.phase = assignments.phase(row)
            row.phase_words = assignments.PHASE_WORDS[row.phase]
        context |= {"staff_rows": staff_rows, "can_manage": can(actor, "manage_assignments")}
        context["can_dashboard"] = can(actor, "view_dashboard")
    if actor.enrollment is not None and actor.enrollment.state == Enrollment.ACTIVE:
        context["student_rows"] = grading.student_results(actor.enrollment)
    return render(request, "classrooms/assignments/list.html", context)


# ---- staff: assign, change, fork, unassign ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def assignment_new(request: HtmxHttpRequest, pk) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "manage_assignments")
    form = AssignmentForm(_posted(request), classroom=classroom)
    if request.method == "POST" and form.is_valid():
        assignment = assignments.assign(classroom, request.user, lab=form.cleaned_data["lab"], **form.values())
        messages.success(request, _("Assigned “%(lab)s”.") % {"lab": assignment.lab.title})
        _warn(request, assignments.solution_warnings(assignment))
        return redirect("classrooms:assignments", classroom.pk)
    context = page_context(request, classroom, actor, form=form, assignment=None)
    return render(request, "classrooms/assignments/form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def assignment_edit(request: HtmxHttpRequest, pk, assignment: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "manage_assignments")
    item = _staff_assignment(classroom, assignment)
    form = AssignmentForm(_posted(request), classroom=classroom, assignment=item)
    stale = ""
    if request.method == "POST" and form.is_valid():
        try:
            changed = assignments.change(item, request.user, form.cleaned_data["version"], **form.values())
        except assignments.StaleAssignment:
            item.refresh_from_db()
            form, stale = AssignmentForm(classroom=classroom, assignment=item), STALE
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing changed: it was already so."))
            return redirect("classrooms:assignments", classroom.pk)
    context = page_context(
        request, classroom, actor, form=form, assignment=item, stale=stale, pairs=assignments.pairs(item)
    )
    status = 409 if stale else 400 if form.errors else 200
    return render(request, "classrooms/assignments/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def assignment_world(request: HtmxHttpRequest, pk, assignment: int) -> HttpResponse:
    """Edit the lab's starting world for this assignment (a fork), checked by the engine against the lab; or go
    back to the lab's own world."""
    classroom, actor = get_classroom(request, pk, "manage_assignments")
    item = _staff_assignment(classroom, assignment)
    form = AssignmentWorldForm(_posted(request), assignment=item)
    stale = ""
    if request.method == "POST":
        reset = request.POST.get("action") == "reset"
        if reset or form.is_valid():
            try:
                world = None if reset else form.cleaned_data["world"]
                assignments.save_world(item, request.user, request.POST.get("version", ""), world)
            except assignments.StaleAssignment:
                item.refresh_from_db()
                form, stale = AssignmentWorldForm(assignment=item), STALE
            else:
                done = _("Back to the lab's own world.") if reset else _("Saved the edited world.")
                messages.success(request, done)
                _warn(request, [] if reset else form.report.warnings)
                return redirect("classrooms:assignment_world", classroom.pk, item.pk)
    started = item.attempts.values("enrollment_id").distinct().count()
    context = page_context(request, classroom, actor, form=form, assignment=item, started=started, stale=stale)
    status = 409 if stale else 400 if form.errors else 200
    return render(request, "classrooms/assignments/world.html", context, status=status)


@require_http_methods(["GET", "POST"])
def assignment_delete(request: HtmxHttpRequest, pk, assignment: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "manage_assignments")
    item = _staff_assignment(classroom, assignment)
    form = UnassignForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        title = item.lab.title
        assignments.unassign(item, request.user, form.cleaned_data["reason"])
        messages.success(request, _("Unassigned “%(lab)s”.") % {"lab": title})
        return redirect("classrooms:assignments", classroom.pk)
    started = item.attempts.values("enrollment_id").distinct().count()
    context = page_context(request, classroom, actor, form=form, assignment=item, started=started)
    return render(request, "classrooms/assignments/delete.html", context, status=400 if form.errors else 200)


def _warn(request: HtmxHttpRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


# ---- a student's lab ------------------------------------------------------------------------------------------


@require_GET
def assignment(request: HtmxHttpRequest, pk, assignment: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "use_account")
    item = assignments.get_for_student(actor, assignment)
    return render(request, "classrooms/assignments/lab.html", lab_context(request, classroom, actor, item))


@require_http_methods(["GET", "POST"])
def assignment_start(request: HtmxHttpRequest, pk, assignment: int) -> HttpResponse:
    """A confirmation page; the confirmed POST puts the lab into the student's account (a snapshot first)."""
    classroom, actor = get_classroom(request, pk, "use_account")
    item = assignments.get_for_student(actor, assignment)
    enrollment = actor.enrollment
    form = StartAssignmentForm(_posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            assignments.start(item, enrollment)
        except assignments.AssignmentRefused as refused:
            form.add_error(None, str(refused))
            status = 409
        else:
            messages.success(request, _("The lab's world is in your account. Work through the tasks below."))
            return redirect("classrooms:assignment", classroom.pk, item.pk)
    elif form.errors:
        status = 400
    refusal = assignments.why_not_start(item, enrollment)
    context = page_context(request, classroom, actor, assignment=item, lab=item.lab, form=form, refusal=refusal)
    return render(request, "classrooms/assignments/start.html", context, status=status)


# A refused check or hint answers an htmx request with 200 and the refusal in the fragment: htmx 2 does not
# swap a 4xx answer into the page, and the student must see why. A plain POST gets the page with a message.


@require_POST
def assignment_check(request: HtmxHttpRequest, pk, assignment: int) -> HttpResponse:
    """Runs the lab's checks on the student's account as it is now (saving detective answers first)."""
    classroom, actor = get_classroom(request, pk, "use_account")
    item = assignments.get_for_student(actor, assignment)
    work = assignments.current_work(actor.enrollment, item)
    error = ""
    if work is None:
        error = _("Start the lab first: its checks run on the lab's world in your account.")
    else:
        work.enrollment, work.assignment = actor.enrollment, item
        form = AnswersForm(list(item.lab.tasks.all()), request.POST)
        try:
            assignments.check(work, form.answers() if form.is_valid() else None)
        except assignments.AssignmentRefused as refused:
            error = str(refused)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(f"{reverse('classrooms:assignment', args=[classroom.pk, item.pk])}#results")
    context = lab_context(request, classroom, actor, item, checked=not error) | {"check_error": error}
    return render(request, "classrooms/assignments/lab.html#results", context)


@require_POST
def assignment_hint(request: HtmxHttpRequest, pk, assignment: int) -> HttpResponse:
    """Reveals the next rung of one task's hint ladder; the server refuses to skip a rung or to show one after
    the lab closed."""
    classroom, actor = get_classroom(request, pk, "use_account")
    item = assignments.get_for_student(actor, assignment)
    form = AssignmentHintForm(request.POST, tasks=list(item.lab.tasks.all()))
    work = assignments.current_work(actor.enrollment, item)
    error, task = "", None
    if not form.is_valid():
        error = _("Choose which hint to show.")
    elif work is None:
        error = _("Start the lab first: hints belong to an attempt.")
    else:
        task = form.tasks[form.cleaned_data["task"]]
        work.assignment = item
        try:
            assignments.reveal_hint(work, task, form.cleaned_data["rung"])
        except lab_attempts.HintOutOfOrder as refused:
            error = _("Hints come one at a time: reveal hint %(n)s first.") % {"n": refused.next_rung}
        except assignments.AssignmentRefused as refused:
            error = str(refused)
    address = reverse("classrooms:assignment", args=[classroom.pk, item.pk])
    if not request.htmx or task is None:
        if error:
            messages.error(request, error)
        return redirect(f"{address}#task-{task.key}" if task else address)
    context = lab_context(request, classroom, actor, item)
    context["row"] = next(row for row in context["rows"] if row.task.pk == task.pk)
    context["hint_error"] = error
    return render(request, "classrooms/assignments/lab.html#hints", context)


def lab_context(request: HtmxHttpRequest, classroom: Classroom, actor: Actor, item: Assignment, checked=False) -> dict:
    """What the student's lab page shows: the lab with their account id in it, their latest start, its task
    rows (a hint's text only once its rung was revealed), and what they may do now."""
    enrollment = actor.enrollment
    account = enrollment.account_id
    lab = item.lab
    tasks = list(lab.tasks.all())
    work = assignments.current_work(enrollment, item)
    if work is not None:
        work.assignment = item
    attempt = work.attempt if work is not None else None
    pair = assignments.pairing(item, enrollment)
    partner = work.partner_account_id if work is not None else (pair.partner_account if pair else None)
    rows = lab_attempts.task_rows(tasks, attempt)
    for row in rows:
        row.task.text = assignments.renumbered(row.task.text, account, partner)
        row.hints = [(rung, name, assignments.renumbered(text, account, partner)) for rung, name, text in row.hints]
    stage = assignments.phase(item)
    in_account = work is not None and assignments.in_account(work)
    questions = any(task.takes_answer for task in tasks)
    return page_context(
        request,
        classroom,
        actor,
        assignment=item,
        lab=lab,
        brief=assignments.renumbered(lab.brief, account, partner),
        pairing=_pairing_words(pair, work) if pair is not None else None,
        phase=stage,
        phase_words=assignments.PHASE_WORDS[stage],
        work=work,
        attempt=attempt,
        in_account=in_account,
        rows=rows if stage != assignments.UPCOMING else [],
        checked=checked,
        passed_count=sum(row.status == "passed" for row in rows),
        why_not_start=assignments.why_not_start(item, enrollment),
        why_not_record=assignments.why_not_record(work) if work is not None else None,
        sandbox=enrollment.sandbox,
        answers_form=AnswersForm(tasks, initial_answers=attempt.answers if attempt else {}) if questions else None,
    )


def _pairing_words(pair: assignments.Pairing, work) -> dict:
    """What the lab page says about a paired lab: who plays the partner for this student (the classmate they
    started with, else the one they would get now, or the simulated account), and for whom they play it."""
    if work is not None:
        partner = (
            Enrollment.objects.filter(classroom_id=work.classroom_id, account_id=work.partner_account_id)
            .select_related("user")
            .first()
            if work.partner_account_id
            else None
        )
    else:
        partner = pair.partner
    return {
        "account": partner.account_id if partner else assignments.PARTNER,
        "name": partner.user.username if partner else "",
        "client": pair.client if partner else None,
        "simulated": partner is None,
    }


urlpatterns = [
    path("<uuid:pk>/labs/", assignment_list, name="assignments"),
    path("<uuid:pk>/labs/assign/", assignment_new, name="assignment_new"),
    path("<uuid:pk>/labs/<int:assignment>/", assignment, name="assignment"),
    path("<uuid:pk>/labs/<int:assignment>/start/", assignment_start, name="assignment_start"),
    path("<uuid:pk>/labs/<int:assignment>/check/", assignment_check, name="assignment_check"),
    path("<uuid:pk>/labs/<int:assignment>/hint/", assignment_hint, name="assignment_hint"),
    path("<uuid:pk>/labs/<int:assignment>/edit/", assignment_edit, name="assignment_edit"),
    path("<uuid:pk>/labs/<int:assignment>/world/", assignment_world, name="assignment_world"),
    path("<uuid:pk>/labs/<int:assignment>/unassign/", assignment_delete, name="assignment_delete"),
]
