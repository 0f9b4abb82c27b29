"""Users and access keys: list the users of both accounts, create users, manage their policies and keys.

Pages read the users from the accounts' stored documents; changes go through the engine (IAM's name and
path rules, quotas such as two access keys per user, and AWS's error wording), and engine errors become form
errors in ``forms.engine_validation_error``. A new access key's secret is shown once, on the response to
its creation, and never again — as in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.engine import EngineError, World
from iamtutor.engine.data import managed_policy_arn, managed_policy_names

from ..access import get_sandbox
from ..forms import PolicyDocumentField, engine_validation_error
from ..identities import find_user
from ..models import Sandbox
from ..worlds import ConcurrentChange, changing

MANAGED_SUGGESTIONS = 20
# Which field an inline-policy error belongs to, by a fragment of AWS's code or message.
POLICY_ERROR_FIELDS = {
    "'policyName'": "name",
    "NoSuchEntity": "name",
    "MalformedPolicyDocument": "document",
    "LimitExceeded": "document",
}
MSG_CONFLICT = gettext_lazy("Your sandbox changed in another tab meanwhile, so nothing was saved. Please try again.")


class UserForm(forms.Form):
    """CreateUser: IAM checks the name and path (the engine words the errors as AWS does)."""

    account = forms.ChoiceField(label=gettext_lazy("Account"))
    name = forms.CharField(
        label=gettext_lazy("User name"),
        max_length=256,
        help_text=gettext_lazy("Up to 64 letters, digits and + = , . @ _ -"),
    )
    path = forms.CharField(
        label=gettext_lazy("Path"),
        max_length=1024,
        required=False,
        initial="/",
        help_text=gettext_lazy("Starts and ends with /, for example /engineering/."),
    )

    def __init__(self, sandbox: Sandbox, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.account_id, str(a)) for a in sandbox.accounts.all()]


class PolicyForm(forms.Form):
    """One change to a user's permissions: put or delete an inline policy, attach or detach a managed one."""

    ACTIONS = ("put", "delete", "attach", "detach")
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Policy name"), required=False, max_length=256)
    document = PolicyDocumentField(kind="identity", label=gettext_lazy("Policy document (JSON)"), required=False)
    managed_name = forms.CharField(
        label=gettext_lazy("AWS managed policy name"),
        required=False,
        max_length=256,
        widget=forms.TextInput(attrs={"list": "managed-names", "autocomplete": "off"}),
        help_text=gettext_lazy("For example AmazonS3ReadOnlyAccess."),
    )
    policy = forms.CharField(label=gettext_lazy("Customer managed policy"), required=False, max_length=2048)

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if action in ("put", "delete") and not data.get("name"):
            self.add_error("name", _("Name the inline policy."))
        if action == "put" and not data.get("document") and "document" not in self.errors:
            self.add_error("document", _("Type the policy document."))
        if action in ("attach", "detach"):
            data["policy"] = self._policy_arn(data)
        return data

    def _policy_arn(self, data: dict) -> str:
        name = (data.get("managed_name") or "").strip()
        if not name:
            if not data.get("policy"):
                self.add_error("policy", _("Choose a managed policy."))
            return data.get("policy") or ""
        arn = name if name.startswith("arn:") else managed_policy_arn(name)
        if arn is None:
            close = ", ".join(managed_policy_names(name[:4], 5, type="iam"))
            self.add_error(
                "managed_name",
                _("No AWS managed policy is named %(name)s.") % {"name": name}
                + (" " + _("Similar names: %(names)s.") % {"names": close} if close else ""),
            )
        return arn or ""


def change_world(
    sandbox: Sandbox, form: forms.Form, change: Callable[[World], object], fields: dict[str, str]
) -> tuple[bool, object]:
    """Runs one IAM change and saves it; an engine error becomes a form error on the field its message
    names (``fields`` maps a message fragment to a field name) and nothing is saved."""
    try:
        with changing(sandbox) as loaded:
            return True, change(loaded.world)
    except EngineError as err:
        field = next((name for needle, name in fields.items() if needle in f"{err.code} {err.message}"), None)
        form.add_error(field, engine_validation_error(err))
    except ConcurrentChange:
        form.add_error(None, str(MSG_CONFLICT))
    return False, None


