"""Assume a role as a chosen identity: a user, a session (chaining), a service, or a GitHub Actions token.

One page: the identity chooser, the role, every STS parameter, and the result panel (credentials, or AWS's
error with the failed check in plain words). With htmx the panel swaps in place; without it, the same page
comes back. The engine decides; ``identities.py`` builds the call and ``explain.py`` words a failure.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..access import get_sandbox
from ..forms import PolicyDocumentField
from ..identities import DEFAULT_AUDIENCE, Identities, build_call, identities_of, run_call
from ..models import Sandbox
from ..worlds import sandbox_now

TAG_ROWS = 3
ADVANCED = ("external_id", "mfa_serial", "mfa_code", "policy", "policy_arns", "source_identity")
REPOSITORY_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")


class AssumeForm(forms.Form):
    """Who calls, which role, and the STS parameters. Length caps only bound the request; the engine
    applies AWS's own limits, so its wording is what the learner reads."""

    identity = forms.CharField(label=_("Call STS as"), max_length=2200)
    launched_by = forms.ChoiceField(
        label=_("Launched or created by"),
        required=False,
        help_text=_("The user who needs ec2:RunInstances or lambda:CreateFunction, and iam:PassRole on the role."),
    )
    repository = forms.CharField(label=_("Repository (owner/name)"), required=False, max_length=201)
    ref_type = forms.ChoiceField(
        label=_("The run is for"),
        required=False,
        initial="branch",
        choices=[
            ("branch", _("a branch")),
            ("environment", _("an environment")),
            ("pull_request", _("a pull request")),
        ],
    )
    ref = forms.CharField(label=_("Branch or environment name"), required=False, max_length=255)
    audience = forms.CharField(label=_("Audience (aud)"), required=False, max_length=255, initial=DEFAULT_AUDIENCE)
    role = forms.ChoiceField(label=_("Role"), required=False)
    role_arn = forms.CharField(
        label=_("…or type a role ARN"),
        required=False,
        max_length=4096,
        help_text=_("A typed ARN wins over the list. A role that does not exist gets AWS's AccessDenied."),
    )
    session_name = forms.CharField(
        label=_("Session name (RoleSessionName)"), required=False, max_length=512, strip=False
    )
    duration_seconds = forms.IntegerField(
        label=_("Duration in seconds"), required=False, help_text=_("Empty means AWS's default of 3,600 seconds.")
    )
    external_id = forms.CharField(label=_("External ID"), required=False, max_length=4096)
    mfa_serial = forms.CharField(label=_("MFA device serial number"), required=False, max_length=512)
    mfa_code = forms.CharField(label=_("MFA code"), required=False, max_length=32)
    policy = PolicyDocumentField(kind="session", label=_("Inline session policy (JSON)"), required=False)
    policy_arns = forms.CharField(
        label=_("Managed session policy ARNs, one per line"),
        required=False,
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "code"}),
    )
    source_identity = forms.CharField(label=_("Source identity"), required=False, max_length=512)

    def __init__(self, identities: Identities, sandbox: Sandbox, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.identities, self.sandbox = identities, sandbox
        self.fields["launched_by"].choices = [(c.value, c.label) for c in identities.users]
        self.fields["role"].choices = [("", _("— choose a role —"))] + [(c.value, c.label) for c in identities.roles]
        for row in range(TAG_ROWS):
            self.fields[f"tag_key_{row}"] = forms.CharField(label=_("Tag key"), required=False, max_length=512)
            self.fields[f"tag_value_{row}"] = forms.CharField(label=_("Tag value"), required=False, max_length=1024)
            self.fields[f"tag_transitive_{row}"] = forms.BooleanField(label=_("Transitive"), required=False)

    def advanced_open(self) -> bool:
        """Whether the "more parameters" section starts open: something in it was typed or refused."""
        names = [n for n in self.fields if n in ADVANCED or n.startswith("tag_")]
        return self.is_bound and any(self.data.get(n) or n in self.errors for n in names)

    def tag_rows(self) -> list[tuple]:
        return [(self[f"tag_key_{r}"], self[f"tag_value_{r}"], self[f"tag_transitive_{r}"]) for r in range(TAG_ROWS)]

    def clean_identity(self) -> str:
        value = self.cleaned_data["identity"]
        offered = {choice for choice, _label in self.identities.identity_choices()}
        kind, _sep, ref = value.partition(":")
        if value in offered or (kind == "session" and self.sandbox.sts_sessions.filter(session_id=ref).exists()):
            return value
        raise ValidationError(_("Choose who calls STS."), code="identity")

    def clean(self) -> dict:
        data = super().clean()
        kind = (data.get("identity") or "").partition(":")[0]
        if kind in ("ec2", "lambda") and not data.get("launched_by"):
            self.add_error("launched_by", _("Choose the user who launches it."))
        if kind in ("user", "session", "web"):
            data["role"] = (data.get("role_arn") or "").strip() or data.get("role") or ""
            if not data["role"]:
                self.add_error("role", _("Choose a role, or type its ARN."))
        if kind == "web":
            self._clean_token(data)
        data["mfa"] = self._mfa(data)
        data["tags"], data["transitive_tag_keys"] = self._tags(data)
        data["policy"] = data.get("policy") or None
        data["policy_arns"] = [line.strip() for line in (data.get("policy_arns") or "").splitlines() if line.strip()]
        return data

    def _clean_token(self, data: dict) -> None:
        if not REPOSITORY_RE.fullmatch(data.get("repository") or ""):
            self.add_error("repository", _("Type the repository as owner/name, for example example-org/app."))
        if data.get("ref_type") != "pull_request" and not data.get("ref"):
            self.add_error("ref", _("Type the branch or environment the workflow runs for."))
        data["ref_type"] = data.get("ref_type") or "branch"
        data["audience"] = data.get("audience") or DEFAULT_AUDIENCE

    def _mfa(self, data: dict) -> dict | None:
        serial, code = data.get("mfa_serial"), data.get("mfa_code")
        if code and not serial:
            self.add_error("mfa_serial", _("Type the serial number of the MFA device the code comes from."))
        if not serial:
            return None
        return {"serial": serial, "token_code": code} if code else {"serial": serial}

    def _tags(self, data: dict) -> tuple[list[dict], list[str]]:
        tags, transitive = [], []
        for row in range(TAG_ROWS):
            key, value = data.get(f"tag_key_{row}"), data.get(f"tag_value_{row}") or ""
            if not key and (value or data.get(f"tag_transitive_{row}")):
                self.add_error(f"tag_key_{row}", _("A tag needs a key."))
            elif key:
                tags.append({"Key": key, "Value": value})
                if data.get(f"tag_transitive_{row}"):
                    transitive.append(key)
        return tags, transitive


def credentials_url(sandbox: Sandbox) -> str | None:
    """The credentials page of another area, if it exists yet."""
    try:
        return reverse("sandbox:credentials", args=[sandbox.pk])
    except NoReverseMatch:
        return None


@require_http_methods(["GET", "POST"])
def assume(request: HttpRequest, pk) -> HttpResponse:
    """The assume page; a valid POST makes the STS call and shows its result (the form keeps what was typed)."""
    sandbox = get_sandbox(request, pk)
    identities = identities_of(sandbox, sandbox_now(sandbox))
    form = AssumeForm(identities, sandbox, request.POST or None, initial={"identity": _first(identities)})
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = run_call(sandbox, build_call(identities, form.cleaned_data), identities)
        if outcome.result is not None:
            identities = identities_of(sandbox, sandbox_now(sandbox))  # the new session can be chained from
    context = {
        "sandbox": sandbox,
        "form": form,
        "identities": identities,
        "outcome": outcome,
        "selected": form["identity"].value(),
        "credentials_url": credentials_url(sandbox),
    }
    template = "sandbox/assume.html#panel" if request.htmx else "sandbox/assume.html"
    return render(request, template, context)


def _first(identities: Identities) -> str:
    return identities.users[0].value if identities.users else ""


urlpatterns = [
    path("<uuid:pk>/assume/", assume, name="assume"),
]
