"""Wildcard matching for the policy language: actions, resources, ARN operators and principals.

Owns the `*`/`?` glob (linear time, no backtracking regex, cached), the per-element matching rules
of §1.4–§1.6 and how a ``Principal`` entry matches a caller (§4.1 fact 6). What a match *means* for the
decision is ``evaluate.py``'s business; condition operators built on these matchers live in ``conditions.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from iamtutor.engine.policy import PrincipalSpec
from iamtutor.engine.principals import Caller

Matcher = Callable[[str], bool]
PrincipalMatch = Literal["direct", "role", "account"]

# Bounded caches: a policy set holds a few thousand distinct patterns at most; more than this and the
# least recently used compiled matchers are dropped and rebuilt on demand.
_GLOB_CACHE_SIZE = 8192
_ARN_CACHE_SIZE = 4096

# An ARN has six colon-separated components; the last (the resource part) may contain ':' (§1.5, D-RES, H).
_ARN_COMPONENTS = 6
# How a principal entry matched, strongest first: a direct grant is never limited by boundaries or session
# policies, a role grant is, an account grant only delegates to identity policies (§4.1 fact 6, D-EVAL, H).
_MATCH_STRENGTH: dict[str | None, int] = {"direct": 3, "role": 2, "account": 1, None: 0}
# Unique-id prefixes a Principal shows once the named entity is deleted (§1.6, D-PRIN, D-IDS, H).
_USER_ID_PREFIX = "AIDA"
_ROLE_ID_PREFIX = "AROA"
# Callers that belong to an AWS account and can therefore match "AWS" principal entries.
_ACCOUNT_CALLER_TYPES = frozenset({"root", "user", "assumed_role", "federated_user"})
_ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)


def _always(_value: str) -> bool:
    return True


def _never(_value: str) -> bool:
    return False


# ---------------------------------------------------------------------------------------------- globs


class _Segment:
    """A run of a glob pattern between two `*`s: literal text with optional single-character `?` holes."""

    __slots__ = ("length", "literal", "regex")

    def __init__(self, pieces: list[str]) -> None:
        self.length = sum(map(len, pieces)) + len(pieces) - 1
        self.literal = pieces[0] if len(pieces) == 1 else None
        # With no quantifiers, this regex can only ever try one alignment per start position: no backtracking.
        self.regex = None if self.literal is not None else re.compile(".".join(map(re.escape, pieces)), re.DOTALL)

    def match_at(self, value: str, position: int) -> bool:
        """Whether the segment occurs in ``value`` starting exactly at ``position``."""
        if self.literal is not None:
            return value.startswith(self.literal, position)
        return self.regex.match(value, position) is not None

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost start of the segment lying wholly inside ``value[start:end]``, or -1."""
        if self.literal is not None:
            return value.find(self.literal, start, end)
        found = self.regex.search(value, start, end)
        return -1 if found is None else found.start()


def _split_pattern(pattern: str, escaped: bool) -> list[list[str]]:
    """Split a glob into segments (between `*`s), each a list of literal pieces (between `?`s).

    With ``escaped``, a backslash makes the next character literal (used for substituted policy variables
    such as ``${*}``); a trailing lone backslash is literal.
    """
    if not escaped:
        return [segment.split("?") for segment in pattern.split("*")]
    segments: list[list[str]] = [[]]
    piece: list[str] = []
    characters = iter(pattern)
    for char in characters:
        if char == "\\":
            piece.append(next(characters, "\\"))
        elif char == "*":
            segments[-1].append("".join(piece))
            segments.append([])
            piece = []
        elif char == "?":
            segments[-1].append("".join(piece))
            piece = []
        else:
            piece.append(char)
    segments[-1].append("".join(piece))
    return segments


def _build_matcher(segments: list[_Segment]) -> Matcher:
    """The whole-string matcher for ``first * middle… * last``, placing middles leftmost-first.

    Segments have fixed lengths, so the leftmost placement of each middle segment never rules out a
    match that a later placement would allow: one left-to-right pass decides, in linear time.
    """
    first, middles, last = segments[0], [s for s in segments[1:-1] if s.length], segments[-1]
    minimum = first.length + last.length + sum(segment.length for segment in middles)
    if all(segment.literal is not None for segment in segments):
        return _literal_matcher(first.literal, [s.literal for s in middles], last.literal, minimum)

    def matches(value: str) -> bool:
        end = len(value) - last.length
        if len(value) < minimum or not first.match_at(value, 0) or not last.match_at(value, end):
            return False
        position = first.length
        for segment in middles:
            found = segment.find(value, position, end)
            if found < 0:
                return False
            position = found + segment.length
        return True

    return matches


