"""Roles: the list, creation, the role page (settings, trust-policy editor, permissions, boundary), deletion.

Every change goes through ``worlds.run_change``, which puts the engine's refusals on the form field of the
parameter they are about; forms that edit something stored carry its version, so a stale tab is refused.
Each action is a plain form post that htmx also sends, in which case the view answers with the page's own
``{% partialdef %}`` instead of the whole page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from iamtutor.engine import World
from iamtutor.engine.data import managed_policy_arn, managed_policy_names
from iamtutor.lib.http import HtmxHttpRequest

from .. import forms, revision
from .. import roles as logic
from ..access import get_sandbox
from ..models import Sandbox, SandboxAccount
from ..worlds import SandboxWorld, run_change

SEARCH_LIMIT = 25


def render_part(request: HtmxHttpRequest, template: str, part: str, context: dict) -> HttpResponse:
    """The whole page, or only its fragment ``part`` when htmx asked."""
    return render(request, f"{template}#{part}" if request.htmx else template, context)


def done(request: HtmxHttpRequest, url: str, message: str) -> HttpResponse:
    """After a plain post: back to ``url`` with a message (htmx: the browser goes there)."""
    messages.success(request, message)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# ---- list and create ---------------------------------------------------------------------------------------------


@require_GET
def role_list(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Every role of every account, from the facts of this revision (``revision.py``; roles live in the
    account documents, read once per revision)."""
    sandbox = get_sandbox(request, pk)
    groups = functools.partial(revision.roles, sandbox)  # read by the template only when its cache misses
    return render(request, "sandbox/roles.html", {"sandbox": sandbox, "groups": groups})


@require_http_methods(["GET", "POST"])
def role_new(request: HtmxHttpRequest, pk) -> HttpResponse:
    """CreateRole with its trust policy; an ``insert`` button puts a template in the editor instead."""
    sandbox = get_sandbox(request, pk)
    accounts = list(sandbox.accounts.all())
    form = forms.RoleForm(request.POST or None, accounts=accounts, initial={"account": accounts[0].account_id})
    context = {"sandbox": sandbox, "form": form}
    if request.method == "POST" and "insert" in request.POST:
        context.update(insert_template(form, accounts, request.POST.get("account"), request.POST["insert"]))
    elif (
        request.method == "POST"
        and form.is_valid()
        and run_change(sandbox, create_role(form.cleaned_data), form=form).ok
    ):
        data = form.cleaned_data
        url = logic.role_url("sandbox:role", sandbox, data["account"], data["name"])
        return done(request, url, _("The role %(name)s was created.") % {"name": data["name"]})
    account_id = request.POST.get("account") or accounts[0].account_id
    context.update(editor_context(accounts, account_id, form["document"].value() or "", "trust"))
    return render_part(request, "sandbox/role_new.html", "role-form", context)


def create_role(data: dict) -> Callable[[World], object]:
    return lambda world: world.create_role(
        data["account"],
        data["name"],
        data["document"],
        path=data["path"],
        description=data["description"] or None,
        max_session_duration=data["max_session_duration"],
        tags=logic.parse_tags(data["tags"]),
    )


def insert_template(form: django_forms.Form, accounts: list[SandboxAccount], account_id: str | None, key: str) -> dict:
    """The editor now holds template ``key``; what it held before is shown beside it, never dropped."""
    templates = logic.trust_templates(accounts, account_id or accounts[0].account_id)
    if key not in templates:
        return {}
    previous = form.data.get("document", "")
    form.data = form.data.copy()
    form.data["document"] = templates[key]
    return {"inserted": logic.TEMPLATE_LABELS[key], "previous_text": previous if previous.strip() else ""}


def editor_context(
    accounts: list[SandboxAccount], account_id: str, text: str, kind: str, world: World | None = None
) -> dict:
    """What the shared policy editor needs: its report and, for trust policies, the templates."""
    templates = logic.trust_templates(accounts, account_id) if kind == "trust" else {}
    return {
        "report": logic.editor_report(text, kind, account_id, world),
        "editor_kind": kind,
        "editor_account": account_id,
        "templates": logic.template_choices(templates),
    }


