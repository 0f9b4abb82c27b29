"""AWS catalogues the engine consults: managed policies and the IAM action/condition-key reference.

Owns reading the two data files built by ``scripts/build_catalogues.py`` (AWS managed policy documents
by ARN; services with actions, access levels, resource types and condition-key types) and answering
small look-ups on them. Each file is read and indexed once, on first use. Standard library only.
"""

from __future__ import annotations

import copy
import functools
import gzip
import itertools
import json
from bisect import bisect_left
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

from iamtutor.engine.data.global_keys import GLOBAL_KEY_PREFIXES, GLOBAL_KEY_TYPES
from iamtutor.engine.errors import EngineError, ParameterError
from iamtutor.engine.matching import Matcher, compile_glob

_ACTIONS_FILE = "actions.json.gz"
_MANAGED_POLICIES_FILE = "managed_policies.json.gz"
_MAX_LIMIT = 1000
_MAX_CHAR = chr(0x10FFFF)  # sorts after every character a catalogue name can contain


class CatalogueError(EngineError):
    """A catalogue file is missing or unreadable (a packaging fault, never the learner's)."""

    default_code = "CatalogueUnavailable"
    default_status = 500


@dataclass(frozen=True, slots=True)
class ManagedPolicyInfo:
    """What the catalogue knows about one AWS managed policy besides its document.

    ``type`` is ``"iam"`` for IAM managed policies, ``"scp"`` / ``"rcp"`` for the Organizations
    defaults. ``description``, ``version_id``, ``created`` and ``updated`` are ``None`` when the
    source package does not carry them.
    """

    name: str
    arn: str
    type: str
    path: str
    description: str | None
    version_id: str | None
    created: str | None
    updated: str | None


class _Action(NamedTuple):  # a named tuple: 22,000 of them are built on first use
    name: str  # canonical "s3:GetObject"
    access_level: str  # list | read | write | tagging | permissions-management
    resource_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Service:
    name: str
    actions: dict[str, _Action]  # lower-cased action name (without prefix) -> action
    resources: dict[str, str]  # resource type -> ARN format


@dataclass(frozen=True, slots=True)
class _ActionCatalogue:
    source: dict[str, str]
    services: dict[str, _Service]  # lower-cased prefix -> service
    sorted_lower: tuple[str, ...]  # every "service:action", lower-cased, sorted
    canonical: dict[str, str]  # lower-cased "service:action" -> canonical spelling
    key_types: dict[str, str]  # lower-cased exact condition key -> type
    key_templates: tuple[tuple[str, str], ...]  # (glob, type) for keys with ${…} parts


@dataclass(frozen=True, slots=True)
class _PolicyCatalogue:
    source: dict[str, str]
    by_arn: dict[str, dict]
    sorted_names: tuple[str, ...]  # lower-cased names, sorted
    sorted_arns: tuple[str, ...]  # the ARN of each name above


# --- loading ---------------------------------------------------------------------------------------


def _read_data_file(name: str) -> dict:
    """Decompresses and decodes one catalogue file shipped with this package."""
    try:
        raw = resources.files(__name__).joinpath(name).read_bytes()
        return json.loads(gzip.decompress(raw))
    except (OSError, EOFError, ValueError) as exc:
        raise CatalogueError(f"The catalogue {name} could not be read: {exc}") from None


@functools.cache
def _actions() -> _ActionCatalogue:
    data = _read_data_file(_ACTIONS_FILE)
    services: dict[str, _Service] = {}
    canonical: dict[str, str] = {}
    for prefix, entry in data["services"].items():
        actions = {}
        for name, (level, resource_types) in entry["actions"].items():
            action = _Action(f"{prefix}:{name}", level, tuple(resource_types))
            actions[name.lower()] = action
            canonical[action.name.lower()] = action.name
        services[prefix.lower()] = _Service(entry["name"], actions, dict(entry["resources"]))
    key_types, templates = _index_condition_keys(data["condition_keys"])
    return _ActionCatalogue(
        source=data["source"],
        services=services,
        sorted_lower=tuple(sorted(canonical)),
        canonical=canonical,
        key_types=key_types,
        key_templates=templates,
    )


