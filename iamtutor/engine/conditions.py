"""Condition blocks: the request context, every operator, set qualifiers, IfExists and policy variables.

Owns §2 of iam-reference.md: how a statement's conditions combine, what a missing key means for each
operator family, and how ``${…}`` variables resolve. Wildcard and ARN matching come from ``matching.py``,
date parsing from ``dates.py``; which keys a request carries is ``world.py``'s business.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from iamtutor.engine.dates import format_iso, parse_aws_instant
from iamtutor.engine.errors import ParameterError
from iamtutor.engine.matching import compile_arn, compile_glob, escape_glob
from iamtutor.engine.policy import Condition

Context = Mapping[str, tuple[str, ...]]

# Keys whose values are sets, lower-cased (§2.3 set qualifiers, §3; D-GKEYS, D-STSKEYS, D-SVM, H). Any key
# carrying other than exactly one value in the context is treated as multivalued as well.
MULTIVALUED_KEYS: frozenset[str] = frozenset(
    {
        "aws:tagkeys",
        "aws:calledvia",
        "aws:principalorgpaths",
        "aws:principalservicenameslist",
        "aws:resourceorgpaths",
        "aws:sourceorgpaths",
        "sts:transitivetagkeys",
        "cognito-identity.amazonaws.com:amr",
    }
)

_FOR_ANY = "ForAnyValue"
_FOR_ALL = "ForAllValues"
# Condition values of these families may hold policy variables (§2.4, D-VARS; Bool per the 2023 page, H).
_VARIABLE_FAMILIES = ("String", "Arn", "Bool")
# ${*} ${?} ${$} stand for the literal characters (§2.4, D-VARS, H).
_FIXED_VARIABLES = {"*": "*", "?": "?", "$": "$"}
_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
# `${key}` or `${key, 'default'}`; spaces only around the comma, single quotes only (F13).
_VARIABLE_BODY = re.compile(r"(?P<key>[^\s,'\"]+)(?:\s*,\s*'(?P<default>[^']*)')?")
# Numeric condition values: integers or decimals (§2.3 Numeric, D-OPS, H); anything else never matches (M).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_BOOLEANS = ("true", "false")
# Compiled condition blocks kept per Condition tuple; cleared wholesale when it grows past this bound.
_COMPILED_CACHE_SIZE = 16384
# Parsed numbers, dates and addresses, request and policy side alike (clock values repeat across requests).
_FORM_CACHE_SIZE = 4096


# ------------------------------------------------------------------------------------------ context


def _context_value(key: str, value: object) -> str:
    """One context value as the string IAM compares (bools as ``true``/``false``, numbers in decimal)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            return str(value)
        except ValueError:  # an integer over Python's 4,300-digit conversion limit
            raise ParameterError(f"Context value for key '{key}' is a number too long to compare.") from None
    if isinstance(value, datetime):
        return format_iso(value)
    raise ParameterError(
        f"Context value for key '{key}' must be a string, number, boolean or date, not {type(value).__name__}."
    )


