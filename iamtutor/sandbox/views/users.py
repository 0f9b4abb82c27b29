"""Users and access keys: list the users of both accounts, create users, manage their policies and keys.

Pages read the users from the accounts' stored documents; changes go through ``worlds.run_change`` (the
engine keeps IAM's name and path rules, quotas such as two access keys per user, and AWS's error wording),
which puts a refusal on the field of the parameter it is about. A new access key's secret is shown once, on
the response to its creation, and never again — as in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms as django_forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.engine import World
from iamtutor.engine.data import managed_policy_names
from iamtutor.lib.http import HtmxHttpRequest

from ..access import get_sandbox
from ..forms import UserForm, UserPolicyForm
from ..identities import find_user
from ..models import Sandbox, inline_documents
from ..worlds import run_change

MANAGED_SUGGESTIONS = 20


# ---- the list and CreateUser -------------------------------------------------------------------------------


def _list_context(sandbox: Sandbox, form: UserForm, **extra) -> dict:
    return {"sandbox": sandbox, "accounts": list(sandbox.accounts.all()), "form": form, **extra}


@require_GET
def users(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Every user of both accounts, with a form to create one."""
    sandbox = get_sandbox(request, pk)
    return render(request, "sandbox/users.html", _list_context(sandbox, UserForm(sandbox.accounts.all())))


@require_http_methods(["GET", "POST"])
def user_new(request: HtmxHttpRequest, pk) -> HttpResponse:
    """CreateUser. Success: the user's page (with htmx, the refreshed list). Failure: the form again."""
    sandbox = get_sandbox(request, pk)
    form = UserForm(sandbox.accounts.all(), request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_change(
            sandbox, lambda w: w.create_user(data["account"], data["name"], path=data["path"] or "/"), form=form
        )
        ok, created = change.ok, change.value
        if ok and not request.htmx:
            return redirect("sandbox:user", sandbox.pk, created.account, created.name)
        form = UserForm(sandbox.accounts.all()) if ok else form
    context = _list_context(sandbox, form, created=created)
    return render(request, "sandbox/users.html#users-panel" if request.htmx else "sandbox/users.html", context)


# ---- one user: policies and keys ---------------------------------------------------------------------------


def _detail_context(sandbox: Sandbox, account_id: str, name: str, **extra) -> dict:
    account, user = find_user(sandbox, account_id, name)
    keys = [
        {"id": k["AccessKeyId"], "status": k.get("Status", "Active"), "created": k.get("CreateDate")}
        for k in user.get("AccessKeys", [])
    ]  # never the secret
    inline = [
        {"name": name, "text": json.dumps(document, indent=2)} for name, document in inline_documents(user).items()
    ]
    context = {
        "sandbox": sandbox,
        "account": account,
        "user": user,
        "keys": keys,
        "inline": inline,
        "customer_policies": account.managed_policies(),
        "inline_form": UserPolicyForm(initial={"action": "put"}),
        "attach_form": UserPolicyForm(initial={"action": "attach"}, customer_policies=account.managed_policies()),
    }
    context.update(extra)
    return context


@require_GET
def user(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """A user's groups, tags, MFA devices, policies and access keys (never a secret key)."""
    sandbox = get_sandbox(request, pk)
    if request.htmx and "managed_name" in request.GET:  # suggestions while typing an AWS managed policy name
        names = managed_policy_names(request.GET["managed_name"][:128], MANAGED_SUGGESTIONS, type="iam")
        return render(request, "sandbox/user_detail.html#managed-names", {"managed_names": names})
    return render(request, "sandbox/user_detail.html", _detail_context(sandbox, account_id, name))


@require_POST
def user_policy(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """PutUserPolicy, DeleteUserPolicy, AttachUserPolicy or DetachUserPolicy."""
    sandbox = get_sandbox(request, pk)
    account, entry = find_user(sandbox, account_id, name)
    arn = entry["Arn"]
    form = UserPolicyForm(request.POST, customer_policies=account.managed_policies())
    inline = request.POST.get("action") in ("put", "delete")
    if form.is_valid():
        run_change(sandbox, _policy_change(arn, form.cleaned_data), form=form)
    context = _detail_context(
        sandbox, account_id, name, **({"inline_form" if inline else "attach_form": form} if form.errors else {})
    )
    if request.htmx:
        return render(request, "sandbox/user_detail.html#policies", context)
    if form.errors:
        return render(request, "sandbox/user_detail.html", context)
    return redirect("sandbox:user", sandbox.pk, account_id, context["user"]["UserName"])


def _policy_change(arn: str, data: dict) -> Callable[[World], object]:
    action = data["action"]
    if action == "put":
        return lambda world: world.put_inline_policy(arn, data["name"], data["document"])
    if action == "delete":
        return lambda world: world.delete_inline_policy(arn, data["name"])
    if action == "attach":
        return lambda world: world.attach_policy(arn, data["policy"])
    return lambda world: world.detach_policy(arn, data["policy"])


@never_cache
@require_POST
def user_key_new(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """CreateAccessKey: the secret appears in this response only (no-store), with the long-term-key warning."""
    sandbox = get_sandbox(request, pk)
    arn = find_user(sandbox, account_id, name)[1]["Arn"]
    form = django_forms.Form(request.POST)
    change = run_change(sandbox, lambda world: world.create_access_key(arn), form=form)
    context = _detail_context(sandbox, account_id, name, key_form=form, created_key=change.value if change.ok else None)
    if request.htmx:
        return render(request, "sandbox/user_detail.html#keys", context)
    return render(request, "sandbox/user_key_created.html" if change.ok else "sandbox/user_detail.html", context)


@require_POST
def user_key_delete(request: HtmxHttpRequest, pk, account_id: str, name: str, key_id: str) -> HttpResponse:
    """DeleteAccessKey for one of this user's keys (another user's key id is a 404)."""
    sandbox = get_sandbox(request, pk)
    _account, entry = find_user(sandbox, account_id, name)
    if key_id not in {k["AccessKeyId"] for k in entry.get("AccessKeys", [])}:
        raise Http404("No such access key.")
    form = django_forms.Form(request.POST)
    run_change(sandbox, lambda world: world.delete_access_key(key_id), form=form)
    context = _detail_context(sandbox, account_id, name, key_form=form)
    if request.htmx:
        return render(request, "sandbox/user_detail.html#keys", context)
    if form.errors:
        return render(request, "sandbox/user_detail.html", context)
    return redirect("sandbox:user", sandbox.pk, account_id, entry["UserName"])


urlpatterns = [
    path("<uuid:pk>/users/", users, name="users"),
    path("<uuid:pk>/users/new/", user_new, name="user_new"),
    path("<uuid:pk>/users/<str:account_id>/<str:name>/", user, name="user"),
    path("<uuid:pk>/users/<str:account_id>/<str:name>/policies/", user_policy, name="user_policy"),
    path("<uuid:pk>/users/<str:account_id>/<str:name>/keys/new/", user_key_new, name="user_key_new"),
    path(
        "<uuid:pk>/users/<str:account_id>/<str:name>/keys/<str:key_id>/delete/", user_key_delete, name="user_key_delete"
    ),
]
