"""Customer managed policies: list, create (CreatePolicy), edit (a new default version), delete.

Attaching them is the role page's (``role_attach``); the engine keeps IAM's rules: five versions at most,
6,144 characters, no deleting a policy that is still attached (DeleteConflict).
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import roles as logic
from ..access import get_sandbox
from ..models import Sandbox, SandboxAccount
from .roles import apply_change, done, editor_context, render_part


def find_policy(sandbox: Sandbox, account_id: str, name: str) -> tuple[SandboxAccount, dict]:
    """(account row, stored policy) of customer managed policy ``name`` (names ignore case); else 404."""
    account = sandbox.accounts.filter(account_id=account_id).first()
    policies = account.document.get("Policies", []) if account else []
    policy = next((p for p in policies if p["PolicyName"].lower() == name.lower()), None)
    if policy is None:
        raise Http404("No such policy.")
    return account, policy


def default_text(policy: dict) -> str:
    version = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
    return logic.document_text(version["Document"]) if version else ""


@require_GET
def policy_list(request: HttpRequest, pk) -> HttpResponse:
    """The customer managed policies of both accounts."""
    sandbox = get_sandbox(request, pk)
    accounts = list(sandbox.accounts.all())
    policies = [(account, policy) for account in accounts for policy in account.document.get("Policies", [])]
    return render_part(request, "sandbox/policy_list.html", "policies", {"sandbox": sandbox, "policies": policies})


@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest, pk) -> HttpResponse:
    """CreatePolicy."""
    sandbox = get_sandbox(request, pk)
    accounts = list(sandbox.accounts.all())
    form = logic.ManagedPolicyForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if apply_change(
            sandbox,
            form,
            lambda world: world.create_policy(
                data["account"],
                data["policy_name"],
                data["document"],
                path=data["path"],
                description=data["description"] or None,
            ),
            "document",
        ):
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
def policy_detail(request: HttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """A customer managed policy and its versions; a POST saves a new default version."""
    sandbox = get_sandbox(request, pk)
    account, policy = find_policy(sandbox, account_id, name)
    form = logic.PolicyVersionForm(request.POST or None, initial={"document": default_text(policy)})
    if (
        request.method == "POST"
        and form.is_valid()
        and apply_change(
            sandbox,
            form,
            lambda world: world.create_policy_version(policy["Arn"], form.cleaned_data["document"]),
            "document",
        )
    ):
        return done(request, request.path, _("A new version of %(name)s is now the default.") % {"name": name})
    context = {
        "sandbox": sandbox,
        "account": account,
        "policy": policy,
        "form": form,
        **editor_context([account], account_id, form["document"].value() or "", "identity"),
    }
    return render_part(request, "sandbox/policy_detail.html", "version-form", context)


@require_POST
def policy_delete(request: HttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """DeletePolicy; IAM refuses while a user, group or role still uses it."""
    sandbox = get_sandbox(request, pk)
    account, policy = find_policy(sandbox, account_id, name)
    form = forms.Form(request.POST)
    if apply_change(sandbox, form, lambda world: world.delete_managed_policy(policy["Arn"])):
        return done(
            request,
            reverse("sandbox:policies", args=[sandbox.pk]),
            _("The policy %(name)s was deleted.") % {"name": policy["PolicyName"]},
        )
    context = {
        "sandbox": sandbox,
        "account": account,
        "policy": policy,
        "delete_form": form,
        "form": logic.PolicyVersionForm(initial={"document": default_text(policy)}),
        **editor_context([account], account_id, default_text(policy), "identity"),
    }
    return render_part(request, "sandbox/policy_detail.html", "delete", context)


_POLICY = "<uuid:pk>/policies/<str:account_id>/<str:name>/"
urlpatterns = [
    path("<uuid:pk>/policies/", policy_list, name="policies"),
    path("<uuid:pk>/policies/new/", policy_new, name="policy_new"),
    path(_POLICY, policy_detail, name="policy"),
    path(_POLICY + "delete/", policy_delete, name="policy_delete"),
]
