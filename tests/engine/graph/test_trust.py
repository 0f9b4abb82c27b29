"""Assume edges (``graph/trust.py``, ``trust_conditions.py``): each is STS's answer for its pair.

Checked pair by pair against ``assume_role`` run on a deep copy of each scenario world (iam-reference.md §5.2:
who may assume a role); the missing pieces against the rules of §4.1/§5.2.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from iamtutor.engine import AssumeRoleRequest, WebIdentityRequest, World, assume_role, assume_role_with_web_identity
from iamtutor.engine.errors import EngineError
from iamtutor.engine.graph import (
    AccessGraph,
    Node,
    access_graph,
    edge_table,
)
from iamtutor.engine.graph.builder import Builder
from iamtutor.engine.graph.principals import SESSION_NAME
from iamtutor.engine.graph.trust_conditions import supply as supply_keys
from tests.engine.graph.support import (
    EXTERNAL,
    edge,
    role_session,
    scenario_world,
)
from tests.engine.world_builders import (
    ALICE,
    BOB,
    DEPLOY,
    A,
    account,
    make_world,
    role,
    trust,
    user,
)


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
    session_name = keys.pop("sts:rolesessionname", (None, SESSION_NAME))[1]
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
    builder = Builder(world, {})
    builder.build()
    principal = next(p for p in builder.principals if p.node.kind == "user")
    role_obj = world.find_role("arn:aws:iam::111111111111:role/Audit")
    statements = list(role_obj.trust.policy().statements)
    supply = supply_keys(principal, statements)
    extra = {"sts:RoleSessionName": SESSION_NAME, **supply.extra}
    fresh = world.build_request(principal.ident, "sts:AssumeRole", role_obj.arn, supply.context or None, extra=extra)
    assert builder.trust.request(principal, role_obj, supply) == fresh
    plain = world.build_request(
        principal.ident, "sts:AssumeRole", role_obj.arn, extra={"sts:RoleSessionName": SESSION_NAME}
    )
    assert builder.trust.request(principal, role_obj) == plain


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