def _literal_matcher(first: str, middles: list[str], last: str, minimum: int) -> Matcher:
    """``_build_matcher`` for patterns without ``?``: plain string searches only (the common, hot case)."""
    if not middles:
        return lambda value: len(value) >= minimum and value.startswith(first) and value.endswith(last)
    start = len(first)

    def matches(value: str) -> bool:
        if len(value) < minimum or not value.startswith(first) or not value.endswith(last):
            return False
        position, end = start, len(value) - len(last)
        for middle in middles:
            found = value.find(middle, position, end)
            if found < 0:
                return False
            position = found + len(middle)
        return True

    return matches


def _glob_matcher(pattern: str, escaped: bool) -> Matcher:
    """Compile ``pattern`` (already case-normalised) into a case-sensitive whole-string matcher."""
    if pattern == "*":
        return _always
    pieces = _split_pattern(pattern, escaped)
    if len(pieces) == 1 and len(pieces[0]) == 1:
        literal = pieces[0][0]
        return lambda value: value == literal
    if len(pieces) == 2 and pieces[1] == [""] and len(pieces[0]) == 1:
        prefix = pieces[0][0]
        return lambda value: value.startswith(prefix)
    segments = [_Segment(piece) for piece in pieces]
    if len(segments) == 1:
        regex = segments[0].regex
        return lambda value: regex.fullmatch(value) is not None
    return _build_matcher(segments)


@lru_cache(maxsize=_GLOB_CACHE_SIZE)
def _compile_glob(pattern: str, ignore_case: bool, escaped: bool) -> Matcher:
    if not ignore_case:
        return _glob_matcher(pattern, escaped)
    inner = _glob_matcher(pattern.lower(), escaped)
    return lambda value: inner(value.lower())


def compile_glob(pattern: str, *, ignore_case: bool = False, escaped: bool = False) -> Matcher:
    """Compile an IAM wildcard pattern into a whole-string matcher ``matcher(value) -> bool``.

    ``*`` matches any run of characters (including none, ``/`` and ``:``), ``?`` exactly one character
    (§1.4, §1.5, §2.3 D-OPS, H). ``ignore_case`` compares lower-cased text (actions, §1.4). With
    ``escaped``, a backslash makes the next character literal, so a substituted ``${*}`` stays a plain star.
    No backtracking: each ``*``-free segment is placed once, leftmost, so matching is linear in the value
    (times the segment length where ``?`` occurs); compiled matchers are cached (bounded). A pattern that
    is not a string gives a matcher that never matches. The matcher expects a ``str``.
    """
    if not isinstance(pattern, str):
        return _never
    return _compile_glob(pattern, ignore_case, escaped)


