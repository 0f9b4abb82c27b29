"""Role logic of the sandbox's role and policy pages that is not a view: reading roles from the stored
accounts, the policy editor's report (IAM's problems, the engine's findings, insertable trust templates),
a trust policy's principals in plain words, and the role changes the engine composes from several calls.

The engine decides everything; this module only gathers its answers for the templates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iamtutor.engine import EngineError, World, check_policy, iter_policy_problems, parse_policy

from .access import get_stored
from .forms import MAX_DOCUMENT_CHARS, document_too_long
from .models import (
    Sandbox,
    SandboxAccount,
    inline_documents,
    role_policy_count,
    role_settings,
    role_trust_document,
)
from .worlds import ConcurrentChange

MAX_PROBLEMS = 20


# ---- roles as stored -----------------------------------------------------------------------------------------------


def stored_roles(accounts: list[SandboxAccount]) -> list[tuple[SandboxAccount, list[dict]]]:
    """Per account (in order), its roles sorted by name, as rows for the roles list."""
    return [
        (
            account,
            [_role_row(role) for role in sorted(account.roles(), key=lambda r: r["RoleName"].lower())],
        )
        for account in accounts
    ]


def _role_row(role: dict) -> dict:
    return {
        "name": role["RoleName"],
        "path": role.get("Path", "/"),
        "arn": role["Arn"],
        "description": role.get("Description") or "",
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "policy_count": role_policy_count(role),
    }


def find_role(sandbox: Sandbox, account_id: str, name: str) -> tuple[SandboxAccount, dict]:
    """(account row, stored role) of role ``name`` (IAM names ignore case) in the sandbox; else 404."""
    return get_stored(sandbox, account_id, "role", name)


def trust_text(role: dict) -> str:
    """A stored role's trust policy as the editor shows it."""
    return document_text(role_trust_document(role))


def inline_policies(role: dict) -> dict[str, str]:
    """A stored role's inline policies, name -> text as the editor shows it."""
    return {name: document_text(document) for name, document in inline_documents(role).items()}


def settings_initial(role: dict) -> dict:
    """The settings form's values for a stored role, with the version they are."""
    description, max_session_duration, tags = role_settings(role)
    return {
        "description": description,
        "max_session_duration": max_session_duration,
        "tags": "\n".join(f"{key}={value}" for key, value in tags),
        "version": settings_version(description, max_session_duration, tags),
    }


def document_text(source: object) -> str:
    """A stored policy document as the text the editor shows: text stays as typed, objects are indented."""
    if isinstance(source, str):
        return source
    return json.dumps(source, indent=2, ensure_ascii=False)


def text_version(text: str) -> str:
    """A short fingerprint of a document's text: the version an edit started from."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def role_url(name: str, sandbox: Sandbox, account_id: str, role_name: str) -> str:
    return reverse(name, args=[sandbox.pk, account_id, role_name])


def parse_tags(text: str) -> list[dict]:
    """Tags typed one per line as ``key=value`` (value optional); the engine checks IAM's rules."""
    tags = []
    for line in text.splitlines():
        if line.strip():
            key, _sep, value = line.partition("=")
            tags.append({"Key": key.strip(), "Value": value.strip()})
    return tags


# ---- the editor's report -------------------------------------------------------------------------------------------


@dataclass
class EditorReport:
    """What the policy editor shows under the text: IAM's problems and, for a valid text, the findings."""

    checked: bool = False
    problems: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    more_problems: int = 0

    @property
    def valid(self) -> bool:
        return self.checked and not self.problems


def _problem(err: EngineError) -> dict:
    return {
        "code": err.code,
        "message": err.message,
        "line": err.line,
        "column": err.column,
        "json_path": err.json_path,
    }


def editor_report(text: str, kind: str, account_id: str, world: World | None = None) -> EditorReport:
    """Every problem IAM would report for ``text`` (with line and column), then, when there are none,
    the principals that do not exist (``world`` given, trust policies) and the engine's findings."""
    if not text.strip():
        return EditorReport()
    if len(text) > MAX_DOCUMENT_CHARS:
        return EditorReport(True, [{"code": "RequestTooLarge", "message": document_too_long(len(text))}])
    problems = [_problem(p) for p in iter_policy_problems(text, kind)]
    if problems:
        return EditorReport(True, problems[:MAX_PROBLEMS], more_problems=max(0, len(problems) - MAX_PROBLEMS))
    if world is not None and kind == "trust":
        try:
            world.check_principals(parse_policy(text, "trust"))
        except EngineError as err:
            return EditorReport(True, [_problem(err)])
    return EditorReport(True, findings=_findings(text, kind, account_id))


