"""A world that borrows peers' accounts (``World.set_peers``): a classmate's role assumed across accounts.

The world holds its own accounts; a look-up by ARN or account id that they miss asks the peer loader once per
account id. What is borrowed answers look-ups but is never saved, drawn, changed, or shown (``World.redact``).
"""

from __future__ import annotations

import copy

import pytest

from iamtutor.engine import (
    IamError,
    ParameterError,
    PolicyError,
    StsError,
    WorldError,
    access_graph,
    explain,
    resolve_statement,
    sts,
)
from iamtutor.engine.world import MAX_BORROWED, World
from tests.engine.world_builders import ALICE, A, B, C, account, allow, deny, doc, make_world, role, trust, user

PEER_ROLE = f"arn:aws:iam::{B}:role/Shared"
PEER_POLICY = f"arn:aws:iam::{B}:policy/PeerReports"
PEER_QUEUE = f"arn:aws:sqs:us-east-1:{B}:orders"


def peer_account(trusted: object = A, *, queue_policy: dict | None = None) -> dict:
    """B's account: a role trusting ``trusted`` whose permissions are an inline policy with a Sid and a
    customer managed policy of B, plus a queue."""
    managed = {
        "PolicyName": "PeerReports",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(allow("dynamodb:GetItem"))},
        ],
    }
    shared = role(
        "Shared",
        trust({"AWS": trusted}),
        doc({"Sid": "SecretSid", **allow("s3:GetObject", "arn:aws:s3:::peer-bucket/*")}),
        AttachedManagedPolicies=[{"PolicyName": "PeerReports", "PolicyArn": PEER_POLICY}],
        RoleId="AROAPEERSHAREDROLE01",  # stored accounts keep their ids (a session names its role's id)
    )
    queue: dict = {"arn": PEER_QUEUE}
    if queue_policy is not None:
        queue["policy"] = queue_policy
    return account(users=[user("carol")], roles=[shared], Policies=[managed], resources=[queue], alias="peer-account")


class Loader:
    """A peer loader that serves ``accounts`` and counts what it was asked."""

    def __init__(self, accounts: dict) -> None:
        self.accounts, self.asked = accounts, []

    def __call__(self, account_id: str) -> dict | None:
        self.asked.append(account_id)
        found = self.accounts.get(account_id)
        return copy.deepcopy(found) if found is not None else None


def caller_world(*policies: dict, peers: dict | None = None, lazy: bool = False) -> tuple[World, Loader]:
    """A's world: user alice with ``policies``, and a loader serving ``peers`` (default: B's account)."""
    world = make_world({A: account(users=[user("alice", *policies)])})
    loader = Loader({B: peer_account()} if peers is None else peers)
    world.set_peers(loader, lazy=lazy)
    return world, loader


def assume(world: World, role_arn: str = PEER_ROLE, caller: str = ALICE) -> dict:
    return sts.assume_role(world, caller, sts.AssumeRoleRequest(role_arn, "cross-account"))


MAY_ASSUME = doc(allow("sts:AssumeRole", PEER_ROLE))


# ---- the cross-account rule, through a borrowed account ---------------------------------------------------------


def test_cross_account_assume_role_needs_the_trust_policy_and_the_callers_identity_policy():
    # §5.2 D-XACCT, API-STS (H): across accounts the role's trust policy must trust the caller or its account
    # AND the caller's identity-based policy must allow sts:AssumeRole on the role (IAM User Guide, "Cross-
    # account policy evaluation logic").
    world, _ = caller_world(MAY_ASSUME)
    assert assume(world)["ok"]

    world, _ = caller_world(doc(allow("s3:ListBucket")))  # trusted, but no identity-side Allow
    with pytest.raises(StsError) as denied:
        assume(world)
    assert denied.value.code == "AccessDenied"
    assert denied.value.decision.denied_by == "identity"

    world, _ = caller_world(MAY_ASSUME, peers={B: peer_account(trusted=C)})  # allowed here, not trusted there
    with pytest.raises(StsError) as denied:
        assume(world)
    assert denied.value.decision.denied_by == "trust"


