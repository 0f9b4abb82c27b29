"""The Check model and reading check definitions.

``Check``, ``CheckOutcome`` and ``CheckError``; ``CHECKS``, the arguments each check takes; ``parse_check`` and
``parse_checks``, which validate every argument once and name the JSON path of the first fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from ..errors import WorldError
from ..world_model import split_iam_arn

OUTSIDER_ACCOUNT: Final = "999999999999"  # the stranger every "is it public?" probe calls from
CHECK_SESSION: Final = "lab-check"  # the session name of the sessions checks open
DECIDERS: Final = ("scp", "rcp", "boundary", "session", "identity", "resource", "trust", "explicit-deny")
ANSWER_KINDS: Final = ("principal", "chain", "role", "session")
SERVICES: Final = {"ec2": "ec2.amazonaws.com", "lambda": "lambda.amazonaws.com"}
_ACCOUNT = re.compile(r"\d{12}")
_ROOT = re.compile(r"arn:[a-z-]+:iam::(\d{12}):root")
_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")


class CheckError(WorldError):
    """A check definition (or a lab step) that is not well formed; ``json_path`` names the place."""

    default_code = "InvalidCheck"


@dataclass(frozen=True)
class Check:
    """One parsed check: its ``name`` (a key of ``CHECKS``), its validated arguments and where it was defined."""

    name: str
    args: Mapping[str, Any]
    where: str = "check"

    def principals(self) -> Iterator[tuple[str, str]]:
        """``(json path, ARN)`` of each user and role the check names, which the lab's world must hold."""
        for key in ("caller", "principal"):
            value = self.args.get(key)
            if isinstance(value, str) and value.startswith("arn:"):
                yield f"{self.where}.{key}", value
        for key in ("role", "session_of"):
            if isinstance(self.args.get(key), str):
                yield f"{self.where}.{key}", self.args[key]
        for index, hop in enumerate(self.args.get("via") or ()):
            yield f"{self.where}.via[{index}]", hop["role"]


@dataclass(frozen=True)
class CheckOutcome:
    """What one check came to: ``passed``, and ``explanation``, one or two sentences in plain words."""

    check: str
    passed: bool
    explanation: str


@dataclass(frozen=True)
class _Spec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # exactly one of these keys must be given


_ASSUME_OPTIONS: Final = ("external_id", "mfa", "source_identity", "context", "duration", "session_name", "policy")
_FILTER_KEYS: Final = ("action", "event_name", "resource", "principal", "role", "from", "error", "account")
CHECKS: Final[dict[str, _Spec]] = {
    "can_assume": _Spec(("caller", "role"), (*_ASSUME_OPTIONS, "via", "claims")),
    "cannot_assume": _Spec(("caller", "role"), (*_ASSUME_OPTIONS, "via", "claims", "denied_by")),
    "request_allowed": _Spec(
        ("action", "resource"), ("caller", "session_of", "via", "claims", "context"), ("caller", "session_of")
    ),
    "request_denied": _Spec(
        ("action", "resource"),
        ("caller", "session_of", "via", "claims", "context", "decided_by"),
        ("caller", "session_of"),
    ),
    "session_max_duration": _Spec(("role", "seconds", "caller"), ("via", "claims", "external_id", "mfa", "exact")),
    "requires_external_id": _Spec(("role", "from_account", "external_id")),
    "trust_not_public": _Spec(("role",)),
    "least_privilege": _Spec(("role", "needed", "forbidden"), ("context",)),
    "event_exists": _Spec((), (*_FILTER_KEYS, "min_count")),
    "session_revoked": _Spec(("session",), ("action", "resource")),
    "answer": _Spec(("kind", "event")),
    "reached": _Spec(("principal", "action", "resource"), ("replay",)),
    "can_pass_role": _Spec(("caller", "role", "service"), ("function",)),
    "cannot_pass_role": _Spec(("caller", "role", "service"), ("function",)),
}


def parse_checks(data: object, where: str = "check") -> tuple[Check, ...]:
    """A task's ``check`` list as ``Check``s; raises ``CheckError`` naming the path of the first bad one."""
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list) or not data:
        raise CheckError("A task's check is a list of one or more checks.", json_path=where)
    return tuple(parse_check(item, f"{where}[{index}]") for index, item in enumerate(data))


