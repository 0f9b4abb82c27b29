"""Guardrails: the SCPs and RCPs staff attach to the classroom's root, a section or one student's account.

Owns the presets, the checks AWS Organizations makes before it stores or attaches a policy (the document's
grammar and size are the engine's; the name, the attachments per target and the policies per organization
are checked here), saving and deleting with conflict detection (a change names the revision it edited, and
``update … where revision = N`` refuses a stale one), and the policy lists the engine sees, in which AWS's
``FullAWSAccess`` stays attached wherever a guardrail SCP is.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from iamtutor.engine import EngineError, parse_policy

from . import log
from .models import Classroom, Enrollment, Guardrail, StaffAction

# Organizations' CreatePolicy: a policy name of 1-128 characters. The world format (and so the engine) holds
# guardrails to IAM's policy-name rule, [\w+=,.@-]+, a subset of what Organizations accepts (API-ORG, H).
NAME_RE = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
DESCRIPTION_MAX = 512  # CreatePolicy Description: 0-512 characters (API-ORG, H)
# AWS's own policies: attached everywhere in a classroom, so their names are not free for a guardrail.
RESERVED_NAMES = frozenset({"fullawsaccess", "rcpfullawsaccess"})
# At most 5 SCPs, and 5 RCPs, attached directly to one root, OU or account; FullAWSAccess (RCPFullAWSAccess)
# takes one of the five (AWS Organizations UG "Managing policies" table and quotas page, D-SCP, H for SCPs;
# M for RCPs, by the same table). AWS doubled the SCP figures on 15 May 2026 (10 per target, 10,240 characters,
# iam-reference F8); the engine keeps 5,120 characters, so this keeps 5 with it: change both together.
ATTACHED_PER_TARGET = 5
GUARDRAILS_PER_TARGET = ATTACHED_PER_TARGET - 1
POLICIES_PER_ORGANIZATION = 1000  # policies of each type in an organization (Organizations quotas page, H)
DOCUMENT_MAX = 5120  # SCP and RCP documents, every character counted (the engine enforces it: policy.py)
# Services whose resources RCPs govern (D-RCP, H for the launch list; the engine's list, ⚠ F23).
RCP_SERVICES = ("s3", "sts", "kms", "sqs", "secretsmanager")

FULL_AWS_ACCESS_NAME = "FullAWSAccess"
FULL_AWS_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


# ---- presets --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A guardrail to start from: its document for a classroom, and exactly what it does and does not do."""

    key: str
    kind: str
    name: str
    title: str
    does: str
    does_not: str
    build: Callable[[Classroom], dict] = field(repr=False)

    def document(self, classroom: Classroom) -> dict:
        return self.build(classroom)

    def description(self) -> str:
        """What the guardrail's description starts as: what it does (a test keeps it within 512 characters)."""
        return self.does


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _deny_iam_elsewhere(classroom: Classroom) -> dict:
    # StringNotEquals alone would also deny when aws:ResourceAccount is absent (a negated operator is true on a
    # missing key, iam-reference §2.2): the Null test keeps iam:ListRoles on "*" working.
    return _policy(
        {
            "Sid": "DenyIamOnOtherAccounts",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"},
                "Null": {"aws:ResourceAccount": "false"},
            },
        }
    )


def _deny_assume_from_outside(classroom: Classroom) -> dict:
    return _policy(
        {
            "Sid": "OnlyThisOrganizationAssumesRoles",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": classroom.org_id},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        }
    )


# Services whose requests are not made in a Region the caller picks: the region lock leaves them alone.
GLOBAL_ACTIONS = (
    "iam:*",
    "sts:*",
    "organizations:*",
    "account:*",
    "cloudfront:*",
    "route53:*",
    "route53domains:*",
    "globalaccelerator:*",
    "waf:*",
    "shield:*",
    "support:*",
    "health:*",
    "budgets:*",
    "ce:*",
    "cur:*",
    "pricing:*",
    "trustedadvisor:*",
    "s3:ListAllMyBuckets",
)
DEFAULT_REGIONS = ("us-east-1", "eu-west-1")


def _region_lock(classroom: Classroom) -> dict:
    return _policy(
        {
            "Sid": "DenyOutsideAllowedRegions",
            "Effect": "Deny",
            "NotAction": list(GLOBAL_ACTIONS),
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(DEFAULT_REGIONS)}},
        }
    )


def _deny_leave(classroom: Classroom) -> dict:
    return _policy(
        {
            "Sid": "DenyLeavingTheOrganization",
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
        }
    )


PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in (
        Preset(
            "deny-iam-elsewhere",
            Guardrail.SCP,
            "DenyIamOutsideOwnAccount",
            "Deny IAM actions outside the student's own account",
            "Refuses every IAM action (iam:*) on a resource that belongs to another account than the caller's: "
            "a student's users and roles cannot read, change or delete a classmate's roles, users or policies, "
            "whatever their own policies allow.",
            "It does not stop anyone assuming a classmate's role (that is sts:AssumeRole, not an IAM action), "
            "and it leaves IAM in the student's own account alone. Requests whose resource names no account "
            "(iam:ListRoles on *) are not refused: the Null condition makes the Deny apply only when "
            "aws:ResourceAccount is known. In real AWS an IAM call always acts on the caller's own account, so "
            "this guardrail makes an existing boundary explicit; here, where the request console can name a "
            "classmate's role, it turns the answer into an explicit deny by this SCP.",
            _deny_iam_elsewhere,
        ),
        Preset(
            "deny-assume-from-outside",
            Guardrail.RCP,
            "DenyAssumeRoleFromOutsideClass",
            "Make trust policies that trust * harmless outside the class",
            "Refuses sts:AssumeRole on every role in the students' accounts when the caller is not in this "
            "classroom's organization (aws:PrincipalOrgID differs), so a trust policy that trusts * or an outside "
            "account cannot be used from outside the class. AWS services assuming a role (ec2.amazonaws.com, "
            "lambda.amazonaws.com) are exempt through aws:PrincipalIsAWSService, as in AWS's own example.",
            "It does not stop a student writing or saving a trust policy that trusts *: neither an SCP nor an RCP "
            "sees the text of a policy being saved, and IAM has no condition key for a trust policy's principals, "
            "so no guardrail can refuse such a policy faithfully. Classmates, who are inside the organization, can "
            "still assume such a role. Web-identity federation (sts:AssumeRoleWithWebIdentity, as the GitHubDeploy "
            "role uses) is not covered, and RCPs never restrict the management account's resources.",
            _deny_assume_from_outside,
        ),
        Preset(
            "region-lock",
            Guardrail.SCP,
            "DenyOutsideAllowedRegions",
            "Lock the class to a few Regions",
            f"Refuses every action requested in a Region other than {' and '.join(DEFAULT_REGIONS)} (edit the "
            "list under aws:RequestedRegion). Global services, whose requests do not run in a Region the caller "
            "picks (IAM, STS, Organizations, CloudFront, Route 53…), are exempt through NotAction, as in AWS's "
            "example region-lock SCP.",
            "It restricts nothing in the global services it lists. In this sandbox every request is made in "
            "us-east-1 unless the request console sets the aws:RequestedRegion context key, so take us-east-1 "
            "out of the list to see the lock bite.",
            _region_lock,
        ),
        Preset(
            "deny-leave-organization",
            Guardrail.SCP,
            "DenyLeaveOrganization",
            "Deny leaving the organization",
            "Refuses organizations:LeaveOrganization to every user and role in the students' accounts, their "
            "root users included, whatever their own policies allow.",
            "It restricts nothing else. Like every SCP, it never restricts the management account.",
            _deny_leave,
        ),
    )
}


# ---- documents --------------------------------------------------------------------------------------------------


def document_text(document: object) -> str:
    """A stored document as the editor shows it. Guardrails store the text exactly as it was saved (AWS keeps
    an SCP's content as submitted, and PostgreSQL's jsonb would reorder an object's keys); a document stored
    as an object (an imported classroom file) is indented, unless indenting would take it past the size
    quota (every character of an SCP or RCP counts), then compact."""
    if isinstance(document, str):
        return document
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if len(text) > DOCUMENT_MAX:
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return text


def document_notes(text: str, kind: str) -> list[str]:
    """What a valid document does differently here than its author may expect (empty when nothing)."""
    try:
        policy = parse_policy(text, kind)
    except EngineError:  # the editor's report names every problem
        return []
    notes = []
    if kind == Guardrail.SCP and any(s.effect == "Allow" for s in policy.statements):
        notes.append(
            "Its Allow statements change nothing: FullAWSAccess stays attached beside every guardrail in this "
            "classroom, so an SCP restricts only through its Deny statements."
        )
    if kind == Guardrail.RCP:
        named = {a.split(":", 1)[0].lower() for s in policy.statements for a in s.actions or ()}
        outside = sorted(named - {"*", *RCP_SERVICES})
        if outside or any(s.not_actions for s in policy.statements):
            notes.append(
                "RCPs govern only the resources of "
                + ", ".join(RCP_SERVICES)
                + (f": its statements about {', '.join(outside)} never apply." if outside else ".")
            )
    return notes


