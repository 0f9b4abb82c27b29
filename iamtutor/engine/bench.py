"""Benchmarks of the engine: decision rate, world loading, hostile wildcards, a large ``simulate`` run, the
first use of each catalogue and the parse time of a typical policy.

Owns the synthetic workloads, the timing (medians of several runs on one core) and the report printed by
``python -m iamtutor.engine bench``. It measures the public engine functions as the site and the CLI call
them; it changes nothing in them.
"""

from __future__ import annotations

import gc
import json
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

# Targets from the engine contract (issue 3).
TARGET_DECISIONS_PER_SECOND: Final = 50_000
TARGET_LOAD_SECONDS: Final = 1.0
TARGET_LOAD_MB: Final = 200.0
TARGET_HOSTILE_MS: Final = 1.0
TARGET_CATALOGUE_SECONDS: Final = 0.5  # loading and indexing a catalogue on first use (issue brief)
TARGET_PARSE_MS: Final = 1.0  # one typical policy document ("well under a millisecond")
TARGET_SIMULATE_STEPS_PER_SECOND: Final = 25_000  # request steps decided per second (issue 9: at the least)

ACCOUNT: Final = "111111111111"
_SERVICES: Final = ("ec2", "dynamodb", "sqs", "lambda", "kms", "sns", "logs", "ssm", "secretsmanager", "ecr")
_VERBS: Final = ("Get", "Put", "List", "Describe", "Delete", "Create", "Update", "Send", "Invoke", "Tag")

# Workload sizes: (full run, --quick).
_SIZES: Final[dict[str, tuple[int, int]]] = {
    "decisions": (20_000, 2_000),  # evaluations per timed run
    "runs": (5, 3),  # timed runs (median)
    "roles": (1_000, 200),
    "policies": (5_000, 1_000),
    "hostile_runs": (201, 21),
    "steps": (20_000, 2_000),
    "catalogue_runs": (5, 1),  # fresh interpreters per catalogue (median)
    "parses": (2_000, 200),  # parse_policy calls per timed run
}


def run_benchmarks(*, quick: bool = False) -> dict[str, Any]:
    """Runs every benchmark and returns JSON-ready results with their targets and verdicts.

    ``quick`` shrinks the workloads (for smoke tests); verdicts are then indicative only.
    """
    size = {name: pair[1] if quick else pair[0] for name, pair in _SIZES.items()}
    return {
        "python": platform.python_version(),
        "quick": quick,
        "decisions": bench_decisions(size["decisions"], size["runs"]),
        "load": bench_load(size["roles"], size["policies"], size["runs"]),
        "hostile_wildcard": bench_hostile_wildcard(size["hostile_runs"]),
        "simulate": bench_simulate(size["steps"]),
        "catalogues": bench_catalogues(size["catalogue_runs"]),
        "parse": bench_parse(size["parses"], size["runs"]),
    }


# ---- (a) decisions per second ---------------------------------------------------------------------------------------


def decision_policies() -> list[dict[str, Any]]:
    """Ten identity policies of five conditional statements each (50 statements), across ten services."""
    policies = []
    for p, service in enumerate(_SERVICES):
        statements = []
        for s in range(5):
            verb = _VERBS[(p + s) % len(_VERBS)]
            statements.append(
                {
                    "Sid": f"P{p}S{s}",
                    "Effect": "Deny" if s == 4 else "Allow",
                    "Action": [f"{service}:{verb}*", f"{service}:{_VERBS[s]}Thing{s}"],
                    "Resource": [
                        f"arn:aws:{service}:*:{ACCOUNT}:res{s}/*",
                        f"arn:aws:{service}:us-east-1:*:shared-{p}*",
                    ],
                    "Condition": _conditions(p, s),
                }
            )
        policies.append({"Version": "2012-10-17", "Statement": statements})
    return policies


