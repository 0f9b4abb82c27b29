"""Policy documents: parse and validate every policy type into frozen, typed data.

Owns the public face of the policy language (§1 of iam-reference.md): the frozen ``Policy`` types, reading
a document (URL encoding, character set, JSON syntax), size quotas, and the order in which problems are
reported. The grammar checks are ``_grammar.py``'s, with IAM's wording and tables in ``_grammar_tables.py``;
matching and condition semantics live in ``matching.py`` and ``conditions.py``; the decision in ``evaluate.py``.

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
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import unquote

from iamtutor.engine import _jsonpos
from iamtutor.engine._grammar import Analysis, Checker, Stage, StatementDraft, split_operator
from iamtutor.engine._grammar_tables import BASE_OPERATORS, IAM_KINDS, INVALID_PRINCIPAL, SYNTAX_ERROR
from iamtutor.engine.errors import PolicyError
from iamtutor.engine.names import (
    MAX_LENGTH,
    PATTERN,
    character_message,
    constraint_failure,
    unstorable_character,
    validation_message,
)
from iamtutor.engine.refs import PolicyRef

__all__ = [
    "BASE_OPERATORS",
    "INLINE_POLICY_TOTALS",
    "MANAGED_POLICY_QUOTA",
    "MAX_DOCUMENT_CHARS",
    "ORGANIZATIONS_POLICY_QUOTA",
    "POLICY_KINDS",
    "SESSION_POLICY_MAX_CHARS",
    "TRUST_POLICY_QUOTA",
    "Condition",
    "Policy",
    "PolicyKind",
    "PrincipalSpec",
    "Statement",
    "check_inline_policy_total",
    "invalid_principal_error",
    "iter_policy_problems",
    "parse_policy",
    "policy_size",
    "split_operator",
]

PolicyKind = Literal["identity", "trust", "resource", "boundary", "scp", "rcp", "session"]
POLICY_KINDS: tuple[str, ...] = ("identity", "trust", "resource", "boundary", "scp", "rcp", "session")


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
    policy"); ``text`` keeps the source as given, for highlighting; ``ref`` is the policy's stable id in a
    world (``refs.PolicyRef``; None for a policy parsed on its own), which the evaluator copies into each
    matched statement; ``cache`` is the evaluator's private index. Neither takes part in equality.
    """

    kind: str
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    name: str | None = None
    text: str | None = None
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    ref: PolicyRef | None = field(default=None, compare=False, hash=False)

    def tagged(self, kind: str, owner: str = "", name: str = "", version: str | None = None) -> Policy:
        """This policy as the world policy ``PolicyRef(kind, owner, name, version)``: the same statements,
        with matched statements naming that reference.

        A stored document has one id, so the tagged copy is made once and kept (with its own evaluator
        index) in this policy's cache; later calls compare four strings and build nothing.
        """
        key = (kind, owner, name, version)
        found = self.cache.get("tagged")
        if found is not None and found[0] == key:
            return found[1]
        if self.ref is not None and self.ref == PolicyRef(*key):
            return self
        tagged = replace(self, ref=PolicyRef(*key), cache={})
        self.cache["tagged"] = (key, tagged)
        return tagged

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are recognised only in Version 2012-10-17 documents (§1.2, D-VARS; F1)."""
        return self.version == "2012-10-17"


# --- Request-level limits and size quotas (§1.9) ---------------------------------------------------------------

QUOTA_EXCEEDED = "Cannot exceed quota for {quota}: {limit}"  # §1.9 D-QUOTA, OBS (H)
INLINE_TOTAL_EXCEEDED = "Maximum policy size of {limit} bytes exceeded for {entity} {name}"  # §1.9 (H role, M user)
DOCUMENT_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"  # §1.1 API-IAM (H)

MAX_DOCUMENT_CHARS = 131_072  # policyDocumentType max length, before quotas (API-IAM, H)
SESSION_POLICY_MAX_CHARS = 2048  # AssumeRole* Policy plaintext, whitespace counted (API-STS, H; F19 wording)
TRUST_POLICY_QUOTA = 2048  # ACLSizePerRole default, whitespace not counted (D-QUOTA, OBS; H)
MANAGED_POLICY_QUOTA = 6144  # PolicySize, whitespace not counted (D-QUOTA, OBS; H)
ORGANIZATIONS_POLICY_QUOTA = 5120  # SCP/RCP characters, whitespace counted (D-SCP, M; F8)
INLINE_POLICY_TOTALS = {"user": 2048, "group": 5120, "role": 10240}  # sum per entity (D-QUOTA, H)

_BAD_CHARACTER = re.compile(r"[^\t\n\r\x20-\xff]")
_STRING_OR_SPACE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|([ \t\n\r]+)', re.DOTALL)


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
    return _build_policy(analysis, name)


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
    for problem in analysis.sorted_problems():
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


# --- One document: load, check, measure ---------------------------------------------------------------------


def _analyse(document, kind, *, name, managed, check_size, classic_scp) -> Analysis:
    """Loads the document and runs every check; never raises but for the input stage's single error."""
    if kind not in POLICY_KINDS:
        analysis = Analysis("identity", None, None)
        analysis.add(Stage.INPUT, f"Unknown policy type {kind!r}", (), code="ValidationError")
        return analysis
    try:
        text, tree = _load(document, kind, check_size)
    except PolicyError as exc:
        analysis = Analysis(kind, None, None)
        analysis.add(Stage.INPUT, exc.message, ())
        analysis.input_error = exc
        return analysis
    analysis = Analysis(kind, text, tree)
    Checker(analysis, managed=managed, name=name, classic_scp=classic_scp).run()
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
        _check_decoded_text(document)
        return None, document
    text = _document_text(document)
    _check_request_limits(text, kind, check_size)
    try:
        tree = _jsonpos.loads(text)
    except _jsonpos.JsonSyntaxError as exc:
        if kind in IAM_KINDS:
            _check_characters(text, kind)  # a raw control character is the API's error, not a syntax error
        line, column = _jsonpos.line_and_column(text, exc.offset)
        raise PolicyError(SYNTAX_ERROR, json_path=exc.path, line=line, column=column) from None
    if "\\u" in text or unstorable_character(text) is not None:  # only escapes or raw text can hold them
        _check_decoded_text(tree)
    return text, tree


