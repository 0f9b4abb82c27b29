"""Teaching findings: Access-Analyzer-style checks on a policy that IAM itself would accept.

Owns the catalogue of findings (stable code, severity, title, plain-language explanation, lesson anchor)
and the checks that raise them, each pointing at a JSON path and line. Rejecting invalid documents is
``policy.py``'s job; the facts about actions and condition keys come from ``data``.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from iamtutor.engine import data, matching
from iamtutor.engine import policy as policy_module
from iamtutor.engine.conditions import variable_before_resource_part
from iamtutor.engine.errors import ParameterError
from iamtutor.engine.policy import POLICY_KINDS, Condition, Policy, PrincipalSpec, Statement

SEVERITIES: tuple[str, ...] = ("error", "security", "warning", "suggestion")


@dataclass(frozen=True, slots=True)
class FindingInfo:
    """One catalogue entry: what a finding code means and where the lesson explains it.

    ``source`` names the fact it rests on (iam-reference.md section and tag).
    """

    severity: str
    title: str
    explanation: str
    lesson: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding in one policy. ``subject`` is the text it is about (an action, a key, a principal)."""

    code: str
    severity: str
    json_path: str
    line: int | None
    title: str
    detail: str
    lesson: str | None
    subject: str | None = None


def _info(severity: str, title: str, explanation: str, lesson: str, source: str) -> FindingInfo:
    return FindingInfo(severity, title, explanation, lesson, source)


