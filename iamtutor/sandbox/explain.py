"""A failed STS call in plain words: AWS's code and message, which check failed and why, and the lesson step.

``describe_failure`` reads an ``EngineError`` (and, for AccessDenied, the decision and request the engine
attached) and only describes: the trust policy's principals and conditions next to what the call sent, the
engine's own teaching sentences (``iamtutor.engine.explain``), and one sentence for each parameter rule AWS
checks first. It never decides anything the engine did not. ``templates/sandbox/partials/sts_error.html``
shows the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iamtutor.engine import (
    EngineError,
    ParameterError,
    PolicyError,
    StsError,
    explain,
    match_principal,
    parse_arn,
    parse_policy,
)

LESSONS = {
    "step-3-trust": gettext_lazy("Step 3: How roles are assumed and trusted"),
    "step-4-temporary-credentials": gettext_lazy("Step 4: Temporary credentials and session duration"),
    "step-5-cross-account": gettext_lazy("Step 5: Using roles across accounts"),
    "step-6-services": gettext_lazy("Step 6: Roles for AWS services and applications"),
    "step-7-chaining-session-policies": gettext_lazy("Step 7: Role chaining and session policies"),
}
GITHUB_KEY_PREFIX = "token.actions.githubusercontent.com:"


@dataclass
class StsFailure:
    """What the error panel shows: AWS's ``code`` and ``message`` verbatim, plain ``sentences``, a lesson."""

    code: str
    message: str
    sentences: list[str] = field(default_factory=list)
    lesson: str = "step-3-trust"

    @property
    def lesson_url(self) -> str:
        return reverse("lessons:detail", args=[self.lesson])

    @property
    def lesson_title(self) -> str:
        return str(LESSONS[self.lesson])


def describe_failure(
    err: EngineError,
    *,
    kind: str = "user",
    claims: dict | None = None,
    trust_document: object = None,
    role_arn: str = "",
) -> StsFailure:
    """``err`` as an ``StsFailure``. ``kind`` is the caller kind of the call (see ``identities.StsCall``);
    ``claims`` the web identity token sent; ``trust_document`` the role's stored trust policy."""
    failure = StsFailure(err.code, err.message)
    if isinstance(err, StsError) and err.decision is not None and err.request is not None:
        failure.sentences, failure.lesson = _access_denied(err.decision, err.request)
    elif isinstance(err, ParameterError):
        failure.sentences, failure.lesson = _parameter_sentences(err)
    elif isinstance(err, PolicyError):
        failure.sentences = [
            _(
                "The session policy must be a valid identity-style policy (no Principal), and a "
                "managed session policy must exist in the role's account or be AWS managed."
            )
        ]
        failure.lesson = "step-7-chaining-session-policies"
    else:
        failure.sentences, failure.lesson = _other_sentences(err, kind, claims or {}, trust_document, role_arn)
    return failure


# ---- AccessDenied with the engine's decision ---------------------------------------------------------------


def _access_denied(decision, request) -> tuple[list[str], str]:
    caller, trust = request.caller, request.resource_policy
    sentences = []
    if trust is None and request.resource_account is not None:
        sentences.append(
            _(
                "The role %(arn)s is in another account, %(account)s. AWS answers AccessDenied alike whether "
                "that account has no such role or its trust policy does not trust you, and it never shows you "
                "another account's trust policy: ask the role's owner what it trusts."
            )
            % {"arn": request.resource, "account": request.resource_account}
        )
    elif trust is None:
        sentences.append(
            _(
                "No role %(arn)s exists in this sandbox. AWS answers AccessDenied instead of saying so, "
                "so that nobody can find out which roles exist."
            )
            % {"arn": request.resource}
        )
    elif request.action.lower() == "sts:tagsession":
        sentences.append(
            _(
                "You sent session tags, so the trust policy must also allow sts:TagSession for this "
                "caller — it does not."
            )
        )
    elif request.action.lower() == "sts:setsourceidentity":
        sentences.append(
            _(
                "You sent a source identity, so the trust policy must also allow sts:SetSourceIdentity "
                "for this caller — it does not."
            )
        )
    else:
        sentences.extend(_trust_sentences(trust, caller, request))
    sentences.extend(explain(decision, request))
    return sentences, _denied_lesson(request)


