"""Reach edges (``graph/reach.py``): what a session of each role can do, summarised by access level, as
``World.request`` decides it for a real session of the role."""

from __future__ import annotations

import copy

from iamtutor.engine import World
from iamtutor.engine.graph import (
    AccessGraph,
    access_graph,
    edge_table,
)
from tests.engine.graph.support import (
    edge,
    role_session,
)
from tests.engine.world_builders import (
    ALICE,
    A,
    B,
    account,
    allow,
    deny,
    doc,
    make_world,
    role,
    trust,
    user,
)

# ---- reach: what each role's sessions can do ------------------------------------------------------------------

BUCKET = "arn:aws:s3:::reports"
THEIR_BUCKET = "arn:aws:s3:::partner-data"


def reach_world() -> World:
    trusted = trust({"AWS": ALICE})
    return make_world(
        {
            A: account(
                [user("alice")],
                [
                    role("Reader", trusted, doc(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, BUCKET + "/*"]))),
                    role("Owner", trusted, doc(allow("s3:*", [BUCKET, BUCKET + "/*"]))),
                    role("Admin", trusted, doc(allow("*"))),
                    role(
                        "Capped",
                        trusted,
                        doc(allow("s3:*", "*")),
                        PermissionsBoundary={
                            "PermissionsBoundaryType": "Policy",
                            "PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/ReadOnly",
                        },
                    ),
                    role("NoDelete", trusted, doc(allow("s3:*", "*"), deny("s3:Put*", "*"), deny("s3:Delete*", "*"))),
                    role("Outsider", trusted, doc(allow("s3:GetObject", "*"))),
                    role(
                        "Bounded",
                        trusted,
                        doc(allow("*")),
                        PermissionsBoundary={
                            "PermissionsBoundaryType": "Policy",
                            "PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/ReadOnly",
                        },
                    ),
                    role("Careful", trusted, doc(allow("*"), deny("iam:*"))),
                ],
                Policies=[
                    {
                        "PolicyName": "ReadOnly",
                        "Arn": f"arn:aws:iam::{A}:policy/ReadOnly",
                        "DefaultVersionId": "v1",
                        "PolicyVersionList": [
                            {
                                "VersionId": "v1",
                                "IsDefaultVersion": True,
                                "Document": doc(allow(["s3:Get*", "s3:List*"])),
                            }
                        ],
                    }
                ],
                resources=[{"arn": BUCKET}],
            ),
            B: account(
                resources=[
                    {
                        "arn": THEIR_BUCKET,
                        "policy": doc(
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{A}:role/Outsider"},
                                "Action": "s3:GetObject",
                                "Resource": THEIR_BUCKET + "/*",
                            }
                        ),
                    }
                ]
            ),
        }
    )


def _access(graph: AccessGraph, role_name: str, target: str) -> dict[str, tuple[str, ...]]:
    found = edge(graph, f"arn:aws:iam::{A}:role/{role_name}", target, "reach")
    return dict(found.access) if found else {}


def test_reach_summarises_access_levels_per_service() -> None:
    # Access levels are the Service Authorization Reference's (list, read, write, tagging, permissions management).
    graph = access_graph(reach_world())
    assert _access(graph, "Reader", f"resource:{BUCKET}") == {"s3": ("list", "read")}
    assert _access(graph, "Owner", f"resource:{BUCKET}") == {"s3": ("admin",)}
    row = next(r for r in edge_table(graph) if r["from"] == "Reader" and r["kind"] == "reach")
    assert row["what"] == "can reach s3: list, read" and row["to"] == "reports"


def test_reach_of_an_all_powerful_role_is_one_admin_edge_to_any_resource() -> None:
    graph = access_graph(reach_world())
    assert _access(graph, "Admin", f"resource:*:{A}") == {"*": ("admin",)}
    assert _access(graph, "Admin", f"resource:{BUCKET}") == {}  # implied by the edge to "*"
    assert graph.node(f"resource:*:{A}").label == "any resource (*)"


def test_reach_is_capped_by_the_boundary_and_by_explicit_denies() -> None:
    # §4.1 fact 8 (D-PB): a boundary only restricts; §4.1 fact 1: an explicit Deny beats the Allow.
    graph = access_graph(reach_world())
    assert _access(graph, "Capped", f"resource:*:{A}") == {"s3": ("list", "read")}
    assert _access(graph, "Bounded", f"resource:*:{A}") == {"s3": ("list", "read")}
    assert _access(graph, "Careful", f"resource:*:{A}") == {"*": ("admin except denies",)}
    levels = _access(graph, "NoDelete", f"resource:{BUCKET}")["s3"]
    assert "admin" not in levels and "read" in levels and "list" in levels


def test_reach_across_accounts_needs_the_resource_policy() -> None:
    # §4.1 fact 7 (D-XACCT, H): the bucket policy of account B names the role, and the role's policy allows.
    graph = access_graph(reach_world())
    assert _access(graph, "Outsider", f"resource:{THEIR_BUCKET}") == {"s3": ("read",)}
    assert _access(graph, "Reader", f"resource:{THEIR_BUCKET}") == {}


def test_reach_agrees_with_world_request_for_a_session_of_the_role() -> None:
    world = reach_world()
    graph = access_graph(world)
    checks = [
        ("Reader", "s3:GetObject", BUCKET + "/*", True),
        ("Reader", "s3:PutObject", BUCKET + "/*", False),
        ("Outsider", "s3:GetObject", THEIR_BUCKET + "/*", True),
        ("Capped", "s3:PutObject", "*", False),
    ]
    for role_name, action, resource, expected in checks:
        copied = copy.deepcopy(world)
        sid = role_session(copied, f"arn:aws:iam::{A}:role/{role_name}")
        assert copied.request(sid, action, resource).allowed is expected
        target = f"resource:{resource.removesuffix('/*')}" if resource != "*" else f"resource:*:{A}"
        level = "read" if action == "s3:GetObject" else "write"
        levels = _access(graph, role_name, target).get("s3", ())
        assert (level in levels or "admin" in levels) is expected
