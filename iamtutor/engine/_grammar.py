"""The policy grammar: reads a decoded document and records every problem IAM would report, and where.

Owns the ``Checker`` (stages 1–10 of ``policy.py``'s check order), the value rules for actions, resources,
principals and condition values, and the ``Analysis`` that collects and locates problems. IAM's wording and
the tables are ``_grammar_tables.py``'s; decoding, quotas and the frozen ``Policy`` are ``policy.py``'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from iamtutor.engine import _jsonpos
from iamtutor.engine._grammar_tables import (
    AWS_PRINCIPAL,
    BAD_PARTITION,
    BAD_VENDOR,
    BAD_VENDOR_CHARACTER,
    BASE_OPERATOR_SET,
    EXCLUSIVE_KEYS,
    IAM_EXTRA_RESOURCE_TYPES,
    IAM_KINDS,
    IAM_REGION,
    IAM_RESOURCE_TYPE,
    IAM_RESOURCE_TYPES,
    INVALID_PRINCIPAL,
    LEGACY_PARSING,
    MISSING_PRINCIPAL,
    NO_ACTIONS,
    NO_PRINCIPAL_KINDS,
    NO_PRINCIPALS,
    NO_RESOURCES,
    NO_VENDOR,
    NOT_AN_ARN,
    ONE_COLON,
    ORGANIZATIONS_POLICY,
    PARTITIONS,
    PRINCIPAL_FORBIDDEN,
    PRINCIPAL_TYPES,
    PRINCIPAL_VALUE_KINDS,
    PROHIBITED_FIELD,
    QUALIFIERS,
    RESOURCE_KINDS,
    S3_REGION,
    SID,
    SID_NOT_ALPHANUMERIC,
    SID_NOT_UNIQUE,
    STATEMENT_KEYS,
    SYNTAX_ERROR,
    TOP_LEVEL_KEYS,
    TRUST_ACTIONS,
    TRUST_ACTIONS_ONLY,
    VALID_EFFECTS,
    VENDOR_NOT_QUALIFIED,
    VERSION_REQUIRED,
    VERSIONS,
)
from iamtutor.engine.dates import parse_aws_date
from iamtutor.engine.errors import PolicyError


class Stage(IntEnum):
    """The check order of ``policy.py``'s docstring; a problem's stage decides which one IAM reports."""

    INPUT = 0
    SYNTAX = 1
    VERSION = 2
    ELEMENTS = 3
    LEGACY = 4
    SID_CHARS = 5
    SID_UNIQUE = 6
    ACTIONS_PRESENT = 7
    RESOURCE_FORMAT = 8
    NOT_RESOURCE_FORMAT = 9
    ACTION_FORMAT = 10
    NOT_ACTION_FORMAT = 11
    RESOURCES_PRESENT = 12
    TRUST_ACTIONS = 13
    PRINCIPALS = 14
    ORGANIZATIONS = 15
    SIZE = 16


_SEQUENCES = (list, tuple)
_STRING_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")


def split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """``"ForAnyValue:StringLikeIfExists"`` → ``("ForAnyValue", "StringLike", True)``; ``None`` if invalid.

    Qualifiers and base names are case-sensitive; ``Null`` takes no ``IfExists`` (§1.7, §2.3).
    """
    qualifier, rest = None, operator
    for prefix in QUALIFIERS:
        if operator.startswith(prefix):
            qualifier, rest = prefix[:-1], operator[len(prefix) :]
            break
    if_exists = rest.endswith("IfExists")
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in BASE_OPERATOR_SET or (if_exists and base == "Null"):
        return None
    return qualifier, base, if_exists


# --- Problems and the analysis of one document ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Problem:
    """One problem: its check stage, IAM's message and where it is (path segments, key or value)."""

    stage: Stage
    message: str
    where: tuple
    at_key: bool = False
    code: str | None = None
    http_status: int | None = None


def _stage_of(problem: _Problem) -> int:
    return problem.stage


class ConditionDraft(NamedTuple):
    """One (operator, key) pair as read; the fields of ``policy.Condition``, in its order."""

    operator: str
    base: str
    qualifier: str | None
    if_exists: bool
    key: str
    values: tuple[str, ...]
    json_path: str


