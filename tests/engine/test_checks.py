"""Lab checks (``iamtutor/engine/checks/``): each predicate decided by the engine on small worlds.

Every test names the AWS fact it rests on with its section in iam-reference.md. Checks never compare policy
text: the same outcome comes from differently written policies, and each explanation names what failed.
"""

from __future__ import annotations

import pytest

from iamtutor.engine import AssumeRoleRequest, assume_role, revoke_sessions
from iamtutor.engine.checks import (
    CHECKS,
    CheckError,
    Trail,
    answer_matches,
    apply_steps,
    check_steps,
    display_name,
    parse_check,
    parse_checks,
    rewind_for,
    run_checks,
)
from iamtutor.engine.sts import launch_instance
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

CAROL = f"arn:aws:iam::{B}:user/carol"
OUTSIDER = "arn:aws:iam::999999999999:user/outsider"
READ = doc(allow("s3:GetObject", "arn:aws:s3:::reports/*"))
ASSUME_ANY = doc(allow("sts:AssumeRole"))
Q1 = "arn:aws:s3:::reports/q1.csv"


def one(check: dict, world, **options):
    """The outcome of a single check definition on ``world``."""
    (outcome,) = run_checks([parse_check(check)], world, **options)
    return outcome


def deploy_world(trust_policy: dict, *role_policies: dict, alice: tuple = (), **role_extra):
    return make_world(
        {
            A: account(
                users=[user("alice", *alice), user("bob")],
                roles=[role("Deploy", trust_policy, *role_policies, **role_extra)],
            ),
            B: account(users=[user("carol", ASSUME_ANY)]),
        }
    )


# ---- parsing: bad definitions name their path ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "path", "words"),
    [
        ({"can_asume": {}}, "check", "Unknown check 'can_asume'"),
        ({"can_assume": {"caller": ALICE}}, "check.can_assume.role", "needs 'role'"),
        (
            {"can_assume": {"caller": ALICE, "role": DEPLOY, "colour": "red"}},
            "check.can_assume",
            "no argument 'colour'",
        ),
        ({"can_assume": {"caller": "alice", "role": DEPLOY}}, "check.can_assume.caller", "is not a caller"),
        ({"can_assume": {"caller": ALICE, "role": ALICE}}, "check.can_assume.role", "is not a role ARN"),
        ({"request_allowed": {"action": "s3:GetObject", "resource": "*"}}, "check.request_allowed", "exactly one of"),
        (
            {"request_denied": {"caller": ALICE, "action": "GetObject", "resource": "*"}},
            "check.request_denied.action",
            "not an action",
        ),
        (
            {"request_denied": {"caller": ALICE, "action": "s3:GetObject", "resource": "*", "decided_by": "luck"}},
            "check.request_denied.decided_by",
            "Expected one of",
        ),
        (
            {"session_max_duration": {"role": DEPLOY, "caller": ALICE, "seconds": 60}},
            "check.session_max_duration.seconds",
            "900 to 43200",
        ),
        (
            {"can_assume": {"caller": "web_identity:arn:aws:iam::111111111111:oidc-provider/x", "role": DEPLOY}},
            "check.can_assume.claims",
            "claims",
        ),
        (
            {"can_assume": {"caller": ALICE, "role": DEPLOY, "via": [{"role": DEPLOY, "colour": 1}]}},
            "check.can_assume.via[0].colour",
            "takes no 'colour'",
        ),
        (
            {"least_privilege": {"role": DEPLOY, "needed": [["s3:GetObject"]], "forbidden": []}},
            "check.least_privilege.needed[0]",
            "{action, resource}",
        ),
        (
            {"least_privilege": {"role": DEPLOY, "needed": [], "forbidden": []}},
            "check.least_privilege.needed",
            "1 to 50",
        ),
        ({"event_exists": {}}, "check.event_exists", "at least one filter"),
        ({"event_exists": {"actor": ALICE}}, "check.event_exists", "no argument 'actor'"),
        ({"answer": {"kind": "motive", "event": {"action": "s3:GetObject"}}}, "check.answer.kind", "Expected one of"),
        ({"session_revoked": {"session": DEPLOY}}, "check.session_revoked.session", "role session ARN"),
        (
            {"requires_external_id": {"role": DEPLOY, "from_account": "22", "external_id": "x"}},
            "check.requires_external_id.from_account",
            "12-digit",
        ),
        (
            {"can_pass_role": {"caller": "service:ec2.amazonaws.com", "role": DEPLOY, "service": "ec2"}},
            "check.can_pass_role.caller",
            "passes a role",
        ),
        ("can_assume", "check", "one name with its arguments"),
    ],
)
def test_a_bad_definition_names_its_path_and_what_is_wrong(definition, path, words):
    with pytest.raises(CheckError) as raised:
        parse_check(definition)
    assert raised.value.json_path == path and words in raised.value.message
    assert raised.value.code == "InvalidCheck"


