"""The guardrails pages: the classroom's SCPs and RCPs and where each is attached (all staff), and, for
instructors, new, edit and delete, with presets to start from. A save names the revision it edited, so two
staff changing the same guardrail see each other's change instead of losing one (``guardrails.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from iamtutor.lib.http import HtmxHttpRequest
from iamtutor.sandbox.roles import editor_report

from .. import guardrails, permissions
from ..forms import GuardrailDeleteForm, GuardrailForm
from ..models import Classroom, Guardrail
from ..nav import page_context
from ..permissions import Actor, get_classroom

KIND_NAMES = {Guardrail.SCP: "SCP", Guardrail.RCP: "RCP"}


@require_GET
def guardrail_list(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Every SCP and RCP, where each is attached in words, and the presets (for those who may add one)."""
    classroom, actor = get_classroom(request, pk, "view_guardrails")
    context = {
        **page_context(request, classroom, actor),
        "listing": guardrails.listing(classroom),
        "presets": guardrails.PRESETS.values(),
        "manage_refusal": permissions.why_not(actor, "manage_guardrails"),
        "rcp_services": guardrails.RCP_SERVICES,
    }
    return render(request, "classrooms/guardrails/list.html", context)


@require_http_methods(["GET", "POST"])
def guardrail_new(request: HtmxHttpRequest, pk) -> HttpResponse:
    """A new guardrail, blank or from a preset (``?preset=<key>``)."""
    classroom, actor = get_classroom(request, pk, "manage_guardrails")
    if request.method == "POST":
        return _submit(request, classroom, actor, GuardrailForm(request.POST, classroom=classroom), None)
    preset = guardrails.PRESETS.get(request.GET.get("preset", ""))
    initial = GuardrailForm.initial_from_preset(classroom, preset) if preset else {}
    return _form_page(request, classroom, actor, GuardrailForm(initial=initial, classroom=classroom), None)


@require_http_methods(["GET", "POST"])
def guardrail_edit(request: HtmxHttpRequest, pk, guardrail: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "manage_guardrails")
    stored = Guardrail.objects.filter(classroom=classroom, pk=guardrail).first()
    if stored is None:
        return _deleted_while_editing(request, classroom, actor, guardrail)
    options = {"classroom": classroom, "editing": True, "keep": tuple(t for t in stored.targets if t.isdigit())}
    if request.method == "POST":
        return _submit(request, classroom, actor, GuardrailForm(request.POST, **options), stored)
    form = GuardrailForm(initial=GuardrailForm.initial_for(classroom, stored), **options)
    return _form_page(request, classroom, actor, form, stored)


@require_http_methods(["GET", "POST"])
def guardrail_delete(request: HtmxHttpRequest, pk, guardrail: int) -> HttpResponse:
    """A confirmation page; the POST deletes the guardrail if nobody changed it since the page was loaded."""
    classroom, actor = get_classroom(request, pk, "manage_guardrails")
    stored = Guardrail.objects.filter(classroom=classroom, pk=guardrail).first()
    if stored is None:
        return _already_deleted(request, classroom, guardrail)
    data = request.POST if request.method == "POST" else None
    form = GuardrailDeleteForm(data, initial={"revision": stored.revision})
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            guardrails.delete_guardrail(
                classroom, request.user, stored, revision=data["revision"], reason=data["reason"]
            )
        except guardrails.GuardrailConflict as err:
            if err.stored is None:
                return _already_deleted(request, classroom, guardrail)
            conflict, stored = err, err.stored
            form = GuardrailDeleteForm(initial={"revision": stored.revision, "reason": data["reason"]})
        else:
            messages.success(request, f"The {KIND_NAMES[stored.kind]} {stored.name} was deleted; it no longer applies.")
            return redirect("classrooms:guardrails", classroom.pk)
    described = guardrails.describe_targets(classroom, set(stored.targets))
    context = {
        **page_context(request, classroom, actor),
        "guardrail": stored,
        "form": form,
        "conflict": conflict,
        "targets": [described[t] for t in stored.targets],
        "text": guardrails.document_text(stored.document),
    }
    status = 409 if conflict else 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "classrooms/guardrails/delete.html", context, status=status)


# ---- helpers --------------------------------------------------------------------------------------------------------


def _deleted_while_editing(request: HtmxHttpRequest, classroom: Classroom, actor: Actor, pk: int) -> HttpResponse:
    """An edit posted after someone deleted the guardrail: the conflict page, from which it can be created
    anew (404 when it never was in this class, or for a GET)."""
    who = guardrails.last_editor(classroom, pk)
    if not who or request.method != "POST":
        raise Http404("No such guardrail in this classroom.")
    form = GuardrailForm(request.POST, classroom=classroom, editing=True)
    form.is_valid()
    return _conflict_page(request, classroom, actor, form, guardrails.GuardrailConflict(None, who))