# ---- the list and CreateUser -------------------------------------------------------------------------------


def _list_context(sandbox: Sandbox, form: UserForm, **extra) -> dict:
    return {"sandbox": sandbox, "accounts": list(sandbox.accounts.all()), "form": form, **extra}


@require_GET
def users(request: HttpRequest, pk) -> HttpResponse:
    """Every user of both accounts, with a form to create one."""
    sandbox = get_sandbox(request, pk)
    return render(request, "sandbox/users.html", _list_context(sandbox, UserForm(sandbox)))


@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest, pk) -> HttpResponse:
    """CreateUser. Success: the user's page (with htmx, the refreshed list). Failure: the form again."""
    sandbox = get_sandbox(request, pk)
    form = UserForm(sandbox, request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, created = change_world(
            sandbox,
            form,
            lambda w: w.create_user(data["account"], data["name"], path=data["path"] or "/"),
            {"'userName'": "name", "'path'": "path", "EntityAlreadyExists": "name"},
        )
        if ok and not request.htmx:
            return redirect("sandbox:user", sandbox.pk, created.account, created.name)
        form = UserForm(sandbox) if ok else form
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
        {"name": p["PolicyName"], "text": json.dumps(p["PolicyDocument"], indent=2)}
        for p in user.get("UserPolicyList", [])
    ]
    context = {
        "sandbox": sandbox,
        "account": account,
        "user": user,
        "keys": keys,
        "inline": inline,
        "customer_policies": account.document.get("Policies", []),
        "inline_form": PolicyForm(initial={"action": "put"}),
        "attach_form": PolicyForm(initial={"action": "attach"}),
    }
    context.update(extra)
    return context


@require_GET
def user(request: HttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """A user's groups, tags, MFA devices, policies and access keys (never a secret key)."""
    sandbox = get_sandbox(request, pk)
    if request.htmx and "managed_name" in request.GET:  # suggestions while typing an AWS managed policy name
        names = managed_policy_names(request.GET["managed_name"][:128], MANAGED_SUGGESTIONS, type="iam")
        return render(request, "sandbox/user_detail.html#managed-names", {"managed_names": names})
    return render(request, "sandbox/user_detail.html", _detail_context(sandbox, account_id, name))


@require_POST
def user_policy(request: HttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """PutUserPolicy, DeleteUserPolicy, AttachUserPolicy or DetachUserPolicy."""
    sandbox = get_sandbox(request, pk)
    arn = find_user(sandbox, account_id, name)[1]["Arn"]
    form = PolicyForm(request.POST)
    inline = request.POST.get("action") in ("put", "delete")
    if form.is_valid():
        change_world(
            sandbox,
            form,
            _policy_change(arn, form.cleaned_data),
            POLICY_ERROR_FIELDS if inline else {"NoSuchEntity": "policy", "LimitExceeded": "policy"},
        )
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
def user_key_new(request: HttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """CreateAccessKey: the secret appears in this response only (no-store), with the long-term-key warning."""
    sandbox = get_sandbox(request, pk)
    arn = find_user(sandbox, account_id, name)[1]["Arn"]
    form = forms.Form(request.POST)
    ok, key = change_world(sandbox, form, lambda world: world.create_access_key(arn), {})
    context = _detail_context(sandbox, account_id, name, key_form=form, created_key=key if ok else None)
    if request.htmx:
        return render(request, "sandbox/user_detail.html#keys", context)
    return render(request, "sandbox/user_key_created.html" if ok else "sandbox/user_detail.html", context)


@require_POST
def user_key_delete(request: HttpRequest, pk, account_id: str, name: str, key_id: str) -> HttpResponse:
    """DeleteAccessKey for one of this user's keys (another user's key id is a 404)."""
    sandbox = get_sandbox(request, pk)
    _account, entry = find_user(sandbox, account_id, name)
    if key_id not in {k["AccessKeyId"] for k in entry.get("AccessKeys", [])}:
        raise Http404("No such access key.")
    form = forms.Form(request.POST)
    change_world(sandbox, form, lambda world: world.delete_access_key(key_id), {})
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