class StatementDraft:
    """A statement while it is being checked: its raw mapping and the elements read from it so far."""

    __slots__ = ("broken", "conditions", "effect", "index", "principals", "raw", "sid", "strings", "where")

    def __init__(self, index: int, where: tuple, raw: Mapping) -> None:
        self.index = index
        self.where = where
        self.raw = raw
        self.sid: str | None = None
        self.effect: str | None = None
        self.strings: dict[str, tuple[str, ...]] = {}  # well-formed Action/NotAction/Resource/NotResource
        self.principals: dict[str, dict] = {}  # well-formed Principal/NotPrincipal: {type: values}
        self.broken: set[str] = set()  # elements present but malformed (syntax errors)
        self.conditions: list = []  # (ConditionDraft, where, value was an array)

    def item_where(self, element: str, index: int) -> tuple:
        """Where the ``index``-th value of ``element`` is: the element itself when it is a bare string."""
        if isinstance(self.raw.get(element), _SEQUENCES):
            return (*self.where, element, index)
        return (*self.where, element)


class Analysis:
    """Everything learnt about one document: its text and tree, statements, and the problems found."""

    def __init__(self, kind: str, text: str | None, tree: object) -> None:
        self.kind = kind
        self.text = text
        self.tree = tree
        self.problems: list[_Problem] = []
        self.statements: list[StatementDraft] = []
        self.version: str | None = None
        self.policy_id: str | None = None
        self.single_statement = False
        self.input_error: PolicyError | None = None  # a request-level error, located already
        self._located_tree: object = None

    def add(self, stage: Stage, message: str, where: tuple, *, at_key: bool = False, **status) -> None:
        self.problems.append(_Problem(stage, message, where, at_key, **status))

    def first_problem(self) -> _Problem:
        return min(self.problems, key=_stage_of)

    def sorted_problems(self) -> list[_Problem]:
        """Every problem in IAM's order: by stage, and in document order within a stage."""
        return sorted(self.problems, key=_stage_of)

    def error(self, problem: _Problem) -> PolicyError:
        """The located ``PolicyError`` for ``problem``."""
        if self.input_error is not None:
            return self.input_error
        line = column = None
        if self.text is not None:
            line, column = _jsonpos.line_and_column(self.text, self._offset(problem.where, problem.at_key))
        return PolicyError(
            problem.message,
            code=problem.code,
            json_path=_path(problem.where),
            line=line,
            column=column,
            http_status=problem.http_status,
        )

    def _offset(self, where: tuple, at_key: bool) -> int:
        if self._located_tree is None:
            # Parsed again with positions only when an error has to be located; depth is not limited here
            # because the fast decoder already accepted the text.
            self._located_tree = _jsonpos.parse_json(self.text, max_depth=len(self.text) + 1)
        return _jsonpos.locate(self._located_tree, where, at_key=at_key)

    def statement_lines(self) -> list[int | None]:
        """The 1-based line of each statement's opening brace, or ``None`` when it cannot be told."""
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


# --- Stages 1–10: the grammar ------------------------------------------------------------------------------


