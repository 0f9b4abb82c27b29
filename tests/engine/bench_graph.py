"""Benchmark for the access diagrams (a script, not a test: ``python tests/engine/bench_graph.py [principals]``).

Builds a generated world of 500 principals (users and roles over four accounts, groups, trusts of every kind,
resources with policies, an SCP and live sessions), then times ``access_graph`` + ``to_dot`` for the whole
world, a collapsed view and a focused one, and ``dot -Tsvg`` when Graphviz is installed. Prints medians.
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from iamtutor.engine import AssumeRoleRequest, World, assume_role
from iamtutor.engine.graph import access_graph, to_dot
from iamtutor.engine.ids import IdSource

ACCOUNTS = ("111111111111", "222222222222", "333333333333", "444444444444")
CLOCK = "2026-01-01T09:00:00Z"


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _trust(rng: random.Random, account: str, users: dict[str, list[str]], roles: dict[str, list[str]]) -> dict:
    """One of the trust shapes learners meet, weighted roughly as in real accounts."""
    kind = rng.random()
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    if kind < 0.35:
        names = [*rng.sample(users[account], 2), rng.choice(users[rng.choice(ACCOUNTS)])]
        statement["Principal"] = {"AWS": names}
    elif kind < 0.6:
        statement["Principal"] = {"AWS": f"arn:aws:iam::{account}:root"}
        if rng.random() < 0.4:
            statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    elif kind < 0.72:
        statement["Principal"] = {"Service": rng.choice(["ec2.amazonaws.com", "lambda.amazonaws.com"])}
    elif kind < 0.84:
        other = rng.choice([a for a in ACCOUNTS if a != account])
        statement["Principal"] = {"AWS": other}
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{rng.randrange(1000)}"}}
    elif kind < 0.92:
        statement["Principal"] = {"AWS": "999999999999"}  # a vendor outside the world
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": "vendor-42"}}
    else:
        source = rng.choice([a for a in ACCOUNTS if roles[a]])
        statement["Principal"] = {"AWS": rng.choice(roles[source])}
    return _doc(statement)


def scale_world(principals: int = 500, *, seed: int = 5) -> World:
    """A repeatable world with ``principals`` users and roles (60 % users) over four accounts."""
    rng = random.Random(seed)
    n_users, n_roles = principals * 3 // 5, principals - principals * 3 // 5
    users = {a: [] for a in ACCOUNTS}
    roles = {a: [] for a in ACCOUNTS}
    for i in range(n_users):
        a = ACCOUNTS[i % len(ACCOUNTS)]
        users[a].append(f"arn:aws:iam::{a}:user/u{i:03d}")
    for i in range(n_roles):
        a = ACCOUNTS[i % len(ACCOUNTS)]
        roles[a].append(f"arn:aws:iam::{a}:role/team{i % 7}-r{i:03d}")
    buckets = {a: [f"arn:aws:s3:::bucket-{a[:3]}-{j}" for j in range(15)] for a in ACCOUNTS}
    accounts = {}
    for a in ACCOUNTS:
        groups = [
            {
                "GroupName": f"team{t}",
                "GroupPolicyList": [
                    {
                        "PolicyName": "assume",
                        "PolicyDocument": _doc(
                            _allow("sts:AssumeRole", f"arn:aws:iam::*:role/team{t}-*"),
                            _allow(["s3:GetObject", "s3:ListBucket"], rng.sample(buckets[a], 2)),
                        ),
                    }
                ],
            }
            for t in range(7)
        ]
        user_list = [
            {
                "UserName": arn.rsplit("/", 1)[1],
                "GroupList": [f"team{rng.randrange(7)}"],
                "MFADevices": [{"SerialNumber": f"arn:aws:iam::{a}:mfa/{arn.rsplit('/', 1)[1]}"}]
                if rng.random() < 0.3
                else [],
            }
            for arn in users[a]
        ]
        role_list = []
        for arn in roles[a]:
            bucket = rng.choice(buckets[rng.choice(ACCOUNTS)])
            permissions = rng.choice(
                [
                    _doc(_allow(["s3:GetObject", "s3:ListBucket"], [bucket, bucket + "/*"])),
                    _doc(_allow("s3:*", [bucket, bucket + "/*"]), _allow("sqs:SendMessage")),
                    _doc(
                        _allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TagResource"]),
                        _allow("sts:AssumeRole", f"arn:aws:iam::*:role/team{rng.randrange(7)}-*"),
                    ),
                    _doc(_allow("*")) if rng.random() < 0.2 else _doc(_allow("ec2:Describe*")),
                ]
            )
            role_list.append(
                {
                    "RoleName": arn.rsplit("/", 1)[1],
                    "AssumeRolePolicyDocument": _trust(rng, a, users, roles),
                    "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": permissions}],
                }
            )
        resources = [{"arn": b} for b in buckets[a]]
        for b in resources[:5]:
            reader = rng.choice(roles[rng.choice(ACCOUNTS)])
            b["policy"] = _doc(
                {"Effect": "Allow", "Principal": {"AWS": reader}, "Action": "s3:GetObject", "Resource": b["arn"] + "/*"}
            )
        resources += [{"arn": f"arn:aws:sqs:us-east-1:{a}:queue-{j}"} for j in range(5)]
        accounts[a] = {
            "UserDetailList": user_list,
            "GroupDetailList": groups,
            "RoleDetailList": role_list,
            "resources": resources,
        }
    organization = {
        "id": "o-exampleorgid",
        "management_account": ACCOUNTS[0],
        "scps": [
            {
                "name": "NoLeaving",
                "targets": [ACCOUNTS[2]],
                "document": _doc(
                    _allow("*"),
                    {
                        "Effect": "Deny",
                        "Action": "sts:AssumeRole",
                        "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "ops"}},
                    },
                ),
            }
        ],
    }
    world = World.from_dict({"clock": CLOCK, "accounts": accounts, "organization": organization}, ids=IdSource(seed))
    _start_sessions(world, rng)
    return world


def _start_sessions(world: World, rng: random.Random) -> None:
    """A few live sessions: every fifth user assumes whatever it can of the first roles."""
    started = 0
    for account in world.accounts.values():
        for role in list(account.roles.values())[:6]:
            for user in list(account.users.values())[::5]:
                try:
                    assume_role(world, user.arn, AssumeRoleRequest(role.arn, f"s{started}"))
                except Exception:  # noqa: S112 — most pairs are denied; that is the point
                    continue
                started += 1
    world.clock.advance(rng.randrange(600))


def _median(fn, runs: int = 5) -> tuple[float, float, Any]:
    """Median wall-clock and CPU seconds of ``fn()`` over ``runs`` calls, and its last result."""
    wall, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def _render(source: str) -> float | None:
    dot = shutil.which("dot")
    if not dot:
        return None
    start = time.perf_counter()
    done = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, timeout=60, check=False)
    elapsed = time.perf_counter() - start
    return elapsed if done.returncode == 0 else -elapsed


def main() -> None:
    principals = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    world = scale_world(principals)
    users = sum(len(a.users) for a in world.accounts.values())
    roles = sum(len(a.roles) for a in world.accounts.values())
    print(f"world: {users} users, {roles} roles, {len(world.sessions)} sessions")
    views = {
        "whole world": {},
        "collapsed (3 accounts + s3)": {"collapse": ("222222222222", "333333333333", "444444444444", "s3")},
        "focus on one role, depth 1": {"focus": "arn:aws:iam::111111111111:role/team0-r000", "depth": 1},
        "focus on one role, depth 2": {"focus": "arn:aws:iam::111111111111:role/team0-r000", "depth": 2},
    }
    for name, options in views.items():
        seconds, cpu, graph = _median(lambda options=options: access_graph(world, **options))
        dot_seconds, _, source = _median(lambda graph=graph: to_dot(graph))
        rendered = _render(source)
        render = (
            "dot not installed"
            if rendered is None
            else (
                f"dot -Tsvg {rendered * 1000:.0f} ms"
                if rendered >= 0
                else f"dot FAILED after {-rendered * 1000:.0f} ms"
            )
        )
        print(
            f"{name}: {len(graph.nodes)} nodes, {len(graph.edges)} edges; access_graph {seconds * 1000:.0f} ms "
            f"(CPU {cpu * 1000:.0f} ms), to_dot {dot_seconds * 1000:.0f} ms, {render}"
        )


if __name__ == "__main__":
    main()