def _already_deleted(request: HtmxHttpRequest, classroom: Classroom, pk: int) -> HttpResponse:
    """A guardrail deleted meanwhile: back to the list, saying by whom (404 if it never was in this class)."""
    who = guardrails.last_editor(classroom, pk)
    if not who or request.method != "POST":
        raise Http404("No such guardrail in this classroom.")
    messages.info(request, f"This guardrail was already deleted by {who}.")
    return redirect("classrooms:guardrails", classroom.pk)


def _submit(
    request: HtmxHttpRequest, classroom: Classroom, actor: Actor, form: GuardrailForm, stored: Guardrail | None
) -> HttpResponse:
    """Checks (the "Check" button, or the editor's live check) or saves the posted guardrail."""
    checking = "check" in request.POST
    if checking or not form.is_valid():
        if checking and request.htmx:
            return render(request, "classrooms/guardrails/form.html#report", _report(classroom, form))
        return _form_page(request, classroom, actor, form, stored, status=200 if checking else 400)
    data = form.cleaned_data
    try:
        saved = guardrails.save_guardrail(
            classroom,
            request.user,
            form.draft(),
            guardrail=stored,
            revision=data.get("revision"),
            reason=data["reason"],
        )
    except guardrails.GuardrailInvalid as err:
        for field, message in err.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _form_page(request, classroom, actor, form, stored, status=400)
    except guardrails.GuardrailConflict as err:
        return _conflict_page(request, classroom, actor, form, err)
    verb = "created" if stored is None else "saved"
    messages.success(
        request,
        f"The {KIND_NAMES[saved.kind]} {saved.name} was {verb}. It applies from the next request of every "
        "student it reaches.",
    )
    return redirect("classrooms:guardrails", classroom.pk)


def _conflict_page(
    request: HtmxHttpRequest, classroom: Classroom, actor: Actor, form: GuardrailForm, err: guardrails.GuardrailConflict
) -> HttpResponse:
    """The posted version beside the stored one; saving again (with the stored revision) replaces it. A
    guardrail deleted meanwhile can only be created anew."""
    data = request.POST.copy()
    if err.stored is not None:
        data["revision"] = str(err.stored.revision)
        keep = tuple(t for t in err.stored.targets if t.isdigit())
        rebased = GuardrailForm(data, classroom=classroom, editing=True, keep=keep)
    else:
        data.pop("revision", None)
        rebased = GuardrailForm(data, classroom=classroom)
    rebased.is_valid()
    stored_view = None
    if err.stored is not None:
        described = guardrails.describe_targets(classroom, set(err.stored.targets))
        stored_view = {
            "guardrail": err.stored,
            "text": guardrails.document_text(err.stored.document),
            "targets": [described[t] for t in err.stored.targets],
        }
    yours = guardrails.describe_targets(classroom, set(form.cleaned_data.get("targets") or []))
    conflict = {
        "message": str(err),
        "stored": stored_view,
        "your_targets": [yours[t] for t in form.cleaned_data.get("targets") or []],
    }
    return _form_page(request, classroom, actor, rebased, err.stored, status=409, conflict=conflict)


def _report(classroom: Classroom, form: GuardrailForm) -> dict:
    """The editor's report (IAM's problems with line and column, then findings) and the guardrail notes."""
    text = form["document"].value() or ""
    kind = form["kind"].value() if form["kind"].value() in KIND_NAMES else Guardrail.SCP
    report = editor_report(text, kind, classroom.management_account_id)
    return {"report": report, "notes": guardrails.document_notes(text, kind) if report.valid else []}


def _form_page(
    request: HtmxHttpRequest,
    classroom: Classroom,
    actor: Actor,
    form: GuardrailForm,
    stored: Guardrail | None,
    *,
    status: int = 200,
    conflict: dict | None = None,
) -> HttpResponse:
    if conflict and conflict["stored"] is None:
        stored = None  # deleted meanwhile: the form creates it anew
    if stored is not None:
        action = reverse("classrooms:guardrail_edit", args=[classroom.pk, stored.pk])
    else:
        action = reverse("classrooms:guardrail_new", args=[classroom.pk])
    preset = guardrails.PRESETS.get(form["preset"].value() or "")
    context = {
        **page_context(request, classroom, actor),
        **(_report(classroom, form) if form["document"].value() else {}),
        "form": form,
        "stored": stored,
        "action": action,
        "preset": preset,
        "presets": guardrails.PRESETS.values(),
        "conflict": conflict,
        "document_max": guardrails.DOCUMENT_MAX,
        "per_target": guardrails.ATTACHED_PER_TARGET,
    }
    return render(request, "classrooms/guardrails/form.html", context, status=status)


urlpatterns = [
    path("<uuid:pk>/guardrails/", guardrail_list, name="guardrails"),
    path("<uuid:pk>/guardrails/new/", guardrail_new, name="guardrail_new"),
    path("<uuid:pk>/guardrails/<int:guardrail>/", guardrail_edit, name="guardrail_edit"),
    path("<uuid:pk>/guardrails/<int:guardrail>/delete/", guardrail_delete, name="guardrail_delete"),
]