def escape_glob(text: str) -> str:
    """``text`` with ``\\``, ``*`` and ``?`` escaped, for use as a literal inside an ``escaped=True`` glob."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


# ------------------------------------------------------------------------------------ actions, ARNs


def match_action(pattern: str, action: str) -> bool:
    """Whether an ``Action``/``NotAction`` entry covers ``action`` (e.g. ``s3:GetObject``).

    Case-insensitive in both the service prefix and the name, with ``*``/``?`` wildcards; ``*`` alone covers
    every action (§1.4, D-ACT, H). Returns False for non-string input; never raises.
    """
    if not isinstance(pattern, str) or not isinstance(action, str):
        return False
    return _compile_glob(pattern, True, False)(action)


@dataclass(frozen=True, slots=True)
class Arn:
    """The six fields of an ARN, ``arn:partition:service:region:account:resource`` (§1.5, D-RES, H).

    ``resource`` keeps its own colons and slashes (``role/path/Name``, ``assumed-role/Role/session``).
    """

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        """The resource part up to its first ``/`` or ``:`` (``role``, ``assumed-role``, ``user``…)."""
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]

    @property
    def resource_id(self) -> str:
        """The resource part after its type (``Role/session`` of ``assumed-role/Role/session``); the whole
        resource part when it has no type (an S3 bucket)."""
        parts = re.split(r"[/:]", self.resource, maxsplit=1)
        return parts[1] if len(parts) == 2 else self.resource

    @property
    def name(self) -> str:
        """The last segment of the resource part: a role's or user's name without its path."""
        return re.split(r"[/:]", self.resource)[-1]


def parse_arn(value: object) -> Arn | None:
    """``value`` as an ``Arn``, or None when it is not a string of six colon-separated fields."""
    parts = _arn_components(value) if isinstance(value, str) else None
    return Arn(*parts[1:]) if parts is not None else None


def _arn_components(value: str) -> list[str] | None:
    """The six components of an ARN value (the resource part keeps its colons), or None if not an ARN."""
    parts = value.split(":", _ARN_COMPONENTS - 1)
    if len(parts) < _ARN_COMPONENTS or parts[0] != "arn":
        return None
    return parts


def _components_matcher(parts: list[str], escaped: bool) -> Callable[[list[str]], bool]:
    """A matcher over six value components, each globbed separately and case-sensitively."""
    matchers = [compile_glob(part, escaped=escaped) for part in parts]
    checks = [(index, matcher) for index, matcher in enumerate(matchers) if matcher is not _always]

    def matches(components: list[str]) -> bool:
        for index, matcher in checks:  # noqa: SIM110 - a plain loop is ~2x faster than all() on this hot path
            if not matcher(components[index]):
                return False
        return True

    return matches


@lru_cache(maxsize=_ARN_CACHE_SIZE)
def _compile_arn(pattern: str, escaped: bool) -> Matcher:
    parts = pattern.split(":", _ARN_COMPONENTS - 1)
    if len(parts) < _ARN_COMPONENTS:
        return _never
    components_match = _components_matcher(parts, escaped)

    def matches(value: str) -> bool:
        components = _arn_components(value)
        return components is not None and components_match(components)

    return matches


def compile_arn(pattern: str, *, escaped: bool = False) -> Matcher:
    """Compile an ``ArnLike`` policy value into ``matcher(value) -> bool`` (cached); see ``match_arn``."""
    if not isinstance(pattern, str):
        return _never
    return _compile_arn(pattern, escaped)


def match_arn(pattern: str, value: str, *, escaped: bool = False) -> bool:
    """``ArnLike``/``ArnEquals`` for one policy value against one request value.

    Each of the six colon-separated components is matched separately, case-sensitively, with ``*``/``?``;
    a ``*`` in the resource part spans ``/`` and ``:`` but no earlier component swallows the next (§2.3
    D-OPS, H; S28). A request value that is not an ARN, or a pattern with fewer than six components, never
    matches (M, iam-simulate). Returns False for non-string input; never raises.
    """
    if not isinstance(pattern, str) or not isinstance(value, str):
        return False
    return _compile_arn(pattern, escaped)(value)


def _padded_resource_pattern(pattern: str, pad_short: bool) -> list[str] | None:
    """The six components of a ``Resource`` pattern, padding a short wildcard ARN with ``*`` (F4)."""
    parts = pattern.split(":", _ARN_COMPONENTS - 1)
    if len(parts) == _ARN_COMPONENTS:
        return parts
    if pad_short and ("*" in pattern or "?" in pattern):
        return parts + ["*"] * (_ARN_COMPONENTS - len(parts))
    return None


def _has_literal_head(pattern: str, parts: list[str]) -> bool:
    """Whether an unpadded ARN pattern's first five components are plain text (no wildcard or escape)."""
    head = pattern[: len(pattern) - len(parts[-1])]
    return (
        len(parts[-1]) < len(pattern)
        and parts[0] == "arn"
        and ":".join(parts[:-1]) + ":" == head
        and not any(char in head for char in "*?\\")
    )


@lru_cache(maxsize=_ARN_CACHE_SIZE)
def _compile_resource(pattern: str, pad_short: bool, escaped: bool) -> Matcher:
    if pattern == "*":
        return _always
    whole = compile_glob(pattern, escaped=escaped)
    parts = _padded_resource_pattern(pattern, pad_short)
    if parts is None:
        return lambda resource: _arn_components(resource) is None and whole(resource)
    if _has_literal_head(pattern, parts):
        # A literal head `arn:p:s:r:a:` only matches that same head, so one whole-string glob decides.
        return whole
    components_match = _components_matcher(parts, escaped)

    def matches(resource: str) -> bool:
        components = _arn_components(resource)
        if components is None:
            return whole(resource)
        return components_match(components)

    return matches


def compile_resource(pattern: str, *, pad_short: bool = True, escaped: bool = False) -> Matcher:
    """Compile a ``Resource``/``NotResource`` entry into ``matcher(resource_arn) -> bool`` (cached).

    Semantics as ``match_resource`` except the request resource ``*`` (see there). Never raises.
    """
    if not isinstance(pattern, str):
        return _never
    return _compile_resource(pattern, pad_short, escaped)