def parse_check(data: object, where: str = "check") -> Check:
    """One check, ``{name: {arguments}}``, validated; raises ``CheckError`` at ``where`` (or below it)."""
    if not isinstance(data, Mapping) or len(data) != 1:
        raise CheckError("A check is one name with its arguments, such as {can_assume: {…}}.", json_path=where)
    ((name, args),) = data.items()
    spec = CHECKS.get(name) if isinstance(name, str) else None
    if spec is None:
        known = ", ".join(CHECKS)
        raise CheckError(f"Unknown check {str(name)[:60]!r}; the checks are {known}.", json_path=where)
    where = f"{where}.{name}"
    args = {} if args is None else args
    if not isinstance(args, Mapping):
        raise CheckError(f"The arguments of {name} are a mapping of names to values.", json_path=where)
    for key in args:
        if key not in spec.required and key not in spec.optional:
            allowed = ", ".join((*spec.required, *spec.optional)) or "none"
            raise CheckError(f"{name} takes no argument {str(key)[:60]!r} (it takes {allowed}).", json_path=where)
    for key in spec.required:
        if args.get(key) is None:
            raise CheckError(f"{name} needs {key!r}.", json_path=f"{where}.{key}")
    if spec.one_of and sum(args.get(k) is not None for k in spec.one_of) != 1:
        raise CheckError(f"{name} needs exactly one of {' or '.join(spec.one_of)}.", json_path=where)
    parsed = {key: _ARGUMENTS[key](value, f"{where}.{key}") for key, value in args.items() if value is not None}
    _check_combinations(name, parsed, where)
    return Check(name, MappingProxyType(parsed), where)


def _check_combinations(name: str, args: dict[str, Any], where: str) -> None:
    web = str(args.get("caller", "")).startswith("web_identity:")
    if web and "claims" not in args:
        raise CheckError("A web identity caller needs the token's claims.", json_path=f"{where}.claims")
    if "claims" in args and not web:
        raise CheckError("claims are for a web_identity:PROVIDER_ARN caller only.", json_path=f"{where}.claims")
    if name.startswith("request_") and web and not args.get("via"):
        raise CheckError("A web identity makes requests only through a role: add via.", json_path=f"{where}.via")
    if name == "event_exists" and not args:
        raise CheckError("event_exists needs at least one filter, such as action.", json_path=where)
    if name.endswith("pass_role") and args["caller"].startswith(("service:", "web_identity:")):
        raise CheckError("Only an IAM user or a role session passes a role.", json_path=f"{where}.caller")


def _text(value: object, where: str, *, limit: int = 2048) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise CheckError("Expected text.", json_path=where)
    text = str(value).strip()
    if len(text) > limit:
        raise CheckError(f"Expected text of at most {limit} characters.", json_path=where)
    return text


def _caller(value: object, where: str) -> str:
    text = _text(value, where)
    if text.startswith(("service:", "web_identity:")) or text == "anonymous" or _ROOT.fullmatch(text):
        return text
    parts = split_iam_arn(text)
    if parts is None or parts[2] != "user":
        raise CheckError(
            f"{text[:80]} is not a caller: use a user or root ARN, service:NAME or web_identity:PROVIDER_ARN.",
            json_path=where,
        )
    return text


def _role(value: object, where: str) -> str:
    text = _text(value, where)
    parts = split_iam_arn(text)
    if parts is None or parts[2] != "role":
        raise CheckError(f"{text[:80]} is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME).", json_path=where)
    return text


def _account(value: object, where: str) -> str:
    text = str(value).zfill(12) if isinstance(value, int) and not isinstance(value, bool) else _text(value, where)
    if not _ACCOUNT.fullmatch(text):
        raise CheckError(f"{text[:40]} is not a 12-digit account id.", json_path=where)
    return text


def _action(value: object, where: str) -> str:
    text = _text(value, where, limit=200)
    if not _ACTION.fullmatch(text):
        raise CheckError(f"{text[:80]} is not an action such as s3:GetObject.", json_path=where)
    return text


