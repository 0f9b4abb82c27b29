"""A fuzz run over the policy parser and the world loader: every input loads or is refused, nothing crashes.

``python -m iamtutor.engine fuzz --count 100000 --seed 1`` generates documents, feeds each to its entry
points and counts how each ended: *loaded* (accepted), *refused* (an ``EngineError``, as the engine promises)
or *crashed* (any other exception, a bug). Crashes are grouped by exception and place; the first few
reproducers are printed as Python literals, ready to paste into ``tests/engine/test_hostile.py``.

Documents come from three generators, chosen at random for each document:

- *mutated seeds*: valid policies and worlds (the scenario corpus in ``tests/scenarios``, AWS managed
  policies from the catalogue, a few built in) with a node replaced, removed, duplicated, retyped, deeply
  nested or given hostile text (NUL, surrogates, huge numbers);
- *text mutations*: a seed's JSON text with characters inserted, deleted or replaced, truncated, URL-encoded
  or turned into invalid UTF-8 bytes;
- *random JSON*: objects and arrays built from the policy and world-format vocabulary.

Standard library only (``random``), like the rest of the engine, so a run repeats exactly for a seed;
``tests/engine/test_hostile.py`` drives the same targets with Hypothesis strategies.
"""

from __future__ import annotations

import copy
import json
import random
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TextIO

from .errors import EngineError

POLICY_KINDS: Final = ("identity", "trust", "resource", "boundary", "scp", "rcp", "session")
DEFAULT_CORPUS: Final = Path(__file__).resolve().parents[2] / "tests" / "scenarios"
SHOWN_REPRODUCERS: Final = 5
_REPRO_CHARS: Final = 2000  # a reproducer longer than this is printed cut, with its length

_KEYS: Final = (
    # policy grammar
    "Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition", "AWS", "Service", "Federated", "CanonicalUser",
    "StringEquals", "StringLike", "ArnLike", "NumericLessThan", "DateGreaterThan", "Bool", "IpAddress",
    "ForAnyValue:StringEquals", "ForAllValues:StringLike", "StringEqualsIfExists", "Null", "BinaryEquals",
    # world format
    "clock", "partition", "organization", "accounts", "sessions", "events", "alias", "UserDetailList",
    "GroupDetailList", "RoleDetailList", "Policies", "resources", "identity_providers", "quotas", "RoleName",
    "UserName", "GroupName", "PolicyName", "Path", "Arn", "RoleId", "AssumeRolePolicyDocument",
    "RolePolicyList", "PolicyDocument", "AttachedManagedPolicies", "PolicyArn", "PermissionsBoundary",
    "MaxSessionDuration", "Tags", "Key", "Value", "Description", "PolicyVersionList", "Document", "VersionId",
    "IsDefaultVersion", "DefaultVersionId", "type", "arn", "policy", "tags", "scps", "rcps", "ous", "targets",
    "document", "name", "id", "issued_at", "expires_at", "session_name", "claims", "MFADevices", "AccessKeys",
)  # fmt: skip
_STRINGS: Final = (
    "", "*", "?", "2012-10-17", "2008-10-17", "Allow", "Deny", "allow", "s3:GetObject", "s3:*", "sts:AssumeRole",
    "iam:PassRole", "arn:aws:s3:::bucket/*", "arn:aws:iam::111111111111:root", "arn:aws:iam::111111111111:role/r",
    "arn:aws:iam::aws:policy/ReadOnlyAccess", "111111111111", "ec2.amazonaws.com", "${aws:username}",
    "${aws:PrincipalTag/team}", "aws:SourceIp", "10.0.0.0/8", "2026-01-01T09:00:00Z", "true", "/", "/a/b/",
    "a\x00b", "a\ud800b", "\udfff", "\U0001f600", "é", "\u00a0", "\t\n\r", "%7B%22Version%22%3A%22", "\\u0000",
    "x" * 3000, "arn:aws:iam::111111111111:role/" + "a" * 64, "o-exampleorgid", "r-ab12", "ou-ab12-11111111",
)  # fmt: skip
_NUMBERS: Final = (
    0, 1, -1, 3600, 43200, 2**31, 2**63, 10**30, 10**400, -(10**400), 10**5000, 0.5, -0.0, 1e308, 1e-308, float("nan"),
    float("inf"), float("-inf"), True, False,
)  # fmt: skip
_TEXT_SNIPPETS: Final = (
    "[" * 2000, "{" * 2000, '{"a":' * 500, "9" * 5000, "1e99999", "-", '"', "\\", "\\u", "\\ud800", "\\u0000",
    "\x00", "\ud800", "NaN", "Infinity", "null", "true", ",", ":", "}", "]", "%", "%00", "%ZZ", "\ufeff",
    '"Statement":', '"Version":"2012-10-17"', '{"Effect":"Allow"}', '"Condition":{"StringLike":{"a":"*"}}',
)  # fmt: skip