FINDINGS: dict[str, FindingInfo] = {
    # --- errors: the policy is accepted but a part of it cannot work as written --------------------
    "INVALID_SERVICE": _info(
        "error",
        "Unknown service prefix",
        "No AWS service uses this prefix, so the action can never match a request. IAM saves the policy "
        "anyway; check the spelling against the service's list of actions.",
        "pitfalls",
        "§1.4 MOTO-PV, D-AA Invalid service (H)",
    ),
    "INVALID_ACTION": _info(
        "error",
        "Unknown action",
        "The service exists but has no action by this name (or no action matches the pattern), so this "
        "entry grants or denies nothing. IAM does not check action names when it saves a policy.",
        "pitfalls",
        "§1.4 MOTO-PV, D-AA Invalid action (H)",
    ),
    "NULL_WITH_IF_EXISTS": _info(
        "error",
        "Null cannot take IfExists",
        "The Null operator already asks whether a key is present, so an IfExists form makes no sense and "
        'is not supported. Use plain Null with "true" or "false".',
        "pitfalls",
        "§1.7, §2.3 D-OPS, D-AA (H)",
    ),
    "DUPLICATE_KEYS_DIFFERENT_CASE": _info(
        "error",
        "Same condition key written twice",
        "Condition key names ignore case, so these two entries name the same key under one operator. "
        "Merge their values into one entry.",
        "pitfalls",
        "§1.7 D-COND, D-AA Duplicate keys with different case (H)",
    ),
    "TRUST_PRINCIPAL_STAR_STRING": _info(
        "error",
        'Bare "*" principal in a trust policy',
        'A role trust policy should name everyone as {"AWS": "*"}, not as the bare string "*"; '
        "Access Analyzer rejects the bare form for roles. Better still, name the principals you trust.",
        "step-3-trust",
        "§1.6 D-AA, ⚠ F6 (M)",
    ),
    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL": _info(
        "error",
        "Partial wildcard in a principal",
        'A principal is either exactly "*" or a complete ARN or account: patterns such as '
        'arn:aws:iam::*:root or user/* are not wildcards there. To match many principals, use "*" '
        "with a condition on aws:PrincipalArn or aws:PrincipalAccount.",
        "step-3-trust",
        "§1.6 D-PRIN, D-AA Unsupported wildcard in principal (H)",
    ),
    "SOURCE_IP_PRIVATE_ONLY": _info(
        "error",
        "aws:SourceIp with only private ranges",
        "aws:SourceIp holds the public address a request comes from; requests through a VPC endpoint carry "
        "no aws:SourceIp at all. A condition listing only private ranges (10.x, 172.16–31.x, 192.168.x) "
        "therefore never matches; use aws:VpcSourceIp or aws:SourceVpc for private networks.",
        "pitfalls",
        "§2.3, §3.2 D-GKEYS, D-AA (H)",
    ),
    "VARIABLE_WITH_OLD_VERSION": _info(
        "error",
        "Policy variable without Version 2012-10-17",
        'Policy variables such as ${aws:username} work only in documents with "Version": "2012-10-17". '
        "Here the text is compared literally, dollar sign and braces included.",
        "pitfalls",
        "§1.2, §2.4 D-VER, D-VARS, D-AA (H)",
    ),
    "VARIABLE_BEFORE_RESOURCE_PART": _info(
        "error",
        "Policy variable before the resource part of an ARN",
        "AWS replaces policy variables only in the resource part of an ARN, after the fifth colon. A "
        "variable in the partition, service, region or account field stays literal text, so this ARN "
        "matches no real resource; write the account or region out, or use a condition such as "
        "aws:ResourceAccount.",
        "pitfalls",
        "§2.4 D-VARS; IAM User Guide, Variables and tags: no policy variable before the fifth colon (H)",
    ),
    "ALLOW_WITH_NOT_PRINCIPAL": _info(
        "error",
        "Allow with NotPrincipal",
        'AWS supports NotPrincipal only with "Effect": "Deny"; the IAM User Guide calls it not supported '
        "with Allow. To grant everyone but a few principals, name the principals you trust, or allow "
        '"*" with a condition on aws:PrincipalArn.',
        "pitfalls",
        "§1.6 D-NOTPRIN; IAM User Guide, NotPrincipal: using it with Allow is not supported (H)",
    ),
    # --- security warnings: the policy allows more than it probably should -------------------------
    "TRUST_ANY_PRINCIPAL": _info(
        "security",
        "Anyone can assume this role",
        'The trust policy names every principal ("*") and sets no condition, so any AWS account in the '
        "world may assume the role. Name the accounts or roles you trust, or add a condition such as "
        "aws:PrincipalOrgID.",
        "step-3-trust",
        "§1.6 D-PRIN, §8.5 S78–S79 (H)",
    ),
    "TRUST_ACCOUNT_WITHOUT_EXTERNAL_ID": _info(
        "security",
        "Another account trusted without an external ID",
        "This role trusts a whole other account. If that account is a third party acting for several "
        "customers, require the external ID it gave you (sts:ExternalId) so that nobody else can trick it "
        "into using your role: the confused-deputy problem.",
        "step-5-cross-account",
        "§5.6 D-XID, D-CD (H)",
    ),
    "OIDC_TRUST_WITHOUT_SUB": _info(
        "security",
        "Web identity trust without a subject condition",
        "Without a condition on the provider's sub claim, any identity the provider vouches for can assume "
        "the role; for GitHub that is any workflow in any repository. Restrict sub to your repository "
        "(repo:OWNER/REPO:…).",
        "step-4-temporary-credentials",
        "§3.3 D-STSKEYS, D-AA Missing github repo condition key (H)",
    ),
    "PASSROLE_ON_ANY_RESOURCE": _info(
        "security",
        "iam:PassRole on every role",
        'Passing a role hands its permissions to a service such as EC2 or Lambda. Allowed on "*", the '
        "holder can give any role, including an administrator role, to a resource it controls. List the "
        "role ARNs and consider iam:PassedToService.",
        "step-6-services",
        "§5.11 D-PASS, D-AA Pass role with star in resource (H)",
    ),
    "ALLOW_WITH_NOT_ACTION": _info(
        "security",
        "Allow with NotAction",
        "NotAction in an Allow grants every action of every service except the ones listed, including "
        "services that do not exist yet. It does not deny the listed actions either. List what you want "
        "to allow, or pair NotAction with Deny.",
        "myths",
        "§1.4 D-NOTACT (H)",
    ),
    "ADMIN_EQUIVALENT": _info(
        "security",
        "Administrator-equivalent permissions",
        "This statement allows every action, all of IAM, or an IAM action that lets the holder grant "
        "itself more permissions, on every resource. Whoever has it can become a full administrator.",
        "step-1-users",
        "§1.4 D-ACT, §4.1 D-EVAL (H); the list of self-escalating IAM actions is ours",
    ),
    "FORALLVALUES_SINGLE_VALUED_KEY": _info(
        "security",
        "ForAllValues on a single-valued key",
        "ForAllValues is for keys that carry a list. On a single-valued key it is also true when the key "
        "is missing, so the condition lets through requests you meant to stop. Drop the ForAllValues: "
        "prefix.",
        "pitfalls",
        "§2.3 D-MULTI, D-SVM, D-AA ForAllValues with single valued key (H)",
    ),
    "MFA_DENY_WITHOUT_IF_EXISTS": _info(
        "security",
        "MFA guard that long-term keys slip past",
        "Calls signed with an IAM user's long-term access keys carry no aws:MultiFactorAuthPresent key, so "
        'Bool "false" is not true for them and this Deny does not apply. Use BoolIfExists with "false" '
        "to deny when the key is false or absent.",
        "step-4-temporary-credentials",
        "§2.2 D-GKEYS (H)",
    ),
    "RESOURCE_SERVICE_WITHOUT_SOURCE": _info(
        "security",
        "Service principal without a source condition",
        "A service acts for every customer who uses it. Without aws:SourceArn or aws:SourceAccount, "
        "another customer's resource could make the service reach yours: the cross-service confused "
        "deputy.",
        "step-6-services",
        "§5.6 D-CD, D-AA Restrict access to service principal (H)",
    ),
    # --- warnings: the policy works, but not the way a reader would expect -------------------------
    "TRUST_WILDCARD_ACTION": _info(
        "warning",
        "Wildcard action in a trust policy",
        "A trust policy only decides who may assume the role, so its actions should be named: "
        "sts:AssumeRole (or the SAML/web identity form) plus sts:TagSession or sts:SetSourceIdentity "
        "when needed. A wildcard also allows tagging and source identity you may not want.",
        "step-3-trust",
        "§1.8 D-AA, ⚠ F28 (M)",
    ),
    "OIDC_TRUST_WITHOUT_AUD": _info(
        "warning",
        "Web identity trust without an audience condition",
        "The aud claim says which application the token was issued for (sts.amazonaws.com for GitHub "
        "Actions). Checking it makes sure a token minted for something else cannot be used here.",
        "step-4-temporary-credentials",
        "§3.3 D-STSKEYS (H)",
    ),
    "ALLOW_WITH_NOT_RESOURCE": _info(
        "warning",
        "Allow with NotResource",
        "NotResource in an Allow grants the actions on every resource except the ones listed, including "
        "resources created later. List the resources you mean instead.",
        "pitfalls",
        "§1.5 D-NOTRES (H)",
    ),
    "FORANYVALUE_SINGLE_VALUED_KEY": _info(
        "warning",
        "ForAnyValue on a single-valued key",
        "ForAnyValue is meant for keys that carry a list of values. On a single-valued key it behaves "
        "like the plain operator and only confuses readers; drop the ForAnyValue: prefix.",
        "pitfalls",
        "§2.3 D-MULTI, D-SVM (H)",
    ),
    "MULTIVALUED_KEY_WITHOUT_QUALIFIER": _info(
        "warning",
        "Multivalued key without ForAllValues or ForAnyValue",
        "This key can hold several values in one request, so say whether all of them or any of them must "
        "match. AWS does not document what happens without a qualifier; assume the condition never "
        "matches.",
        "pitfalls",
        "§2.3 D-MULTI, ⚠ F12 (M)",
    ),
    "MISSING_VERSION": _info(
        "warning",
        "No Version element",
        'Without "Version": "2012-10-17" the policy is read with the old language, in which policy '
        "variables are plain text. Always start policies with the current Version.",
        "pitfalls",
        "§1.2 D-VER, ⚠ F1 (M)",
    ),
    # --- suggestions: tidier or safer ways to say the same thing -----------------------------------
    "TRUST_SERVICE_WITHOUT_SOURCE": _info(
        "suggestion",
        "Service trust without a source condition",
        "Where the service supports it, add aws:SourceArn or aws:SourceAccount so the service can assume "
        "this role only when it acts for your own resources.",
        "step-6-services",
        "§5.6 D-CD, §5.11 (H)",
    ),
    "WILDCARD_IN_SERVICE_NAME": _info(
        "suggestion",
        "Wildcard in the service prefix",
        "A wildcard in the service part (such as s*:Get*) matches actions of many unrelated services, "
        "today's and future ones. Name each service.",
        "pitfalls",
        "§1.4 D-AA Wildcard in service name (M)",
    ),
    "EMPTY_ARRAY_CONDITION": _info(
        "suggestion",
        "Condition key with an empty list of values",
        "An empty list of values gives the condition nothing to compare with; remove the key or give it "
        "values. This simulator treats a positive operator as false and a negated one as true here.",
        "pitfalls",
        "§2.1 D-AA Empty array condition, ⚠ F9 (M)",
    ),
    "ID_IN_IDENTITY_POLICY": _info(
        "suggestion",
        "Id in an identity-based policy",
        "The policy grammar reserves the Id element for resource-based policies. IAM accepts it here, "
        "but it does nothing.",
        "step-1-users",
        "§1.3 D-GRAM, ⚠ F2 (M)",
    ),
    "REDUNDANT_STATEMENT": _info(
        "suggestion",
        "Repeated statement",
        "This statement says exactly what an earlier one says, so it changes nothing. Delete it.",
        "step-1-users",
        "§2.1 D-AA Redundant statement (M)",
    ),
}

