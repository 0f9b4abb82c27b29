"""Names, paths, tags and request parameters that IAM and STS constrain, with AWS's validation wording.

Owns the length, range and pattern rules of the IAM and STS API models (iam-reference.md §1.9, §5.1) and
the generic ``N validation error(s) detected: …`` message AWS builds from them. Whether a name is already
taken (case-insensitively) is the world's business; policy documents are ``policy.py``'s.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from iamtutor.engine.errors import ParameterError

# Constraint sentences exactly as AWS's model validation prints them (API-IAM, API-STS; H).
MIN_LENGTH = "Member must have length greater than or equal to {n}"
MAX_LENGTH = "Member must have length less than or equal to {n}"
PATTERN = "Member must satisfy regular expression pattern: {pattern}"
MIN_VALUE = "Member must have value greater than or equal to {n}"
MAX_VALUE = "Member must have value less than or equal to {n}"
NOT_NULL = "Member must not be null"
# Not AWS-verified wordings (no public source found); worded in the same style.
NOT_A_NUMBER = "Member must be a number"
NO_AWS_PREFIX = "Member must not start with 'aws:'"  # SourceIdentity rule, API-STS (H for the rule)
NOT_ACCOUNT_ID = "Member must not be a 12-digit number"  # account alias rule, API-IAM (H for the rule)
NO_UNSTORABLE = "Member must not contain the character {char} (at position {n})"  # ours: NUL, lone surrogates

_OMITTED = object()  # marks a value AWS does not echo (documents, secrets)


@dataclass(frozen=True, slots=True)
class TextRule:
    """Length and pattern limits of one string parameter; ``pattern`` is printed as AWS prints it."""

    member: str
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    matches: Callable[[str], bool] | None = None
    also: Callable[[str], str | None] | None = None  # one more rule: returns a constraint sentence
    allowed: Callable[[str], bool] | None = None  # per-character test of a character-class pattern


@dataclass(frozen=True, slots=True)
class NumberRule:
    """Inclusive range of one integer parameter."""

    member: str
    minimum: int
    maximum: int


def _java_pattern(pattern: str) -> Callable[[str], bool]:
    """A whole-string matcher for an AWS model regex; ``\\w`` is ASCII-only as in Java."""
    return re.compile(pattern, re.ASCII).fullmatch


# Tag keys and values: letters, separators and numbers of any script, plus ``_.:/=+-@`` (API-IAM, API-STS; H).
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_CATEGORIES = ("L", "Z", "N")


def _tag_text(text: str) -> bool:
    return all(c in _TAG_PUNCTUATION or unicodedata.category(c)[0] in _TAG_CATEGORIES for c in text)


def _no_aws_prefix(text: str) -> str | None:
    return NO_AWS_PREFIX if text.lower().startswith("aws:") else None


def _not_account_id(text: str) -> str | None:
    return NOT_ACCOUNT_ID if len(text) == 12 and text.isascii() and text.isdigit() else None


_NAME = r"[\w+=,.@-]+"
_SESSION_NAME = r"[\w+=,.@-]*"
_PATH = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
_POLICY_PATH = r"((/[A-Za-z0-9\.,\+@=_-]+)*)/"
_TAG_KEY = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
_TAG_VALUE = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
_ACCOUNT_ALIAS = r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
# Role descriptions: TAB, LF, CR, printable ASCII and U+00A1-U+00FF (UpdateRoleDescription/CreateRole, API-IAM, H).
_DESCRIPTION = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"


def _description_char(char: str) -> bool:
    return char in "\t\n\r" or " " <= char <= "~" or "\xa1" <= char <= "\xff"


def _text(member: str, lo: int | None, hi: int | None, pattern: str | None = None, **kw) -> TextRule:
    matcher = kw.pop("matches", None) or (_java_pattern(pattern) if pattern else None)
    return TextRule(member, lo, hi, pattern, matcher, **kw)


# Every rule, keyed by what it names; quotas from iam-reference.md §1.9 and §5.1 [API-IAM, API-STS] (H).
RULES: dict[str, TextRule | NumberRule] = {
    "role_name": _text("roleName", 1, 64, _NAME),
    "user_name": _text("userName", 1, 64, _NAME),
    "group_name": _text("groupName", 1, 128, _NAME),
    "policy_name": _text("policyName", 1, 128, _NAME),
    "instance_profile_name": _text("instanceProfileName", 1, 128, _NAME),
    "path": _text("path", 1, 512, _PATH),
    "policy_path": _text("path", 1, 512, _POLICY_PATH),
    "role_description": _text("description", None, 1000, _DESCRIPTION, allowed=_description_char),
    "policy_description": _text("description", None, 1000),  # CreatePolicy: no pattern (API-IAM, H)
    "tag_key": _text("key", 1, 128, _TAG_KEY, matches=_tag_text),
    "tag_value": _text("value", 0, 256, _TAG_VALUE, matches=_tag_text),
    "role_session_name": _text("roleSessionName", 2, 64, _SESSION_NAME),
    "external_id": _text("externalId", 2, 1224, r"[\w+=,.@:\/-]*"),
    "source_identity": _text("sourceIdentity", 2, 64, _SESSION_NAME, also=_no_aws_prefix),
    "serial_number": _text("serialNumber", 9, 256, r"[\w+=/:,.@-]*"),
    "token_code": _text("tokenCode", 6, 6, r"[\d]*"),
    "role_arn": _text("roleArn", 20, 2048),
    "account_id": _text("accountId", None, None, r"\d{12}"),
    "account_alias": _text("accountAlias", 3, 63, _ACCOUNT_ALIAS, also=_not_account_id),
    "max_session_duration": NumberRule("maxSessionDuration", 3600, 43200),
    "duration_seconds": NumberRule("durationSeconds", 900, 43200),
}
_INTEGER = re.compile(r"-?[0-9]{1,19}")
MAX_TAGS = 50  # per role, user or session (D-QUOTA, API-STS; H)


class Failure(str):
    """One failure clause, remembering the model member it is about (``roleName``, ``tags.1.member.key``)."""

    member: str

    def __new__(cls, text: str, member: str) -> Failure:
        failure = super().__new__(cls, text)
        failure.member = member
        return failure


def parameter_name(member: str) -> str:
    """The AWS API parameter a model member belongs to: ``roleName`` → ``RoleName``, ``tags.1.member.key``
    → ``Tags``, ``policyArns.member.arn`` → ``PolicyArns`` (the model's members are the parameters in
    lower camel case)."""
    head = member.split(".", 1)[0]
    return head[:1].upper() + head[1:]


def constraint_failure(member: str, constraint: str, value: object = _OMITTED) -> str:
    """One failure clause: ``Value 'x' at 'member' failed to satisfy constraint: <constraint>``.

    Without ``value`` the clause reads ``Value at 'member' …`` (AWS's form for values it does not echo,
    used here for whole policy documents); ``None`` renders as ``Value null at …``.
    """
    if value is _OMITTED:
        return Failure(f"Value at '{member}' failed to satisfy constraint: {constraint}", member)
    shown = "null" if value is None else f"'{as_text(value)}'"
    return Failure(f"Value {shown} at '{member}' failed to satisfy constraint: {constraint}", member)


def validation_message(failures: list[str]) -> str:
    """AWS's summary: ``1 validation error detected: A`` or ``2 validation errors detected: A; B``."""
    count = len(failures)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(failures)