class Checker:
    """Reads a decoded document statement by statement and records every problem on the analysis.

    Each statement is read and checked in one pass; every problem carries its stage, so sorting by stage
    later gives IAM's order (``policy.py``'s docstring) while each stage keeps document order.
    """

    def __init__(self, analysis: Analysis, *, managed: bool, name: str | None, classic_scp: bool) -> None:
        self.analysis = analysis
        self.add = analysis.add
        self.kind = analysis.kind
        self.managed = managed
        self.classic_scp = classic_scp
        self.rcp_full_access = bool(name) and name.endswith("RCPFullAWSAccess")  # §1.8 RCP row (H)

    def run(self) -> None:
        document = self.analysis.tree
        if not _is_mapping(document):
            self.add(Stage.SYNTAX, SYNTAX_ERROR, ())
            return
        for key in document:
            if key not in TOP_LEVEL_KEYS:
                self.add(Stage.SYNTAX, SYNTAX_ERROR, (key,), at_key=True)
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
            self.add(Stage.SYNTAX, SYNTAX_ERROR, ("Version",))  # §1.2 (H)
            return
        self.analysis.version = version
        if self.managed and version != "2012-10-17":  # §1.2, S51 (H)
            self.add(Stage.VERSION, VERSION_REQUIRED, ("Version",) if "Version" in document else ())

    def read_id(self, document: Mapping) -> None:
        policy_id = document.get("Id")
        if "Id" in document and not isinstance(policy_id, str):  # §1.1 (H); a string Id is accepted (F2)
            self.add(Stage.SYNTAX, SYNTAX_ERROR, ("Id",))
            return
        self.analysis.policy_id = policy_id

    def statement_list(self, document: Mapping) -> list[tuple[int, tuple, Mapping]]:
        """(index, where, statement) for each well-formed statement; a single object or a non-empty list."""
        if "Statement" not in document:
            self.add(Stage.SYNTAX, SYNTAX_ERROR, ())
            return []
        raw = document["Statement"]
        if _is_mapping(raw):
            self.analysis.single_statement = True
            return [(0, ("Statement",), raw)]
        if not isinstance(raw, _SEQUENCES) or not raw:
            self.add(Stage.SYNTAX, SYNTAX_ERROR, ("Statement",))
            return []
        found = []
        for index, statement in enumerate(raw):
            if _is_mapping(statement):
                found.append((index, ("Statement", index), statement))
            else:
                self.add(Stage.SYNTAX, SYNTAX_ERROR, ("Statement", index))
        return found

    # Reading one statement ----------------------------------------------------------------------------------

    def read_statement(self, index: int, where: tuple, raw: Mapping) -> StatementDraft:
        statement = StatementDraft(index, where, raw)
        for key in raw:
            if key not in STATEMENT_KEYS:
                self.add(Stage.SYNTAX, SYNTAX_ERROR, (*where, key), at_key=True)
        for first, second in EXCLUSIVE_KEYS:
            if first in raw and second in raw:
                self.add(Stage.SYNTAX, SYNTAX_ERROR, (*where, second), at_key=True)
        statement.effect = self.read_effect(where, raw)
        if "Sid" in raw:
            if isinstance(raw["Sid"], str):
                statement.sid = raw["Sid"]
            else:
                self.add(Stage.SYNTAX, SYNTAX_ERROR, (*where, "Sid"))
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
            self.add(Stage.SYNTAX, SYNTAX_ERROR, where)
            return None
        effect = raw["Effect"]
        if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
            self.add(Stage.SYNTAX, SYNTAX_ERROR, (*where, "Effect"))
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
            self.add(Stage.SYNTAX, SYNTAX_ERROR, where)
            return None
        bad = [index for index, item in enumerate(value) if not isinstance(item, str)]
        for index in bad:
            self.add(Stage.SYNTAX, SYNTAX_ERROR, (*where, index))
        return None if bad else tuple(str(item) for item in value)

    def read_principal(self, where: tuple, value: object) -> dict | None:
        """``"*"`` or a map of principal types to strings (§1.6); {type: tuple}, ``None`` if malformed."""
        if isinstance(value, str) and value == "*":
            return {"*": ("*",)}
        if not _is_mapping(value):
            self.add(Stage.SYNTAX, SYNTAX_ERROR, where)
            return None
        principals, broken = {}, False
        for key, entries in value.items():
            if key not in PRINCIPAL_TYPES:
                self.add(Stage.SYNTAX, SYNTAX_ERROR, (*where, key), at_key=True)
                broken = True
                continue
            values = self.read_strings((*where, key), entries)
            broken = broken or values is None
            principals[key] = values
        return None if broken else principals

    def read_conditions(self, statement: StatementDraft, value: object) -> None:
        """Reads the (operator, key) pairs of a Condition block into ``statement.conditions`` (§1.7)."""
        where = (*statement.where, "Condition")
        if not _is_mapping(value):
            self.add(Stage.SYNTAX, SYNTAX_ERROR, where)
            return
        for operator, block in value.items():
            block_where = (*where, operator)
            if not _is_mapping(block):
                self.add(Stage.SYNTAX, SYNTAX_ERROR, block_where)
                continue
            parsed = split_operator(operator) if isinstance(operator, str) else None
            if parsed is None:
                if block:  # an unknown operator with an empty block is accepted (MOTO-PV valid fixture, H)
                    self.add(Stage.SYNTAX, SYNTAX_ERROR, block_where, at_key=True)
                continue
            for key, raw_values in block.items():
                self.read_condition(statement, (*block_where, key), operator, parsed, raw_values)

    def read_condition(self, statement: StatementDraft, where: tuple, operator: str, parsed: tuple, raw: object):
        key = where[-1]
        if not isinstance(key, str):
            self.add(Stage.SYNTAX, SYNTAX_ERROR, where, at_key=True)
            return
        values = self.read_condition_values(where, raw)
        if values is not None:
            qualifier, base, if_exists = parsed
            condition = ConditionDraft(operator, base, qualifier, if_exists, key, values, _path(where))
            statement.conditions.append((condition, where, isinstance(raw, _SEQUENCES)))

    def read_condition_values(self, where: tuple, raw: object) -> tuple[str, ...] | None:
        """Condition values as strings: JSON true → "true", 12 → "12" (§1.1 numbers/booleans)."""
        single = _scalar_text(raw)
        if single is not None:
            return (single,)
        if not isinstance(raw, _SEQUENCES):
            self.add(Stage.SYNTAX, SYNTAX_ERROR, where)
            return None
        texts = [_scalar_text(item) for item in raw]
        for index, text in enumerate(texts):
            if text is None:
                self.add(Stage.SYNTAX, SYNTAX_ERROR, (*where, index))
        return None if None in texts else tuple(texts)

    # Checking one statement ---------------------------------------------------------------------------------

    def check_statement(self, statement: StatementDraft) -> None:
        self.check_elements(statement)
        if statement.effect is not None and statement.effect not in VALID_EFFECTS:
            self.add(Stage.LEGACY, LEGACY_PARSING, (*statement.where, "Effect"))  # §1.3, S52 (H)
        for condition, where, was_list in statement.conditions:
            if condition.base.startswith("Date"):
                self.check_dates(condition, where, was_list)
        if self.kind != "trust":  # trust policies may not name resources at all (check_elements)
            self.check_resources(statement)
        self.check_actions(statement)
        if self.kind in PRINCIPAL_VALUE_KINDS:
            self.check_principal_values(statement)
        if self.kind == "rcp":
            self.check_rcp(statement)
        elif self.kind == "scp" and self.classic_scp and statement.effect == "Allow":
            self.check_classic_scp(statement)

    def check_elements(self, statement: StatementDraft) -> None:
        """Elements the policy type forbids or requires (§1.6, §1.8; F5 for the missing-Principal text)."""
        raw, where = statement.raw, statement.where
        if self.kind in NO_PRINCIPAL_KINDS:
            for element in _PRINCIPAL_ELEMENTS:
                if element in raw:
                    self.add(Stage.ELEMENTS, PRINCIPAL_FORBIDDEN, (*where, element), at_key=True)
        elif self.kind == "trust":
            for element in ("NotPrincipal", "NotAction", "Resource", "NotResource"):
                if element in raw:
                    self.add(Stage.ELEMENTS, PROHIBITED_FIELD.format(field=element), (*where, element), at_key=True)
            if "Principal" not in raw:
                self.add(Stage.ELEMENTS, MISSING_PRINCIPAL, where)
        elif "Principal" not in raw and "NotPrincipal" not in raw:
            self.add(Stage.ELEMENTS, MISSING_PRINCIPAL, where)

    def check_dates(self, condition: ConditionDraft, where: tuple, was_list: bool) -> None:
        """Date values are parsed when the policy is stored (§1.7, S57, H)."""
        for index, value in enumerate(condition.values):
            if parse_aws_date(value) is None:
                self.add(Stage.LEGACY, LEGACY_PARSING, (*where, index) if was_list else where)

    def check_sid(self, statement: StatementDraft, seen: set[str]) -> None:
        """IAM Sids are alphanumeric; non-empty Sids are unique in every policy (§1.3, S53)."""
        sid = statement.sid
        if not sid:
            return
        where = (*statement.where, "Sid")
        if self.kind in IAM_KINDS and not SID.fullmatch(sid):
            self.add(Stage.SID_CHARS, SID_NOT_ALPHANUMERIC, where)
        if sid in seen:
            self.add(Stage.SID_UNIQUE, SID_NOT_UNIQUE, where)
        seen.add(sid)

    def check_resources(self, statement: StatementDraft) -> None:
        """ARN format (§1.5, S56), then legacy ARN structure, then presence (§1.5, S54)."""
        present = False
        for stage, element in ((Stage.RESOURCE_FORMAT, "Resource"), (Stage.NOT_RESOURCE_FORMAT, "NotResource")):
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
                    self.add(Stage.LEGACY, LEGACY_PARSING, statement.item_where(element, index))
        if self.kind in RESOURCE_KINDS:
            self.require(statement, present, ("Resource", "NotResource"), Stage.RESOURCES_PRESENT, NO_RESOURCES)

    def check_actions(self, statement: StatementDraft) -> None:
        """Presence (§1.4, S54), format (S55), trust-policy actions (S49) and SCP wildcards (§1.4)."""
        present = False
        for stage, element in ((Stage.ACTION_FORMAT, "Action"), (Stage.NOT_ACTION_FORMAT, "NotAction")):
            actions = statement.strings.get(element)
            if actions is None:
                continue
            present = present or bool(actions)
            for index, action in enumerate(actions):
                self.check_action(statement, stage, element, index, action)
        if not (self.kind == "trust" and "NotAction" in statement.raw):  # else a prohibited field
            self.require(statement, present, ("Action", "NotAction"), Stage.ACTIONS_PRESENT, NO_ACTIONS)

    def check_action(self, statement: StatementDraft, stage: Stage, element: str, index: int, action: str) -> None:
        message = _action_format_problem(action)
        if message is not None:
            self.add(stage, message, statement.item_where(element, index))
        if self.kind == "trust" and element == "Action" and not _trust_action(action):
            self.add(Stage.TRUST_ACTIONS, TRUST_ACTIONS_ONLY, statement.item_where(element, index))
        if self.kind == "scp" and not _scp_wildcard_ok(action):
            self.add(Stage.ORGANIZATIONS, ORGANIZATIONS_POLICY, statement.item_where(element, index))

    def require(self, statement: StatementDraft, present: bool, elements: tuple, stage: Stage, message: str) -> None:
        """Reports ``message`` when neither element has a value (and neither was malformed)."""
        if present or not statement.broken.isdisjoint(elements):
            return
        given = [element for element in elements if element in statement.raw]
        self.add(stage, message, (*statement.where, given[0]) if given else statement.where)

    def check_principal_values(self, statement: StatementDraft) -> None:
        """No partial wildcards, no groups, no empty principal lists (§1.6)."""
        for element, principals in statement.principals.items():
            if "*" in principals or (self.kind == "trust" and element == "NotPrincipal"):
                continue
            where = (*statement.where, element)
            if not any(principals.values()):
                self.add(Stage.PRINCIPALS, NO_PRINCIPALS, where)
                continue
            for principal_type, values in principals.items():
                as_list = isinstance(statement.raw[element].get(principal_type), _SEQUENCES)
                for index, value in enumerate(values):
                    if not _principal_value_ok(principal_type, value):
                        message = INVALID_PRINCIPAL.format(type=principal_type, value=value)
                        item = (*where, principal_type, index) if as_list else (*where, principal_type)
                        self.add(Stage.PRINCIPALS, message, item)

    def check_classic_scp(self, statement: StatementDraft) -> None:
        """Classic SCP grammar (F7): Allow statements without Condition/NotAction/NotResource, Resource "*"."""
        for element in ("Condition", "NotAction", "NotResource"):
            if element in statement.raw:
                self.add(Stage.ORGANIZATIONS, ORGANIZATIONS_POLICY, (*statement.where, element), at_key=True)
        for index, resource in enumerate(statement.strings.get("Resource", ())):
            if resource != "*":
                self.add(Stage.ORGANIZATIONS, ORGANIZATIONS_POLICY, statement.item_where("Resource", index))

    def check_rcp(self, statement: StatementDraft) -> None:
        """RCPs: Principal "*", no NotPrincipal, Deny only except RCPFullAWSAccess (§1.8 RCP row, M)."""
        where = statement.where
        if "NotPrincipal" in statement.raw:
            self.add(Stage.ORGANIZATIONS, ORGANIZATIONS_POLICY, (*where, "NotPrincipal"), at_key=True)
        principals = statement.principals.get("Principal")
        if principals is not None and not _is_everyone(principals):
            self.add(Stage.ORGANIZATIONS, ORGANIZATIONS_POLICY, (*where, "Principal"))
        if statement.effect == "Allow" and not self.rcp_full_access:
            self.add(Stage.ORGANIZATIONS, ORGANIZATIONS_POLICY, (*where, "Effect"))


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
        except ValueError:  # more digits than Python will print
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
    parts = resource.split(":", 5)  # the first segment is never checked (MOTO-PV fixtures: "aws:s3:::b")
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
    if (vendor.isalnum() and vendor.isascii()) or not BAD_VENDOR_CHARACTER.search(vendor):
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
    return principal_type != "AWS" or AWS_PRINCIPAL.fullmatch(value) is not None


def _scp_wildcard_ok(action: str) -> bool:
    """SCP actions take a wildcard only alone or at the end (``iam:Get*``, not ``iam:*Role``) (§1.4, H)."""
    if action == "*" or ("*" not in action and "?" not in action):
        return True
    service, _, name = action.partition(":")
    return "?" not in action and "*" not in service and name.find("*") == len(name) - 1


def _is_everyone(principals: dict) -> bool:
    return "*" in principals or principals == {"AWS": ("*",)}