def _conditions(p: int, s: int) -> dict[str, Any]:
    base: dict[str, Any] = {"StringEquals": {"aws:PrincipalTag/team": ["blue", "green", f"team{p}"]}}
    extra = (
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}},
        {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/*"]}},
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"Bool": {"aws:SecureTransport": "true"}, "NumericLessThan": {"s3:max-keys": "100"}},
        {"StringNotEqualsIfExists": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
    )[s]
    return {**base, **extra}


def decision_requests(count: int = 200) -> list[Any]:
    """A varied mix of ``Request`` objects for one user holding the ten policies of ``decision_policies``."""
    from .conditions import make_context
    from .evaluate import Request
    from .policy import parse_policy
    from .principals import Caller

    policies = tuple(parse_policy(doc, "identity", name=f"policy-{i}") for i, doc in enumerate(decision_policies()))
    caller = Caller("user", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, unique_id="AIDAEXAMPLEALICE00001")
    requests = []
    for i in range(count):
        service = _SERVICES[i % len(_SERVICES)]
        verb = _VERBS[(i // 3) % len(_VERBS)]
        resource = (
            f"arn:aws:{service}:us-east-1:{ACCOUNT}:res{i % 6}/item-{i}"
            if i % 4
            else f"arn:aws:{service}:us-east-1:{ACCOUNT}:shared-{i % 10}-x"
        )
        context = make_context(
            {
                "aws:PrincipalTag/team": ("blue", "red", f"team{i % 10}")[i % 3],
                "aws:username": "alice",
                "aws:SourceIp": ("203.0.113.7", "192.0.2.1")[i % 2],
                "aws:CurrentTime": "2026-01-01T09:00:00Z",
                "aws:SecureTransport": i % 5 != 0,
                "s3:prefix": ("home/alice/x", "shared/y", "other/z")[i % 3],
                "s3:max-keys": str(i % 150),
                "aws:RequestedRegion": ("us-east-1", "ap-south-1")[i % 2],
            }
        )
        requests.append(
            Request(
                caller=caller,
                action=f"{service}:{verb}Item{i % 7}",
                resource=resource,
                resource_account=None,
                context=context,
                identity_policies=policies,
            )
        )
    return requests


def bench_decisions(per_run: int, runs: int) -> dict[str, Any]:
    """Median decisions per second of ``evaluate`` over ``runs`` runs of ``per_run`` evaluations each."""
    from .evaluate import evaluate

    requests = decision_requests()
    for request in requests:  # warm the per-policy indexes, as a long-lived process would have them
        evaluate(request)
    outcomes: dict[str, int] = {}
    for request in requests:
        outcome = evaluate(request).outcome
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    def one_run() -> None:
        n = len(requests)
        for i in range(per_run):
            evaluate(requests[i % n])

    seconds = _median_time(one_run, runs)
    rate = per_run / seconds if seconds else float("inf")
    return {
        "decisions_per_second": round(rate),
        "evaluations_per_run": per_run,
        "runs": runs,
        "policies": 10,
        "statements": 50,
        "outcome_mix": dict(sorted(outcomes.items())),
        "target": TARGET_DECISIONS_PER_SECOND,
        "ok": rate >= TARGET_DECISIONS_PER_SECOND,
    }


# ---- (b) loading a large world ---------------------------------------------------------------------------------------


def large_world(roles: int, policies: int) -> dict[str, Any]:
    """A one-account world of ``roles`` roles and ``policies`` customer managed policies.

    Every role has a trust policy with a condition and up to five of the managed policies attached, so a
    load validates ``roles + policies`` documents and resolves every attachment.
    """
    managed_docs = [_managed_policy(i) for i in range(policies)]
    role_list = [_role(i, roles, policies) for i in range(roles)]
    account = {
        "RoleDetailList": role_list,
        "Policies": managed_docs,
        "quotas": {"PoliciesPerAccount": max(policies, 1), "RolesPerAccount": max(roles, 1)},
    }
    return {"clock": "2026-01-01T09:00:00Z", "accounts": {ACCOUNT: account}}


def _managed_policy(i: int) -> dict[str, Any]:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [f"s3:Get{i % 7}*", "sqs:SendMessage"],
                "Resource": f"arn:aws:s3:::bucket-{i}/*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": f"team{i % 9}"}},
            }
        ],
    }
    return {
        "PolicyName": f"Managed{i}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/Managed{i}",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": doc}],
    }


def _role(i: int, roles: int, policies: int) -> dict[str, Any]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{i}"}},
            }
        ],
    }
    attached = list(range(i, policies, roles))[:5]
    return {
        "RoleName": f"Role{i}",
        "Path": "/",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/Role{i}",
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [],
        "AttachedManagedPolicies": [
            {"PolicyName": f"Managed{j}", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/Managed{j}"} for j in attached
        ],
        "MaxSessionDuration": 3600,
        "Tags": [{"Key": "team", "Value": f"team{i % 9}"}],
    }


def bench_load(roles: int, policies: int, runs: int) -> dict[str, Any]:
    """Median time to ``World.from_dict`` a large world, and the peak memory traced during one load."""
    from .world import World

    data = large_world(roles, policies)
    seconds = _median_time(lambda: World.from_dict(data), runs)
    gc.collect()
    tracemalloc.start()
    try:
        World.from_dict(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    megabytes = peak / 1_000_000
    return {
        "roles": roles,
        "policies": policies,
        "seconds": round(seconds, 4),
        "peak_mb": round(megabytes, 1),
        "target_seconds": TARGET_LOAD_SECONDS,
        "target_mb": TARGET_LOAD_MB,
        "ok": seconds < TARGET_LOAD_SECONDS and megabytes < TARGET_LOAD_MB,
    }


# ---- (c) hostile wildcard ------------------------------------------------------------------------------------------


def hostile_case() -> tuple[str, str]:
    """A 50-star pattern and a 2,000-character ARN that would make a backtracking matcher explode."""
    pattern = "arn:aws:s3:::" + "*a" * 49 + "*b"
    value = "arn:aws:s3:::" + "a" * (2_000 - len("arn:aws:s3:::"))
    return pattern, value


def bench_hostile_wildcard(runs: int) -> dict[str, Any]:
    """Median time of one ``compile_glob`` match and one ``match_resource`` on the hostile case."""
    from .matching import compile_glob, match_resource

    pattern, value = hostile_case()
    matcher = compile_glob(pattern)
    glob_ms = _median_time(lambda: matcher(value), runs) * 1000
    resource_ms = _median_time(lambda: match_resource(pattern, value), runs) * 1000
    worst = max(glob_ms, resource_ms)
    return {
        "stars": pattern.count("*"),
        "value_chars": len(value),
        "glob_ms": round(glob_ms, 4),
        "resource_ms": round(resource_ms, 4),
        "matched": bool(matcher(value)),
        "target_ms": TARGET_HOSTILE_MS,
        "ok": worst < TARGET_HOSTILE_MS,
    }


# ---- (d) simulate on a large scenario --------------------------------------------------------------------------------


def large_scenario(steps: int) -> dict[str, Any]:
    """A scenario with a small world (two users, a bucket policy, a boundary) and ``steps`` request steps."""
    alice, bob = f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{ACCOUNT}:user/bob"
    allow_s3 = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::reports/locked/*"},
        ],
    }
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": bob},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::reports/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            }
        ],
    }
    users = [
        {
            "UserName": name,
            "Path": "/",
            "Arn": arn,
            "UserPolicyList": [{"PolicyName": "s3", "PolicyDocument": allow_s3}],
        }
        for name, arn in (("alice", alice), ("bob", bob))
    ]
    world = {
        "clock": "2026-01-01T09:00:00Z",
        "accounts": {
            ACCOUNT: {"UserDetailList": users, "resources": [{"arn": "arn:aws:s3:::reports", "policy": bucket}]}
        },
    }
    actions = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "ec2:RunInstances")
    step_list = [
        {
            "op": "request",
            "caller": (alice, bob)[i % 2],
            "action": actions[i % len(actions)],
            "resource": f"arn:aws:s3:::reports/{('locked', 'open')[i % 3 == 0]}/f{i}.csv",
            "context": {"aws:SourceIp": ("203.0.113.9", "198.51.100.9")[i % 4 == 0]},
        }
        for i in range(steps)
    ]
    return {"name": "bench", "world": world, "steps": step_list}


def bench_simulate(steps: int) -> dict[str, Any]:
    """Times ``simulate`` on ``steps`` request steps, split into loading, deciding and printing; the rate
    of request steps per second counts the deciding phase (running the steps) alone."""
    import json

    from .cli import DEFAULT_SEED, render_results
    from .scenario import ScenarioOutcome, load_world, parse_scenario_text, run_steps

    text = json.dumps(large_scenario(steps))
    start = time.perf_counter()
    scenario = parse_scenario_text(text)
    world = load_world(scenario["world"], seed=DEFAULT_SEED)
    loaded = time.perf_counter()
    outcome = ScenarioOutcome(name=scenario["name"], steps=list(run_steps(world, scenario["steps"])))
    decided = time.perf_counter()
    printed_chars = len(render_results(outcome))
    done = time.perf_counter()
    total = done - start
    shares = {"loading": loaded - start, "deciding": decided - loaded, "printing": done - decided}
    rate = round(steps / shares["deciding"]) if shares["deciding"] else 0
    return {
        "steps": steps,
        "seconds": round(total, 3),
        "steps_per_second": rate,
        "target_steps_per_second": TARGET_SIMULATE_STEPS_PER_SECOND,
        "ok": rate >= TARGET_SIMULATE_STEPS_PER_SECOND,
        "output_chars": printed_chars,
        "seconds_by_phase": {k: round(v, 4) for k, v in shares.items()},
        "share": {k: round(v / total, 3) if total else 0.0 for k, v in shares.items()},
    }


# ---- (e) first use of each catalogue ---------------------------------------------------------------------------------

# The first call that loads and indexes each catalogue of ``data`` (the package's caches start empty).
CATALOGUE_FIRST_USE: Final[dict[str, str]] = {
    "actions": "known_action('s3:GetObject')",
    "managed_policies": "managed_policy_document('arn:aws:iam::aws:policy/ReadOnlyAccess')",
    "condition_keys": "condition_key_type('s3:ExistingObjectTag/team')",
}
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]


def bench_catalogues(runs: int) -> dict[str, Any]:
    """Median seconds of the first use of each catalogue, each timed in a fresh interpreter.

    A fresh interpreter per run is the only honest "first use": any earlier call in this process (a test, the
    decisions benchmark) has already filled the caches. Interpreter start and ``import data`` are not counted.
    """
    seconds = {
        name: round(statistics.median(_first_use_seconds(call) for _ in range(runs)), 4)
        for name, call in CATALOGUE_FIRST_USE.items()
    }
    return {
        "seconds": seconds,
        "runs": runs,
        "target_seconds": TARGET_CATALOGUE_SECONDS,
        "ok": all(value < TARGET_CATALOGUE_SECONDS for value in seconds.values()),
    }


def _first_use_seconds(call: str) -> float:
    script = (
        "import time; from iamtutor.engine import data; t = time.perf_counter(); "
        f"data.{call}; print(time.perf_counter() - t)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=_PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(result.stdout)


# ---- (f) parsing a typical policy ------------------------------------------------------------------------------------


def typical_policy_text() -> str:
    """A typical identity policy as a user would paste it: one statement, two actions, two resources, a condition."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Read",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"],
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}},
                }
            ],
        },
        indent=2,
    )


def bench_parse(per_run: int, runs: int) -> dict[str, Any]:
    """Median time of one ``parse_policy`` of the typical policy text, over ``runs`` runs of ``per_run`` parses."""
    from .policy import parse_policy

    text = typical_policy_text()
    statements = len(parse_policy(text).statements)

    def one_run() -> None:
        for _ in range(per_run):
            parse_policy(text)

    ms = _median_time(one_run, runs) / per_run * 1000
    return {
        "chars": len(text),
        "statements": statements,
        "parses_per_run": per_run,
        "runs": runs,
        "ms_per_document": round(ms, 4),
        "target_ms": TARGET_PARSE_MS,
        "ok": ms < TARGET_PARSE_MS,
    }


# ---- helpers and the report ------------------------------------------------------------------------------------------


def _median_time(work: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls of ``work`` with the garbage collector paused."""
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(times)


def format_table(results: dict[str, Any]) -> str:
    """The results as an aligned text table with targets and verdicts, ending in a newline."""
    d, load, hostile, sim = results["decisions"], results["load"], results["hostile_wildcard"], results["simulate"]
    share = sim["share"]
    rows = [
        ("metric", "value", "target", "ok"),
        (
            f"decisions/s ({d['policies']} policies, {d['statements']} statements, median of {d['runs']})",
            f"{d['decisions_per_second']:,}",
            f">= {d['target']:,}",
            _verdict(d["ok"]),
        ),
        (
            f"load {load['roles']:,} roles + {load['policies']:,} policies: time",
            f"{load['seconds']:.3f} s",
            f"< {load['target_seconds']:g} s",
            _verdict(load["seconds"] < load["target_seconds"]),
        ),
        (
            f"load {load['roles']:,} roles + {load['policies']:,} policies: peak memory",
            f"{load['peak_mb']:.1f} MB",
            f"< {load['target_mb']:g} MB",
            _verdict(load["peak_mb"] < load["target_mb"]),
        ),
        (
            f"hostile wildcard ({hostile['stars']} stars, {hostile['value_chars']:,} chars), median",
            f"{max(hostile['glob_ms'], hostile['resource_ms']):.4f} ms",
            f"< {hostile['target_ms']:g} ms",
            _verdict(hostile["ok"]),
        ),
        (f"simulate {sim['steps']:,} request steps: total", f"{sim['seconds']:.2f} s", "", ""),
        (
            "  share loading / deciding / printing",
            f"{share['loading']:.0%} / {share['deciding']:.0%} / {share['printing']:.0%}",
            "",
            "",
        ),
    ]
    if "steps_per_second" in sim:  # absent from results recorded before this row existed
        rows.append(
            (
                "simulate request steps/s",
                f"{sim['steps_per_second']:,}",
                f">= {sim['target_steps_per_second']:,}",
                _verdict(sim["ok"]),
            )
        )
    if "catalogues" in results:  # absent from results recorded before these rows existed
        cat = results["catalogues"]
        for name, seconds in cat["seconds"].items():
            rows.append(
                (
                    f"first use of the {name.replace('_', ' ')} catalogue, median of {cat['runs']}",
                    f"{seconds:.3f} s",
                    f"< {cat['target_seconds']:g} s",
                    _verdict(seconds < cat["target_seconds"]),
                )
            )
    if "parse" in results:
        parse = results["parse"]
        rows.append(
            (
                f"parse a typical policy ({parse['chars']} chars), median of {parse['runs']}",
                f"{parse['ms_per_document']:.4f} ms",
                f"< {parse['target_ms']:g} ms",
                _verdict(parse["ok"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"IAM Tutor engine benchmark — Python {results['python']}, one core"
        + (" (quick: indicative only)" if results["quick"] else "")
    ]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def _verdict(ok: bool) -> str:
    return "yes" if ok else "NO"
