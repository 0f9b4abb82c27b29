"""Web identity tokens: the sandbox's stand-in for an OIDC provider (issue 15).

The learner picks one of the sandbox's OpenID Connect providers (GitHub Actions' by default), fills the claims
that provider would send, and gets a signed token (``iamtutor.awsapi.webidentity.issue_token``) valid for 5 to
60 minutes on the sandbox clock, with its decoded claims and copy-paste ``aws sts
assume-role-with-web-identity`` and boto3 lines for the AWS-compatible endpoint. Issuing a token changes
nothing in the sandbox: as on AWS, STS only hears of it when the token is presented.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from iamtutor.awsapi.webidentity import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    MIN_LIFETIME,
    RESERVED_CLAIMS,
    decode,
    issue_token,
)
from iamtutor.lib.http import HtmxHttpRequest

from ..access import get_sandbox
from ..models import Sandbox, role_trust_document
from ..worlds import sandbox_now

GITHUB = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"  # what aws-actions/configure-aws-credentials asks GitHub for
REPOSITORY_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)  # RoleSessionName's pattern and length (STS)
CLAIM_NAME_RE = re.compile(r"[A-Za-z0-9_:./-]{1,100}", re.ASCII)
MAX_EXTRA_CLAIMS = 20


@dataclass(frozen=True)
class Provider:
    """One OIDC provider the sandbox holds: its URL (the token's ``iss`` without https://), its client ids."""

    url: str
    audiences: tuple[str, ...]
    accounts: tuple[str, ...]


def providers_of(sandbox: Sandbox) -> list[Provider]:
    """The sandbox's OIDC providers by URL (GitHub Actions' first, and offered even when no account holds it:
    STS then answers that no provider is found, which is worth seeing)."""
    found: dict[str, tuple[list[str], list[str]]] = {GITHUB: ([], [])}
    for account in sandbox.accounts.all():
        for entry in account.identity_providers():
            if entry.get("type") != "oidc" or ":oidc-provider/" not in str(entry.get("arn", "")):
                continue
            url = entry["arn"].split(":oidc-provider/", 1)[1]
            audiences, accounts = found.setdefault(url, ([], []))
            audiences.extend(a for a in entry.get("audiences", []) if a not in audiences)
            accounts.append(account.account_id)
    if not found[GITHUB][0]:
        found[GITHUB][0].append(GITHUB_AUDIENCE)
    return [Provider(url, tuple(a), tuple(accts)) for url, (a, accts) in found.items()]


def _roles(sandbox: Sandbox) -> list[tuple[str, object]]:
    return [(role["Arn"], role_trust_document(role)) for a in sandbox.accounts.all() for role in a.roles()]


class TokenForm(forms.Form):
    """The claims of the token, its lifetime, and the role and session name the copy-paste lines use."""

    provider = forms.ChoiceField(label=_("Identity provider (iss)"))
    audience = forms.CharField(
        label=_("Audience (aud)"),
        required=False,
        max_length=255,
        help_text=_("Empty means the provider's first client ID. STS refuses an audience the provider does not list."),
    )
    subject = forms.CharField(
        label=_("Subject (sub)"),
        required=False,
        max_length=255,
        help_text=_("For GitHub Actions, empty means repo:OWNER/REPO:ref:REF from the two fields below."),
    )
    repository = forms.CharField(label=_("Repository (owner/name)"), required=False, max_length=201)
    ref = forms.CharField(label=_("Git ref"), required=False, max_length=255)
    extra = forms.CharField(
        label=_("More claims, one name=value per line"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "code"}),
        help_text=_(
            "For example environment=prod. Each claim becomes a condition key of the trust policy: the "
            "provider's URL, a colon and the claim's name."
        ),
    )
    lifetime = forms.IntegerField(
        label=_("Valid for (minutes)"),
        min_value=MIN_LIFETIME // 60,
        max_value=MAX_LIFETIME // 60,
        help_text=_("5 to 60 minutes on the sandbox clock. GitHub's tokens live about 5 minutes."),
    )
    role = forms.ChoiceField(label=_("Role to assume (for the commands below)"))
    session_name = forms.CharField(label=_("Session name (RoleSessionName)"), max_length=64)

    def __init__(self, sandbox: Sandbox, *args, **kwargs) -> None:
        self.providers = {p.url: p for p in providers_of(sandbox)}
        roles = _roles(sandbox)
        first = next(iter(self.providers.values()))
        trusting = [arn for arn, trust in roles if f"oidc-provider/{first.url}" in json.dumps(trust)]
        kwargs.setdefault(
            "initial",
            {
                "provider": first.url,
                "audience": first.audiences[0] if first.audiences else "",
                "repository": "example-org/app",
                "ref": "refs/heads/main",
                "lifetime": DEFAULT_LIFETIME // 60,
                "role": (trusting or [arn for arn, _t in roles] or [""])[0],
                "session_name": "web-identity",
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(url, url) for url in self.providers]
        self.fields["role"].choices = [(arn, arn) for arn, _trust in roles]

    def clean_session_name(self) -> str:
        name = self.cleaned_data["session_name"].strip()
        if not SESSION_NAME_RE.fullmatch(name):
            raise ValidationError(
                _("A session name is 2 to 64 letters, digits and the characters _+=,.@- (no spaces)."), code="name"
            )
        return name

    def clean_extra(self) -> dict[str, str]:
        claims: dict[str, str] = {}
        lines = [line.strip() for line in self.cleaned_data["extra"].splitlines() if line.strip()]
        if len(lines) > MAX_EXTRA_CLAIMS:
            raise ValidationError(_("At most %(n)d more claims.") % {"n": MAX_EXTRA_CLAIMS}, code="count")
        for number, line in enumerate(lines, 1):
            name, sep, value = line.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not CLAIM_NAME_RE.fullmatch(name):
                raise ValidationError(
                    _("Line %(n)d is not name=value with a name of letters, digits and _:./-.") % {"n": number},
                    code="line",
                )
            if name in RESERVED_CLAIMS or name in ("repository", "repository_owner", "ref", "ref_type"):
                raise ValidationError(
                    _("Line %(n)d sets %(name)s, which the fields above set.") % {"n": number, "name": name},
                    code="reserved",
                )
            if len(value) > 1000:
                raise ValidationError(_("Line %(n)d's value is over 1,000 characters.") % {"n": number}, code="long")
            claims[name] = value
        return claims

    def clean(self) -> dict:
        data = super().clean()
        provider = self.providers.get(data.get("provider") or "")
        if provider is None:
            return data
        data["audience"] = (data.get("audience") or "").strip() or (provider.audiences or ("",))[0]
        if not data["audience"]:
            self.add_error("audience", _("Type the audience: this provider lists no client ID."))
        data["subject"] = (data.get("subject") or "").strip()
        if provider.url == GITHUB:
            self._clean_github(data)
        elif not data["subject"]:
            self.add_error("subject", _("Type the subject (sub) the provider would send."))
        return data

    def _clean_github(self, data: dict) -> None:
        repository, ref = (data.get("repository") or "").strip(), (data.get("ref") or "").strip()
        if not REPOSITORY_RE.fullmatch(repository):
            self.add_error("repository", _("Type the repository as owner/name, for example example-org/app."))
        if not re.fullmatch(r"refs/(heads|tags)/[^\s]{1,200}", ref):
            self.add_error("ref", _("Type a branch or tag ref, for example refs/heads/main or refs/tags/v1.0."))
        data["repository"], data["ref"] = repository, ref
        if not data["subject"] and not self.errors:
            data["subject"] = f"repo:{repository}:ref:{ref}"

    def claims(self) -> dict[str, str]:
        """The token's claims from the valid form (``issue_token`` adds jti and the times)."""
        data = self.cleaned_data
        url = data["provider"]
        claims = {"iss": f"https://{url}", "sub": data["subject"], "aud": data["audience"]}
        if url == GITHUB:
            repository, ref = data["repository"], data["ref"]
            claims.update(
                repository=repository,
                repository_owner=repository.split("/")[0],
                ref=ref,
                ref_type="tag" if ref.startswith("refs/tags/") else "branch",
            )
        claims.update(data["extra"])
        return claims


def _when(seconds: object) -> str:
    return datetime.fromtimestamp(float(seconds), UTC).isoformat().replace("+00:00", "Z")  # type: ignore[arg-type]


def _result(request: HtmxHttpRequest, sandbox: Sandbox, form: TokenForm) -> dict:
    data = form.cleaned_data
    token = issue_token(sandbox, form.claims(), lifetime=data["lifetime"] * 60)
    header, payload = decode(token)
    endpoint = request.build_absolute_uri(reverse("awsapi:endpoint"))
    role, name = data["role"], data["session_name"]
    cli = (
        f"aws sts assume-role-with-web-identity --region us-east-1 --endpoint-url {shlex.quote(endpoint)} \\\n"
        f"    --role-arn {shlex.quote(role)} --role-session-name {shlex.quote(name)} \\\n"
        f"    --web-identity-token {shlex.quote(token)}"
    )
    q = json.dumps  # a double-quoted Python string literal (every value here is ASCII)
    python = (
        "import boto3\nfrom botocore import UNSIGNED\nfrom botocore.config import Config\n\n"
        f'sts = boto3.client(\n    "sts", endpoint_url={q(endpoint)}, region_name="us-east-1",\n'
        "    config=Config(signature_version=UNSIGNED),  # AssumeRoleWithWebIdentity is not signed\n)\n"
        f"creds = sts.assume_role_with_web_identity(\n    RoleArn={q(role)},\n    RoleSessionName={q(name)},\n"
        f'    WebIdentityToken={q(token)},\n)["Credentials"]\nprint(creds["AccessKeyId"], creds["Expiration"])'
    )
    return {
        "token": token,
        "header_json": json.dumps(header, indent=2),
        "payload_json": json.dumps(payload, indent=2, ensure_ascii=False),
        "issued_at": _when(payload["iat"]),
        "expires_at": _when(payload["exp"]),
        "minutes": data["lifetime"],
        "cli": cli,
        "python": python,
        "role": role,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def webid(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The token form; a valid POST issues a token and shows it with its claims and the commands that use it."""
    sandbox = get_sandbox(request, pk)
    form = TokenForm(sandbox, request.POST or None)
    issued = _result(request, sandbox, form) if request.method == "POST" and form.is_valid() else None
    context = {
        "sandbox": sandbox,
        "form": form,
        "issued": issued,
        "providers": form.providers.values(),
        "now": sandbox_now(sandbox),
        "assume_url": reverse("sandbox:assume", args=[sandbox.pk]),
    }
    template = "sandbox/webid.html#panel" if request.htmx else "sandbox/webid.html"
    return render(request, template, context)


urlpatterns = [
    path("<uuid:pk>/web-identity/", webid, name="webid"),
]