def test_a_check_list_reports_the_index_of_the_bad_check():
    with pytest.raises(CheckError) as raised:
        parse_checks([{"trust_not_public": {"role": DEPLOY}}, {"nope": {}}], "tasks[3].check")
    assert raised.value.json_path == "tasks[3].check[1]"


def test_every_check_has_a_runner_and_yaml_numbers_are_accepted_as_account_ids():
    from iamtutor.engine.checks import _RUNNERS

    assert set(CHECKS) == set(_RUNNERS)
    check = parse_check({"requires_external_id": {"role": DEPLOY, "from_account": 222222222222, "external_id": "x"}})
    assert check.args["from_account"] == "222222222222"


def test_a_check_lists_the_principals_the_world_must_hold():
    check = parse_check(
        {"request_allowed": {"caller": ALICE, "via": [DEPLOY], "action": "s3:GetObject", "resource": Q1}}
    )
    assert list(check.principals()) == [
        ("check.request_allowed.caller", ALICE),
        ("check.request_allowed.via[0]", DEPLOY),
    ]


# ---- assuming roles (§5.2) -------------------------------------------------------------------------------------


def test_can_assume_names_the_trust_policy_when_it_does_not_name_the_caller():
    # §5.2 step 2: in one account the trust policy must itself allow the caller (§4.1 fact 5, D-EVAL, H).
    world = deploy_world(trust({"AWS": BOB}))
    outcome = one({"can_assume": {"caller": ALICE, "role": DEPLOY}}, world)
    assert not outcome.passed
    assert outcome.explanation == (
        "alice cannot assume Deploy: the trust policy of Deploy does not allow alice (AccessDenied)."
    )
    assert one({"can_assume": {"caller": BOB, "role": DEPLOY}}, world).passed