def validation_error(failures: list[str], *, parameter: str | None = None) -> ParameterError:
    """A ``ValidationError`` (HTTP 400) carrying ``validation_message(failures)``; its ``parameter`` is
    ``parameter`` if given, else the parameter of the first failure made by ``constraint_failure``."""
    if parameter is None and failures and isinstance(failures[0], Failure):
        parameter = parameter_name(failures[0].member)
    return ParameterError(validation_message(failures), parameter=parameter)


def problems(rule: str, value: object, *, member: str | None = None, required: bool = True) -> list[str]:
    """Every constraint ``value`` breaks under ``RULES[rule]``, as failure clauses (empty when valid).

    ``member`` overrides the name printed in the clause (``tags.1.member.key``); a ``None`` value fails
    ``Member must not be null`` when ``required``, and passes otherwise. Unknown rule names fail loudly
    with a ``ParameterError`` (a programming error, still inside the engine's error family).
    """
    spec = RULES.get(rule)
    if spec is None:
        raise ParameterError(f"Unknown parameter rule {rule!r}")
    name = member or spec.member
    if value is None:
        return [constraint_failure(name, NOT_NULL, None)] if required else []
    if isinstance(spec, NumberRule):
        return _number_problems(spec, name, value)
    return _text_problems(spec, name, as_text(value))


def validate(rule: str, value: object, *, member: str | None = None, required: bool = True) -> None:
    """Raise ``ParameterError`` (``ValidationError``) listing every constraint ``value`` breaks."""
    failures = problems(rule, value, member=member, required=required)
    if failures:
        raise validation_error(failures)