@dataclass
class Crash:
    """One kind of crash (exception type and place) with its first reproducer and how often it happened."""

    target: str
    error: str
    where: str
    reproducer: object
    count: int = 1


@dataclass
class FuzzReport:
    """What a fuzz run tried and how each document ended."""

    seed: int
    tried: int = 0
    loaded: int = 0
    refused: int = 0
    crashed: int = 0
    seconds: float = 0.0
    by_target: dict[str, list[int]] = field(default_factory=dict)  # target -> [tried, loaded, refused, crashed]
    crashes: dict[tuple[str, str, str], Crash] = field(default_factory=dict)

    def record(self, target: str, outcome: str) -> None:
        counts = self.by_target.setdefault(target, [0, 0, 0, 0])
        index = {"loaded": 1, "refused": 2, "crashed": 3}[outcome]
        counts[0] += 1
        counts[index] += 1

    def add_document(self, outcome: str) -> None:
        self.tried += 1
        setattr(self, outcome, getattr(self, outcome) + 1)


# ---- targets: the entry points a document goes through; each loads, is refused (EngineError) or crashes -----------


def _policy_target(document: object, kind: str) -> Iterator[tuple[str, Callable[[], object]]]:
    from .policy import iter_policy_problems, parse_policy

    yield f"parse_policy[{kind}]", lambda: parse_policy(document, kind)  # type: ignore[arg-type]
    yield f"iter_policy_problems[{kind}]", lambda: list(iter_policy_problems(document, kind))  # type: ignore[arg-type]


def _world_target(document: object) -> Iterator[tuple[str, Callable[[], object]]]:
    from .scenario import load_world, parse_scenario_text
    from .world import World

    if isinstance(document, str):
        yield "parse_scenario_text+load_world", lambda: load_world(parse_scenario_text(document)["world"], seed=0)
    else:
        yield "World.from_dict+to_dict", lambda: World.from_dict(World.from_dict(document).to_dict())
        yield "World.from_dict(lazy)+to_dict", lambda: World.from_dict(document, lazy=True).to_dict()


def run_one(report: FuzzReport, family: str, document: object, kind: str = "identity") -> str:
    """Feeds ``document`` to every entry point of ``family`` ("policy" or "world"); records and returns the
    worst outcome: "crashed" if any entry point raised something other than ``EngineError``."""
    targets = _policy_target(document, kind) if family == "policy" else _world_target(document)
    worst = "loaded"
    for target, call in targets:
        try:
            call()
            outcome = "loaded"
        except EngineError:
            outcome = "refused"
        except Exception as exc:
            outcome = "crashed"
            _remember(report, target, exc, document)
        report.record(target, outcome)
        if outcome == "crashed" or (outcome == "refused" and worst == "loaded"):
            worst = outcome
    report.add_document(worst)
    return worst


def _remember(report: FuzzReport, target: str, exc: Exception, document: object) -> None:
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    where = f"{Path(last.filename).name}:{last.lineno} in {last.name}" if last else "?"
    key = (target, type(exc).__name__, where)
    if key in report.crashes:
        report.crashes[key].count += 1
    else:
        report.crashes[key] = Crash(target, f"{type(exc).__name__}: {str(exc)[:200]}", where, document)


# ---- seeds ----------------------------------------------------------------------------------------------------


@dataclass
class Seeds:
    """Valid documents to mutate: policies (with their kind) and worlds."""

    policies: list[tuple[object, str]]
    worlds: list[dict]