# ---- targets ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a guardrail is attached, in words: ``kind`` is ``root``, ``section`` or ``account``."""

    id: str
    kind: str
    label: str
    gone: bool = False


def person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def describe_targets(classroom: Classroom, ids: set[str]) -> dict[str, Target]:
    """Each of ``ids`` (root, OU or account ids) in words; two queries whatever the number of ids."""
    sections = dict(classroom.sections.values_list("ou_id", "name"))
    accounts = {
        e.account_id: e
        for e in Enrollment.objects.filter(classroom=classroom, account_id__in=ids).select_related("user")
    }
    described = {}
    for target in ids:
        if target == classroom.root_id:
            described[target] = Target(target, "root", "the whole class")
        elif target.startswith("ou-"):
            name = sections.get(target)
            label = f"section {name}" if name is not None else f"a deleted section ({target})"
            described[target] = Target(target, "section", label, gone=name is None)
        else:
            enrollment = accounts.get(target)
            if enrollment is None:
                described[target] = Target(target, "account", f"account {target} (not in this class)", gone=True)
            else:
                removed = enrollment.state != Enrollment.ACTIVE
                label = f"{person(enrollment.user)}'s account ({target})" + (" — removed" if removed else "")
                described[target] = Target(target, "account", label, gone=removed)
    return described


def _target_order(target: Target) -> tuple:
    return ({"root": 0, "section": 1, "account": 2}[target.kind], target.label.lower())


def listing(classroom: Classroom) -> dict[str, list[dict]]:
    """The classroom's SCPs and RCPs, each with its targets in words (three queries in all)."""
    rows = list(classroom.guardrails.all())
    described = describe_targets(classroom, {t for g in rows for t in g.targets})
    listed: dict[str, list[dict]] = {Guardrail.SCP: [], Guardrail.RCP: []}
    for guardrail in rows:
        targets = sorted((described[t] for t in guardrail.targets), key=_target_order)
        listed[guardrail.kind].append(
            {"guardrail": guardrail, "targets": targets, "text": document_text(guardrail.document)}
        )
    return listed


def organization_policies(classroom: Classroom) -> dict[str, list[dict]]:
    """The world-format ``scps`` and ``rcps`` of the classroom's organization.

    As in AWS, FullAWSAccess stays attached to every root, OU and account that a guardrail SCP targets (AWS
    attaches it everywhere and a classroom never detaches it): without it, the engine gives a targeted level
    exactly the SCPs that target it (world-format.md), and a Deny-only guardrail would deny everything.
    RCPFullAWSAccess needs no entry: the engine attaches it at every level itself.
    """
    policies: dict[str, list[dict]] = {"scps": [], "rcps": []}
    scp_targets: set[str] = set()
    for guardrail in classroom.guardrails.all():
        section = "scps" if guardrail.kind == Guardrail.SCP else "rcps"
        entry = {"name": guardrail.name, "targets": list(guardrail.targets), "document": guardrail.document}
        policies[section].append(entry)
        if guardrail.kind == Guardrail.SCP:
            scp_targets.update(guardrail.targets)
    if scp_targets:
        full = {"name": FULL_AWS_ACCESS_NAME, "targets": sorted(scp_targets), "document": FULL_AWS_ACCESS}
        policies["scps"].insert(0, full)
    return policies


# ---- saving ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A guardrail as a form cleaned it: the document is the text the engine accepted (or its object)."""

    kind: str
    name: str
    description: str
    document: str | dict
    targets: list[str]
    preset: str = ""


class GuardrailInvalid(Exception):
    """Organizations would refuse the change: ``errors`` maps a form field (or ``None``) to its message."""

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class GuardrailConflict(Exception):
    """Someone else changed or deleted the guardrail after the page was loaded."""

    def __init__(self, stored: Guardrail | None, changed_by: str) -> None:
        self.stored, self.changed_by = stored, changed_by
        verb = "deleted" if stored is None else "changed"
        super().__init__(f"This guardrail was {verb} by {changed_by or 'someone'} while you edited.")