def _findings(text: str, kind: str, account_id: str) -> list[dict]:
    findings = check_policy(text, kind, account=account_id)
    slugs = _lesson_slugs({f.lesson for f in findings if f.lesson})
    return [
        {
            "code": f.code,
            "severity": f.severity,
            "title": f.title,
            "detail": f.detail,
            "line": f.line,
            "subject": f.subject,
            "lesson_url": reverse("lessons:detail", args=[f.lesson]) if f.lesson in slugs else None,
        }
        for f in findings
    ]


def _lesson_slugs(wanted: set[str]) -> set[str]:
    """The lesson slugs among ``wanted`` that exist, so that a finding links only to a real lesson."""
    if not wanted:
        return set()
    from lessons.models import Lesson

    return set(Lesson.objects.filter(slug__in=wanted).values_list("slug", flat=True).distinct())


# ---- insertable trust-policy templates -----------------------------------------------------------------------------

TEMPLATE_LABELS = {
    "user": gettext_lazy("A user of this account"),
    "account": gettext_lazy("This whole account"),
    "cross_account": gettext_lazy("Another account, with an external ID"),
    "ec2": gettext_lazy("EC2 instances"),
    "lambda": gettext_lazy("A Lambda function"),
    "github": gettext_lazy("GitHub Actions (OIDC)"),
    "mfa": gettext_lazy("This account, MFA required"),
}


def _trust(principal: dict, action: str = "sts:AssumeRole", condition: dict | None = None) -> str:
    statement: dict = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def trust_templates(accounts: list[SandboxAccount], account_id: str) -> dict[str, str]:
    """A complete, valid trust policy per template key, filled with this sandbox's ids and provider ARN."""
    own = next((a for a in accounts if a.account_id == account_id), accounts[0])
    others = [a.account_id for a in accounts if a.account_id != own.account_id] or ["999999999999"]
    user = next((u["Arn"] for a in [own, *accounts] for u in a.users()), None)
    provider = next(
        (p["arn"] for a in [own, *accounts] for p in a.identity_providers() if p.get("type") == "oidc"), None
    )
    root = f"arn:aws:iam::{own.account_id}:root"
    templates = {
        "user": _trust({"AWS": user or root}),
        "account": _trust({"AWS": root}),
        "cross_account": _trust(
            {"AWS": f"arn:aws:iam::{others[0]}:root"},
            condition={"StringEquals": {"sts:ExternalId": "choose-a-secret-id"}},
        ),
        "ec2": _trust({"Service": "ec2.amazonaws.com"}),
        "lambda": _trust(
            {"Service": "lambda.amazonaws.com"}, condition={"StringEquals": {"aws:SourceAccount": own.account_id}}
        ),
        "mfa": _trust({"AWS": root}, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    }
    if provider:
        host = provider.split(":oidc-provider/", 1)[-1]
        templates["github"] = _trust(
            {"Federated": provider},
            "sts:AssumeRoleWithWebIdentity",
            {
                "StringEquals": {f"{host}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{host}:sub": "repo:example-org/app:ref:refs/heads/main"},
            },
        )
    return {key: templates[key] for key in TEMPLATE_LABELS if key in templates}


def template_choices(templates: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, TEMPLATE_LABELS[key]) for key in templates]


# ---- a trust policy in plain words ---------------------------------------------------------------------------------


def trust_in_words(text: str, account_id: str) -> list[dict]:
    """Per statement of a trust policy: its effect, who it names in plain words, its actions and conditions.

    An empty list when the text is not a valid trust policy (the editor shows why)."""
    try:
        policy = parse_policy(text, "trust", check_size=False)
    except EngineError:
        return []
    described = []
    for statement in policy.statements:
        spec = statement.principal or statement.not_principal
        who = _principal_words(spec, account_id) if spec else []
        described.append(
            {
                "allow": statement.effect == "Allow",
                "not_principal": statement.not_principal is not None,
                "who": who,
                "actions": statement.actions or statement.not_actions or (),
                "conditions": [f"{c.operator} {c.key} {', '.join(c.values)}" for c in statement.conditions],
            }
        )
    return described


