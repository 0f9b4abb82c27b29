"""Who a learner can act as in their sandbox, and the one STS call a chosen identity makes.

Reads the identities (users, unexpired sessions, EC2 instances and Lambda functions, a GitHub Actions web
identity) and the roles from the sandbox's rows, without loading the engine world, so the pages that list
them stay at a few queries. ``StsCall`` turns a choice plus the STS parameters into the matching engine call
(``assume_role``, ``launch_instance``, ``lambda_execution_session`` or ``assume_role_with_web_identity``);
the engine decides everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from iamtutor.engine import (
    AssumeRoleRequest,
    StsError,
    WebIdentityRequest,
    World,
    assume_role,
    assume_role_with_web_identity,
    lambda_execution_session,
    launch_instance,
)

from .access import get_stored
from .explain import StsFailure, describe_failure
from .models import Sandbox, SandboxAccount, role_trust_document
from .worlds import ConcurrentChange, run_change

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_PROVIDER = "token.actions.githubusercontent.com"
# The STS parameters each kind of caller can send; the others are named as ignored on the result.
PARAMETERS = (
    "duration_seconds",
    "external_id",
    "mfa",
    "policy",
    "policy_arns",
    "tags",
    "transitive_tag_keys",
    "source_identity",
)
WEB_PARAMETERS = ("duration_seconds", "policy", "policy_arns")


@dataclass(frozen=True)
class Choice:
    """One option of a chooser: the submitted ``value``, what the learner reads, and a detail line."""

    value: str
    label: str
    detail: str = ""
    html_id: str = ""  # a unique id for the option's control, given by the list that holds it


@dataclass
class Identities:
    """Everything the assume page offers, read from a sandbox's rows."""

    users: list[Choice] = field(default_factory=list)
    sessions: list[Choice] = field(default_factory=list)
    services: list[Choice] = field(default_factory=list)
    roles: list[Choice] = field(default_factory=list)
    trust: dict[str, object] = field(default_factory=dict)  # role ARN -> trust policy document
    instances: dict[str, dict] = field(default_factory=dict)  # choice value -> compute entry
    functions: dict[str, dict] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)  # instance-profile ARN -> role ARN
    learners_account: str = "111111111111"

    def identity_choices(self) -> list[tuple[str, str]]:
        web = [("web:github", _("A GitHub Actions workflow (web identity token)"))]
        return [(c.value, c.label) for c in (*self.users, *self.sessions, *self.services)] + web


def identities_of(sandbox: Sandbox, now: datetime) -> Identities:
    """The users, unexpired sessions, services and roles of ``sandbox`` (two queries)."""
    found = Identities()
    for account in sandbox.accounts.all():
        _add_account(found, account)
    sessions = sandbox.sts_sessions.filter(expires_at__gt=now).only("session_id", "arn", "expires_at", "issued_at")
    for session in sessions.order_by("-issued_at", "-pk"):
        found.sessions.append(
            Choice(
                f"session:{session.session_id}",
                session.arn,
                _time_left(session.expires_at, now),
                f"identity-session-{len(found.sessions)}",
            )
        )
    return found


def _add_account(found: Identities, account: SandboxAccount) -> None:
    label = account.alias or account.account_id
    if account.is_learners:
        found.learners_account = account.account_id
    for user in account.users():
        found.users.append(
            Choice(
                f"user:{user['Arn']}",
                user["Arn"],
                _("long-term keys, account %s") % label,
                f"identity-user-{len(found.users)}",
            )
        )
    for role in account.roles():
        found.roles.append(Choice(role["Arn"], role["Arn"], role.get("Description") or ""))
        found.trust[role["Arn"]] = role_trust_document(role)
        found.profiles.update({p["Arn"]: role["Arn"] for p in role.get("InstanceProfileList") or []})
    for instance in account.compute.get("instances", []):
        value = f"ec2:{instance['arn']}"
        found.instances[value] = instance
        label_text = _("Launch the EC2 instance %(name)s") % {"name": instance.get("name") or instance["id"]}
        found.services.append(
            Choice(value, label_text, instance.get("instance_profile", ""), f"identity-service-{len(found.services)}")
        )
    for function in account.compute.get("functions", []):
        value = f"lambda:{function['arn']}"
        found.functions[value] = function
        label_text = _("Invoke the Lambda function %(name)s") % {"name": function["name"]}
        found.services.append(
            Choice(value, label_text, function.get("role_arn", ""), f"identity-service-{len(found.services)}")
        )


def _time_left(expires_at: datetime, now: datetime) -> str:
    minutes, seconds = divmod(int((expires_at - now).total_seconds()), 60)
    return _("%(minutes)d min %(seconds)02d s left") % {"minutes": minutes, "seconds": seconds}


def find_user(sandbox: Sandbox, account_id: str, name: str) -> tuple[SandboxAccount, dict]:
    """The account row and the stored user ``name`` (IAM names ignore case); 404 if none."""
    return get_stored(sandbox, account_id, "user", name)