def _seconds(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 900 <= value <= 43_200:
        raise CheckError("Expected a number of seconds from 900 to 43200.", json_path=where)
    return value


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise CheckError("Expected true or false.", json_path=where)
    return value


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise CheckError("Expected a mapping of names to values.", json_path=where)
    return MappingProxyType(dict(value))


def _choice(options: Sequence[str]) -> Callable[[object, str], str]:
    def read(value: object, where: str) -> str:
        text = _text(value, where, limit=60)
        if text not in options:
            raise CheckError(f"Expected one of {', '.join(options)}, not {text!r}.", json_path=where)
        return text

    return read


def _via(value: object, where: str) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list) or not value or len(value) > 10:
        raise CheckError("via is a list of 1 to 10 roles, each an ARN or {role: ARN, …options}.", json_path=where)
    hops = []
    for index, hop in enumerate(value):
        at = f"{where}[{index}]"
        if isinstance(hop, str):
            hop = {"role": hop}
        if not isinstance(hop, Mapping) or "role" not in hop:
            raise CheckError("Each hop of via is a role ARN or {role: ARN, …}.", json_path=at)
        unknown = sorted(str(k) for k in hop if k != "role" and k not in _ASSUME_OPTIONS)
        if unknown:
            raise CheckError(f"A hop of via takes no {unknown[0]!r}.", json_path=f"{at}.{unknown[0]}")
        hops.append(MappingProxyType({k: _ARGUMENTS[k](v, f"{at}.{k}") for k, v in hop.items() if v is not None}))
    return tuple(hops)


def _pairs(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """``needed``/``forbidden``: a list of ``{action, resource}`` (or ``[action, resource]``)."""
    if not isinstance(value, list) or not value or len(value) > 50:
        raise CheckError("Expected a list of 1 to 50 {action, resource} pairs.", json_path=where)
    pairs = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        if isinstance(item, list) and len(item) == 2:
            item = {"action": item[0], "resource": item[1]}
        if not isinstance(item, Mapping) or set(item) != {"action", "resource"}:
            raise CheckError("Each entry is {action, resource}.", json_path=at)
        pairs.append((_action(item["action"], f"{at}.action"), _text(item["resource"], f"{at}.resource")))
    return tuple(pairs)


def _filter(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise CheckError(f"An event filter is a mapping of {', '.join(_FILTER_KEYS)}.", json_path=where)
    unknown = sorted(str(k) for k in value if k not in _FILTER_KEYS)
    if unknown:
        raise CheckError(f"An event filter has no key {unknown[0]!r}.", json_path=f"{where}.{unknown[0]}")
    return MappingProxyType({k: _ARGUMENTS[k](v, f"{where}.{k}") for k, v in value.items() if v is not None})


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise CheckError("Expected a count from 1 to 1000.", json_path=where)
    return value


def _service(value: object, where: str) -> str:
    text = _text(value, where, limit=60)
    service = SERVICES.get(text) or (text if text in SERVICES.values() else None)
    if service is None:
        raise CheckError("service is ec2 or lambda.", json_path=where)
    return service


def _session_ref(value: object, where: str) -> str:
    text = _text(value, where)
    if not (text.startswith("arn:") and ":assumed-role/" in text):
        raise CheckError("Expected a role session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME).", json_path=where)
    return text


def _principal(value: object, where: str) -> str:
    return _caller(value, where)


_ARGUMENTS: Final[dict[str, Callable[[object, str], Any]]] = {
    "caller": _caller,
    "principal": _principal,
    "role": _role,
    "session_of": _role,
    "via": _via,
    "claims": _mapping,
    "context": _mapping,
    "policy": _mapping,
    "external_id": lambda v, w: _text(v, w, limit=1224),
    "source_identity": lambda v, w: _text(v, w, limit=64),
    "session_name": lambda v, w: _text(v, w, limit=64),
    "mfa": _flag,
    "duration": _seconds,
    "seconds": _seconds,
    "exact": _flag,
    "replay": _flag,
    "denied_by": _choice(DECIDERS),
    "decided_by": _choice(DECIDERS),
    "action": _action,
    "resource": _text,
    "from_account": _account,
    "account": _account,
    "needed": _pairs,
    "forbidden": _pairs,
    "event_name": lambda v, w: _text(v, w, limit=128),
    "from": _principal,
    "error": lambda v, w: _text(v, w, limit=128),
    "min_count": _count,
    "session": _session_ref,
    "kind": _choice(ANSWER_KINDS),
    "event": _filter,
    "service": _service,
    "function": lambda v, w: _text(v, w, limit=64),
}