def test_the_same_outcome_from_differently_written_trust_policies():
    # Not a comparison of JSON: a list principal, two statements or a string principal all let alice in.
    for policy in (
        trust({"AWS": [ALICE, BOB]}),
        doc(
            {"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "sts:AssumeRole"},
            {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": ["sts:AssumeRole"]},
        ),
        trust({"AWS": ALICE}),
    ):
        assert one({"can_assume": {"caller": ALICE, "role": DEPLOY}}, deploy_world(policy)).passed


def test_cross_account_needs_the_callers_identity_policy_too():
    # §4.1 fact 7 (D-XACCT, H): across accounts both the trust policy and the caller's own policies must allow.
    world = make_world(
        {
            A: account(roles=[role("Deploy", trust({"AWS": f"arn:aws:iam::{B}:root"}))]),
            B: account(users=[user("carol")]),
        }
    )
    outcome = one({"can_assume": {"caller": CAROL, "role": DEPLOY}}, world)
    assert not outcome.passed and "no identity-based policy of carol allows sts:AssumeRole" in outcome.explanation
    denied = one({"cannot_assume": {"caller": CAROL, "role": DEPLOY, "denied_by": "trust"}}, world)
    assert not denied.passed and "not for the reason this task is about" in denied.explanation
    assert one({"cannot_assume": {"caller": CAROL, "role": DEPLOY, "denied_by": "identity"}}, world).passed


def test_a_missing_condition_key_is_named():
    # §5.6 (D-XID, H): without ExternalId the condition on sts:ExternalId is false.
    policy = trust({"AWS": ALICE}, Condition={"StringEquals": {"sts:ExternalId": "x-1"}})
    outcome = one({"can_assume": {"caller": ALICE, "role": DEPLOY}}, deploy_world(policy))
    assert "a condition needs sts:ExternalId, which the request did not carry" in outcome.explanation
    assert one({"can_assume": {"caller": ALICE, "role": DEPLOY, "external_id": "x-1"}}, deploy_world(policy)).passed


def test_mfa_is_sent_from_the_callers_own_device():
    # §5.7 (H): with SerialNumber and TokenCode the trust evaluation sees aws:MultiFactorAuthPresent = true.
    policy = trust({"AWS": ALICE}, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    world = make_world(
        {
            A: account(
                users=[user("alice", MFADevices=[{"SerialNumber": f"arn:aws:iam::{A}:mfa/alice"}])],
                roles=[role("Deploy", policy)],
            )
        }
    )
    assert not one({"can_assume": {"caller": ALICE, "role": DEPLOY}}, world).passed
    assert one({"can_assume": {"caller": ALICE, "role": DEPLOY, "mfa": True}}, world).passed


def test_a_broken_via_chain_says_where_it_broke():
    world = make_world(
        {
            A: account(
                users=[user("alice"), user("bob")],
                roles=[role("Deploy", trust({"AWS": BOB})), role("Next", trust({"AWS": DEPLOY}))],
            )
        }
    )
    outcome = one({"can_assume": {"caller": ALICE, "via": [DEPLOY], "role": f"arn:aws:iam::{A}:role/Next"}}, world)
    assert not outcome.passed and outcome.explanation.startswith("alice cannot assume Deploy:")


# ---- requests (§4.2) ------------------------------------------------------------------------------------------


def test_request_checks_decide_as_a_session_of_the_role():
    world = deploy_world(trust({"AWS": ALICE}), READ)
    assert one({"request_allowed": {"session_of": DEPLOY, "action": "s3:GetObject", "resource": Q1}}, world).passed
    denied = one({"request_allowed": {"session_of": DEPLOY, "action": "s3:PutObject", "resource": Q1}}, world)
    assert denied.explanation == (
        "A session of Deploy is denied s3:PutObject on arn:aws:s3:::reports/q1.csv: no identity-based policy of "
        "the role Deploy allows s3:PutObject (implicitDeny)."
    )
    via = one({"request_allowed": {"caller": ALICE, "via": [DEPLOY], "action": "s3:GetObject", "resource": Q1}}, world)
    assert via.passed and via.explanation.startswith("alice's session of Deploy may call")


@pytest.mark.parametrize(
    ("extra", "decided_by"),
    [
        ({}, "identity"),
        (
            {
                "PermissionsBoundary": {
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/OnlyList",
                }
            },
            "boundary",
        ),
    ],
)
def test_decided_by_names_the_policy_type_that_denied(extra, decided_by):
    # §4.2: an identity policy without the action denies implicitly; a boundary caps what identity policies allow.
    policies = [
        {
            "PolicyName": "OnlyList",
            "Arn": f"arn:aws:iam::{A}:policy/OnlyList",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [
                {"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(allow("s3:ListBucket"))}
            ],
        }
    ]
    grant = doc(allow("s3:GetObject") if decided_by == "boundary" else allow("s3:ListBucket"))
    world = make_world(
        {
            A: account(
                users=[user("alice")], roles=[role("Deploy", trust({"AWS": ALICE}), grant, **extra)], Policies=policies
            )
        }
    )
    check = {
        "request_denied": {"session_of": DEPLOY, "action": "s3:GetObject", "resource": Q1, "decided_by": decided_by}
    }
    assert one(check, world).passed
    other = "boundary" if decided_by == "identity" else "identity"
    wrong = one({"request_denied": {**check["request_denied"], "decided_by": other}}, world)
    assert not wrong.passed and "not by" in wrong.explanation


def test_an_explicit_deny_is_named_with_its_statement():
    # §4.1 fact 1 (D-EVAL, H): an applicable Deny wins over any Allow.
    world = deploy_world(trust({"AWS": ALICE}), doc(allow("s3:*", "*"), deny("s3:GetObject", Q1, Sid="NoQ1")))
    outcome = one(
        {
            "request_denied": {
                "session_of": DEPLOY,
                "action": "s3:GetObject",
                "resource": Q1,
                "decided_by": "explicit-deny",
            }
        },
        world,
    )
    assert outcome.passed and "(statement NoQ1)" in outcome.explanation


def test_a_session_policy_limits_the_session():
    # §5.4 (D-POL, H): a session policy caps the session; the role's policies are not widened by it.
    world = deploy_world(trust({"AWS": ALICE}), doc(allow("s3:*", "*")))
    hop = {"role": DEPLOY, "policy": doc(allow("s3:ListBucket"))}
    check = {
        "request_denied": {
            "caller": ALICE,
            "via": [hop],
            "action": "s3:GetObject",
            "resource": Q1,
            "decided_by": "session",
        }
    }
    assert one(check, world).passed


# ---- durations (§5.3) ---------------------------------------------------------------------------------------------


def test_session_max_duration_follows_max_session_duration():
    # §5.3 (API-STS, H): DurationSeconds may not exceed the role's MaxSessionDuration.
    world = deploy_world(trust({"AWS": ALICE}), MaxSessionDuration=7200)
    assert one({"session_max_duration": {"role": DEPLOY, "caller": ALICE, "seconds": 7200}}, world).passed
    longer = one({"session_max_duration": {"role": DEPLOY, "caller": ALICE, "seconds": 3600}}, world)
    assert not longer.passed and "can last longer than 3600 seconds" in longer.explanation
    assert one(
        {"session_max_duration": {"role": DEPLOY, "caller": ALICE, "seconds": 7200, "exact": False}}, world
    ).passed


def test_role_chaining_caps_a_session_at_one_hour_whatever_the_role_allows():
    # §5.3 (D-TERMS, H): a session opened with role-session credentials lasts at most 1 hour.
    world = make_world(
        {
            A: account(
                users=[user("alice")],
                roles=[
                    role("Deploy", trust({"AWS": ALICE}), ASSUME_ANY),
                    role("Long", trust({"AWS": DEPLOY}), MaxSessionDuration=43200),
                ],
            )
        }
    )
    long_role = f"arn:aws:iam::{A}:role/Long"
    chained = {"role": long_role, "caller": ALICE, "via": [DEPLOY], "seconds": 3600}
    assert one({"session_max_duration": chained}, world).passed
    too_long = one({"can_assume": {"caller": ALICE, "via": [DEPLOY], "role": long_role, "duration": 7200}}, world)
    assert "1 hour session limit for roles assumed by role chaining" in too_long.explanation


# ---- external IDs and public trust (§5.6) -------------------------------------------------------------------------


def partner_world(trust_policy: dict):
    return make_world(
        {
            A: account(roles=[role("Audit", trust_policy)]),
            B: account(users=[user("carol", ASSUME_ANY)], roles=[role("Scanner", trust({"AWS": CAROL}))]),
        }
    )


AUDIT = f"arn:aws:iam::{A}:role/Audit"
XID = {"requires_external_id": {"role": AUDIT, "from_account": B, "external_id": "ext-1"}}


def test_requires_external_id_passes_only_when_the_exact_value_is_demanded():
    # §5.6 (D-XID, H): a missing or different ExternalId makes the StringEquals condition false.
    b_root = {"AWS": f"arn:aws:iam::{B}:root"}
    assert one(XID, partner_world(trust(b_root, Condition={"StringEquals": {"sts:ExternalId": "ext-1"}}))).passed
    missing = one(XID, partner_world(trust(b_root)))
    assert not missing.passed and "without an external ID" in missing.explanation
    anything = one(XID, partner_world(trust(b_root, Condition={"StringLike": {"sts:ExternalId": "*"}})))
    assert not anything.passed and "wrong external ID" in anything.explanation
    typo = one(XID, partner_world(trust(b_root, Condition={"StringEquals": {"sts:ExternalId": "ext-2"}})))
    assert not typo.passed and "even with the external ID ext-1" in typo.explanation


def test_requires_external_id_tries_the_accounts_own_principals():
    # A trust naming one user of the account (not its root) is still tested with that user.
    policy = trust({"AWS": CAROL}, Condition={"StringEquals": {"sts:ExternalId": "ext-1"}})
    outcome = one(XID, partner_world(policy))
    assert outcome.passed and "carol" in outcome.explanation


@pytest.mark.parametrize(
    ("principal", "condition", "public"),
    [
        ({"AWS": "*"}, None, True),
        ("*", None, True),
        ({"AWS": "*"}, {"StringEquals": {"sts:ExternalId": "ext-1"}}, True),  # §5.6: an external ID is no secret
        ({"AWS": "*"}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}, True),  # an outsider can have MFA too
        ({"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": A}}, False),
        ({"AWS": f"arn:aws:iam::{B}:root"}, None, False),
        ({"AWS": ALICE}, None, False),
    ],
)
def test_trust_not_public_probes_with_an_outsider(principal, condition, public):
    # §1.6 (D-PRIN, H): "*" as principal means every AWS principal, in any account.
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    world = make_world({A: account(users=[user("alice")], roles=[role("Audit", doc(statement))])})
    outcome = one({"trust_not_public": {"role": AUDIT}}, world)
    assert outcome.passed is (not public)
    if public:
        assert outcome.explanation.startswith("Anyone can assume Audit:")


# ---- least privilege, revocation ---------------------------------------------------------------------------------


def test_least_privilege_lists_what_is_missing_and_what_is_too_much():
    needed = [{"action": "s3:GetObject", "resource": Q1}]
    forbidden = [{"action": "s3:DeleteObject", "resource": Q1}, {"action": "iam:CreateUser", "resource": "*"}]
    check = {"least_privilege": {"role": DEPLOY, "needed": needed, "forbidden": forbidden}}
    assert one(check, deploy_world(trust({"AWS": ALICE}), READ)).passed
    broad = one(check, deploy_world(trust({"AWS": ALICE}), doc(allow("s3:*", "*"))))
    assert "may do more than the task needs: s3:DeleteObject on arn:aws:s3:::reports/q1.csv" in broad.explanation
    narrow = one(check, deploy_world(trust({"AWS": ALICE}), doc(allow("s3:GetObject", "arn:aws:s3:::reports"))))
    assert "still cannot do what the task needs: s3:GetObject" in narrow.explanation


def test_session_revoked_after_revoke_active_sessions_and_new_sessions_still_work():
    # §5.9 (D-REVOKE, H): the AWSRevokeOlderSessions Deny hits sessions issued before the revocation only.
    world = deploy_world(trust({"AWS": ALICE}), READ, MaxSessionDuration=43200)
    assume_role(world, ALICE, AssumeRoleRequest(DEPLOY, "laptop", duration_seconds=43200))
    leaked = {"session_revoked": {"session": f"arn:aws:sts::{A}:assumed-role/Deploy/laptop"}}
    still = one(leaked, world)
    assert not still.passed and "still works" in still.explanation
    world.clock.advance(60)
    revoke_sessions(world, DEPLOY)
    assert one(leaked, world).passed
    fresh = {"request_allowed": {"caller": ALICE, "via": [DEPLOY], "action": "s3:GetObject", "resource": Q1}}
    assert one(fresh, world).passed


def test_session_revoked_is_relative_to_the_worlds_clock():
    # §5.9 (H): after Expiration any use of the credentials fails, so an expired session is harmless.
    world = deploy_world(trust({"AWS": ALICE}), READ)
    assume_role(world, ALICE, AssumeRoleRequest(DEPLOY, "laptop", duration_seconds=900))
    leaked = {"session_revoked": {"session": f"arn:aws:sts::{A}:assumed-role/Deploy/laptop"}}
    assert not one(leaked, world).passed
    world.clock.advance(901)
    assert one(leaked, world).passed
    unknown = one({"session_revoked": {"session": f"arn:aws:sts::{A}:assumed-role/Deploy/other"}}, world)
    assert not unknown.passed and "was ever issued" in unknown.explanation


def test_conditions_on_time_follow_the_world_clock_not_the_wall_clock():
    # §3.2 (H): aws:CurrentTime is the request's time — here, the world's.
    policy = trust({"AWS": ALICE}, Condition={"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}})
    world = deploy_world(policy)
    assert one({"can_assume": {"caller": ALICE, "role": DEPLOY}}, world).passed
    world.clock.set("2026-07-01T00:00:00Z")
    assert not one({"can_assume": {"caller": ALICE, "role": DEPLOY}}, world).passed


def test_checks_leave_the_world_as_they_found_it():
    world = deploy_world(trust({"AWS": ALICE}), READ)
    assume_role(world, ALICE, AssumeRoleRequest(DEPLOY, "before"))
    events, sessions = list(world.events), dict(world.sessions)
    checks = parse_checks(
        [
            {"can_assume": {"caller": ALICE, "role": DEPLOY}},
            {"request_allowed": {"caller": ALICE, "via": [DEPLOY], "action": "s3:GetObject", "resource": Q1}},
            {"session_max_duration": {"role": DEPLOY, "caller": ALICE, "seconds": 3600}},
            {"trust_not_public": {"role": DEPLOY}},
        ]
    )
    assert all(outcome.passed for outcome in run_checks(checks, world))
    assert list(world.events) == events and world.sessions == sessions


# ---- passing roles to services (§5.11) ---------------------------------------------------------------------------


def service_world(passrole: dict):
    profile = [{"InstanceProfileName": "web", "Arn": f"arn:aws:iam::{A}:instance-profile/web"}]
    return make_world(
        {
            A: account(
                users=[user("alice", doc(allow(["ec2:RunInstances", "lambda:CreateFunction"]), passrole))],
                roles=[
                    role("Web", trust({"Service": "ec2.amazonaws.com"}), InstanceProfileList=profile),
                    role("Fn", trust({"Service": "ec2.amazonaws.com"})),
                ],
            )
        }
    )


def test_can_pass_role_needs_pass_role_and_a_role_that_trusts_the_service():
    # §5.11 (D-PASS, H): launching with a role needs iam:PassRole on it; Lambda refuses a role that does not
    # trust lambda.amazonaws.com (M).
    web, fn = f"arn:aws:iam::{A}:role/Web", f"arn:aws:iam::{A}:role/Fn"
    world = service_world(allow("iam:PassRole", [web, fn]))
    assert one({"can_pass_role": {"caller": ALICE, "role": web, "service": "ec2"}}, world).passed
    refused = one({"can_pass_role": {"caller": ALICE, "role": fn, "service": "lambda"}}, world)
    assert not refused.passed and "cannot be assumed by Lambda" in refused.explanation
    no_profile = one({"can_pass_role": {"caller": ALICE, "role": fn, "service": "ec2"}}, world)
    assert "no instance profile" in no_profile.explanation
    world = service_world(allow("iam:PassRole", fn))
    assert one({"cannot_pass_role": {"caller": ALICE, "role": web, "service": "ec2"}}, world).passed


# ---- the audit trail (§6) ----------------------------------------------------------------------------------------


def chain_world():
    """alice → Deploy → Next, carol (another account) → Deploy, and an EC2 instance launched by alice."""
    nxt = f"arn:aws:iam::{A}:role/Next"
    profile = [{"InstanceProfileName": "box", "Arn": f"arn:aws:iam::{A}:instance-profile/box"}]
    world = make_world(
        {
            A: account(
                users=[user("alice", doc(allow(["ec2:RunInstances", "iam:PassRole"])))],
                roles=[
                    role("Deploy", trust({"AWS": [ALICE, f"arn:aws:iam::{B}:root"]}), ASSUME_ANY),
                    role("Next", trust({"AWS": DEPLOY}), READ),
                    role("Box", trust({"Service": "ec2.amazonaws.com"}), READ, InstanceProfileList=profile),
                ],
            ),
            B: account(users=[user("carol", ASSUME_ANY)]),
        }
    )
    first = assume_role(world, ALICE, AssumeRoleRequest(DEPLOY, "one"))
    second = assume_role(world, first["session_id"], AssumeRoleRequest(nxt, "two"))
    world.request(second["session_id"], "s3:GetObject", Q1)
    assume_role(world, CAROL, AssumeRoleRequest(DEPLOY, "partner"))
    box = launch_instance(world, ALICE, f"arn:aws:iam::{A}:instance-profile/box", instance_id="i-0123456789abcdef0")
    world.request(box["session_id"], "s3:GetObject", "arn:aws:s3:::reports/q2.csv")
    return world


def test_the_trail_follows_keys_back_to_who_started_the_chain():
    # §6.3 (D-CT, H): AssumeRole's responseElements carry the new session's access key id.
    world = chain_world()
    trail = Trail(world.events)
    (read,) = trail.matching({"action": "s3:GetObject", "resource": Q1})
    chain = trail.chain(read)
    assert chain.root == ALICE
    assert chain.roles == (DEPLOY, f"arn:aws:iam::{A}:role/Next")
    assert chain.hops[-1].session_arn == f"arn:aws:sts::{A}:assumed-role/Next/two"


def test_the_trail_follows_an_instance_session_to_whoever_launched_it():
    # §5.11 (D-EC2, H): EC2 names the session after the instance; RunInstances shows who launched it.
    trail = Trail(chain_world().events)
    (read,) = trail.matching({"action": "s3:GetObject", "resource": "arn:aws:s3:::reports/q2.csv"})
    chain = trail.chain(read)
    assert chain.root == ALICE and chain.hops[-1].kind == "ec2"


def test_the_cross_account_copy_of_an_event_is_counted_once():
    # §6.3 (D-CT, H): a cross-account AssumeRole is filed in both accounts with one sharedEventID.
    world = chain_world()
    assert sum(e["eventName"] == "AssumeRole" and e["userIdentity"].get("accountId") == B for e in world.events) == 2
    found = Trail(world.events).matching({"action": "sts:AssumeRole", "from": CAROL})
    assert len(found) == 1


def test_event_exists_and_answers_from_the_trail():
    world = chain_world()
    assert one(
        {
            "event_exists": {
                "action": "s3:GetObject",
                "from": ALICE,
                "role": f"arn:aws:iam::{A}:role/Next",
                "error": "none",
            }
        },
        world,
    ).passed
    missing = one({"event_exists": {"action": "s3:PutObject", "resource": Q1}}, world)
    assert not missing.passed and missing.explanation == (
        "The audit trail does not show s3:PutObject on arn:aws:s3:::reports/q1.csv yet."
    )
    event = {"action": "s3:GetObject", "resource": Q1}
    assert one({"answer": {"kind": "principal", "event": event}}, world, answer="alice").passed
    assert one({"answer": {"kind": "chain", "event": event}}, world, answer="Deploy → Next").passed
    wrong = one({"answer": {"kind": "chain", "event": event}}, world, answer="Next")
    assert not wrong.passed and "Deploy" not in wrong.explanation  # never gives the right answer away
    assert one({"answer": {"kind": "session", "event": event}}, world, answer="").explanation == "Not answered yet."


@pytest.mark.parametrize(
    ("kind", "expected", "given", "matches"),
    [
        ("principal", ALICE, "alice", True),
        ("principal", ALICE, f" {ALICE} ", True),
        ("principal", ALICE, "ALICE", True),
        ("principal", ALICE, "bob", False),
        ("chain", f"{DEPLOY} → arn:aws:iam::{A}:role/Next", "Deploy, Next", True),
        ("chain", f"{DEPLOY} → arn:aws:iam::{A}:role/Next", "alice -> Deploy -> Next", True),
        ("chain", f"{DEPLOY} → arn:aws:iam::{A}:role/Next", "Next, Deploy", False),
        ("chain", f"{DEPLOY} → arn:aws:iam::{A}:role/Next", "Deploy", False),
        ("session", f"arn:aws:sts::{A}:assumed-role/Next/two", "Next/two", True),
        ("session", f"arn:aws:sts::{A}:assumed-role/Next/two", "Next", False),
    ],
)
def test_answers_accept_an_arn_or_its_name(kind, expected, given, matches):
    assert answer_matches(kind, expected, given) is matches


def test_reached_replays_the_way_in_on_the_starting_world():
    start_data = {
        A: account(
            users=[user("mallory", ASSUME_ANY), user("alice")],
            roles=[role("Open", trust({"AWS": "*"}), READ), role("Closed", trust({"AWS": ALICE}), READ)],
        )
    }
    mallory = f"arn:aws:iam::{A}:user/mallory"
    check = {"reached": {"principal": mallory, "action": "s3:GetObject", "resource": Q1}}
    world = make_world(start_data)
    assert not one(check, world, start=lambda: make_world(start_data)).passed
    way_in = assume_role(world, mallory, AssumeRoleRequest(f"arn:aws:iam::{A}:role/Open", "in"))
    world.request(way_in["session_id"], "s3:GetObject", Q1)
    assert one(check, world, start=lambda: make_world(start_data)).passed
    cheat = make_world(start_data)
    cheat.update_assume_role_policy(f"arn:aws:iam::{A}:role/Closed", trust({"AWS": mallory}))
    session = assume_role(cheat, mallory, AssumeRoleRequest(f"arn:aws:iam::{A}:role/Closed", "in"))
    cheat.request(session["session_id"], "s3:GetObject", Q1)
    outcome = one(check, cheat, start=lambda: make_world(start_data))
    assert not outcome.passed and "only after the world was changed" in outcome.explanation


# ---- setups and solutions ----------------------------------------------------------------------------------------


def test_check_steps_accepts_scenario_steps_and_the_lab_changes_and_names_bad_ones():
    steps = [
        {"op": "update_role", "role_arn": DEPLOY, "max_session_duration": 7200},
        {"op": "advance_clock", "seconds": 5},
    ]
    assert check_steps(steps, "setup", setup=True) == steps
    with pytest.raises(CheckError) as raised:
        check_steps([{"op": "update_role", "role": DEPLOY}], "solutions.correct[0].steps")
    assert raised.value.json_path == "solutions.correct[0].steps[0].role"
    with pytest.raises(CheckError) as raised:
        check_steps([{"op": "teleport"}], "setup")
    assert raised.value.json_path == "setup[0].op" and "update_role" in raised.value.message
    with pytest.raises(CheckError):
        check_steps([{"op": "set_clock", "at": "2026-01-01T00:00:00Z"}], "setup", setup=True)


def test_a_setup_is_rewound_so_that_it_ends_at_the_present():
    world = deploy_world(trust({"AWS": ALICE}))
    steps = [
        {"op": "assume_role", "id": "s", "caller": ALICE, "role_arn": DEPLOY, "session_name": "early"},
        {"op": "advance_clock", "seconds": 600},
    ]
    rewind_for(world, steps)
    outcomes = list(apply_steps(world, steps))
    assert not any(o.failures for o in outcomes)
    (session,) = world.sessions.values()
    assert session.issued_at.isoformat() == "2026-01-01T08:50:00+00:00"
    assert world.clock.now().isoformat() == "2026-01-01T09:00:00+00:00"


def test_apply_steps_reports_a_failing_step_unless_it_expects_the_failure():
    world = deploy_world(trust({"AWS": BOB}))
    step = {"op": "assume_role", "caller": ALICE, "role_arn": DEPLOY, "session_name": "no"}
    (failed,) = apply_steps(world, [step])
    assert failed.failures and "AccessDenied" in failed.failures[0]
    (expected,) = apply_steps(world, [{**step, "expect": {"ok": False}}])
    assert not expected.failures
    (updated,) = apply_steps(world, [{"op": "update_role", "role_arn": DEPLOY, "max_session_duration": 7200}])
    assert not updated.failures and world.find_role(DEPLOY).max_session_duration == 7200


def test_display_names():
    assert display_name(ALICE) == "alice"
    assert display_name(f"arn:aws:iam::{A}:root") == f"the root user of {A}"
    assert display_name("service:ec2.amazonaws.com") == "ec2.amazonaws.com"
    assert display_name(f"arn:aws:sts::{A}:assumed-role/Deploy/s") == "Deploy/s"
    assert display_name(OUTSIDER) == "outsider"


def test_decided_by_scp_for_a_guardrail_of_the_organization():
    # §1.8 (D-SCP, H): an SCP that does not allow an action denies it to every principal of the member account.
    scp = doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, deny("s3:DeleteObject"))
    world = make_world(
        {A: account(users=[user("alice", doc(allow("s3:*")))]), B: account()},
        organization={
            "id": "o-exampleorg1",
            "management_account": B,
            "scps": [{"name": "NoDeletes", "targets": [A], "document": scp}],
        },
    )
    check = {"request_denied": {"caller": ALICE, "action": "s3:DeleteObject", "resource": Q1, "decided_by": "scp"}}
    outcome = one(check, world)
    assert outcome.passed and "an explicit Deny in the service control policy NoDeletes" in outcome.explanation


# ---- the package's public face --------------------------------------------------------------------------------

# Every public name checks.py defined before it became the checks/ package.
FORMER_PUBLIC_NAMES = (
    "ANSWER_KINDS", "CHANGE_STEPS", "CHECKS", "CHECK_SESSION", "DECIDERS", "OUTSIDER_ACCOUNT", "SERVICES", "Chain",
    "Check", "CheckError", "CheckOutcome", "Hop", "Trail", "answer_matches", "apply_steps", "check_steps",
    "display_name", "parse_check", "parse_checks", "replay", "rewind_for", "run_checks", "uses_trail",
)  # fmt: skip


def test_the_checks_package_keeps_every_public_name_of_the_former_module():
    # Ours: checks.py became the checks/ package; callers import from iamtutor.engine.checks or iamtutor.engine.
    import iamtutor.engine as engine
    from iamtutor.engine import checks

    assert sorted(checks.__all__) == sorted(FORMER_PUBLIC_NAMES)
    for name in FORMER_PUBLIC_NAMES:
        assert getattr(checks, name) is not None, name
    for name in ("Check", "CheckError", "CheckOutcome", "Trail", "apply_steps", "check_steps", "parse_checks",
                 "rewind_for", "run_checks", "uses_trail"):  # fmt: skip
        assert getattr(engine, name) is getattr(checks, name), name
    assert isinstance(checks.Trail, type) and callable(checks.run_checks)  # not the trail and running submodules
    assert (checks.CHECK_SESSION, checks.OUTSIDER_ACCOUNT) == ("lab-check", "999999999999")
    from iamtutor.engine.checks import _RUNNERS  # the private name this file reads

    assert set(_RUNNERS) == set(checks.CHECKS)