def match_resource(
    pattern: str,
    resource: str,
    *,
    pad_short: bool = True,
    escaped: bool = False,
    star_needs_star: bool = True,
) -> bool:
    """Whether a ``Resource``/``NotResource`` entry covers the request's resource.

    Case-sensitive (§1.5, D-RES, H). ``*`` alone covers everything. Otherwise the partition, service,
    region and account components are globbed separately, and the resource part as a whole, where ``*``
    spans ``/`` and ``:`` (S26, S27). A pattern with fewer than six components (F4) is padded with ``*``
    when it holds a wildcard and ``pad_short`` is true (identity-style policies); otherwise it never matches
    an ARN (pass ``pad_short=False`` for resource policies). A request resource that is not an ARN is matched
    against the whole pattern. The request resource ``*`` (actions without resource-level permissions) is
    covered only by the pattern ``*`` (F18 default); with ``star_needs_star=False`` also by any ARN pattern
    whose resource part is ``*`` (the reading of D-EVAL's example). Returns False for non-string input.
    """
    if not isinstance(pattern, str) or not isinstance(resource, str):
        return False
    if resource == "*" and pattern != "*":
        parts = pattern.split(":", _ARN_COMPONENTS - 1)
        return not star_needs_star and len(parts) == _ARN_COMPONENTS and parts[-1] == "*"
    return _compile_resource(pattern, pad_short, escaped)(resource)


# --------------------------------------------------------------------------------------- principals


def _partition(caller: Caller) -> str:
    """The partition of the caller's ARN (``aws`` unless the ARN says otherwise)."""
    arn = caller.arn if isinstance(caller.arn, str) else ""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def _account_entry_matches(entry: str, caller: Caller) -> bool:
    """Whether an account id or ``arn:…:iam::ACCT:root`` entry names the caller's account."""
    if not caller.account:
        return False
    if _ACCOUNT_ID.fullmatch(entry):
        return entry == caller.account
    return entry == f"arn:{_partition(caller)}:iam::{caller.account}:root"


def _unique_id_match(entry: str, caller: Caller) -> PrincipalMatch | None:
    """How a bare unique id (``AIDA…`` user, ``AROA…`` role) matches the caller, if at all."""
    unique_id = caller.unique_id or ""
    if entry.startswith(_USER_ID_PREFIX) and caller.type == "user" and entry == unique_id:
        return "direct"
    if entry.startswith(_ROLE_ID_PREFIX) and caller.type == "assumed_role":
        return "role" if entry == unique_id.split(":", 1)[0] else None
    return None


def _aws_entry_match(entry: str, caller: Caller) -> PrincipalMatch | None:
    """How one ``"AWS"`` principal entry matches the caller (§1.6, §4.1 fact 6, D-PRIN/D-EVAL, H)."""
    if caller.type not in _ACCOUNT_CALLER_TYPES:
        return None
    if _account_entry_matches(entry, caller):
        return "account"
    if entry == caller.arn:
        return "direct"
    if caller.type == "assumed_role" and entry == caller.role_arn:
        return "role"
    if caller.type == "federated_user" and entry == caller.user_arn:
        return "role"
    return _unique_id_match(entry, caller)


def _named_match(entries: tuple[str, ...], name: str | None, *, ignore_case: bool) -> bool:
    """Whether a ``Service``/``Federated`` entry list names ``name``."""
    if not name:
        return False
    if ignore_case:
        name = name.lower()
        return any(isinstance(entry, str) and entry.lower() == name for entry in entries)
    return name in entries


def match_principal(spec: PrincipalSpec, caller: Caller) -> PrincipalMatch | None:
    """How a ``Principal``/``NotPrincipal`` element matches ``caller``, or None when no entry does.

    Returns ``"direct"`` for the wildcard (``*``/``{"AWS":"*"}``, which also covers anonymous callers), the
    caller's own user/session/federated-user ARN, a ``Service`` entry naming the calling service, a
    ``Federated`` entry naming a web-identity caller's provider, or a user's unique id; ``"role"`` for the
    role ARN (or ``AROA…`` id) of a role session and the user ARN behind a federated-user session;
    ``"account"`` for the caller's account id or ``arn:aws:iam::ACCT:root``. Entries are OR-ed and the
    strongest match wins (§1.6, §4.1 fact 6; D-PRIN, D-EVAL, H). ARNs compare case-sensitively (F3).
    Partial wildcards are never wildcards (§1.6). Never raises.
    """
    if not isinstance(spec, PrincipalSpec) or not isinstance(caller, Caller):
        return None
    if spec.wildcard or "*" in spec.aws:
        return "direct"
    if caller.type == "service":
        named = _named_match(spec.service, caller.service or caller.arn, ignore_case=True)
        return "direct" if named else None
    if caller.type == "web_identity":
        named = _named_match(spec.federated, caller.provider or caller.arn, ignore_case=False)
        return "direct" if named else None
    best: PrincipalMatch | None = None
    for entry in spec.aws:
        found = _aws_entry_match(entry, caller) if isinstance(entry, str) else None
        if _MATCH_STRENGTH[found] > _MATCH_STRENGTH[best]:
            best = found
    return best