# ---- the role page -------------------------------------------------------------------------------------------------


def role_context(sandbox: Sandbox, account: SandboxAccount, role: dict, **forms_) -> dict:
    """Everything the role page shows, from the stored role; forms given replace the fresh ones."""
    accounts = list(sandbox.accounts.all())
    trust_text = logic.trust_text(role)
    settings = forms.RoleSettingsForm(initial=logic.settings_initial(role))
    trust = forms.TrustForm(initial={"document": trust_text, "version": logic.text_version(trust_text)})
    context = {
        "sandbox": sandbox,
        "account": account,
        "role": role,
        "settings_form": settings,
        "trust_form": trust,
        "inline": list(logic.inline_policies(role).items()),
        "trust_words": logic.trust_in_words(trust_text, account.account_id),
        # Drawn only when the template shows it (the full page, not a fragment).
        **forms_,
    }
    text = context["trust_form"]["document"].value() or ""
    context.update(editor_context(accounts, account.account_id, text, "trust"))
    return context


@require_http_methods(["GET", "POST"])
def role_detail(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """The role page; a POST saves its settings (UpdateRole, tags)."""
    sandbox = get_sandbox(request, pk)
    account, role = logic.find_role(sandbox, account_id, name)
    if request.method == "GET":
        return render(request, "sandbox/role_detail.html", role_context(sandbox, account, role))
    form = forms.RoleSettingsForm(request.POST)
    if form.is_valid():
        change = run_change(sandbox, update_role(role["Arn"], form.cleaned_data), form=form)
        if change.ok:
            return done(request, request.path, _("The role's settings were saved."))
        if change.conflict is not None:  # saving again, after a look, is on purpose
            account, role = logic.find_role(sandbox, account_id, name)
            form.data = form.data.copy()
            form.data["version"] = logic.settings_initial(role)["version"]
    return render_part(
        request, "sandbox/role_detail.html", "settings", role_context(sandbox, account, role, settings_form=form)
    )


def update_role(arn: str, data: dict) -> Callable[[World], object]:
    return lambda world: logic.update_role(
        world,
        arn,
        description=data["description"],
        max_session_duration=data["max_session_duration"],
        tags=logic.parse_tags(data["tags"]),
        started_from=data["version"],
    )


@require_POST
def role_trust(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """Saves the trust policy (UpdateAssumeRolePolicy) unless it changed since the editor loaded it."""
    sandbox = get_sandbox(request, pk)
    account, role = logic.find_role(sandbox, account_id, name)
    form = forms.TrustForm(request.POST)
    extra: dict = {}
    if "insert" in request.POST:
        extra = insert_template(form, list(sandbox.accounts.all()), account.account_id, request.POST["insert"])
    elif form.is_valid():
        extra = save_trust(sandbox, form, role["Arn"])
        if extra.get("saved") and not request.htmx:
            return done(request, logic.role_url("sandbox:role", sandbox, account_id, name), extra["saved_message"])
        if extra.get("saved"):
            account, role = logic.find_role(sandbox, account_id, name)
    context = role_context(sandbox, account, role, **({} if extra.get("saved") else {"trust_form": form}))
    return render_part(request, "sandbox/role_detail.html", "trust", {**context, **extra})


def save_trust(sandbox: Sandbox, form: forms.TrustForm, arn: str) -> dict:
    """Saves the form's trust policy; on a two-tab conflict both versions come back for the page."""
    text, version = form.cleaned_data["document"], form.cleaned_data["version"]
    change = run_change(sandbox, lambda world: logic.put_trust(world, arn, text, version), form=form)
    if change.conflict is not None and change.conflict.stored is not None:
        form.data = form.data.copy()
        form.data["version"] = logic.text_version(change.conflict.stored)
        return {"conflict": change.conflict}
    return {"saved": change.ok, "saved_message": _("The trust policy was saved.") if change.ok else ""}


@require_http_methods(["GET", "POST"])
def role_validate(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The editor's live check (htmx, debounced): IAM's problems with line and column, then findings.
    Without htmx it is a page of its own that checks a pasted document."""
    sandbox = get_sandbox(request, pk)
    loaded = SandboxWorld.load(sandbox)
    account_ids = [a.account_id for a in loaded.accounts]
    account_id = request.POST.get("account") if request.POST.get("account") in account_ids else account_ids[0]
    kind = request.POST.get("kind") if request.POST.get("kind") in ("trust", "identity") else "trust"
    form = forms.TrustForm(request.POST or None)
    insert = request.POST.get("insert")
    extra = insert_template(form, loaded.accounts, account_id, insert) if insert else {}
    text = (form["document"].value() or "") if request.method == "POST" else ""
    context = {
        "sandbox": sandbox,
        "form": form,
        **extra,
        **editor_context(loaded.accounts, account_id, text, kind, loaded.world),
    }
    if request.htmx:
        return render(request, "sandbox/partials/policy_editor.html#report", context)
    return render(request, "sandbox/role_validate.html", context)


@require_POST
def role_delete(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """DeleteRole; IAM refuses a role with policies (DeleteConflict) unless the learner asks to clean up."""
    sandbox = get_sandbox(request, pk)
    account, role = logic.find_role(sandbox, account_id, name)
    form = django_forms.Form(request.POST)
    with_policies = request.POST.get("with_policies") == "yes"
    if run_change(
        sandbox, lambda world: logic.delete_role(world, role["Arn"], with_policies=with_policies), form=form
    ).ok:
        message = _("The role %(name)s was deleted.") % {"name": role["RoleName"]}
        return done(request, reverse("sandbox:roles", args=[sandbox.pk]), message)
    context = role_context(sandbox, account, role, delete_form=form)
    return render_part(request, "sandbox/role_detail.html", "delete", context)


# ---- permissions: inline, attached, boundary ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def role_inline(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """PutRolePolicy: a new inline policy, or (``?policy=Name``) one to edit."""
    sandbox = get_sandbox(request, pk)
    account, role = logic.find_role(sandbox, account_id, name)
    existing = logic.inline_policies(role)
    chosen = request.GET.get("policy", "")
    initial = (
        {"policy_name": chosen, "document": existing[chosen], "version": logic.text_version(existing[chosen])}
        if chosen in existing
        else {}
    )
    form = forms.InlinePolicyForm(request.POST or None, initial=initial)
    change = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_change(
            sandbox,
            lambda world: logic.put_inline(world, role["Arn"], data["policy_name"], data["document"], data["version"]),
            form=form,
        )
    if change is not None and change.conflict is not None:
        form.data = form.data.copy()
        form.data["version"] = logic.text_version(change.conflict.stored or "")
    if change is not None and change.ok:
        message = _("The inline policy %(name)s was saved.") % {"name": form.cleaned_data["policy_name"]}
        return done(request, logic.role_url("sandbox:role", sandbox, account_id, role["RoleName"]), message)
    context = {
        "sandbox": sandbox,
        "account": account,
        "role": role,
        "form": form,
        "editing": chosen in existing or bool(form["version"].value()),
        "conflict": change.conflict if change else None,
        **editor_context([account], account_id, form["document"].value() or "", "identity"),
    }
    return render_part(request, "sandbox/role_inline.html", "inline-form", context)


@require_POST
def role_inline_delete(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """DeleteRolePolicy."""
    policy = request.POST.get("policy_name", "")
    message = _("The inline policy %(name)s was deleted.") % {"name": policy}
    return permissions_change(
        request, pk, account_id, name, lambda world, arn: world.delete_inline_policy(arn, policy), message
    )


def permissions_change(
    request: HtmxHttpRequest, pk, account_id: str, name: str, removal: Callable[[World, str], None], message: str
) -> HttpResponse:
    """Detach a managed policy, delete an inline one or remove the boundary (``removal``: the engine call,
    given the world and the role's ARN); then the role page (or its permissions part)."""
    sandbox = get_sandbox(request, pk)
    account, role = logic.find_role(sandbox, account_id, name)
    form = django_forms.Form(request.POST)
    changed = run_change(sandbox, lambda world: removal(world, role["Arn"]), form=form).ok
    if changed and not request.htmx:
        messages.success(request, message)
        return redirect(logic.role_url("sandbox:role", sandbox, account.account_id, role["RoleName"]))
    if changed:
        account, role = logic.find_role(sandbox, account.account_id, role["RoleName"])
    context = role_context(
        sandbox, account, role, permissions_form=form, permissions_message=message if changed else ""
    )
    return render_part(request, "sandbox/role_detail.html", "permissions", context)


@require_http_methods(["GET", "POST"])
def role_attach(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """Search customer and AWS managed policies (a plain GET form, live with htmx); attach one or make it
    the permissions boundary."""
    sandbox = get_sandbox(request, pk)
    account, role = logic.find_role(sandbox, account_id, name)
    if request.method == "POST":
        form = forms.AttachForm(request.POST)
        boundary = request.POST.get("as") == "boundary"
        arn = request.POST.get("policy_arn", "")

        def change(world: World) -> None:
            if boundary:
                world.put_permissions_boundary(role["Arn"], arn)
            else:
                world.attach_policy(role["Arn"], arn)

        if form.is_valid() and run_change(sandbox, change, form=form).ok:
            message = _("%(arn)s is now the permissions boundary.") if boundary else _("%(arn)s was attached.")
            return done(
                request, logic.role_url("sandbox:role", sandbox, account_id, role["RoleName"]), message % {"arn": arn}
            )
    else:
        form = forms.AttachForm()
    query = request.GET.get("q", "")[:128]
    context = {
        "sandbox": sandbox,
        "account": account,
        "role": role,
        "form": form,
        "query": query,
        "results": search_policies(account, query),
    }
    return render_part(request, "sandbox/role_attach.html", "results", context)


def search_policies(account: SandboxAccount, query: str) -> list[dict]:
    """Customer managed policies of the role's account, then AWS managed ones, whose names start with
    ``query`` (case-insensitive); the catalogue answers for AWS's."""
    customer = [
        {"name": p["PolicyName"], "arn": p["Arn"], "aws": False}
        for p in account.managed_policies()
        if p["PolicyName"].lower().startswith(query.lower())
    ]
    aws = [
        {"name": n, "arn": managed_policy_arn(n), "aws": True}
        for n in managed_policy_names(query, SEARCH_LIMIT, type="iam")
    ]
    return (customer + aws)[:SEARCH_LIMIT]


@require_POST
def role_detach(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """DetachRolePolicy."""
    arn = request.POST.get("policy_arn", "")
    message = _("%(arn)s was detached.") % {"arn": arn}
    return permissions_change(
        request, pk, account_id, name, lambda world, role_arn: world.detach_policy(role_arn, arn), message
    )


@require_POST
def role_boundary_remove(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """DeleteRolePermissionsBoundary."""
    message = _("The permissions boundary was removed.")
    return permissions_change(
        request, pk, account_id, name, lambda world, arn: world.delete_permissions_boundary(arn), message
    )


_ROLE = "<uuid:pk>/roles/<str:account_id>/<str:name>/"
urlpatterns = [
    path("<uuid:pk>/roles/", role_list, name="roles"),
    path("<uuid:pk>/roles/new/", role_new, name="role_new"),
    path("<uuid:pk>/roles/validate/", role_validate, name="role_validate"),
    path(_ROLE, role_detail, name="role"),
    path(_ROLE + "trust/", role_trust, name="role_trust"),
    path(_ROLE + "delete/", role_delete, name="role_delete"),
    path(_ROLE + "inline/", role_inline, name="role_inline"),
    path(_ROLE + "inline/delete/", role_inline_delete, name="role_inline_delete"),
    path(_ROLE + "attach/", role_attach, name="role_attach"),
    path(_ROLE + "detach/", role_detach, name="role_detach"),
    path(_ROLE + "boundary/remove/", role_boundary_remove, name="role_boundary_remove"),
]