def save_guardrail(
    classroom: Classroom,
    user,
    draft: Draft,
    *,
    guardrail: Guardrail | None = None,
    revision: int | None = None,
    reason: str = "",
) -> Guardrail:
    """Creates (``guardrail`` None) or updates a guardrail in one transaction, with the classroom's revision
    bumped and a staff-log entry. Raises ``GuardrailInvalid`` when Organizations would refuse it and
    ``GuardrailConflict`` when ``revision`` is no longer the stored one."""
    with transaction.atomic():
        room = Classroom.objects.select_for_update().get(pk=classroom.pk)  # one change at a time per class
        _check(room, draft, guardrail.pk if guardrail else None)
        values = {
            "kind": draft.kind,
            "name": draft.name,
            "description": draft.description,
            "document": draft.document,
            "targets": draft.targets,
            "preset": draft.preset,
        }
        try:
            with transaction.atomic():
                if guardrail is None:
                    position = room.guardrails.filter(kind=draft.kind).count()
                    saved = Guardrail.objects.create(classroom=room, position=position, **values)
                else:
                    saved = _update(room, guardrail.pk, revision, values)
        except IntegrityError:
            raise GuardrailInvalid({"name": _name_taken(draft)}) from None
        _bump(room)
        log.record(
            room,
            user,
            "guardrail_changed",
            reason=reason,
            guardrail=saved.pk,
            name=saved.name,
            kind=saved.kind,
            targets=saved.targets,
            revision=saved.revision,
            created=guardrail is None,
        )
    return saved


def delete_guardrail(
    classroom: Classroom, user, guardrail: Guardrail, *, revision: int | None, reason: str = ""
) -> None:
    """Deletes the guardrail if it is still at ``revision``; raises ``GuardrailConflict`` otherwise."""
    with transaction.atomic():
        room = Classroom.objects.select_for_update().get(pk=classroom.pk)
        deleted, _ = Guardrail.objects.filter(classroom=room, pk=guardrail.pk, revision=revision).delete()
        if not deleted:
            raise _conflict(room, guardrail.pk)
        _bump(room)
        log.record(
            room,
            user,
            "guardrail_deleted",
            reason=reason,
            guardrail=guardrail.pk,
            name=guardrail.name,
            kind=guardrail.kind,
            targets=guardrail.targets,
        )


def _update(room: Classroom, pk: int, revision: int | None, values: dict) -> Guardrail:
    updated = Guardrail.objects.filter(classroom=room, pk=pk, revision=revision).update(
        **values, revision=F("revision") + 1, updated=timezone.now()
    )
    if not updated:
        raise _conflict(room, pk)
    return Guardrail.objects.get(pk=pk)


def _bump(room: Classroom) -> None:
    Classroom.objects.filter(pk=room.pk).update(revision=F("revision") + 1)


def _conflict(room: Classroom, pk: int) -> GuardrailConflict:
    stored = Guardrail.objects.filter(classroom=room, pk=pk).first()
    return GuardrailConflict(stored, last_editor(room, pk))


def last_editor(classroom: Classroom, pk: int) -> str:
    """Who last changed or deleted guardrail ``pk``, as the staff log recorded it."""
    entry = (
        StaffAction.objects.filter(
            classroom=classroom, action__in=("guardrail_changed", "guardrail_deleted"), detail__guardrail=pk
        )
        .order_by("-created", "-pk")
        .only("actor_name")
        .first()
    )
    return entry.actor_name if entry else ""


def _name_taken(draft: Draft) -> str:
    kind = "an SCP" if draft.kind == Guardrail.SCP else "an RCP"
    return f"This classroom already has {kind} named {draft.name}: AWS Organizations refuses a duplicate name."


def _check(room: Classroom, draft: Draft, pk: int | None) -> None:
    """The limits Organizations enforces across policies, checked under the classroom's lock."""
    others = [g for g in room.guardrails.filter(kind=draft.kind) if g.pk != pk]
    errors: dict[str | None, str] = {}
    if any(g.name == draft.name for g in others):
        errors["name"] = _name_taken(draft)
    if pk is None and len(others) >= POLICIES_PER_ORGANIZATION:
        errors[None] = (
            f"This classroom has {len(others)} {draft.kind.upper()}s: AWS Organizations allows "
            f"{POLICIES_PER_ORGANIZATION:,} of each type in an organization."
        )
    counts = Counter(t for g in others for t in g.targets)
    full = [t for t in draft.targets if counts[t] >= GUARDRAILS_PER_TARGET]
    if full:
        named = describe_targets(room, set(full))
        default = FULL_AWS_ACCESS_NAME if draft.kind == Guardrail.SCP else "RCPFullAWSAccess"
        which = ", ".join(named[t].label for t in full)
        errors["targets"] = (
            f"{which[0].upper()}{which[1:]} already "
            f"{'has' if len(full) == 1 else 'have'} {ATTACHED_PER_TARGET} {draft.kind.upper()}s attached "
            f"({default} and {GUARDRAILS_PER_TARGET} guardrails): AWS Organizations allows "
            f"{ATTACHED_PER_TARGET} per root, OU or account. Detach one first, or combine two into one."
        )
    if errors:
        raise GuardrailInvalid(errors)