def _check_decoded_text(tree: object) -> None:
    """Refuses a NUL or unpaired surrogate in any key or string once JSON escapes are decoded (``"\\u0000"``).

    The raw text passed IAM's character set (§1.1), but the decoded value breaks it, and no database can
    store it (ours: AWS's handling of such escapes is not documented). Iterative, so depth cannot hurt.
    """
    stack: list[tuple[object, str]] = [(tree, "$")]
    seen: set[int] = set()  # a mapping built in Python may hold itself; later stages refuse the cycle
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            _refuse_unstorable(value, path, path)
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str):
                    _refuse_unstorable(key, path, "A key")
                    stack.append((item, f"{path}.{key}"))
        elif isinstance(value, list | tuple):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))


def _refuse_unstorable(text: str, path: str, what: str) -> None:
    index = unstorable_character(text)
    if index is not None:
        field = what if what == "A key" else re.sub(r"(\[\d+\])+$", "", path).rsplit(".", 1)[-1].lstrip("$")
        message = character_message(field or "The policy", text, index)
        raise PolicyError(message, code="ValidationError", json_path=path)


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
    if len(document) > 3 * MAX_DOCUMENT_CHARS:  # even fully percent-encoded, too long: refuse unread
        raise _too_long("policyDocument", MAX_DOCUMENT_CHARS)
    if document.lstrip(" \t\n\r").startswith("%"):  # JSON never starts with '%': the API's URL encoding
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


def _check_quota(analysis: Analysis, document: object, managed: bool) -> None:
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
        except PolicyError:  # not writable as JSON: already reported as a syntax error
            return
    if size > limit:
        message = QUOTA_EXCEEDED.format(quota=name, limit=limit)
        analysis.add(Stage.SIZE, message, (), code="LimitExceeded", http_status=409)


def _quota(kind: str, managed: bool) -> tuple[str, int, bool] | None:
    """(quota name, limit, whether whitespace counts) for ``kind``, or ``None`` when no quota applies."""
    if kind == "trust":
        return "ACLSizePerRole", TRUST_POLICY_QUOTA, False
    if managed and kind in ("identity", "boundary"):
        return "PolicySize", MANAGED_POLICY_QUOTA, False
    if kind in ("scp", "rcp"):
        return "PolicySize", ORGANIZATIONS_POLICY_QUOTA, True  # message wording unverified (F8)
    return None


# --- Building the typed policy -------------------------------------------------------------------------------


def _build_policy(analysis: Analysis, name: str | None) -> Policy:
    """The ``Policy`` of a document without problems."""
    lines = analysis.statement_lines()
    statements = tuple(
        _build_statement(statement, analysis.single_statement, line)
        for statement, line in zip(analysis.statements, lines, strict=True)
    )
    return Policy(analysis.kind, analysis.version, analysis.policy_id, statements, name=name, text=analysis.text)


def _build_statement(statement: StatementDraft, single: bool, line: int | None) -> Statement:
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
        tuple(Condition(*draft) for draft, _where, _was_list in statement.conditions),
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
