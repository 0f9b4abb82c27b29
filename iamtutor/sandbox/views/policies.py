"""Customer managed policies: list, create (CreatePolicy), edit (a new default version), delete a version
(DeletePolicyVersion), delete.

Attaching them is the role page's (``role_attach``); the engine keeps IAM's rules: five versions at most,
6,144 characters, no deleting the default version, nor a policy that is still attached or still holds other
versions (DeleteConflict).
"""

from __future__ import annotations

from django import forms as django_forms
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest

from .. import forms
from .. import roles as logic
from ..access import get_sandbox, get_stored
from ..models import Sandbox, SandboxAccount, default_document
from ..worlds import run_change
from .roles import done, editor_context, render_part


def find_policy(sandbox: Sandbox, account_id: str, name: str) -> tuple[SandboxAccount, dict]:
    """(account row, stored policy) of customer managed policy ``name`` (names ignore case); else 404."""
    return get_stored(sandbox, account_id, "policy", name)


def version_initial(policy: dict) -> dict:
    """The editor's start: the default version's text, and that version's id."""
    version_id, document = default_document(policy)
    return {"document": logic.document_text(document), "version": version_id}


def refused_context(sandbox: Sandbox, account: SandboxAccount, policy: dict, **refused) -> dict:
    """The policy page around a refused form (``delete_form`` or ``versions_form``): its editor as stored."""
    initial = version_initial(policy)
    return {
        "sandbox": sandbox,
        "account": account,
        "policy": policy,
        "form": forms.PolicyVersionForm(initial=initial),
        **editor_context([account], account.account_id, initial["document"], "identity"),
        **refused,
    }


@require_GET
def policy_list(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The customer managed policies of both accounts."""
    sandbox = get_sandbox(request, pk)
    accounts = list(sandbox.accounts.all())
    policies = [(account, policy) for account in accounts for policy in account.managed_policies()]
    return render_part(request, "sandbox/policy_list.html", "policies", {"sandbox": sandbox, "policies": policies})


@require_http_methods(["GET", "POST"])
def policy_new(request: HtmxHttpRequest, pk) -> HttpResponse:
    """CreatePolicy."""
    sandbox = get_sandbox(request, pk)
    accounts = list(sandbox.accounts.all())
    form = forms.ManagedPolicyForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        create = lambda world: world.create_policy(  # noqa: E731
            data["account"],
            data["policy_name"],
            data["document"],
            path=data["path"],
            description=data["description"] or None,
        )
        if run_change(sandbox, create, form=form).ok:
            url = reverse("sandbox:policy", args=[sandbox.pk, data["account"], data["policy_name"]])
            return done(request, url, _("The policy %(name)s was created.") % {"name": data["policy_name"]})
    account_id = request.POST.get("account") or accounts[0].account_id
    context = {
        "sandbox": sandbox,
        "form": form,
        **editor_context(accounts, account_id, form["document"].value() or "", "identity"),
    }
    return render_part(request, "sandbox/policy_new.html", "policy-form", context)


@require_http_methods(["GET", "POST"])
def policy_detail(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """A customer managed policy and its versions; a POST saves a new default version."""
    sandbox = get_sandbox(request, pk)
    account, policy = find_policy(sandbox, account_id, name)
    form = forms.PolicyVersionForm(request.POST or None, initial=version_initial(policy))
    change = None
    if request.method == "POST" and form.is_valid():
        text, version = form.cleaned_data["document"], form.cleaned_data["version"]
        change = run_change(
            sandbox, lambda world: logic.put_policy_version(world, policy["Arn"], text, version), form=form
        )
    if change is not None and change.ok:
        return done(request, request.path, _("A new version of %(name)s is now the default.") % {"name": name})
    if change is not None and change.conflict is not None:
        form.data = form.data.copy()
        form.data["version"] = version_initial(find_policy(sandbox, account_id, name)[1])["version"]
    context = {
        "sandbox": sandbox,
        "account": account,
        "policy": policy,
        "form": form,
        "conflict": change.conflict if change and change.conflict and change.conflict.stored is not None else None,
        **editor_context([account], account_id, form["document"].value() or "", "identity"),
    }
    return render_part(request, "sandbox/policy_detail.html", "version-form", context)


@require_POST
def policy_delete(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """DeletePolicy; IAM refuses while a user, group or role still uses it."""
    sandbox = get_sandbox(request, pk)
    account, policy = find_policy(sandbox, account_id, name)
    form = django_forms.Form(request.POST)
    if run_change(sandbox, lambda world: world.delete_managed_policy(policy["Arn"]), form=form).ok:
        return done(
            request,
            reverse("sandbox:policies", args=[sandbox.pk]),
            _("The policy %(name)s was deleted.") % {"name": policy["PolicyName"]},
        )
    context = refused_context(sandbox, account, policy, delete_form=form)
    return render_part(request, "sandbox/policy_detail.html", "delete", context)


@require_POST
def policy_version_delete(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """DeletePolicyVersion of the version the form names; IAM refuses the default version."""
    sandbox = get_sandbox(request, pk)
    account, policy = find_policy(sandbox, account_id, name)
    form = forms.PolicyVersionDeleteForm(request.POST)
    delete = lambda world: world.delete_policy_version(policy["Arn"], form.cleaned_data["version_id"])  # noqa: E731
    if form.is_valid() and run_change(sandbox, delete, form=form).ok:
        url = reverse("sandbox:policy", args=[sandbox.pk, account.account_id, policy["PolicyName"]])
        return done(request, url, _("Version %(version)s was deleted.") % {"version": form.cleaned_data["version_id"]})
    context = refused_context(sandbox, account, policy, versions_form=form)
    response = render_part(request, "sandbox/policy_detail.html", "versions", context)
    response.status_code = 200 if request.htmx else 400
    return response


_POLICY = "<uuid:pk>/policies/<str:account_id>/<str:name>/"
urlpatterns = [
    path("<uuid:pk>/policies/", policy_list, name="policies"),
    path("<uuid:pk>/policies/new/", policy_new, name="policy_new"),
    path(_POLICY, policy_detail, name="policy"),
    path(_POLICY + "delete/", policy_delete, name="policy_delete"),
    path(_POLICY + "versions/delete/", policy_version_delete, name="policy_version_delete"),
]
