"""The evaluation flowchart of one decision (``graph/flowchart.py``): exactly the path ``evaluate`` took is
lit, and the note names the deciding statement."""

from __future__ import annotations

import copy
import itertools
import re

import pytest

from iamtutor.engine import World
from iamtutor.engine.evaluate import FLOW_NODES
from iamtutor.engine.graph import (
    decision_dot,
)
from tests.engine.graph.support import (
    DOT,
    render,
    svg_ids,
)
from tests.engine.world_builders import (
    ALICE,
    BOB,
    A,
    account,
    allow,
    deny,
    doc,
    make_world,
    user,
)

# ---- the decision diagram ------------------------------------------------------------------------------------


def _decision(world: World, caller: str, action: str, resource: str):
    copied = copy.deepcopy(world)
    ident = copied.identify(caller)
    request = copied.build_request(ident, action, resource)
    return copied.request(caller, action, resource), request


def lit(source: str) -> tuple[set[str], set[tuple[str, str]]]:
    nodes = set(re.findall(r"^\s*f_(\w+) \[.*class=lit", source, re.MULTILINE))
    edges = set(re.findall(r"^\s*f_(\w+) -> f_(\w+) \[.*class=lit", source, re.MULTILINE))
    return nodes, edges


DECISION_WORLD = make_world(
    {
        A: account(
            [
                user("alice", doc({**allow("s3:GetObject"), "Sid": "ReadAll"}, deny("s3:DeleteObject"))),
                user(
                    "bob",
                    doc(allow("s3:*")),
                    PermissionsBoundary={
                        "PermissionsBoundaryType": "Policy",
                        "PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/Sqs",
                    },
                ),
            ],
            Policies=[
                {
                    "PolicyName": "Sqs",
                    "Arn": f"arn:aws:iam::{A}:policy/Sqs",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(allow("sqs:*"))}
                    ],
                }
            ],
        )
    }
)


@pytest.mark.parametrize(
    ("caller", "action", "outcome"),
    [
        (ALICE, "s3:GetObject", "allowed"),  # §4.1 fact 4: an identity Allow suffices in the same account
        (ALICE, "s3:DeleteObject", "explicitDeny"),  # §4.1 fact 1: explicit deny
        (ALICE, "s3:PutObject", "implicitDeny"),  # §4.1 fact 1: default deny
        (BOB, "s3:GetObject", "implicitDeny"),  # §4.1 fact 8: the boundary restricts
        (ALICE, "sts:GetCallerIdentity", "allowed"),  # §4.1 fact 11: needs no permission
    ],
)
def test_decision_diagram_lights_exactly_the_path(caller: str, action: str, outcome: str) -> None:
    decision, request = _decision(DECISION_WORLD, caller, action, "arn:aws:s3:::b/k")
    assert decision.outcome == outcome
    source = decision_dot(decision, request)
    path = ("request", *decision.path)
    nodes, edges = lit(source)
    assert nodes == set(path)
    assert edges == set(itertools.pairwise(path))
    assert all(f"f_{key} " in source for key in FLOW_NODES)
    if DOT:
        svg = render(source, "dot")
        assert {f"flow-{k}" for k in FLOW_NODES} <= svg_ids(svg)


def test_decision_diagram_names_the_deciding_statement() -> None:
    decision, request = _decision(DECISION_WORLD, ALICE, "s3:GetObject", "arn:aws:s3:::b/k")
    assert 'Sid \\"ReadAll\\"' in decision_dot(decision, request)
    denied, request = _decision(DECISION_WORLD, ALICE, "s3:DeleteObject", "arn:aws:s3:::b/k")
    assert "Decided by Deny statement 2 of p0" in decision_dot(denied, request).replace("\\n", " ")