def _index_condition_keys(keys: dict[str, str]) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Splits condition keys into exact keys and templates such as ``s3:ExistingObjectTag/${TagKey}``."""
    exact: dict[str, str] = {}
    templates = []
    for key, key_type in keys.items():
        if "${" in key:
            templates.append((_template_to_glob(key.lower()), key_type))
        else:
            exact.setdefault(key.lower(), key_type)
    return exact, tuple(templates)


@functools.cache
def _key_template_matchers() -> tuple[tuple[Matcher, str], ...]:
    """The templates compiled to matchers, on the first look-up that needs them."""
    return tuple((compile_glob(glob), key_type) for glob, key_type in _actions().key_templates)


def _template_to_glob(key: str) -> str:
    """``aws:RequestTag/${TagKey}`` -> ``aws:RequestTag/?*``: each placeholder stands for 1+ characters."""
    parts = []
    rest = key
    while "${" in rest:
        head, _, tail = rest.partition("${")
        parts.append(head + "?*")
        rest = tail.partition("}")[2]
    parts.append(rest)
    return "".join(parts)


@functools.cache
def _policies() -> _PolicyCatalogue:
    data = _read_data_file(_MANAGED_POLICIES_FILE)
    by_arn = {p["arn"]: p for p in data["policies"]}
    pairs = sorted((p["name"].lower(), p["arn"]) for p in data["policies"])
    return _PolicyCatalogue(
        source=data["source"],
        by_arn=by_arn,
        sorted_names=tuple(name for name, _ in pairs),
        sorted_arns=tuple(arn for _, arn in pairs),
    )


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ParameterError("limit must be a whole number of 0 or more.")
    return min(limit, _MAX_LIMIT)


def _prefix_range(sorted_keys: tuple[str, ...], prefix: str) -> range:
    """Positions in the sorted ``sorted_keys`` of the keys that start with ``prefix`` (binary search)."""
    start = bisect_left(sorted_keys, prefix)
    return range(start, bisect_left(sorted_keys, prefix + _MAX_CHAR, lo=start))


# --- managed policies ------------------------------------------------------------------------------


def managed_policy_document(arn: str) -> dict | None:
    """The default-version document of the AWS managed policy with this exact ARN, or ``None``.

    ``arn`` is matched case-sensitively (``arn:aws:iam::aws:policy/ReadOnlyAccess``,
    ``arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole``, or an Organizations
    default such as ``arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess``).
    Returns a fresh copy the caller may change. Raises ``CatalogueError`` only if the data is missing.
    """
    if not isinstance(arn, str):
        return None
    entry = _policies().by_arn.get(arn)
    return copy.deepcopy(entry["document"]) if entry else None


def managed_policy_info(arn: str) -> ManagedPolicyInfo | None:
    """Name, path, type, description and version of the AWS managed policy ``arn``, or ``None``."""
    if not isinstance(arn, str):
        return None
    entry = _policies().by_arn.get(arn)
    if entry is None:
        return None
    return ManagedPolicyInfo(
        name=entry["name"],
        arn=entry["arn"],
        type=entry["type"],
        path=entry["path"],
        description=entry["description"],
        version_id=entry["version"],
        created=entry["created"],
        updated=entry["updated"],
    )


def managed_policy_arn(name: str) -> str | None:
    """The ARN of the AWS managed policy called ``name`` (case-insensitive), or ``None``."""
    if not isinstance(name, str):
        return None
    catalogue = _policies()
    for i in _prefix_range(catalogue.sorted_names, name.lower()):
        if catalogue.sorted_names[i] == name.lower():
            return catalogue.sorted_arns[i]
    return None


def managed_policy_names(prefix: str = "", limit: int = 50, *, type: str | None = None) -> list[str]:
    """Names of AWS managed policies starting with ``prefix`` (case-insensitive), sorted.

    At most ``limit`` names (never more than 1,000); ``type`` narrows to ``"iam"``, ``"scp"`` or
    ``"rcp"`` policies. Raises ``ParameterError`` for a ``limit`` that is not a whole number ≥ 0;
    non-string prefixes find nothing.
    """
    limit = _check_limit(limit)
    if not isinstance(prefix, str):
        return []
    catalogue = _policies()
    entries = (
        catalogue.by_arn[catalogue.sorted_arns[i]] for i in _prefix_range(catalogue.sorted_names, prefix.lower())
    )
    return [e["name"] for e in itertools.islice((e for e in entries if type in (None, e["type"])), limit)]


# --- services and actions --------------------------------------------------------------------------


def _split_action(action: object) -> tuple[_Service | None, str] | None:
    """(service or None if unknown, lower-cased action name) for ``"svc:Name"``; None if not that shape."""
    if not isinstance(action, str) or action.count(":") != 1:
        return None
    prefix, name = action.split(":")
    return _actions().services.get(prefix.lower()), name.lower()


def known_service(prefix: str) -> bool:
    """True when ``prefix`` (case-insensitive, e.g. ``"s3"``) is a service prefix in the catalogue."""
    return isinstance(prefix, str) and prefix.lower() in _actions().services


def service_name(prefix: str) -> str | None:
    """The service's full name (``"s3"`` -> ``"Amazon S3"``), or ``None`` for an unknown prefix."""
    service = _actions().services.get(prefix.lower()) if isinstance(prefix, str) else None
    return service.name if service else None


def known_action(action: str) -> bool | None:
    """Whether ``action`` names at least one real action.

    Case-insensitive (§1.4 D-ACT). A pattern with ``*``/``?`` in the name part counts as known when it
    matches at least one action of its service. Returns ``None`` when the service prefix is unknown
    (or contains a wildcard) and ``False`` for text that is not of the form ``service:action``.
    """
    split = _split_action(action)
    if split is None:
        return False
    service, name = split
    if service is None:
        return None
    if "*" in name or "?" in name:
        matches = compile_glob(name)
        return any(matches(candidate) for candidate in service.actions)
    return name in service.actions