def _trust_sentences(trust, caller, request) -> list[str]:
    allows = [s for s in trust.statements if s.effect == "Allow" and s.principal is not None]
    named = [s for s in allows if match_principal(s.principal, caller) is not None]
    if not named:
        principals = sorted({p for s in allows for p in _principal_values(s.principal)})
        return [
            _("The trust policy of %(role)s names %(named)s — not %(caller)s.")
            % {
                "role": _role_name(request.resource),
                "named": ", ".join(principals) or _("nobody"),
                "caller": caller.arn,
            }
        ]
    conditions = [c for s in named for c in s.conditions]
    return _condition_sentences(conditions, lambda key: request.context.get(key.lower()))


def _principal_values(spec) -> Iterable[str]:
    return (*spec.aws, *spec.service, *spec.federated)


def _condition_sentences(conditions, sent: Callable[[str], object]) -> list[str]:
    sentences = []
    for condition in conditions:
        value = sent(condition.key)
        shown = ", ".join(value) if isinstance(value, list | tuple) else value
        sentences.append(
            _("The trust policy's condition %(operator)s %(key)s expects %(values)s; this call sent %(sent)s.")
            % {
                "operator": condition.operator,
                "key": condition.key,
                "values": ", ".join(condition.values),
                "sent": shown if shown else _("nothing"),
            }
        )
    return sentences


def _denied_lesson(request) -> str:
    caller = request.caller
    if caller.type == "service":
        return "step-6-services"
    if caller.type == "assumed_role" or request.action.lower() in ("sts:tagsession", "sts:setsourceidentity"):
        return "step-7-chaining-session-policies"
    if request.resource_account is not None and request.resource_account != caller.account:
        return "step-5-cross-account"
    return "step-3-trust"


def _role_name(arn: str) -> str:
    parsed = parse_arn(arn)
    return parsed.name if parsed is not None else arn


# ---- parameter rules AWS checks before anything else -------------------------------------------------------

# (AWS parameter, engine rule or None, plain sentence, lesson), keyed on what the engine's error names: its
# ``parameter`` and, where one parameter fails by several rules, its ``rule``. The message is never read.
PARAMETER_CASES = {
    ("DurationSeconds", "role_chaining_cap"): (
        gettext_lazy(
            "This call is role chaining: a role session assuming another role. Chained sessions are capped at one "
            "hour (3,600 seconds), whatever the role's MaxSessionDuration says."
        ),
        "step-7-chaining-session-policies",
    ),
    ("DurationSeconds", "max_session_duration"): (
        gettext_lazy(
            "You asked for a longer session than the role's MaxSessionDuration allows. The role's owner sets it "
            "(1 to 12 hours); ask for fewer seconds or raise it on the role."
        ),
        "step-4-temporary-credentials",
    ),
    ("DurationSeconds", None): (
        gettext_lazy("DurationSeconds must be a whole number from 900 (15 minutes) to 43,200 (12 hours)."),
        "step-4-temporary-credentials",
    ),
    ("RoleSessionName", None): (
        gettext_lazy(
            "A session name is 2 to 64 characters: letters, digits and + = , . @ _ - only, no spaces. It becomes "
            "part of the session's ARN and of every CloudTrail event."
        ),
        "step-4-temporary-credentials",
    ),
    ("ExternalId", None): (
        gettext_lazy("An external ID is 2 to 1,224 characters: letters, digits and + = , . @ : / _ -."),
        "step-5-cross-account",
    ),
    ("SerialNumber", None): (
        gettext_lazy("The MFA serial number is the device's ARN, such as arn:aws:iam::111111111111:mfa/alice."),
        "step-3-trust",
    ),
    ("TokenCode", None): (gettext_lazy("The MFA code is exactly six digits."), "step-3-trust"),
    ("Policy", None): (
        gettext_lazy(
            "An inline session policy may be at most 2,048 characters of plain text (tab, newline and the Latin-1 "
            "range)."
        ),
        "step-7-chaining-session-policies",
    ),
    ("PolicyArns", None): (
        gettext_lazy("At most 10 managed session policy ARNs may be passed."),
        "step-7-chaining-session-policies",
    ),
    ("SourceIdentity", None): (
        gettext_lazy("A source identity is 2 to 64 characters like a session name and must not start with aws:."),
        "step-7-chaining-session-policies",
    ),
    ("Tags", "transitive_tag_again"): (
        gettext_lazy(
            "Transitive tag keys must be keys of the tags you pass, and a key passed on transitively by the calling "
            "session cannot be set again in the chain."
        ),
        "step-7-chaining-session-policies",
    ),
    ("TransitiveTagKeys", None): (
        gettext_lazy("Transitive tag keys must be keys of the tags you pass."),
        "step-7-chaining-session-policies",
    ),
    ("Tags", None): (
        gettext_lazy(
            "A tag key is 1 to 128 and a tag value up to 256 letters, digits, spaces and _ . : / = + - @; at most 50 "
            "tags, keys unique whatever their case."
        ),
        "step-7-chaining-session-policies",
    ),
    ("RoleArn", None): (
        gettext_lazy("The role ARN looks like arn:aws:iam::111111111111:role/NAME."),
        "step-3-trust",
    ),
}