_BUILT_IN_POLICIES: Final = (
    (
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
        "identity",
    ),
    (
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"sts:ExternalId": "x1"},
                        "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    },
                }
            ],
        },
        "trust",
    ),
    (
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*", "Condition": {"Null": {"a": "x"}}}
            ],
        },
        "scp",
    ),
)
_BUILT_IN_WORLD: Final = {
    "clock": "2026-01-01T09:00:00Z",
    "accounts": {
        "111111111111": {
            "RoleDetailList": [
                {
                    "RoleName": "r",
                    "Description": "A role",
                    "Tags": [{"Key": "team", "Value": "blue"}],
                    "AssumeRolePolicyDocument": _BUILT_IN_POLICIES[1][0],
                    "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": _BUILT_IN_POLICIES[0][0]}],
                }
            ]
        }
    },
}
_DOCUMENT_KINDS: Final = {
    "AssumeRolePolicyDocument": "trust",
    "PolicyDocument": "identity",
    "Document": "identity",
    "policy": "resource",
    "document": "scp",
}


def load_seeds(corpus: Path | None = DEFAULT_CORPUS, *, managed: int = 40) -> Seeds:
    """The built-in seeds, every world (and the policies inside it) of ``corpus``'s JSON scenario files, and
    ``managed`` AWS managed policies from the catalogue. A missing corpus directory is skipped."""
    policies: list[tuple[object, str]] = list(_BUILT_IN_POLICIES)
    worlds: list[dict] = [_BUILT_IN_WORLD]
    if corpus is not None and corpus.is_dir():
        for path in sorted(corpus.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            world = data.get("world", data) if isinstance(data, dict) else None
            if isinstance(world, dict) and "accounts" in world:
                worlds.append(world)
                policies.extend(_policies_in(world))
    policies.extend(_managed_seeds(managed))
    return Seeds(policies, worlds)


def _policies_in(value: object) -> Iterator[tuple[object, str]]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if key in _DOCUMENT_KINDS and isinstance(item, dict | str):
                    yield item, _DOCUMENT_KINDS[key]
                else:
                    stack.append(item)
        elif isinstance(node, list):
            stack.extend(node)


def _managed_seeds(count: int) -> list[tuple[object, str]]:
    from .data import managed_policy_arn, managed_policy_document, managed_policy_names

    seeds: list[tuple[object, str]] = []
    for name in managed_policy_names(limit=count) if count else []:
        arn = managed_policy_arn(name)
        document = managed_policy_document(arn) if arn else None
        if document is not None:
            seeds.append((document, "identity"))
    return seeds


# ---- generators -------------------------------------------------------------------------------------------------


class Generator:
    """Makes fuzz documents from seeds with a seeded ``random.Random``; the same seed gives the same run."""

    def __init__(self, seeds: Seeds, seed: int) -> None:
        self.seeds = seeds
        self.rng = random.Random(seed)
        self._texts = {id(d): json.dumps(d) for d, _ in seeds.policies} | {id(w): json.dumps(w) for w in seeds.worlds}

    def next(self) -> tuple[str, object, str]:
        """``(family, document, kind)``: family "policy" or "world"; kind is the policy type to parse as."""
        rng = self.rng
        family = "policy" if rng.random() < 0.6 else "world"
        kind = rng.choice(POLICY_KINDS)
        if family == "policy":
            base, seed_kind = rng.choice(self.seeds.policies)
            kind = seed_kind if rng.random() < 0.5 else kind
        else:
            base = rng.choice(self.seeds.worlds)
        how = rng.random()
        if how < 0.65:
            document: object = self.mutate_tree(base)
            if family == "policy" and rng.random() < 0.5:
                document = self.dumps(document)
        elif how < 0.9:
            document = self.mutate_text(self.dumps(base))
            if family == "policy" and rng.random() < 0.15:
                document = self.to_bytes(document)  # type: ignore[arg-type]
        else:
            document = self.random_value(depth=0)
            if rng.random() < 0.3:
                document = self.dumps(document)
        return family, document, kind

    # ---- structure -----------------------------------------------------------------------------------------------

    def mutate_tree(self, base: object) -> object:
        tree = json.loads(self._texts[id(base)])  # a fresh copy, faster than copy.deepcopy
        for _ in range(self.rng.choice((1, 1, 1, 1, 2, 3, 5))):
            tree = self._mutate_once(tree)
        if self.rng.random() < 0.08:  # deep nesting last: later mutations would copy it recursively
            nodes = [n for n in _containers(tree) if n]
            if nodes:
                parent = self.rng.choice(nodes)
                key = self.rng.choice(list(parent.keys()) if isinstance(parent, dict) else range(len(parent)))
                parent[key] = self._nest(parent[key], self.rng.choice((63, 64, 65, 200, 900, 5000)))
        return tree

    def _mutate_once(self, tree: object) -> object:
        rng = self.rng
        nodes = list(_containers(tree))
        if not nodes:
            return self.random_value(depth=0)
        parent = rng.choice(nodes)
        keys = list(parent.keys()) if isinstance(parent, dict) else list(range(len(parent)))
        op = rng.random()
        if not keys or op < 0.15:  # add something
            value = self.random_value(depth=2)
            if isinstance(parent, dict):
                parent[rng.choice(_KEYS) if rng.random() < 0.8 else self.random_string()] = value
            else:
                parent.insert(rng.randint(0, len(parent)), value)
            return tree
        key = rng.choice(keys)
        if op < 0.3:
            del parent[key]
        elif op < 0.45:
            parent[key] = self.random_scalar()
        elif op < 0.55:
            parent[key] = self.random_value(depth=1)
        elif op < 0.65:
            parent[key] = self._nest(parent[key], rng.choice((2, 5, 10)))
        elif op < 0.75 and isinstance(parent[key], str):
            parent[key] = self._hostile_text(parent[key])
        elif op < 0.85:
            parent[key] = [parent[key], copy.deepcopy(parent[key])] if rng.random() < 0.5 else {"x": parent[key]}
        else:
            other = rng.choice(nodes)
            if other is not parent and not _contains(parent[key], other):
                parent[key] = copy.deepcopy(other)
        return tree

    def _nest(self, value: object, depth: int) -> object:
        for _ in range(depth):
            value = [value] if self.rng.random() < 0.5 else {"a": value}
        return value

    def _hostile_text(self, text: str) -> str:
        at = self.rng.randint(0, len(text))
        return text[:at] + self.rng.choice(("\x00", "\ud800", "\udc00", "\U0001f600", "\x7f", "\xa0", "\t")) + text[at:]

    # ---- text --------------------------------------------------------------------------------------------------

    def dumps(self, value: object) -> str:
        try:
            return json.dumps(value, ensure_ascii=self.rng.random() < 0.5, indent=self.rng.choice((None, 2)))
        except (ValueError, TypeError, RecursionError):  # NaN is written as NaN; too deep or too long falls here
            return "[" * 5000

    def mutate_text(self, text: str) -> str:
        rng = self.rng
        for _ in range(rng.choice((1, 1, 2, 3, 8))):
            at = rng.randint(0, len(text))
            op = rng.random()
            if op < 0.3:
                text = text[:at] + rng.choice(_TEXT_SNIPPETS) + text[at:]
            elif op < 0.5:
                text = text[:at] + text[at + rng.randint(1, 20) :]
            elif op < 0.7:
                char = chr(rng.choice((0, 9, 10, 13, 32, 34, 44, 58, 91, 92, 93, 123, 125, 0xFF, 0x100, 0xD800)))
                text = text[:at] + char + text[at + 1 :]
            elif op < 0.8:
                text = text[:at]
            elif op < 0.9:
                text = text.replace('"', "'", 1) if rng.random() < 0.5 else text.replace(":", "::", 1)
            else:
                from urllib.parse import quote

                text = quote(text[:5000], errors="surrogatepass")
        return text

    def to_bytes(self, text: str) -> bytes:
        data = text.encode("utf-8", "surrogatepass")
        at = self.rng.randint(0, len(data))
        return (
            data[:at] + self.rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00")) + data[at:]
        )

    # ---- random JSON ---------------------------------------------------------------------------------------

    def random_value(self, depth: int) -> object:
        rng = self.rng
        roll = rng.random()
        if depth > 4 or roll < 0.45:
            return self.random_scalar()
        if roll < 0.75:
            return {
                (rng.choice(_KEYS) if rng.random() < 0.85 else self.random_string()): self.random_value(depth + 1)
                for _ in range(rng.randint(0, 5))
            }
        return [self.random_value(depth + 1) for _ in range(rng.randint(0, 4))]

    def random_scalar(self) -> object:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return rng.choice(_STRINGS)
        if roll < 0.75:
            return rng.choice(_NUMBERS)
        if roll < 0.95:
            return self.random_string()
        return None

    def random_string(self) -> str:
        rng = self.rng
        alphabet = rng.choice(("ascii", "latin", "any"))
        length = rng.choice((0, 1, 2, 5, 20, 130, 1100))
        if alphabet == "ascii":
            return "".join(rng.choices(_ASCII, k=length))
        if alphabet == "latin":
            return rng.randbytes(length).decode("latin-1")
        return "".join(map(chr, rng.choices(_ANY_CODE_POINT, k=min(length, 40))))


_ASCII: Final = "".join(map(chr, range(32, 127)))
_ANY_CODE_POINT: Final = range(0x110000)


def _containers(tree: object) -> Iterator[dict | list]:
    stack, seen = [tree], 0
    while stack and seen < 5000:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            yield node
            stack.extend(node)


def _contains(value: object, target: object) -> bool:
    return any(node is target for node in _containers(value))


# ---- the run ------------------------------------------------------------------------------------------------------


def fuzz(count: int, seed: int, *, corpus: Path | None = DEFAULT_CORPUS, progress: TextIO | None = None) -> FuzzReport:
    """Generates ``count`` documents from ``seed`` and runs each through its targets; returns the report."""
    generator = Generator(load_seeds(corpus), seed)
    report = FuzzReport(seed=seed)
    started = time.perf_counter()
    for number in range(1, count + 1):
        family, document, kind = generator.next()
        run_one(report, family, document, kind)
        if progress is not None and number % 10000 == 0:
            print(f"  {number:,} documents, {report.crashed} crashed", file=progress, flush=True)
    report.seconds = time.perf_counter() - started
    return report


def format_report(report: FuzzReport, *, shown: int = SHOWN_REPRODUCERS) -> str:
    """The run as text: totals, a line per target, then each kind of crash with its first reproducer."""
    lines = [
        f"fuzz seed {report.seed}: {report.tried:,} documents tried in {report.seconds:.1f} s: "
        f"{report.loaded:,} loaded, {report.refused:,} refused with an engine error, {report.crashed:,} crashed",
        "",
        f"{'target':<40} {'calls':>9} {'loaded':>9} {'refused':>9} {'crashed':>8}",
    ]
    for target, (tried, loaded, refused, crashed) in sorted(report.by_target.items()):
        lines.append(f"{target:<40} {tried:>9,} {loaded:>9,} {refused:>9,} {crashed:>8,}")
    for number, crash in enumerate(report.crashes.values(), start=1):
        if number > shown:
            lines.append(f"... and {len(report.crashes) - shown} more kinds of crash")
            break
        lines += ["", f"crash {number}: {crash.target}: {crash.error} at {crash.where} ({crash.count}x)"]
        lines.append("  reproducer: " + _reproducer(crash.reproducer))
    return "\n".join(lines) + "\n"


def _reproducer(document: object) -> str:
    try:
        text = repr(document)
    except (ValueError, RecursionError):  # an int too long to print, or nesting too deep for repr
        text = f"<{type(document).__name__} that cannot be printed>"
    if len(text) > _REPRO_CHARS:
        return f"{text[:_REPRO_CHARS]}... ({len(text):,} characters)"
    return text


def report_dict(report: FuzzReport) -> dict[str, Any]:
    """The run as JSON-ready data (for ``--json``)."""
    return {
        "seed": report.seed,
        "tried": report.tried,
        "loaded": report.loaded,
        "refused": report.refused,
        "crashed": report.crashed,
        "seconds": round(report.seconds, 2),
        "targets": {
            t: dict(zip(("calls", "loaded", "refused", "crashed"), c, strict=True)) for t, c in report.by_target.items()
        },
        "crashes": [
            {
                "target": c.target,
                "error": c.error,
                "where": c.where,
                "count": c.count,
                "reproducer": _reproducer(c.reproducer),
            }
            for c in report.crashes.values()
        ],
    }


__all__ = ["FuzzReport", "Generator", "format_report", "fuzz", "load_seeds", "report_dict", "run_one"]