# IAM actions that let their holder grant itself more permissions when allowed on every resource.
# Ours (well-known escalation paths); each changes what an identity policy or credential allows (§4.1).
_SELF_ESCALATION_ACTIONS: tuple[str, ...] = (
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
)
_ASSUME_ACTION = "sts:AssumeRole"
_WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
_PASS_ROLE = "iam:PassRole"  # noqa: S105 (an action name, not a password)
# Keys that tie a service principal to the resource or account it acts for (§3.2, §5.6 D-CD (H)).
_SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"})
_IP_OPERATORS = frozenset({"IpAddress", "NotIpAddress"})
_POSITIVE_STRING_OPERATORS = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase"})
# aws:SourceIp is public-only (§3.2 D-GKEYS (H)): RFC 1918 IPv4 ranges and IPv6 unique local addresses.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_ACCOUNT_PRINCIPAL = re.compile(r"(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?", re.ASCII)
_OIDC_PROVIDER = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(.+)", re.ASCII)
_GITHUB_PROVIDER = "token.actions.githubusercontent.com"
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_IDENTITY_KINDS = frozenset({"identity", "boundary", "session"})
_NO_NOT_ELEMENT_FINDINGS = frozenset({"scp", "rcp", "trust"})


# --- where a finding points ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    """The policy as given, for locating findings and for what the parsed form does not keep."""

    text: str | None
    raw_statements: tuple[object, ...]

    def line_of(self, start_line: int | None, needle: str | None, end_line: int | None = None) -> int | None:
        """The line of the first ``needle`` (JSON-quoted) from ``start_line`` up to (not including)
        ``end_line``; ``start_line`` when it is not found or the source text is unknown."""
        if self.text is None or start_line is None or needle is None:
            return start_line
        start = _line_offset(self.text, start_line)
        end = _line_offset(self.text, end_line) if end_line is not None else len(self.text)
        found = self.text.find(json.dumps(needle, ensure_ascii=False), start, end)
        return start_line if found < 0 else self.text.count("\n", 0, found) + 1

    def raw_statement(self, index: int) -> object:
        return self.raw_statements[index] if index < len(self.raw_statements) else None


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset


def _source_of(document: object, text: str | None) -> _Source:
    raw = document if isinstance(document, Mapping) else _decode(text)
    statements = raw.get("Statement") if isinstance(raw, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    return _Source(text, tuple(statements) if isinstance(statements, list) else ())


def _decode(text: str | None) -> object:
    """The JSON value of ``text``, URL-decoded first when IAM's API returned it encoded; else None."""
    if text is None:
        return None
    for candidate in (text, urllib.parse.unquote(text)):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None


@dataclass(frozen=True, slots=True)
class _Check:
    """What every check needs: the parsed policy, its kind, the owner's account and the source."""

    policy: Policy
    kind: str
    account: str | None
    source: _Source

    def finding(self, code: str, json_path: str, line: int | None, subject: str | None = None) -> Finding:
        info = FINDINGS[code]
        return Finding(code, info.severity, json_path, line, info.title, info.explanation, info.lesson, subject)

    def line_in(self, statement: Statement, needle: str | None) -> int | None:
        """The line of ``needle`` inside ``statement`` (before the next statement starts)."""
        following = self.policy.statements[statement.index + 1 : statement.index + 2]
        end_line = following[0].line if following else None
        return self.source.line_of(statement.line, needle, end_line)

    def at_statement(self, code: str, statement: Statement, element: str = "", subject: str | None = None) -> Finding:
        path = statement.json_path + (f".{element}" if element else "")
        return self.finding(code, path, self.line_in(statement, subject), subject)

    def at_condition(self, code: str, statement: Statement, condition: Condition) -> Finding:
        return self.finding(code, condition.json_path, self.line_in(statement, condition.key), condition.key)


# --- public entry point ----------------------------------------------------------------------------


def check_policy(document: str | Mapping | Policy, kind: str, *, account: str | None = None) -> list[Finding]:
    """Every teaching finding for one policy, in document order.

    ``document`` is JSON text, a decoded mapping, or an already parsed ``Policy``; ``kind`` is the policy
    type (``identity``, ``trust``, ``resource``, ``boundary``, ``scp``, ``rcp``, ``session``). ``account``
    is the 12-digit account that owns the policy, when known; trusted accounts equal to it are not
    reported as cross-account. Size quotas are not checked here (``policy.parse_policy`` does that).
    Raises ``ParameterError`` for an unknown ``kind`` or a malformed ``account`` and ``PolicyError``
    when the document is not a policy IAM would accept (see ``policy.iter_policy_problems`` for those);
    nothing else.
    """
    if kind not in POLICY_KINDS:
        raise ParameterError(f"Unknown policy type {kind!r}; expected one of {', '.join(POLICY_KINDS)}.")
    if account is not None and not (isinstance(account, str) and re.fullmatch(r"\d{12}", account, re.ASCII)):
        raise ParameterError("account must be a 12-digit AWS account ID.")
    if isinstance(document, Policy):
        parsed, source = document, _source_of(None, document.text)
    else:
        parsed = policy_module.parse_policy(document, kind, check_size=False)
        source = _source_of(document, document if isinstance(document, str) else None)
    check = _Check(parsed, kind, account, source)
    findings = list(_document_findings(check))
    for statement in parsed.statements:
        for statement_check in _STATEMENT_CHECKS:
            findings.extend(statement_check(check, statement))
    findings.extend(_redundant_statements(check))
    return findings


# --- document-level checks -------------------------------------------------------------------------


def _document_findings(check: _Check) -> Iterator[Finding]:
    policy = check.policy
    first_line = 1 if check.source.text is not None else None
    if policy.version is None:
        yield check.finding("MISSING_VERSION", "$", first_line)
    if policy.id is not None and check.kind in _IDENTITY_KINDS:
        yield check.finding("ID_IN_IDENTITY_POLICY", "$.Id", check.source.line_of(first_line, "Id"), "Id")


def _redundant_statements(check: _Check) -> Iterator[Finding]:
    """Statements without a Sid that repeat an earlier statement exactly (order of values ignored)."""
    seen: set[tuple] = set()
    for statement in check.policy.statements:
        signature = _signature(statement)
        if signature in seen and not statement.sid:
            yield check.at_statement("REDUNDANT_STATEMENT", statement)
        seen.add(signature)


def _signature(statement: Statement) -> tuple:
    def lowered(values: tuple[str, ...] | None) -> frozenset | None:
        return None if values is None else frozenset(v.lower() for v in values)

    def frozen(values: tuple[str, ...] | None) -> frozenset | None:
        return None if values is None else frozenset(values)

    conditions = frozenset((c.operator, c.key.lower(), frozenset(c.values)) for c in statement.conditions)
    return (
        statement.effect,
        statement.principal,
        statement.not_principal,
        lowered(statement.actions),
        lowered(statement.not_actions),
        frozen(statement.resources),
        frozen(statement.not_resources),
        conditions,
    )


# --- action checks ---------------------------------------------------------------------------------


def _action_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    element = "Action" if statement.actions is not None else "NotAction"
    for action in statement.actions or statement.not_actions or ():
        code = _action_problem(action)
        if code:
            yield check.at_statement(code, statement, element, action)


def _action_problem(action: str) -> str | None:
    if action == "*" or action.count(":") != 1:
        return None
    prefix = action.partition(":")[0]
    if "*" in prefix or "?" in prefix:
        return "WILDCARD_IN_SERVICE_NAME"
    known = data.known_action(action)
    if known is None:
        return "INVALID_SERVICE"
    return None if known else "INVALID_ACTION"


def _covers(statement: Statement, action: str) -> bool:
    """Whether the statement's Action/NotAction applies to ``action`` (case-insensitive, §1.4)."""
    if statement.actions is not None:
        return any(matching.compile_glob(p, ignore_case=True)(action) for p in statement.actions)
    return not any(matching.compile_glob(p, ignore_case=True)(action) for p in statement.not_actions or ())


def _on_every_resource(statement: Statement) -> bool:
    return statement.not_resources is not None or "*" in (statement.resources or ())


def _admin_reason(statement: Statement) -> str | None:
    """The action pattern that makes an Allow-on-everything statement administrator-equivalent."""
    if statement.effect != "Allow" or not _on_every_resource(statement):
        return None
    broad = next((p for p in statement.actions or () if _is_every_action(p) or _is_all_of_iam(p)), None)
    escalation = next((a for a in _SELF_ESCALATION_ACTIONS if _covers(statement, a)), None)
    return broad or (_covering_pattern(statement, escalation) if escalation else None)


def _covering_pattern(statement: Statement, action: str) -> str:
    """The Action entry that matches ``action``; ``action`` itself when the statement uses NotAction."""
    patterns = statement.actions or ()
    return next((p for p in patterns if matching.compile_glob(p, ignore_case=True)(action)), action)


def _is_every_action(pattern: str) -> bool:
    """``*``, ``*:*`` and the like: wildcards only, in the service and in the name."""
    service, _, name = pattern.partition(":")
    return pattern == "*" or (service.strip("*") == "" and name != "" and name.strip("*") == "")


def _is_all_of_iam(pattern: str) -> bool:
    service, _, name = pattern.partition(":")
    return service.lower() == "iam" and name != "" and name.strip("*") == ""


def _grant_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    """Admin-equivalent grants and iam:PassRole on every role, in identity policies."""
    if check.kind != "identity" or statement.effect != "Allow":
        return
    reason = _admin_reason(statement)
    element = "Action" if statement.actions is not None else "NotAction"
    if reason is not None:
        yield check.at_statement("ADMIN_EQUIVALENT", statement, element, reason)
    elif _on_every_resource(statement) and _covers(statement, _PASS_ROLE):
        pattern = _covering_pattern(statement, _PASS_ROLE)
        yield check.at_statement("PASSROLE_ON_ANY_RESOURCE", statement, element, pattern)


def _not_element_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    if check.kind in _NO_NOT_ELEMENT_FINDINGS or statement.effect != "Allow":
        return
    if statement.not_actions is not None:
        yield check.at_statement("ALLOW_WITH_NOT_ACTION", statement, "NotAction", "NotAction")
    if statement.not_resources is not None:
        yield check.at_statement("ALLOW_WITH_NOT_RESOURCE", statement, "NotResource", "NotResource")


# --- principal and trust checks --------------------------------------------------------------------


def _principal_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    if statement.not_principal is not None and statement.effect == "Allow":
        yield check.at_statement("ALLOW_WITH_NOT_PRINCIPAL", statement, "NotPrincipal", "NotPrincipal")
    for element, spec in (("Principal", statement.principal), ("NotPrincipal", statement.not_principal)):
        for value in _principal_values(spec):
            if "*" in value and value != "*":
                yield check.at_statement("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", statement, element, value)


def _principal_values(spec: PrincipalSpec | None) -> tuple[str, ...]:
    if spec is None:
        return ()
    return spec.aws + spec.service + spec.federated + spec.canonical_user


def _condition_keys(statement: Statement) -> set[str]:
    return {c.key.lower() for c in statement.conditions}


def _trust_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    if check.kind != "trust" or statement.effect != "Allow":
        return
    if _is_bare_star(check.source.raw_statement(statement.index)):
        yield check.at_statement("TRUST_PRINCIPAL_STAR_STRING", statement, "Principal", "*")
    principal = statement.principal or PrincipalSpec()
    if principal.wildcard and not statement.conditions:
        yield check.at_statement("TRUST_ANY_PRINCIPAL", statement, "Principal", "*")
    for action in statement.actions or ():
        if "*" in action or "?" in action:
            yield check.at_statement("TRUST_WILDCARD_ACTION", statement, "Action", action)
    yield from _external_id_findings(check, statement, principal)
    if principal.service and not _condition_keys(statement) & _SOURCE_KEYS:
        yield check.at_statement("TRUST_SERVICE_WITHOUT_SOURCE", statement, "Principal", principal.service[0])
    yield from _web_identity_findings(check, statement, principal)


def _is_bare_star(raw_statement: object) -> bool:
    return isinstance(raw_statement, Mapping) and raw_statement.get("Principal") == "*"


def _external_id_findings(check: _Check, statement: Statement, principal: PrincipalSpec) -> Iterator[Finding]:
    """Account-level trust of another account with no sts:ExternalId condition (§5.6 D-XID)."""
    if "sts:externalid" in _condition_keys(statement) or not _covers(statement, _ASSUME_ACTION):
        return
    for entry in principal.aws:
        found = _ACCOUNT_PRINCIPAL.fullmatch(entry)
        if found and found.group(1) != check.account:
            yield check.at_statement("TRUST_ACCOUNT_WITHOUT_EXTERNAL_ID", statement, "Principal", entry)


def _web_identity_findings(check: _Check, statement: Statement, principal: PrincipalSpec) -> Iterator[Finding]:
    """IAM OIDC provider trust without sub / aud conditions (§3.3 D-STSKEYS, D-AA)."""
    if not _covers(statement, _WEB_IDENTITY_ACTION):
        return
    for entry in principal.federated:
        provider = _OIDC_PROVIDER.fullmatch(entry)
        if provider is None:
            continue
        host = provider.group(1).lower()
        if not _restricts_subject(statement, host):
            yield check.at_statement("OIDC_TRUST_WITHOUT_SUB", statement, "Principal", entry)
        if f"{host}:aud" not in _condition_keys(statement):
            yield check.at_statement("OIDC_TRUST_WITHOUT_AUD", statement, "Principal", entry)


def _restricts_subject(statement: Statement, host: str) -> bool:
    """A positive string condition on HOST:sub that, for GitHub, names a repository owner."""
    for condition in statement.conditions:
        if condition.key.lower() != f"{host}:sub" or condition.base not in _POSITIVE_STRING_OPERATORS:
            continue
        if not host.startswith(_GITHUB_PROVIDER) or any(_names_github_owner(v) for v in condition.values):
            return True
    return False


def _names_github_owner(value: str) -> bool:
    """``repo:OWNER/…`` with a literal owner; ``*`` or ``repo:*`` alone trust every repository."""
    owner = value.removeprefix("repo:").partition("/")[0].partition(":")[0]
    return owner.strip("*?") != ""


def _resource_policy_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    if check.kind != "resource" or statement.effect != "Allow" or statement.principal is None:
        return
    if statement.principal.service and not _condition_keys(statement) & _SOURCE_KEYS:
        service = statement.principal.service[0]
        yield check.at_statement("RESOURCE_SERVICE_WITHOUT_SOURCE", statement, "Principal", service)


# --- condition checks ------------------------------------------------------------------------------


def _condition_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    for condition in statement.conditions:
        for code in _condition_problems(statement, condition):
            yield check.at_condition(code, statement, condition)
    yield from _duplicate_key_findings(check, statement)


def _condition_problems(statement: Statement, condition: Condition) -> Iterator[str]:
    if condition.base == "Null" and condition.if_exists:
        yield "NULL_WITH_IF_EXISTS"
    if not condition.values:
        yield "EMPTY_ARRAY_CONDITION"
    if (
        condition.key.lower() == "aws:sourceip"
        and condition.base in _IP_OPERATORS
        and _only_private_networks(condition.values)
    ):
        yield "SOURCE_IP_PRIVATE_ONLY"
    yield from _qualifier_problems(condition)
    if (
        statement.effect == "Deny"
        and condition.base == "Bool"
        and not condition.if_exists
        and condition.key.lower() == "aws:multifactorauthpresent"
        and any(v.lower() == "false" for v in condition.values)
    ):
        yield "MFA_DENY_WITHOUT_IF_EXISTS"


def _qualifier_problems(condition: Condition) -> Iterator[str]:
    key_type = data.condition_key_type(condition.key)
    if key_type is None:
        return
    multivalued = key_type.startswith("ArrayOf")
    if condition.qualifier == "ForAllValues" and not multivalued:
        yield "FORALLVALUES_SINGLE_VALUED_KEY"
    elif condition.qualifier == "ForAnyValue" and not multivalued:
        yield "FORANYVALUE_SINGLE_VALUED_KEY"
    elif condition.qualifier is None and multivalued and condition.base != "Null":
        yield "MULTIVALUED_KEY_WITHOUT_QUALIFIER"


def _only_private_networks(values: tuple[str, ...]) -> bool:
    networks = [_network(v) for v in values]
    return bool(networks) and all(n is not None and _is_private(n) for n in networks)


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _is_private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(network.version == p.version and network.subnet_of(p) for p in _PRIVATE_NETWORKS)


def _duplicate_key_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    """Two keys under one operator that differ only in case (§1.7 D-AA)."""
    seen: dict[tuple[str, str], str] = {}
    for condition in statement.conditions:
        slot = (condition.operator, condition.key.lower())
        if slot in seen and seen[slot] != condition.key:
            yield check.at_condition("DUPLICATE_KEYS_DIFFERENT_CASE", statement, condition)
        seen.setdefault(slot, condition.key)


def _variable_findings(check: _Check, statement: Statement) -> Iterator[Finding]:
    """Policy variables that are not substituted: in a document whose Version does not enable them
    (§1.2, §2.4), or before the fifth colon of a resource ARN (§2.4)."""
    if check.policy.variables_enabled:
        for element, values in (("Resource", statement.resources), ("NotResource", statement.not_resources)):
            for value in values or ():
                if variable_before_resource_part(value):
                    yield check.at_statement("VARIABLE_BEFORE_RESOURCE_PART", statement, element, value)
        return
    for element, values in (("Resource", statement.resources), ("NotResource", statement.not_resources)):
        for value in values or ():
            if _VARIABLE.search(value):
                yield check.at_statement("VARIABLE_WITH_OLD_VERSION", statement, element, value)
    for condition in statement.conditions:
        if any(_VARIABLE.search(v) for v in condition.values):
            yield check.at_condition("VARIABLE_WITH_OLD_VERSION", statement, condition)


_STATEMENT_CHECKS = (
    _action_findings,
    _grant_findings,
    _not_element_findings,
    _principal_findings,
    _trust_findings,
    _resource_policy_findings,
    _variable_findings,
    _condition_findings,
)