def validate_all(checks: Iterable[tuple]) -> None:
    """Check several parameters at once, as one AWS request does; raise one error naming every failure.

    Each check is ``(rule, value)`` or ``(rule, value, member)``; ``None`` values are skipped (optional
    parameters left out). Raises ``ParameterError`` with ``N validation errors detected: …`` if any fail.
    """
    failures: list[str] = []
    for check in checks:
        rule, value, member = (*check, None)[:3]
        if value is not None:
            failures.extend(problems(rule, value, member=member))
    if failures:
        raise validation_error(failures)


def tag_problems(tags: Mapping[str, object] | Iterable[tuple[str, object]], *, member: str = "tags") -> list[str]:
    """Failure clauses for a list of tags: count ≤ 50, each key 1–128 and value 0–256 of the tag pattern.

    Members are numbered as AWS numbers them: ``tags.1.member.key``, ``tags.1.member.value``.
    """
    pairs = list(tags.items()) if isinstance(tags, Mapping) else list(tags)
    failures = []
    if len(pairs) > MAX_TAGS:
        failures.append(constraint_failure(member, MAX_LENGTH.format(n=MAX_TAGS), f"[{len(pairs)} tags]"))
    for number, (key, value) in enumerate(pairs, start=1):
        failures += problems("tag_key", key, member=f"{member}.{number}.member.key")
        failures += problems("tag_value", value, member=f"{member}.{number}.member.value")
    return failures


def first_bad_character(text: str, allowed: Callable[[str], bool]) -> int | None:
    """Index of the first character of ``text`` that ``allowed`` refuses, or that no IAM field accepts."""
    for index, char in enumerate(text):
        if not allowed(char) or _UNSTORABLE.match(char):
            return index
    return None


def unstorable_character(text: str) -> int | None:
    """Index of the first NUL or unpaired surrogate in ``text``, or None.

    No IAM pattern admits either (API-IAM, H); besides, PostgreSQL's text and jsonb cannot hold NUL, and
    UTF-8 cannot encode a surrogate, so such text could be neither stored nor shown.
    """
    found = _UNSTORABLE.search(text)
    return None if found is None else found.start()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def character_label(char: str) -> str:
    """``U+0000``: a character named by its code point, safe to print whatever it is."""
    return f"U+{ord(char):04X}"


def character_message(field: str, text: str, index: int) -> str:
    """``Description contains a character IAM does not accept (U+0000) at position 2.`` (1-based)."""
    return f"{field} contains a character IAM does not accept ({character_label(text[index])}) at position {index + 1}."


def _text_problems(spec: TextRule, member: str, value: str) -> list[str]:
    failures = []
    if spec.min_length is not None and len(value) < spec.min_length:
        failures.append(constraint_failure(member, MIN_LENGTH.format(n=spec.min_length), value))
    if spec.max_length is not None and len(value) > spec.max_length:
        failures.append(constraint_failure(member, MAX_LENGTH.format(n=spec.max_length), value))
    if spec.matches is not None and not spec.matches(value):
        constraint = PATTERN.format(pattern=spec.pattern)
        bad = first_bad_character(value, spec.allowed) if spec.allowed else None
        if bad is not None:  # ours, not AWS's: name the character, as the text may not show it
            constraint += f" (the character {character_label(value[bad])} at position {bad + 1} is not accepted)"
        failures.append(constraint_failure(member, constraint, value))
    bad = unstorable_character(value) if spec.matches is None else None
    if bad is not None:  # ours: a field without a pattern still cannot hold NUL or a lone surrogate
        failures.append(
            constraint_failure(member, NO_UNSTORABLE.format(char=character_label(value[bad]), n=bad + 1), value)
        )
    broken = spec.also(value) if spec.also else None
    if broken:
        failures.append(constraint_failure(member, broken, value))
    return failures


def _number_problems(spec: NumberRule, member: str, value: object) -> list[str]:
    number = _as_int(value)
    if number is None:
        return [constraint_failure(member, NOT_A_NUMBER, value)]
    if number < spec.minimum:
        return [constraint_failure(member, MIN_VALUE.format(n=spec.minimum), value)]
    if number > spec.maximum:
        return [constraint_failure(member, MAX_VALUE.format(n=spec.maximum), value)]
    return []


def as_text(value: object) -> str:
    """A parameter as the text AWS would receive; values that cannot be printed (an integer over 4,300
    digits, an object whose ``str`` fails) become a placeholder such as ``<int>``. Use it to echo input."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except (ValueError, TypeError):  # e.g. an integer longer than Python will print
        return f"<{type(value).__name__}>"


def _as_int(value: object) -> int | None:
    """An integer parameter as AWS reads it from a request (``3600`` or ``"3600"``); ``None`` if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None