def test_a_trust_policy_naming_the_callers_user_arn_still_needs_the_identity_side():
    # §5.2 D-XACCT (H): naming the user directly removes the identity-side need only within one account.
    peers = {B: peer_account(trusted=ALICE)}
    world, _ = caller_world(doc(allow("s3:ListBucket")), peers=peers)
    with pytest.raises(StsError):
        assume(world)
    world, _ = caller_world(MAY_ASSUME, peers=peers)
    assert assume(world)["ok"]


def test_without_a_loader_a_role_of_another_account_is_unknown():
    # §5.2, D-AD (H): a role that does not exist is AccessDenied, never "no such role".
    world = make_world({A: account(users=[user("alice", MAY_ASSUME)])})
    with pytest.raises(StsError) as denied:
        assume(world)
    assert denied.value.code == "AccessDenied"


def test_a_role_the_loader_does_not_know_gets_the_same_access_denied():
    # D-AD (H): AWS answers AccessDenied alike for a missing role and a role that does not trust the caller.
    world, _ = caller_world(MAY_ASSUME, peers={})
    with pytest.raises(StsError) as missing:
        assume(world)
    world, _ = caller_world(MAY_ASSUME, peers={B: peer_account(trusted=C)})
    with pytest.raises(StsError) as untrusted:
        assume(world)
    assert missing.value.code == untrusted.value.code == "AccessDenied"
    assert missing.value.message == untrusted.value.message
    shown_missing = world.redact(missing.value.decision)
    shown_untrusted = world.redact(untrusted.value.decision)
    assert explain(shown_missing, shown_missing.request) == explain(shown_untrusted, shown_untrusted.request)


def test_cloudtrail_records_a_cross_account_assume_role_in_both_accounts():
    # §6.3 D-CT (H): one event in the caller's account and one in the role's, sharing a sharedEventID; the
    # role account's copy shows the caller as AWSAccount.
    world, _ = caller_world(MAY_ASSUME)
    assume(world)
    caller_copy, role_copy = world.events
    assert caller_copy["sharedEventID"] == role_copy["sharedEventID"]
    assert (caller_copy["recipientAccountId"], role_copy["recipientAccountId"]) == (A, B)
    assert role_copy["userIdentity"]["type"] == "AWSAccount"
    assert role_copy["userIdentity"]["accountId"] == A


# ---- a session of a borrowed role ---------------------------------------------------------------------------------


def test_a_session_of_a_borrowed_role_is_evaluated_against_that_roles_policies():
    # §4.2 (H): a role session's identity-based policies are the role's own — here B's inline and managed ones.
    world, _ = caller_world(MAY_ASSUME)
    session = assume(world)["session_id"]
    assert world.request(session, "s3:GetObject", "arn:aws:s3:::peer-bucket/q1.csv").allowed
    assert world.request(session, "dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{B}:table/T").allowed
    assert not world.request(session, "s3:DeleteObject", "arn:aws:s3:::peer-bucket/q1.csv").allowed


def test_a_saved_session_finds_its_borrowed_role_again_through_the_loader():
    world, _ = caller_world(MAY_ASSUME)
    session = assume(world)["session_id"]
    data = world.to_dict()
    again = World.from_dict(data)
    loader = Loader({B: peer_account()})
    again.set_peers(loader)
    assert again.request(session, "s3:GetObject", "arn:aws:s3:::peer-bucket/q1.csv").allowed
    assert loader.asked == [B]
    alone = World.from_dict(data)  # the role's account is out of reach: the session has no permissions
    assert not alone.request(session, "s3:GetObject", "arn:aws:s3:::peer-bucket/q1.csv").allowed


def test_requests_made_with_a_borrowed_roles_session_are_recorded_in_the_roles_account():
    # §6.1 D-CT (H): recipientAccountId is the account the call was made in: the role's, for its sessions.
    world, _ = caller_world(MAY_ASSUME)
    session = assume(world)["session_id"]
    world.request(session, "s3:GetObject", "arn:aws:s3:::peer-bucket/q1.csv")
    assert world.events[-1]["recipientAccountId"] == B