def github_claims(repository: str, ref_type: str, ref: str, audience: str) -> dict[str, str]:
    """The claims of a GitHub Actions OIDC token for a run of ``repository`` on a branch, in an
    environment, or for a pull request (the ``sub`` formats GitHub documents)."""
    owner = repository.split("/", 1)[0]
    claims = {"iss": GITHUB_ISSUER, "aud": audience, "repository": repository, "repository_owner": owner}
    if ref_type == "environment":
        claims.update(sub=f"repo:{repository}:environment:{ref}", environment=ref, event_name="push")
    elif ref_type == "pull_request":
        claims.update(sub=f"repo:{repository}:pull_request", event_name="pull_request")
    else:
        claims.update(sub=f"repo:{repository}:ref:refs/heads/{ref}", ref=f"refs/heads/{ref}", event_name="push")
    return claims


@dataclass
class StsCall:
    """One STS call as the learner asked for it: who calls, which role, and the parameters sent."""

    kind: str  # "user" | "session" | "ec2" | "lambda" | "web"
    caller: str  # engine caller reference (user ARN or session id; the launcher for services)
    role_arn: str = ""
    session_name: str | None = None
    parameters: dict = field(default_factory=dict)
    target: dict = field(default_factory=dict)  # the EC2 instance or Lambda function entry
    claims: dict = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def provider_arn(self) -> str:
        """The token's OIDC provider (GitHub's unless a pasted token names another) in the role's account,
        where STS looks for it."""
        parts = self.role_arn.split(":")
        account = parts[4] if len(parts) > 4 and parts[4] else ""
        url = str(self.claims.get("iss", "")).removeprefix("https://") or GITHUB_PROVIDER
        return f"arn:aws:iam::{account}:oidc-provider/{url}"

    def run(self, world: World) -> dict:
        """Makes the call on ``world``; returns the engine's result or raises its ``EngineError``, whose
        decision shows nothing of a classmate's policies (``World.redact``)."""
        try:
            return self._run(world)
        except StsError as err:
            if err.decision is not None:
                err.decision = world.redact(err.decision)
                err.request = err.decision.request or err.request
            raise

    def _run(self, world: World) -> dict:
        if self.kind == "ec2":
            return launch_instance(world, self.caller, self.target["instance_profile"], instance_id=self.target["id"])
        if self.kind == "lambda":
            return lambda_execution_session(world, self.caller, self.target["name"], self.target["role_arn"])
        if self.kind == "web":
            return assume_role_with_web_identity(
                world,
                WebIdentityRequest(self.provider_arn, self.role_arn, self.session_name, self.claims, **self.parameters),
            )
        return assume_role(world, self.caller, AssumeRoleRequest(self.role_arn, self.session_name, **self.parameters))


def build_call(identities: Identities, data: dict) -> StsCall:
    """The ``StsCall`` for an assume form's cleaned data (see ``forms.AssumeForm``)."""
    identity = data["identity"]
    kind, _sep, ref = identity.partition(":")
    sent = {name: data[name] for name in PARAMETERS if data.get(name) not in (None, "", [], ())}
    if kind in ("ec2", "lambda"):
        target = (identities.instances if kind == "ec2" else identities.functions)[identity]
        role_arn = target.get("role_arn") or identities.profiles.get(target.get("instance_profile", ""), "")
        return StsCall(
            kind,
            data["launched_by"].removeprefix("user:"),
            role_arn,
            target.get("id") or target.get("name"),
            target=target,
            ignored=sorted(sent),
        )
    if kind == "web":
        claims = data.get("token_claims") or github_claims(
            data["repository"], data["ref_type"], data.get("ref", ""), data["audience"]
        )
        kept = {k: v for k, v in sent.items() if k in WEB_PARAMETERS}
        return StsCall(
            kind,
            "",
            data["role"],
            data.get("session_name") or None,
            kept,
            claims=claims,
            ignored=sorted(set(sent) - set(kept)),
        )
    return StsCall(kind, ref, data["role"], data.get("session_name") or None, sent)


@dataclass
class Outcome:
    """What one STS call came to: the engine's ``result``, a described ``failure``, or a ``conflict``
    (another tab changed the sandbox meanwhile and nothing was saved)."""

    call: StsCall
    result: dict | None = None
    failure: StsFailure | None = None
    conflict: ConcurrentChange | None = None


def run_call(sandbox: Sandbox, call: StsCall, identities: Identities) -> Outcome:
    """Makes ``call`` in ``sandbox`` and saves the world either way, so a refused call is audited too.

    A new session assumed by a session records it as its chain parent.
    """
    change = run_change(
        sandbox,
        call.run,
        audit_refusals=True,
        caller_session=call.caller if call.kind == "session" else None,
    )
    if change.conflict is not None:
        return Outcome(call, conflict=change.conflict)
    if change.error is not None:
        failure = describe_failure(
            change.error,
            kind=call.kind,
            claims=call.claims,
            trust_document=identities.trust.get(call.role_arn),
            role_arn=call.role_arn,
        )
        return Outcome(call, failure=failure)
    return Outcome(call, result=change.value)