def _parameter_sentences(err: EngineError) -> tuple[list[str], str]:
    case = PARAMETER_CASES.get((err.parameter, err.rule)) or PARAMETER_CASES.get((err.parameter, None))
    if case is None:
        return [
            _("AWS checks every parameter before it looks at any policy; the message names the one at fault.")
        ], "step-4-temporary-credentials"
    sentence, lesson = case
    return [str(sentence)], lesson


# ---- everything else: web identity, services, MFA, expired credentials ------------------------------------


# (AWS's error code, the engine rule or parameter the error names or None for any, plain sentence, lesson);
# first match wins. The message is never read.
OTHER_CASES = (
    (
        "InvalidIdentityToken",
        "token_audience",
        gettext_lazy(
            "The token's aud claim (%(aud)s) is not one of the client IDs registered on the OIDC provider. For GitHub "
            "Actions the client ID is normally sts.amazonaws.com."
        ),
        "step-6-services",
    ),
    (
        "InvalidIdentityToken",
        None,
        gettext_lazy(
            "STS only accepts a well-formed token from an OIDC provider registered in the role's own account."
        ),
        "step-6-services",
    ),
    (
        "UnauthorizedOperation",
        None,
        gettext_lazy(
            "Whoever launches the instance needs ec2:RunInstances, and iam:PassRole on the role; the message names the "
            "permission that is missing."
        ),
        "step-6-services",
    ),
    (
        "AccessDeniedException",
        None,
        gettext_lazy(
            "Whoever creates the function needs lambda:CreateFunction, and iam:PassRole on the role; the message names "
            "the permission that is missing."
        ),
        "step-6-services",
    ),
    (
        "InvalidParameterValueException",
        None,
        gettext_lazy("The function's execution role must trust lambda.amazonaws.com in its trust policy."),
        "step-6-services",
    ),
    (
        "AccessDenied",
        "SerialNumber",
        gettext_lazy(
            "The MFA serial number must be a device registered to the calling user; alice's is "
            "arn:aws:iam::111111111111:mfa/alice."
        ),
        "step-3-trust",
    ),
    (
        "ExpiredToken",
        None,
        gettext_lazy(
            "The session you chose has expired on the sandbox clock. Expired credentials stop working everywhere at "
            "once; assume the role again to get new ones."
        ),
        "step-4-temporary-credentials",
    ),
    (
        "PackedPolicyTooLarge",
        None,
        gettext_lazy(
            "Session policies, managed policy ARNs and session tags are packed into the credentials, and their packed "
            "form is limited. Send less."
        ),
        "step-7-chaining-session-policies",
    ),
)


def _other_sentences(
    err: EngineError, kind: str, claims: dict, trust_document: object, role_arn: str
) -> tuple[list[str], str]:
    if kind == "web" and err.code == "AccessDenied":
        return _web_denied(claims, trust_document, role_arn), "step-6-services"
    for code, named, sentence, lesson in OTHER_CASES:
        if code == err.code and named in (None, err.rule, err.parameter):
            text = str(sentence)
            return [text % {"aud": claims.get("aud")} if "%(aud)s" in text else text], lesson
    return [_("STS refused the call before issuing credentials; the message above says why.")], "step-3-trust"


def _web_denied(claims: dict, trust_document: object, role_arn: str) -> list[str]:
    sentences = [
        _(
            "The token came from a trusted provider with the right audience, but the trust policy of "
            "%(role)s did not accept its claims. Conditions on the sub claim decide which repositories, "
            "branches or environments may assume the role."
        )
        % {"role": _role_name(role_arn)}
    ]
    try:
        trust = parse_policy(trust_document, "trust") if trust_document is not None else None
    except EngineError:
        trust = None
    if trust is None:
        return sentences
    conditions = [
        c
        for s in trust.statements
        if s.effect == "Allow"
        for c in s.conditions
        if c.key.lower().startswith(GITHUB_KEY_PREFIX)
    ]
    return sentences + _condition_sentences(conditions, lambda key: claims.get(key[len(GITHUB_KEY_PREFIX) :]))