def make_context(raw: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Normalise request context keys and values for ``conditions_match``.

    Keys are lower-cased (condition key names, tag-key parts included, are case-insensitive: §1.7, D-COND,
    H). A string becomes a one-element tuple, a list or tuple a tuple of strings (an empty list is an empty
    set, which counts as absent, F10), a bool ``"true"``/``"false"``, a number its decimal text and a
    ``datetime`` its ISO-8601 UTC text. ``None`` leaves the key out. Raises ``ParameterError`` for any
    other type or for two keys that differ only in case.
    """
    if not isinstance(raw, Mapping):
        raise ParameterError("The request context must be an object of condition keys.")
    context: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise ParameterError("Context keys must be strings.")
        lowered = key.lower()
        if lowered in context:
            raise ParameterError(f"Context key '{key}' is given twice (keys ignore case).")
        if value is None:
            continue
        if isinstance(value, list | tuple):
            context[lowered] = tuple(_context_value(key, item) for item in value)
        else:
            context[lowered] = (_context_value(key, value),)
    return context


# ------------------------------------------------------------------------------------------ variables


# Parts of a parsed policy-variable template: text as written, a fixed literal (${*}), a variable.
_WRITTEN, _FIXED, _VARIABLE_PART = 0, 1, 2
_Template = tuple[tuple[str, int, str | None], ...]


@lru_cache(maxsize=4096)
def _template(text: str) -> _Template:
    """``text`` split into written text, fixed literals and variables ``(key lower-cased, default)``."""
    parts: list[tuple[str, int, str | None]] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        body = found[1]
        parsed = None if body in _FIXED_VARIABLES else _VARIABLE_BODY.fullmatch(body)
        if body not in _FIXED_VARIABLES and parsed is None:
            continue  # not a variable (F13): stays as written
        parts.append((text[position : found.start()], _WRITTEN, None))
        if parsed is None:
            parts.append((_FIXED_VARIABLES[body], _FIXED, None))
        else:
            parts.append((parsed["key"].lower(), _VARIABLE_PART, parsed["default"]))
        position = found.end()
    parts.append((text[position:], _WRITTEN, None))
    return tuple(parts)


def _variable_value(key: str, default: str | None, context: Context) -> str | None:
    """A single-valued key's value, else the default (None when there is none) (§2.4, D-VARS, H)."""
    values = context.get(key)
    if values and len(values) == 1 and key not in MULTIVALUED_KEYS and isinstance(values[0], str):
        return values[0]
    return default


def _escape_backslashes(text: str) -> str:
    """Policy text as an escaped glob: its ``*``/``?`` stay wildcards, a backslash stays literal."""
    return text.replace("\\", "\\\\")


def _fill(template: _Template, context: Context, for_glob: bool) -> str | None:
    """Render a parsed template against ``context``; None when a variable has no value and no default."""
    written, substituted = (_escape_backslashes, escape_glob) if for_glob else (str, str)
    out: list[str] = []
    for text, kind, default in template:
        if kind == _VARIABLE_PART:
            text = _variable_value(text, default, context)
            if text is None:
                return None
        out.append(written(text) if kind == _WRITTEN else substituted(text))
    return "".join(out)


def substitute_variables(text: str, context: Context, *, for_glob: bool = False) -> str | None:
    """Replace the policy variables in ``text`` with their values from ``context``.

    ``${key}`` takes the key's value (key names ignore case); ``${key, 'default'}`` falls back to the default
    when the key is absent; ``${*}``, ``${?}`` and ``${$}`` are the literal characters (§2.4, D-VARS, H).
    Only single-valued keys can be variables. Text of another shape (double quotes, spaces inside the
    braces) is not a variable and stays as written (F13). Returns None when a variable has no value and no
    default. With ``for_glob`` the result is an escaped glob for ``compile_glob(…, escaped=True)``:
    wildcards written in ``text`` stay wildcards, substituted text (and ``${*}``, ``${?}``) is literal.
    Never raises.
    """
    if not isinstance(text, str):
        return None
    if "${" not in text:
        return _escape_backslashes(text) if for_glob else text
    return _fill(_template(text), context, for_glob)


_ARN_HEAD_COLONS = 5  # arn:partition:service:region:account: — the resource part follows the fifth colon


def variable_before_resource_part(pattern: str) -> bool:
    """Whether an ARN ``pattern`` has a policy variable before its fifth colon (partition, service, region or
    account field), where AWS does not substitute it (IAM UG, "Variables and tags", D-VARS, H)."""
    if not isinstance(pattern, str) or not pattern.startswith("arn:"):
        return False
    parts = pattern.split(":", _ARN_HEAD_COLONS)
    return "${" in ":".join(parts[:_ARN_HEAD_COLONS])


def substitute_resource_variables(pattern: str, context: Context) -> str | None:
    """``substitute_variables(pattern, context, for_glob=True)`` for a ``Resource``/``NotResource`` entry.

    AWS replaces policy variables only in the resource part of an ARN, after the fifth colon; a variable
    written before it stays literal text (IAM UG, "Variables and tags": you can't use a variable to replace
    parts of the ARN before the fifth colon, D-VARS, H), so such a pattern cannot match a real ARN there.
    Returns None when a substituted variable has no value and no default. Never raises.
    """
    if not variable_before_resource_part(pattern):
        return substitute_variables(pattern, context, for_glob=True)
    parts = pattern.split(":", _ARN_HEAD_COLONS)
    head = ":".join(parts[:_ARN_HEAD_COLONS])
    tail = parts[_ARN_HEAD_COLONS] if len(parts) > _ARN_HEAD_COLONS else None
    if tail is None:
        return _escape_backslashes(head)
    filled = substitute_variables(tail, context, for_glob=True)
    return None if filled is None else _escape_backslashes(head) + ":" + filled


# ------------------------------------------------------------------------------------------ operators


def _text(value: str) -> str | None:
    """A string as it is; anything else cannot match."""
    return value if isinstance(value, str) else None


def _folded(value: str) -> str:
    """Simple Unicode case folding for the IgnoreCase operators (§2.3 String, M)."""
    return value.casefold()


def _boolean(value: str) -> str | None:
    """``true``/``false`` in any case (M, iam-simulate), else None."""
    lowered = value.lower()
    return lowered if lowered in _BOOLEANS else None


@lru_cache(maxsize=_FORM_CACHE_SIZE)
def _number(value: str) -> Decimal | None:
    """An integer or decimal number, else None (§2.3 Numeric, D-OPS, H; non-numbers never match, M)."""
    if not _NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


@lru_cache(maxsize=_FORM_CACHE_SIZE)
def _instant(value: str) -> int | None:
    """A date as epoch microseconds (ISO-8601 or epoch seconds, §1.7/§2.3 Date, D-OPS, H), else None."""
    return parse_aws_instant(value)


@lru_cache(maxsize=_FORM_CACHE_SIZE)
def _network(value: str) -> tuple[int, int, int] | None:
    """A CIDR block as (IP version, network bits, mask bits); an address without a prefix is a single
    address, /32 or /128 (§2.3 IP, D-OPS, H). None when not a CIDR."""
    if not isinstance(value, str):
        return None
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    return network.version, int(network.network_address), int(network.netmask)


@lru_cache(maxsize=_FORM_CACHE_SIZE)
def _address(value: str) -> tuple[int, int] | None:
    """An IPv4 or IPv6 address as (IP version, bits), else None."""
    if not isinstance(value, str):
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    return address.version, int(address)


def _glob(pattern: str) -> Callable[[str], bool]:
    """A ``StringLike`` pattern, escaped form (see ``substitute_variables(for_glob=True)``)."""
    return compile_glob(pattern, escaped=True)


def _arn_pattern(pattern: str) -> Callable[[str], bool] | None:
    """An ``ArnLike`` pattern (escaped form); a pattern without six components is invalid (M)."""
    return compile_arn(pattern, escaped=True) if pattern.count(":") >= 5 else None


def _arn_value(value: str) -> str | None:
    """A request value that is an ARN, else None: a non-ARN request value never matches (§2.3 ARN, M)."""
    return value if value.startswith("arn:") and value.count(":") >= 5 else None


def _pattern_matches(request: str, matcher: Callable[[str], bool]) -> bool:
    return matcher(request)


def _in_network(request: tuple[int, int], network: tuple[int, int, int]) -> bool:
    version, bits = request
    return version == network[0] and bits & network[2] == network[1]


@dataclass(frozen=True, slots=True)
class _Operator:
    """How one base operator reads its two sides and compares them.

    ``request_form``/``policy_form`` turn raw strings into comparable values (None: the value can never
    match); ``test`` is the positive comparison. A ``negated`` operator is true for a pair when both sides
    are valid and ``test`` is false. ``equality`` marks tests that are plain ``==`` on hashable forms, so a
    set lookup can stand in for the loop; ``glob`` marks escaped-glob policy values.
    """

    request_form: Callable[[str], Any]
    policy_form: Callable[[str], Any]
    test: Callable[[Any, Any], bool]
    negated: bool = False
    equality: bool = False
    glob: bool = False

    def pair(self, request_value: str, policy_value: str) -> bool:
        """The operator applied to one request value and one policy value (no variables); False for
        values that cannot be read, non-strings included."""
        try:
            policy = self.policy_form(_escape_backslashes(policy_value) if self.glob else policy_value)
            request = self.request_form(request_value)
            return request is not None and policy is not None and self.test(request, policy) != self.negated
        except (TypeError, AttributeError, ValueError):
            return False


# The operator table (§2.3, D-OPS, H); qualifiers and IfExists are applied around these in `_compile`.
_OPERATORS: dict[str, _Operator] = {
    "StringEquals": _Operator(_text, _text, operator.eq, equality=True),
    "StringNotEquals": _Operator(_text, _text, operator.eq, negated=True, equality=True),
    "StringEqualsIgnoreCase": _Operator(_folded, _folded, operator.eq, equality=True),
    "StringNotEqualsIgnoreCase": _Operator(_folded, _folded, operator.eq, negated=True, equality=True),
    "StringLike": _Operator(_text, _glob, _pattern_matches, glob=True),
    "StringNotLike": _Operator(_text, _glob, _pattern_matches, negated=True, glob=True),
    "NumericEquals": _Operator(_number, _number, operator.eq),
    "NumericNotEquals": _Operator(_number, _number, operator.eq, negated=True),
    "NumericLessThan": _Operator(_number, _number, operator.lt),
    "NumericLessThanEquals": _Operator(_number, _number, operator.le),
    "NumericGreaterThan": _Operator(_number, _number, operator.gt),
    "NumericGreaterThanEquals": _Operator(_number, _number, operator.ge),
    "DateEquals": _Operator(_instant, _instant, operator.eq, equality=True),
    "DateNotEquals": _Operator(_instant, _instant, operator.eq, negated=True, equality=True),
    "DateLessThan": _Operator(_instant, _instant, operator.lt),
    "DateLessThanEquals": _Operator(_instant, _instant, operator.le),
    "DateGreaterThan": _Operator(_instant, _instant, operator.gt),
    "DateGreaterThanEquals": _Operator(_instant, _instant, operator.ge),
    "Bool": _Operator(_boolean, _boolean, operator.eq, equality=True),
    "BinaryEquals": _Operator(_text, _text, operator.eq, equality=True),
    "IpAddress": _Operator(_address, _network, _in_network),
    "NotIpAddress": _Operator(_address, _network, _in_network, negated=True),
    "ArnEquals": _Operator(_arn_value, _arn_pattern, _pattern_matches, glob=True),
    "ArnLike": _Operator(_arn_value, _arn_pattern, _pattern_matches, glob=True),
    "ArnNotEquals": _Operator(_arn_value, _arn_pattern, _pattern_matches, negated=True, glob=True),
    "ArnNotLike": _Operator(_arn_value, _arn_pattern, _pattern_matches, negated=True, glob=True),
}


def _null_pair(request_value: str, policy_value: str) -> bool:
    """``Null`` for a key that is present (it has ``request_value``): true only for policy value ``false``."""
    return isinstance(policy_value, str) and policy_value.lower() == "false"


# base operator name -> function(request_value, policy_value) -> bool. For negated operators the function
# is the per-value negated test: combine with any() over policy values for positive operators, all() for
# negated ones (NOR, §2.1).
OPERATORS: dict[str, Callable[[str, str], bool]] = {name: spec.pair for name, spec in _OPERATORS.items()}
OPERATORS["Null"] = _null_pair
NEGATED_OPERATORS: frozenset[str] = frozenset(name for name, spec in _OPERATORS.items() if spec.negated)


# ------------------------------------------------------------------------------------------ compiling

_ValueTest = Callable[[str], bool]
# A per-value test whose policy values hold variables: bound to each request's context before use.
_BoundTest = Callable[[Context], _ValueTest]
_Check = Callable[[tuple[str, ...] | None, Context], bool]


def _never(_request: str) -> bool:
    return False


def _membership_test(request_form: Callable[[str], Any], members: frozenset, negated: bool) -> _ValueTest:
    """An equality operator as one set lookup (the hot path of StringEquals and friends)."""
    if request_form is _text:
        if negated:
            return lambda request: type(request) is str and request not in members
        return members.__contains__
    if negated:

        def outside(request: str) -> bool:
            form = request_form(request)
            return form is not None and form not in members

        return outside
    return lambda request: request_form(request) in members


def _static_test(spec: _Operator, values: tuple[str, ...]) -> _ValueTest:
    """The per-request-value test for policy values without variables, with policy forms parsed once:
    true when any policy value matches (positive) or none does (negated, NOR)."""
    forms = [spec.policy_form(_escape_backslashes(value) if spec.glob else value) for value in values]
    if spec.negated and any(form is None for form in forms):
        return _never
    valid = [form for form in forms if form is not None]
    request_form, test, negated = spec.request_form, spec.test, spec.negated
    if spec.equality:
        return _membership_test(request_form, frozenset(valid), negated)

    if len(valid) == 1:
        policy = valid[0]

        def one_pair(request: str) -> bool:
            form = request_form(request)
            return form is not None and test(form, policy) != negated

        return one_pair

    def any_pair(request: str) -> bool:
        form = request_form(request)
        if form is None:
            return False
        for policy in valid:
            if test(form, policy):
                return not negated
        return negated

    return any_pair


def _variable_pair(spec: _Operator, request: Any, value: str, context: Context) -> bool:
    """One policy value holding variables against one (parsed) request value.

    An unresolved variable makes the pair false for positive operators and true for negated ones
    (§2.2, D-VARS, H); a resolved value that cannot be read (a bad ARN pattern) is false either way.
    """
    text = _fill(_template(value), context, spec.glob)
    if text is None:
        return spec.negated
    policy = spec.policy_form(text)
    return policy is not None and spec.test(request, policy) != spec.negated


def _variable_test(spec: _Operator, values: tuple[str, ...]) -> _BoundTest:
    """The per-request-value test when some policy values hold variables, resolved against each
    context; the values without variables are parsed once, as in ``_static_test``."""
    templated = tuple(value for value in values if "${" in value)
    static = _static_test(spec, tuple(value for value in values if "${" not in value))
    # The static values alone decide when they match (positive) or when one of them matches (negated).
    decided_by_static = not spec.negated

    def bind(context: Context) -> _ValueTest:
        def pairs(request: str) -> bool:
            if static(request) == decided_by_static:
                return decided_by_static
            form = spec.request_form(request)
            if form is None:
                return False
            outcomes = (_variable_pair(spec, form, value, context) for value in templated)
            return all(outcomes) if spec.negated else any(outcomes)

        return pairs

    return bind


def _value_test(condition: Condition, variables: bool) -> tuple[_ValueTest | None, _BoundTest | None]:
    """The test one request value must pass: (static test, None), or (None, test to bind per request)
    when the policy values hold variables."""
    spec = _OPERATORS.get(condition.base)
    if spec is None:
        return _never, None
    family_takes_variables = condition.base.startswith(_VARIABLE_FAMILIES)
    if variables and family_takes_variables and any("${" in value for value in condition.values):
        return None, _variable_test(spec, condition.values)
    return _static_test(spec, condition.values), None


def _absent_result(condition: Condition) -> bool:
    """The condition's value when its key is absent (§2.2 missing-key table, D-OPS/D-MULTI, H)."""
    if condition.if_exists:
        return True
    if condition.qualifier == _FOR_ALL:
        return True
    if condition.qualifier == _FOR_ANY:
        return False
    return condition.base in NEGATED_OPERATORS


def _null_check(condition: Condition) -> _Check:
    """``Null``: ``true`` holds when the key is absent, ``false`` when present (§2.3, D-OPS, H; F10)."""
    lowered = [value.lower() for value in condition.values]
    expects_absent = tuple(value == "true" for value in lowered if value in _BOOLEANS)
    return lambda values, context: (not values) in expects_absent


def _set_check(qualifier: str, if_absent: bool, test: _ValueTest | None, bind: _BoundTest | None) -> _Check:
    """ForAnyValue (some request value passes) or ForAllValues (every one does) (§2.3, D-MULTI, H; F11)."""
    combine = any if qualifier == _FOR_ANY else all

    def check(values: tuple[str, ...] | None, context: Context) -> bool:
        if not values:
            return if_absent
        return combine(map(test or bind(context), values))

    return check


def _single_check(if_absent: bool, multivalued: bool, test: _ValueTest | None, bind: _BoundTest | None) -> _Check:
    """An unqualified operator: one request value; a multivalued key never matches (F12)."""

    def check(values: tuple[str, ...] | None, context: Context) -> bool:
        if not values:
            return if_absent
        if multivalued or len(values) != 1:
            return False
        return (test or bind(context))(values[0])

    return check


def _compile(condition: Condition, variables: bool) -> _Check:
    """The check for one condition: its truth given the key's values (None/empty: absent) and the context."""
    if condition.base == "Null":
        return _null_check(condition)
    test, bind = _value_test(condition, variables)
    if_absent = _absent_result(condition)
    if condition.qualifier in (_FOR_ANY, _FOR_ALL):
        return _set_check(condition.qualifier, if_absent, test, bind)
    multivalued = condition.key.lower() in MULTIVALUED_KEYS
    return _single_check(if_absent, multivalued, test, bind)


def _never_holds(values: object, context: Context) -> bool:
    return False


_Block = tuple[tuple[str, str, _Check], ...]


def _compile_block(conditions: tuple[Condition, ...], variables: bool) -> _Block:
    """(lower-cased key, key as written, check) per condition; a malformed one never holds."""
    block: list[tuple[str, str, _Check]] = []
    for condition in conditions:
        key = getattr(condition, "key", "")
        key = key if isinstance(key, str) else str(key)
        try:
            check = _compile(condition, variables)
        except (TypeError, ValueError, AttributeError):
            check = _never_holds
        block.append((key.lower(), key, check))
    return tuple(block)


# Compiled blocks by identity of the conditions tuple, one table per `variables` setting; each entry keeps
# its tuple alive so the id cannot be reused while cached.
_BlockTable = dict[int, tuple[tuple[Condition, ...], _Block]]
_literal_blocks: _BlockTable = {}
_variable_blocks: _BlockTable = {}


def _compiled_block(conditions: tuple[Condition, ...], variables: bool) -> _Block:
    """The compiled form of a condition block, built once per tuple object."""
    table = _variable_blocks if variables else _literal_blocks
    entry = table.get(id(conditions))
    if entry is not None and entry[0] is conditions:
        return entry[1]
    if len(table) >= _COMPILED_CACHE_SIZE:
        table.clear()
    block = _compile_block(tuple(conditions), bool(variables))
    table[id(conditions)] = (conditions, block)
    return block


def conditions_match(
    conditions: tuple[Condition, ...], context: Context, *, variables: bool
) -> tuple[bool, tuple[str, ...]]:
    """Evaluate a statement's ``Condition`` block against a request context.

    Operators and keys combine with AND; values of one key with OR for positive operators and NOR for
    negated ones (§2.1, D-MULTI, H). Missing keys follow §2.2 (negated and ``…IfExists`` true, positive
    false, ``ForAllValues`` true, ``ForAnyValue`` false, ``Null`` by presence; an empty value set counts as
    absent, F10). A multivalued key without a set qualifier never matches (F12); ``"key": []`` makes a
    positive operator false and a negated one true (F9). ``variables`` (Version 2012-10-17 only, §2.4)
    enables ``${…}`` in String, Arn and Bool values. ``context`` keys must be lower-cased
    (``make_context``). Returns (all conditions true, keys absent from the context as written in the
    policy, without duplicates). Malformed context data makes a condition false; never raises.
    """
    try:
        block = _compiled_block(conditions, variables)
    except TypeError:  # not a sequence of conditions: malformed, so it never holds
        return False, ()
    result = True
    absent: list[str] = []
    for key, written_key, check in block:
        values = context.get(key)
        if type(values) is str:  # tolerate a bare string where the contract asks for a tuple
            values = (values,)
        if not values and written_key not in absent:
            absent.append(written_key)
        if result:
            try:
                result = check(values, context)
            except (TypeError, ValueError, AttributeError, ArithmeticError):
                result = False
    return result, tuple(absent)