def test_a_borrowed_resources_policy_takes_part_in_a_cross_account_request():
    # S10/S11 D-XACCT (H): across accounts both the identity policy and the resource policy must allow.
    queue_policy = doc({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sqs:SendMessage", "Resource": "*"})
    peers = {B: peer_account(queue_policy=queue_policy)}
    world, _ = caller_world(doc(allow("sqs:SendMessage")), peers=peers)
    assert world.request(ALICE, "sqs:SendMessage", PEER_QUEUE).allowed
    world, _ = caller_world(doc(allow("sqs:SendMessage")))  # the queue has no policy: B does not allow
    decision = world.request(ALICE, "sqs:SendMessage", PEER_QUEUE)
    assert decision.denied_by == "resource"


def test_a_trust_policy_naming_a_peers_user_is_checked_against_that_account():
    # §1.6 D-PRIN (H): a principal that does not exist → MalformedPolicyDocument: Invalid principal in policy.
    world, _ = caller_world(MAY_ASSUME)
    world.create_role(A, "ForCarol", trust({"AWS": f"arn:aws:iam::{B}:user/carol"}))
    with pytest.raises(PolicyError) as refused:
        world.create_role(A, "ForNobody", trust({"AWS": f"arn:aws:iam::{B}:user/nobody"}))
    assert refused.value.message == f'Invalid principal in policy: "AWS":"arn:aws:iam::{B}:user/nobody"'


# ---- what a borrowed account never is ----------------------------------------------------------------------------


def test_the_loader_is_asked_once_per_account_and_misses_are_remembered():
    world, loader = caller_world(MAY_ASSUME)
    assume(world)
    assume(world)
    world.find_role(f"arn:aws:iam::{C}:role/Nope")
    world.find_user(f"arn:aws:iam::{C}:user/nobody")
    world.managed_policy(f"arn:aws:iam::{C}:policy/Nope")
    world.find_role(f"arn:aws:iam::{A}:role/Own")  # the world's own account: never asked
    assert loader.asked == [B, C]


def test_looking_up_the_worlds_own_entities_never_asks_the_loader():
    world, loader = caller_world(MAY_ASSUME)
    world.request(ALICE, "s3:GetObject", "arn:aws:s3:::own-bucket/a")
    world.find_user(ALICE)
    assert loader.asked == []


def test_borrowed_accounts_are_never_saved_nor_the_worlds_own():
    world, _ = caller_world(MAY_ASSUME)
    assume(world)
    assert world.is_borrowed(B) and not world.is_borrowed(A) and not world.is_borrowed(C)
    assert list(world.accounts) == [A]
    assert list(world.borrowed) == [B]
    assert list(world.to_dict()["accounts"]) == [A]


def test_the_access_graph_draws_no_borrowed_entity_beyond_the_role_a_session_belongs_to():
    world, _ = caller_world(MAY_ASSUME)
    session = assume(world)["session_id"]
    graph = access_graph(world)
    ids = {node.id for node in graph.nodes}
    assert ids == {ALICE, f"session:{session}", PEER_ROLE}
    role_node = next(node for node in graph.nodes if node.id == PEER_ROLE)
    assert role_node.name is None and "(outside this world)" in next(c.label for c in graph.clusters if c.id == B)
    assert {(e.source, e.target, e.kind) for e in graph.edges} == {(f"session:{session}", PEER_ROLE, "session_of")}


def test_a_borrowed_account_cannot_be_changed():
    # IAM's APIs act in the caller's own account: another account's entities "cannot be found" (§1.9, API-IAM).
    world, _ = caller_world(MAY_ASSUME)
    assume(world)
    with pytest.raises(IamError) as refused:
        world.update_assume_role_policy(PEER_ROLE, trust({"AWS": C}))
    assert refused.value.code == "NoSuchEntity"
    with pytest.raises(IamError):
        world.put_inline_policy(PEER_ROLE, "Mine", doc(allow("*")))
    with pytest.raises(IamError):
        world.attach_policy(ALICE, PEER_POLICY)
    with pytest.raises(IamError):
        world.create_role(B, "Planted", trust({"AWS": A}))
    with pytest.raises(ParameterError):
        world.put_resource_policy(PEER_QUEUE, doc({"Effect": "Allow", "Principal": "*", "Action": "*"}))
    assert world.find_role(PEER_ROLE).trust.source() == trust({"AWS": A})


def test_a_borrowed_accounts_users_and_root_never_call():
    # §5.9 (H): only credentials this world issued or holds are valid: InvalidClientTokenId otherwise.
    world, _ = caller_world(MAY_ASSUME)
    assume(world)
    for ref in (f"arn:aws:iam::{B}:user/carol", f"arn:aws:iam::{B}:root"):
        with pytest.raises(StsError) as refused:
            world.caller(ref)
        assert refused.value.code == "InvalidClientTokenId"


def test_a_borrowed_account_is_validated_like_any_account():
    bad = peer_account()
    bad["RoleDetailList"][0]["Arn"] = f"arn:aws:iam::{C}:role/Shared"  # an entity of another account smuggled in
    world, _ = caller_world(MAY_ASSUME, peers={B: bad})
    with pytest.raises(WorldError) as refused:
        world.find_role(PEER_ROLE)
    assert refused.value.json_path == f"accounts.{B}.RoleDetailList[0].Arn"
    assert world.find_role(PEER_ROLE) is None  # asked once: the faulty account stays out

    broken = peer_account()
    broken["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"] = {"Statement": "nope"}
    world, _ = caller_world(MAY_ASSUME, peers={B: broken})
    with pytest.raises(PolicyError) as refused:
        world.find_role(PEER_ROLE)
    assert refused.value.json_path.startswith(f"accounts.{B}.RoleDetailList[0].RolePolicyList[0].PolicyDocument")


@pytest.mark.parametrize("hostile", [None, "", "x" * 5000, "1234", "aws", 111111111111, ["222222222222"]])
def test_hostile_account_ids_never_reach_the_loader(hostile):
    world, loader = caller_world(MAY_ASSUME)
    assert world._account_for(hostile) is None
    assert world.find_role(f"arn:aws:iam::{hostile}:role/X") is None
    assert loader.asked == []


def test_a_world_borrows_a_bounded_number_of_accounts():
    peers = {f"{n:012d}": account() for n in range(400000000000, 400000000000 + MAX_BORROWED + 5)}
    world, loader = caller_world(MAY_ASSUME, peers=peers)
    for account_id in peers:
        world.find_role(f"arn:aws:iam::{account_id}:role/X")
    assert len(loader.asked) == MAX_BORROWED
    assert len(world.borrowed) == MAX_BORROWED


def test_peers_are_parsed_lazily_when_the_world_is_lazy():
    broken = peer_account()
    broken["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"] = {"Statement": "nope"}
    world, _ = caller_world(MAY_ASSUME, peers={B: broken}, lazy=True)
    assert world.find_role(PEER_ROLE) is not None  # stored data was validated when first stored


# ---- what the learner is shown of a borrowed account ---------------------------------------------------------------


def test_redact_hides_a_borrowed_policys_name_sid_and_document():
    world, _ = caller_world(MAY_ASSUME)
    session = assume(world)["session_id"]
    decision = world.request(session, "s3:GetObject", "arn:aws:s3:::peer-bucket/q1.csv")
    assert decision.matched[0].sid == "SecretSid"
    assert resolve_statement(world, decision.matched[0].ref) is None  # never read back out of B
    shown = world.redact(decision)
    assert shown.outcome == "allowed"
    (statement,) = shown.matched
    assert (statement.source, statement.effect) == ("identity", "Allow")
    assert (statement.policy, statement.sid, statement.ref, statement.json_path) == (None, None, None, "")
    words = " ".join([shown.reason, *explain(shown, shown.request)])
    assert "SecretSid" not in words and "p0" not in words


def test_redact_leaves_the_worlds_own_policies_alone():
    world, _ = caller_world(MAY_ASSUME)
    decision = world.request(ALICE, "sts:AssumeRole", PEER_ROLE)
    shown = world.redact(decision)
    assert [(m.source, m.policy) for m in shown.matched] == [("trust", None), ("identity", "p0")]
    own = make_world({A: account(users=[user("alice", MAY_ASSUME)])})
    plain = own.request(ALICE, "s3:GetObject", "*")
    assert own.redact(plain) is plain


def test_redact_on_a_denial_hides_how_the_peers_trust_policy_named_the_caller():
    world, _ = caller_world(doc(allow("s3:ListBucket")))  # trusted by account, identity side missing
    with pytest.raises(StsError) as denied:
        assume(world)
    assert any(m.source == "trust" for m in denied.value.decision.matched)
    shown = world.redact(denied.value.decision)
    assert not any(m.source == "trust" for m in shown.matched)
    assert shown.request.resource_policy is None


def test_an_explicit_deny_in_a_peers_policy_is_shown_without_its_name():
    peer = peer_account()
    peer["RoleDetailList"][0]["RolePolicyList"].append(
        {"PolicyName": "HiddenDeny", "PolicyDocument": doc({"Sid": "NoDelete", **deny("s3:*")})}
    )
    world, _ = caller_world(MAY_ASSUME, peers={B: peer})
    session = assume(world)["session_id"]
    shown = world.redact(world.request(session, "s3:GetObject", "arn:aws:s3:::peer-bucket/q1.csv"))
    assert shown.outcome == "explicitDeny"
    words = " ".join(explain(shown, shown.request))
    assert "NoDelete" not in words and "HiddenDeny" not in words
    assert words.startswith("A statement in the identity-based policy is a Deny")


@pytest.mark.parametrize(
    "hostile",
    [["not", "an", "account"], "text", 42, {"UserDetailList": "nope"}, {"Unknown": []}, {"alias": "-bad-"}],
)
def test_a_loader_giving_something_else_than_an_account_is_a_world_error(hostile):
    world, _ = caller_world(MAY_ASSUME, peers={B: hostile})
    with pytest.raises(WorldError) as refused:
        world.find_role(PEER_ROLE)
    assert refused.value.json_path.startswith(f"accounts.{B}")
    assert world.find_role(PEER_ROLE) is None and not world.is_borrowed(B)


PEER_GITHUB = f"arn:aws:iam::{B}:oidc-provider/token.actions.githubusercontent.com"


def _web_identity_peer(provider_account: str) -> dict:
    """B's account with a CI role trusting a GitHub provider of ``provider_account``; B holds the provider."""
    provider = f"arn:aws:iam::{provider_account}:oidc-provider/token.actions.githubusercontent.com"
    ci = role("CI", trust({"Federated": provider}, action="sts:AssumeRoleWithWebIdentity"), doc(allow("s3:*")))
    return account(
        roles=[ci], identity_providers=[{"type": "oidc", "arn": PEER_GITHUB, "audiences": ["sts.amazonaws.com"]}]
    )


def test_a_borrowed_role_is_assumed_with_a_web_identity_token_through_its_own_accounts_provider():
    # AssumeRoleWithWebIdentity: the OIDC provider is an IAM object of the role's account, and the role's trust
    # policy names it as Federated (IAM User Guide, "Create a role for OpenID Connect federation").
    world, _ = caller_world(peers={B: _web_identity_peer(B)})
    claims = {"sub": "repo:org/app:ref:refs/heads/main", "aud": "sts.amazonaws.com"}
    issued = sts.assume_role_with_web_identity(
        world, sts.WebIdentityRequest(PEER_GITHUB, f"arn:aws:iam::{B}:role/CI", "gh", claims)
    )
    assert issued["ok"] and issued["assumed_role_user"]["Arn"] == f"arn:aws:sts::{B}:assumed-role/CI/gh"


def test_a_provider_of_another_account_than_the_roles_is_not_found():
    world, _ = caller_world(peers={B: _web_identity_peer(B)})
    world.accounts[A].providers[PEER_GITHUB.replace(B, A)] = world.find_provider(PEER_GITHUB)
    claims = {"sub": "repo:org/app:ref:refs/heads/main", "aud": "sts.amazonaws.com"}
    request = sts.WebIdentityRequest(PEER_GITHUB.replace(B, A), f"arn:aws:iam::{B}:role/CI", "gh", claims)
    with pytest.raises(StsError) as refused:
        sts.assume_role_with_web_identity(world, request)
    assert refused.value.code == "InvalidIdentityToken"