def canonical_action(action: str) -> str | None:
    """The catalogue's spelling of ``action`` (``"S3:getobject"`` -> ``"s3:GetObject"``), or ``None``."""
    return _actions().canonical.get(action.lower()) if isinstance(action, str) else None


def access_level(action: str) -> str | None:
    """``list``, ``read``, ``write``, ``tagging`` or ``permissions-management``; ``None`` if unknown."""
    split = _split_action(action)
    if split is None or split[0] is None:
        return None
    found = split[0].actions.get(split[1])
    return found.access_level if found else None


def action_names(prefix: str = "", limit: int = 50) -> list[str]:
    """Canonical action names starting with ``prefix`` (case-insensitive, e.g. ``"s3:Get"``).

    For autocomplete: sorted case-insensitively, at most ``limit`` names (never more than 1,000).
    Raises ``ParameterError`` for a ``limit`` that is not a whole number ≥ 0.
    """
    limit = _check_limit(limit)
    if not isinstance(prefix, str):
        return []
    catalogue = _actions()
    keys = catalogue.sorted_lower
    return [catalogue.canonical[keys[i]] for i in _prefix_range(keys, prefix.lower())[:limit]]


def expand_action_pattern(pattern: str) -> list[str]:
    """Every catalogued action an ``Action`` pattern matches (``*``, ``?``; case-insensitive), sorted.

    ``"*"`` expands to every action; a wildcard in the service part (``"s*:List*"``) is matched against
    every service. Matching is linear-time per candidate (``matching.compile_glob``). Text that is not
    ``*`` or ``service:pattern`` expands to ``[]``.
    """
    if not isinstance(pattern, str) or (pattern != "*" and ":" not in pattern):
        return []
    catalogue = _actions()
    service_part = pattern.partition(":")[0].lower()
    if pattern == "*" or "*" in service_part or "?" in service_part:
        candidates = catalogue.sorted_lower
    else:
        service = catalogue.services.get(service_part)
        candidates = sorted(a.name.lower() for a in service.actions.values()) if service else []
    matches = compile_glob(pattern.lower())
    return [catalogue.canonical[c] for c in candidates if matches(c)]


def actions_without_resource_types(service: str) -> list[str]:
    """Actions of ``service`` that name no resource type, so only ``"Resource": "*"`` covers them.

    E.g. ``s3:ListAllMyBuckets`` (§1.5, F18). Sorted; ``[]`` for an unknown service.
    """
    found = _actions().services.get(service.lower()) if isinstance(service, str) else None
    if found is None:
        return []
    return sorted((a.name for a in found.actions.values() if not a.resource_types), key=str.lower)


def resource_types(service: str) -> dict[str, str]:
    """Resource types of ``service`` with their ARN formats.

    E.g. ``{"bucket": "arn:${Partition}:s3:::${BucketName}", …}``; ``{}`` for an unknown service.
    """
    found = _actions().services.get(service.lower()) if isinstance(service, str) else None
    return dict(found.resources) if found else {}


# --- condition keys --------------------------------------------------------------------------------


def condition_key_type(key: str) -> str | None:
    """The documented type of a condition key, case-insensitive, or ``None`` when it is not catalogued.

    Types use the Service Authorization Reference's spelling: ``String``, ``ARN``, ``Bool``, ``Date``,
    ``Numeric``, ``IPAddress``, ``ArrayOfString``, ``ArrayOfARN``, ``ArrayOfBool``… Global ``aws:`` keys
    come from ``global_keys.py`` (D-GKEYS); tag keys such as ``aws:PrincipalTag/team`` are String.
    """
    if not isinstance(key, str) or not key:
        return None
    lowered = key.lower()
    if lowered in GLOBAL_KEY_TYPES:
        return GLOBAL_KEY_TYPES[lowered]
    for prefix, key_type in GLOBAL_KEY_PREFIXES:
        if lowered.startswith(prefix) and len(lowered) > len(prefix):
            return key_type
    catalogue = _actions()
    if lowered in catalogue.key_types:
        return catalogue.key_types[lowered]
    return next((key_type for matches, key_type in _key_template_matchers() if matches(lowered)), None)


def is_multivalued_key(key: str) -> bool:
    """True when the key's type is an ``ArrayOf…`` type (``aws:TagKeys``, ``aws:CalledVia``…) (§2.3 D-SVM)."""
    key_type = condition_key_type(key)
    return key_type is not None and key_type.startswith("ArrayOf")


def catalogue_sources() -> dict[str, dict[str, str]]:
    """Where each catalogue came from: ``{"actions": {"package", "version", …}, "managed_policies": {…}}``."""
    return {"actions": dict(_actions().source), "managed_policies": dict(_policies().source)}