def _principal_words(spec, account_id: str) -> list[str]:
    if spec.wildcard:
        return [_("Anyone: every principal of every AWS account")]
    words = [_aws_words(value, account_id) for value in spec.aws]
    words += [_("The AWS service %(service)s") % {"service": s} for s in spec.service]
    words += [_("Identities vouched for by the provider %(provider)s") % {"provider": f} for f in spec.federated]
    words += [_("The canonical user %(id)s") % {"id": c} for c in spec.canonical_user]
    return words


def _aws_words(value: str, account_id: str) -> str:
    account = value if value.isdigit() else (value.split(":")[4] if value.count(":") >= 5 else "")
    where = _("this account") if account == account_id else _("account %(account)s") % {"account": account}
    if value.isdigit() or value.endswith(":root"):
        return _("Any user or role in %(where)s whose own policies allow sts:AssumeRole") % {"where": where}
    resource = value.split(":", 5)[5] if value.count(":") >= 5 else ""
    kind, _slash, name = resource.partition("/")
    if kind == "user":
        return _("The user %(name)s in %(where)s") % {"name": name.rsplit("/", 1)[-1], "where": where}
    if kind == "role":
        return _("Sessions of the role %(name)s in %(where)s") % {"name": name.rsplit("/", 1)[-1], "where": where}
    if kind == "assumed-role":
        return _("The one session %(name)s in %(where)s") % {"name": name, "where": where}
    if not value.startswith("arn:"):
        return _("A principal that was deleted (its unique id %(id)s stays in the policy)") % {"id": value}
    return value


# ---- role changes, each refused when what it edits changed since the page showed it -------------------------------


def settings_version(description: str | None, max_session_duration: int, tags) -> str:
    """The version of a role's settings (description, session limit, tags as (key, value) pairs)."""
    return text_version(json.dumps([description or "", max_session_duration, [list(pair) for pair in tags]]))


def update_role(
    world: World, arn: str, *, description: str, max_session_duration: object, tags: list, started_from: str
) -> None:
    """UpdateRole + TagRole/UntagRole through the engine, unless the settings changed since the form showed
    them (``ConcurrentChange``); a refused change leaves the role as it was."""
    role = world.role(arn)
    if settings_version(role.description, role.max_session_duration, role.tags) != started_from:
        raise ConcurrentChange
    world.update_role(arn, description=description, max_session_duration=max_session_duration, tags=tags)


def delete_role(world: World, arn: str, *, with_policies: bool) -> None:
    """DeleteRole. With ``with_policies`` first what the console does: delete its inline policies, detach
    its managed policies and boundary, and remove it from its instance profiles. Raises ``IamError``."""
    if with_policies:
        role = world.role(arn)
        for name in list(role.inline):
            world.delete_inline_policy(arn, name)
        for policy_arn in list(role.attached):
            world.detach_policy(arn, policy_arn)
        if role.boundary:
            world.delete_permissions_boundary(arn)
        for profile in list(role.instance_profiles):
            world.remove_instance_profile(arn, profile.name)
    world.delete_role(arn)


def put_trust(world: World, arn: str, text: str, started_from: str) -> None:
    """UpdateAssumeRolePolicy, refused with ``ConcurrentChange`` (carrying the text stored now) when the stored
    text is no longer the one the edit started from (two tabs). Raises ``EngineError`` otherwise."""
    stored = document_text(world.role(arn).trust.source())
    if text_version(stored) != started_from:
        raise ConcurrentChange(stored=stored)
    world.update_assume_role_policy(arn, text)


def put_inline(world: World, arn: str, name: str, text: str, started_from: str) -> None:
    """PutRolePolicy. Editing a stored policy (``started_from`` its text's version) is refused with
    ``ConcurrentChange`` when that text changed meanwhile; a new name (``started_from`` empty) is not checked."""
    stored = world.role(arn).inline.get(name)
    if started_from and (stored is None or text_version(document_text(stored.source())) != started_from):
        raise ConcurrentChange(stored=document_text(stored.source()) if stored else "")
    world.put_inline_policy(arn, name, text)


def put_policy_version(world: World, arn: str, text: str, started_from: str) -> None:
    """CreatePolicyVersion as the default, refused with ``ConcurrentChange`` when the default version is no
    longer the one the editor showed (``started_from``, a version id such as ``v2``)."""
    policy = world.managed_policy(arn)
    if policy is not None and policy.default_version_id != started_from:
        raise ConcurrentChange(stored=document_text(policy.document().source()))
    world.create_policy_version(arn, text)
