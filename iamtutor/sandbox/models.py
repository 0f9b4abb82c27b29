"""Sandboxes as stored: the database is the source of truth; the engine computes every decision.

A ``Sandbox`` belongs to a user, or to an anonymous browser session until its owner signs up. It holds
``SandboxAccount``s whose IAM contents (users, groups, roles, policies, resources, identity providers) are
kept in AWS's own ``get-account-authorization-details`` shape, plus the STS sessions issued in it and its
CloudTrail-shaped audit events. A ``classroom`` sandbox holds one student's member account of a classroom's
organization; the classrooms app supplies its organization, classmates' accounts and clock through
``hooks.federation`` (the sandbox app knows nothing of classrooms).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property

from . import hooks


class Sandbox(models.Model):
    """One learner's simulated AWS world: a personal sandbox, or a student's account in a classroom."""

    PERSONAL = "personal"
    CLASSROOM = "classroom"
    KINDS = [(PERSONAL, "personal"), (CLASSROOM, "classroom")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="sandboxes"
    )
    name = models.CharField(max_length=100, default="My sandbox")
    kind = models.CharField(max_length=16, choices=KINDS, default=PERSONAL)
    clock_offset = models.IntegerField(default=0, help_text="Seconds the sandbox clock runs ahead of real time.")
    clock_frozen_at = models.DateTimeField(
        null=True, blank=True, help_text="While set, the sandbox clock stands still at this moment (a paused class)."
    )
    read_only_reason = models.CharField(
        max_length=200, blank=True, help_text="When set, nothing in the sandbox may change, and this says why."
    )
    revision = models.PositiveIntegerField(default=0, help_text="Bumped on every change, to refuse lost updates.")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(owner__isnull=False, kind="personal"),
                name="one_personal_sandbox_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner or 'anonymous'})"

    def get_absolute_url(self) -> str:
        return reverse("sandbox:overview", args=[self.pk])

    @property
    def clock_offset_minutes(self) -> int:
        return self.clock_offset // 60

    @cached_property
    def clock_owner(self) -> str | None:
        """Why the learner may not move this sandbox's clock (a classroom's class clock), or ``None``."""
        return hooks.federation.clock_owner(self) if self.kind == self.CLASSROOM else None


class SandboxAccount(models.Model):
    """One AWS account of a sandbox: its IAM contents in ``get-account-authorization-details`` shape."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="accounts")
    account_id = models.CharField(max_length=12)
    alias = models.CharField(max_length=63, blank=True)
    is_learners = models.BooleanField(default=False, help_text="The learner's own account (others are partners).")
    document = models.JSONField(help_text="Users, groups, roles, policies, resources and identity providers.")
    compute = models.JSONField(
        default=dict, blank=True, help_text="Lambda functions and EC2 instances with the roles they run as."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sandbox", "position"]
        constraints = [models.UniqueConstraint(fields=["sandbox", "account_id"], name="account_unique_in_sandbox")]

    def __str__(self) -> str:
        return f"{self.account_id} ({self.alias})" if self.alias else self.account_id

    # The stored document's AWS keys are read here and nowhere else in the Django apps.

    def roles(self) -> list[dict]:
        """The account's roles, each as a ``RoleDetailList`` entry."""
        return self.document.get("RoleDetailList", [])

    def users(self) -> list[dict]:
        """The account's users, each as a ``UserDetailList`` entry."""
        return self.document.get("UserDetailList", [])

    def managed_policies(self) -> list[dict]:
        """The account's customer managed policies, each as a ``Policies`` entry."""
        return self.document.get("Policies", [])

    def identity_providers(self) -> list[dict]:
        return self.document.get("identity_providers", [])

    def resources(self) -> list[dict]:
        """The account's resources (buckets, keys, queues…), each as a world-format ``resources`` entry."""
        return [resource for resource in self.document.get("resources", []) if resource.get("arn")]

    def role(self, name: str) -> dict | None:
        """The role ``name`` (IAM names ignore case), or ``None``."""
        return _named(self.roles(), "RoleName", name)

    def user(self, name: str) -> dict | None:
        """The user ``name`` (IAM names ignore case), or ``None``."""
        return _named(self.users(), "UserName", name)

    def managed_policy(self, name: str) -> dict | None:
        """The customer managed policy ``name`` (IAM names ignore case), or ``None``."""
        return _named(self.managed_policies(), "PolicyName", name)


def account_counts(document: dict) -> dict[str, int]:
    """How many users, groups, roles, customer managed policies and resources an account document holds
    (an import's preview shows these before anything is stored)."""
    keys = {
        "users": "UserDetailList",
        "groups": "GroupDetailList",
        "roles": "RoleDetailList",
        "policies": "Policies",
        "resources": "resources",
    }
    return {name: len(document.get(key) or []) for name, key in keys.items()}


def role_policy_count(role: dict) -> int:
    """A role's inline and attached managed policies, counted."""
    return len(role.get("RolePolicyList") or []) + len(role.get("AttachedManagedPolicies") or [])


def role_trust_document(role: dict) -> object:
    """A stored role's trust policy (text as typed, or a JSON object)."""
    return role["AssumeRolePolicyDocument"]


def role_settings(role: dict) -> tuple[str, int, list[tuple[str, str]]]:
    """A stored role's (description, maximum session duration, tags as (key, value) pairs)."""
    tags = [(tag["Key"], tag["Value"]) for tag in role.get("Tags") or []]
    return role.get("Description") or "", role.get("MaxSessionDuration", 3600), tags


def inline_documents(entity: dict) -> dict[str, object]:
    """A stored role's or user's inline policies, name -> document."""
    policies = entity.get("RolePolicyList") or entity.get("UserPolicyList") or []
    return {policy["PolicyName"]: policy["PolicyDocument"] for policy in policies}


def default_document(policy: dict) -> tuple[str, object]:
    """A stored managed policy's (default version id, its document)."""
    version = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
    return (version["VersionId"], version["Document"]) if version else (policy.get("DefaultVersionId", ""), "")


def _named(entries: list[dict], key: str, name: str) -> dict | None:
    return next((entry for entry in entries if entry[key].lower() == name.lower()), None)


class StsSession(models.Model):
    """Temporary credentials STS issued in a sandbox, as the engine describes them."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="sts_sessions")
    session_id = models.CharField(max_length=64)
    access_key_id = models.CharField(max_length=128)
    arn = models.CharField(max_length=2048)
    role_arn = models.CharField(max_length=2048, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    data = models.JSONField(help_text="The engine's full record of the session.")

    class Meta:
        ordering = ["sandbox", "-issued_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["sandbox", "session_id"], name="session_unique_in_sandbox")]

    def __str__(self) -> str:
        return self.arn


class AuditEvent(models.Model):
    """A CloudTrail-shaped record of one STS call or request made in a sandbox."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=64)
    event_time = models.DateTimeField()
    event_name = models.CharField(max_length=128)
    event_source = models.CharField(max_length=128)
    principal_arn = models.CharField(max_length=2048, blank=True)
    error_code = models.CharField(max_length=128, blank=True)
    data = models.JSONField()

    class Meta:
        ordering = ["sandbox", "-event_time", "-pk"]
        indexes = [
            models.Index(fields=["sandbox", "-event_time"], name="event_sandbox_time"),
            models.Index(fields=["sandbox", "event_id"], name="event_sandbox_event_id"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} {self.error_code or 'ok'}"


class AccessKeySecret(models.Model):
    """The secret of one long-term access key, kept apart from the account document.

    IAM shows a secret access key once, in CreateAccessKey's response. Account documents, exports, world
    files and audit events never hold it (the engine's ``to_dict`` leaves it out); this table keeps it so that
    a signed request made with the key can be verified later (SigV4 derives its signing key from the secret
    itself, so a one-way hash would not do).
    """

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="key_secrets")
    access_key_id = models.CharField(max_length=128)
    secret = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "access_key_id"], name="key_secret_unique_in_sandbox")
        ]

    def __str__(self) -> str:
        return self.access_key_id  # never the secret
