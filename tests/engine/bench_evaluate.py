"""Micro-benchmark for ``evaluate`` (a script, not a test: ``python tests/engine/bench_evaluate.py``).

The workload of the speed target (contract, issue 3): one principal with 10 identity policies holding 50
statements in total, most with conditions, plus a permissions boundary; requests cycle over several
actions and resources with a realistic context. Prints the median decisions per second over several runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from iamtutor.engine.conditions import make_context
from iamtutor.engine.evaluate import Request, evaluate
from iamtutor.engine.policy import Condition, Policy, Statement
from iamtutor.engine.principals import Caller

ACCOUNT = "111111111111"
SERVICES = ("s3", "ec2", "iam", "dynamodb", "sqs")
CONDITION_SETS = (
    (Condition("StringEquals", "StringEquals", None, False, "aws:PrincipalTag/team", ("dev", "ops"), "$"),),
    (Condition("Bool", "Bool", None, False, "aws:SecureTransport", ("true",), "$"),),
    (Condition("IpAddress", "IpAddress", None, False, "aws:SourceIp", ("203.0.113.0/24",), "$"),),
    (
        Condition("StringLike", "StringLike", None, False, "aws:RequestedRegion", ("eu-*", "us-*"), "$"),
        Condition(
            "DateGreaterThan",
            "DateGreaterThan",
            None,
            False,
            "aws:CurrentTime",
            ("2020-01-01T00:00:00Z",),
            "$",
        ),
    ),
    (),
)


def _statement(policy_index: int, index: int) -> Statement:
    service = SERVICES[(policy_index + index) % len(SERVICES)]
    effect = "Deny" if index == 4 and policy_index % 3 == 0 else "Allow"
    return Statement(
        index=index,
        sid=f"P{policy_index}S{index}",
        effect=effect,
        principal=None,
        not_principal=None,
        actions=(f"{service}:Get*", f"{service}:List*", f"{service}:Describe*")
        if effect == "Allow"
        else (f"{service}:Delete*",),
        not_actions=None,
        resources=(f"arn:aws:{service}:*:{ACCOUNT}:thing-{index}/*", f"arn:aws:s3:::bucket-{policy_index}/*"),
        not_resources=None,
        conditions=CONDITION_SETS[index % len(CONDITION_SETS)],
        json_path=f"$.Statement[{index}]",
    )


def workload() -> list[Request]:
    """The benchmark's requests: 10 policies × 5 statements, a boundary, 8 distinct (action, resource) pairs."""
    policies = tuple(
        Policy("identity", "2012-10-17", None, tuple(_statement(p, i) for i in range(5)), name=f"policy-{p}")
        for p in range(10)
    )
    boundary = Policy(
        "boundary",
        "2012-10-17",
        None,
        (Statement(0, None, "Allow", None, None, ("s3:*", "ec2:*", "dynamodb:*"), None, ("*",), None, (), "$"),),
        name="boundary",
    )
    caller = Caller("user", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, unique_id="AIDAALICE", has_boundary=True)
    context = make_context(
        {
            "aws:PrincipalTag/team": "dev",
            "aws:SecureTransport": True,
            "aws:SourceIp": "203.0.113.7",
            "aws:RequestedRegion": "eu-west-1",
            "aws:CurrentTime": "2026-01-01T09:00:00Z",
            "aws:username": "alice",
            "aws:PrincipalArn": caller.arn,
            "aws:PrincipalAccount": ACCOUNT,
        }
    )
    pairs = [
        ("s3:GetObject", "arn:aws:s3:::bucket-3/report.csv"),
        ("s3:ListBucket", "arn:aws:s3:::bucket-7/x"),
        ("ec2:DescribeInstances", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:thing-1/i-1"),
        ("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:thing-3/t"),
        ("iam:GetUser", f"arn:aws:iam:eu-west-1:{ACCOUNT}:thing-2/u"),
        ("sqs:DeleteQueue", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:thing-4/q"),
        ("s3:PutObject", "arn:aws:s3:::bucket-1/new"),
        ("ec2:DeleteVolume", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:thing-4/v"),
    ]
    return [
        Request(caller, action, resource, None, context, identity_policies=policies, boundary=boundary)
        for action, resource in pairs
    ]


def decisions_per_second(requests: list[Request], rounds: int = 2_000) -> tuple[float, float]:
    """(per CPU second, per wall-clock second) for ``rounds`` passes over ``requests`` after a warm-up.

    CPU time (``process_time``) is the one-core figure even on a busy machine; wall clock is shown too.
    """
    for request in requests:
        evaluate(request)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        for request in requests:
            evaluate(request)
    count = rounds * len(requests)
    return count / (time.process_time() - cpu), count / (time.perf_counter() - wall)


def main() -> None:
    requests = workload()
    outcomes = sorted({evaluate(r).outcome for r in requests})
    runs = [decisions_per_second(requests) for _ in range(7)]
    cpu = [run[0] for run in runs]
    wall = [run[1] for run in runs]
    print(f"outcomes seen: {', '.join(outcomes)}")
    print(f"median {statistics.median(cpu):,.0f} decisions per CPU second (min {min(cpu):,.0f}, max {max(cpu):,.0f})")
    print(f"median {statistics.median(wall):,.0f} decisions per wall-clock second")


if __name__ == "__main__":
    main()
