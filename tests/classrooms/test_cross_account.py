"""Cross-account between classmates: alice's role trusts bob's account, bob assumes it from his own sandbox.

Driven through the real sandbox views. A student sees of a classmate's account only what AWS would show: the
ARNs they are told, the results of their own calls, and — in the classmate's trail — the copy of the AssumeRole
CloudTrail writes in the role's account. Nothing of another classroom or a personal sandbox is reachable.
"""

from __future__ import annotations

import html
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iamtutor.classrooms.membership import enrol
from iamtutor.classrooms.models import Enrollment
from iamtutor.sandbox.models import AuditEvent, StsSession
from iamtutor.sandbox.worlds import create_sandbox
from tests.factories import ClassroomFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_POLICY = "AliceSecretReports"
SECRET_SID = "AliceSecretSid"
TRUST_SID = "AliceTrustSid"
VISIT = "bob-visits"


def url(name: str, enrollment_or_sandbox, *args) -> str:
    sandbox = getattr(enrollment_or_sandbox, "sandbox", enrollment_or_sandbox)
    return reverse(f"sandbox:{name}", args=[sandbox.pk, *args])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def trust(principal: str) -> str:
    statement = {"Sid": TRUST_SID, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def role_arn(enrollment, name: str = "ForBob") -> str:
    return f"arn:aws:iam::{enrollment.account_id}:role/{name}"


def user_arn(enrollment, name: str = "bob") -> str:
    return f"arn:aws:iam::{enrollment.account_id}:user/{name}"


def make_role(client: Client, owner, principal: str, name: str = "ForBob") -> None:
    """The owner writes a role trusting ``principal``, with an inline policy that must stay theirs."""
    data = {
        "account": owner.account_id,
        "name": name,
        "path": "/",
        "description": "",
        "max_session_duration": "3600",
        "tags": "",
        "document": trust(principal),
    }
    assert client.post(url("role_new", owner), data).status_code == 302
    secret = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": SECRET_SID,
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::reports-{owner.account_id}/*",
            }
        ],
    }
    data = {"policy_name": SECRET_POLICY, "document": json.dumps(secret), "version": ""}
    assert client.post(url("role_inline", owner, owner.account_id, name), data).status_code == 302


def allow_assume(client: Client, enrollment, target: str) -> None:
    """The caller's side: bob's user may call sts:AssumeRole on ``target``."""
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    data = {"action": "put", "name": "AssumeClassmateRole", "document": json.dumps(document)}
    response = client.post(url("user_policy", enrollment, enrollment.account_id, "bob"), data)
    assert response.status_code == 302


class Assumed:
    """What bob's assume page answered: the page's text and the call's outcome."""

    def __init__(self, response) -> None:
        assert response.status_code == 200
        self.page = html.unescape(response.content.decode())
        self.outcome = response.context["outcome"]

    @property
    def refused(self) -> bool:
        return self.outcome.failure is not None

    @property
    def words(self) -> str:
        """AWS's error and the plain sentences under it (what must read alike for a missing and a refusing role)."""
        failure = self.outcome.failure
        return " ".join([failure.code, failure.message, *failure.sentences, failure.lesson])


def assume(client: Client, enrollment, target: str, identity: str | None = None) -> Assumed:
    identity = identity or f"user:{user_arn(enrollment)}"
    data = {"identity": identity, "role": "", "role_arn": target, "session_name": VISIT}
    return Assumed(client.post(url("assume", enrollment), data))


def console(client: Client, sandbox_owner, caller: str, action: str, resource: str):
    data = {
        "caller": caller,
        "action": action,
        "resource": "",
        "resource_arn": resource,
        "context-TOTAL_FORMS": "0",
        "context-INITIAL_FORMS": "0",
    }
    return client.post(url("console", sandbox_owner), data)


@pytest.fixture
def alice_client(alice):
    return signed_in(alice)


@pytest.fixture
def bob_client(bob):
    return signed_in(bob)


@pytest.fixture
def shared_role(alice_client, alice_enrolled, bob_enrolled, bob_client) -> str:
    """alice's role ForBob trusts bob's account; bob's user bob may assume it. Returns its ARN."""
    make_role(alice_client, alice_enrolled, f"arn:aws:iam::{bob_enrolled.account_id}:root")
    allow_assume(bob_client, bob_enrolled, role_arn(alice_enrolled))
    return role_arn(alice_enrolled)


@pytest.fixture
def visit(shared_role, bob_client, bob_enrolled) -> StsSession:
    """bob has assumed alice's role from his own assume page: his session."""
    assert not assume(bob_client, bob_enrolled, shared_role).refused
    return StsSession.objects.get(sandbox=bob_enrolled.sandbox, role_arn=shared_role)


def bobs_pages(bob_client, bob_enrolled) -> dict[str, str]:
    """Every page of bob's sandbox that lists or draws something."""
    names = ["overview", "roles", "policies", "users", "console", "assume", "credentials", "diagrams", "audit"]
    pages = {name: bob_client.get(url(name, bob_enrolled)) for name in names}
    assert all(page.status_code == 200 for page in pages.values()), {n: p.status_code for n, p in pages.items()}
    export = bob_client.get(url("export", bob_enrolled))
    pages = {name: html.unescape(page.content.decode()) for name, page in pages.items()}
    pages["export"] = export.content.decode()
    return pages


# ---- the journey: trust, assume, use --------------------------------------------------------------------------


def test_bob_assumes_alices_role_from_his_own_assume_page(visit, bob_enrolled, alice_enrolled):
    assert visit.arn == f"arn:aws:sts::{alice_enrolled.account_id}:assumed-role/ForBob/{VISIT}"
    assert not StsSession.objects.filter(sandbox=alice_enrolled.sandbox).exists()  # sessions stay the caller's


def test_the_role_can_trust_bobs_user_arn_instead_of_his_account(
    alice_client, bob_client, alice_enrolled, bob_enrolled
):
    # §1.6 D-PRIN (H): naming a user of another account is valid when that user exists.
    make_role(alice_client, alice_enrolled, user_arn(bob_enrolled))
    allow_assume(bob_client, bob_enrolled, role_arn(alice_enrolled))
    assumed = assume(bob_client, bob_enrolled, role_arn(alice_enrolled))
    assert not assumed.refused and f"assumed-role/ForBob/{VISIT}" in assumed.page


def test_a_trust_policy_naming_a_classmates_missing_user_is_refused(alice_client, alice_enrolled, bob_enrolled):
    # §1.6 D-PRIN (H): MalformedPolicyDocument: Invalid principal in policy, for a user that does not exist.
    data = {
        "account": alice_enrolled.account_id,
        "name": "ForNobody",
        "path": "/",
        "description": "",
        "max_session_duration": "3600",
        "tags": "",
        "document": trust(user_arn(bob_enrolled, "nobody")),
    }
    page = html.unescape(alice_client.post(url("role_new", alice_enrolled), data).content.decode())
    assert f'Invalid principal in policy: "AWS":"{user_arn(bob_enrolled, "nobody")}"' in page


def test_bob_needs_his_own_identity_policy_too(alice_client, bob_client, alice_enrolled, bob_enrolled):
    # §5.2 D-XACCT (H): cross-account, the trust policy alone is not enough.
    make_role(alice_client, alice_enrolled, f"arn:aws:iam::{bob_enrolled.account_id}:root")
    assumed = assume(bob_client, bob_enrolled, role_arn(alice_enrolled))
    assert assumed.outcome.failure.code == "AccessDenied"
    assert not StsSession.objects.filter(sandbox=bob_enrolled.sandbox).exists()
    assert SECRET_POLICY not in assumed.page and TRUST_SID not in assumed.page


def test_the_console_evaluates_bobs_session_against_alices_role(visit, bob_client, bob_enrolled, alice_enrolled):
    allowed = console(bob_client, bob_enrolled, visit.access_key_id, "s3:GetObject", _q1(alice_enrolled))
    card = allowed.context["card"]
    assert card["outcome"] == "allowed"
    denied = console(bob_client, bob_enrolled, visit.access_key_id, "s3:PutObject", _q1(alice_enrolled))
    assert denied.context["card"]["outcome"] == "implicitDeny"
    for response in (allowed, denied):
        page = html.unescape(response.content.decode())
        assert SECRET_POLICY not in page and SECRET_SID not in page and "reports-" + alice_enrolled.account_id in page
    (identity,) = [policy for policy in card["policies"] if policy["source"] == "identity"]
    assert identity["hidden"] and identity["lines"] == [] and identity["name"] is None
    assert "only its owner can read them" in html.unescape(allowed.content.decode())


def test_the_session_keeps_working_on_later_requests(visit, bob_client, bob_enrolled, alice_enrolled):
    for _ in range(2):
        response = console(bob_client, bob_enrolled, visit.access_key_id, "s3:GetObject", _q1(alice_enrolled))
        assert response.context["card"]["outcome"] == "allowed"


def test_alices_changes_to_her_role_reach_bobs_session_at_once(
    visit, alice_client, bob_client, alice_enrolled, bob_enrolled
):
    delete = url("role_inline_delete", alice_enrolled, alice_enrolled.account_id, "ForBob")
    assert alice_client.post(delete, {"policy_name": SECRET_POLICY}).status_code == 302
    response = console(bob_client, bob_enrolled, visit.access_key_id, "s3:GetObject", _q1(alice_enrolled))
    assert response.context["card"]["outcome"] == "implicitDeny"


def _q1(enrollment) -> str:
    return f"arn:aws:s3:::reports-{enrollment.account_id}/q1.csv"


# ---- both audit trails ----------------------------------------------------------------------------------------------


def test_cloudtrail_records_the_assume_role_in_both_students_trails(visit, alice_enrolled, bob_enrolled):
    # §6.3 D-CT (H): a cross-account AssumeRole is recorded in the caller's and in the role's account, with the
    # same sharedEventID; the role's account sees the caller as AWSAccount.
    (bobs,) = AuditEvent.objects.filter(
        sandbox=bob_enrolled.sandbox, event_name="AssumeRole", data__recipientAccountId=bob_enrolled.account_id
    )
    (alices,) = AuditEvent.objects.filter(sandbox=alice_enrolled.sandbox, event_name="AssumeRole")
    assert alices.data["recipientAccountId"] == alice_enrolled.account_id
    assert alices.data["sharedEventID"] == bobs.data["sharedEventID"]
    assert alices.data["userIdentity"] == {
        "type": "AWSAccount",
        "principalId": bobs.data["userIdentity"]["principalId"],
        "accountId": bob_enrolled.account_id,
    }
    assert "SecretAccessKey" not in json.dumps(alices.data)


def test_calls_made_with_alices_role_are_recorded_in_her_trail(visit, bob_client, alice_enrolled, bob_enrolled):
    # §6.1 D-CT (H): a role session's calls are made in the role's account (recipientAccountId).
    console(bob_client, bob_enrolled, visit.access_key_id, "s3:GetObject", _q1(alice_enrolled))
    (event,) = AuditEvent.objects.filter(sandbox=alice_enrolled.sandbox, event_name="GetObject")
    assert event.principal_arn == visit.arn
    alices_page = signed_in(alice_enrolled.user).get(url("audit", alice_enrolled))
    assert alices_page.status_code == 200 and "GetObject" in alices_page.content.decode()


def test_nothing_of_bobs_own_calls_reaches_alices_trail(bob_client, bob_enrolled, alice_enrolled):
    console(bob_client, bob_enrolled, user_arn(bob_enrolled), "s3:GetObject", "*")
    assume(bob_client, bob_enrolled, f"arn:aws:iam::{bob_enrolled.account_id}:role/ReportsReader")
    assert not AuditEvent.objects.filter(sandbox=alice_enrolled.sandbox).exists()


# ---- bob's pages work, and show nothing of alice's account but the role's ARN -----------------------------------


def test_bobs_pages_work_and_never_show_alices_policies(visit, bob_client, bob_enrolled, alice_enrolled):
    console(bob_client, bob_enrolled, visit.access_key_id, "s3:GetObject", _q1(alice_enrolled))
    pages = bobs_pages(bob_client, bob_enrolled)
    for name, page in pages.items():
        for secret in (SECRET_POLICY, SECRET_SID, TRUST_SID):
            assert secret not in page, (name, secret)
    assert visit.arn in pages["credentials"]
    assert role_arn(alice_enrolled) in pages["credentials"]
    assert json.loads(pages["export"])["world"]["accounts"].keys() == {bob_enrolled.account_id, "222222222222"}


def test_bobs_diagram_shows_at_most_the_roles_arn(visit, bob_client, bob_enrolled, alice_enrolled):
    response = bob_client.get(url("diagrams", bob_enrolled))
    page = html.unescape(response.content.decode())
    assert SECRET_POLICY not in page and "reports-" + alice_enrolled.account_id not in page
    assert f"account {alice_enrolled.account_id} (outside this world)" in page
    rows = [row for row in response.context["drawing"].rows if alice_enrolled.account_id in row["to_id"]]
    assert [(row["kind"], row["to_id"]) for row in rows] == [("session_of", role_arn(alice_enrolled))]
    focused = bob_client.get(rows[0]["to_url"])  # the role's node links to a focus on it, never to a role page
    assert focused.status_code == 200 and SECRET_POLICY not in focused.content.decode()


def test_bobs_sandbox_pages_never_open_alices_role(visit, bob_client, bob_enrolled, alice_enrolled):
    for name in ("role", "role_inline", "role_attach"):
        assert bob_client.get(url(name, bob_enrolled, alice_enrolled.account_id, "ForBob")).status_code == 404
    trust_url = url("role_trust", bob_enrolled, alice_enrolled.account_id, "ForBob")
    assert bob_client.post(trust_url, {"document": trust("*"), "version": "x"}).status_code == 404
    revoke = bob_client.post(url("credentials_revoke", bob_enrolled), {"role_arn": role_arn(alice_enrolled)})
    assert revoke.status_code == 400
    (stored,) = [r for r in alice_enrolled.sandbox.accounts.get(is_learners=True).roles() if r["RoleName"] == "ForBob"]
    assert [p["PolicyName"] for p in stored["RolePolicyList"]] == [SECRET_POLICY]
    focus = bob_client.get(url("diagrams", bob_enrolled), {"focus": f"arn:aws:iam::{alice_enrolled.account_id}:root"})
    assert SECRET_POLICY not in focus.content.decode()


def test_a_refused_assume_of_a_classmates_role_shows_nothing_of_its_trust_policy(
    alice_client, bob_client, alice_enrolled, bob_enrolled
):
    secret_principal = user_arn(alice_enrolled, "alice")
    make_role(alice_client, alice_enrolled, secret_principal)  # trusts only alice's own user
    allow_assume(bob_client, bob_enrolled, role_arn(alice_enrolled, "*"))
    refused = assume(bob_client, bob_enrolled, role_arn(alice_enrolled))
    assert refused.outcome.failure.code == "AccessDenied" and "is in another account" in refused.words
    assert secret_principal not in refused.page and SECRET_POLICY not in refused.page
    missing = assume(bob_client, bob_enrolled, role_arn(alice_enrolled, "NoSuchRole"))
    assert missing.words.replace("NoSuchRole", "ForBob") == refused.words


# ---- what is out of reach -----------------------------------------------------------------------------------------


def test_a_student_of_another_classroom_is_out_of_reach(bob_client, bob_enrolled, mallory):
    other = enrol(ClassroomFactory(), mallory)
    mallory_client = signed_in(mallory)
    make_role(mallory_client, other, f"arn:aws:iam::{bob_enrolled.account_id}:root")
    allow_assume(bob_client, bob_enrolled, role_arn(other, "*"))
    refused = assume(bob_client, bob_enrolled, role_arn(other))
    assert refused.outcome.failure.code == "AccessDenied" and SECRET_POLICY not in refused.page
    missing = assume(bob_client, bob_enrolled, role_arn(other, "NoSuchRole"))
    assert missing.words.replace("NoSuchRole", "ForBob") == refused.words
    assert not AuditEvent.objects.filter(sandbox=other.sandbox).exists()


def test_a_personal_sandbox_reaches_no_classroom_account(shared_role, bob, alice_enrolled):
    personal = create_sandbox(bob)
    client = signed_in(bob)
    data = {"identity": "user:arn:aws:iam::111111111111:user/alice", "role_arn": shared_role, "session_name": VISIT}
    assert Assumed(client.post(url("assume", personal), data)).outcome.failure.code == "AccessDenied"
    assert not AuditEvent.objects.filter(sandbox=alice_enrolled.sandbox).exists()


def test_a_classroom_sandbox_never_reaches_a_personal_sandbox(alice, bob_client, bob_enrolled):
    personal = create_sandbox(alice)
    assert personal.accounts.filter(account_id="111111111111").exists()
    allow_assume(bob_client, bob_enrolled, "arn:aws:iam::111111111111:role/ReportsReader")
    assert assume(bob_client, bob_enrolled, "arn:aws:iam::111111111111:role/ReportsReader").refused
    assert not AuditEvent.objects.filter(sandbox=personal).exists()


def test_a_removed_classmates_account_is_out_of_reach(shared_role, bob_client, bob_enrolled, alice_enrolled):
    Enrollment.objects.filter(pk=alice_enrolled.pk).update(state=Enrollment.REMOVED)
    assert assume(bob_client, bob_enrolled, shared_role).outcome.failure.code == "AccessDenied"


def test_bob_cannot_act_as_alices_users(shared_role, bob_client, bob_enrolled, alice_enrolled):
    page = console(bob_client, bob_enrolled, user_arn(alice_enrolled, "alice"), "s3:GetObject", "*")
    assert page.status_code == 400 and page.context["card"] is None
    data = {"identity": f"user:{user_arn(alice_enrolled, 'alice')}", "role_arn": shared_role, "session_name": VISIT}
    response = bob_client.post(url("assume", bob_enrolled), data)
    assert "Choose who calls STS." in html.unescape(response.content.decode())
    assert not StsSession.objects.filter(sandbox=bob_enrolled.sandbox).exists()


# ---- a request loads only the accounts it touches ---------------------------------------------------------------


def _class_of(size: int):
    """A classroom of ``size`` students; the first trusts the second's account, which may assume it."""
    room = ClassroomFactory()
    students = [enrol(room, UserFactory()) for _ in range(size)]
    owner, caller = students[0], students[1]
    make_role(signed_in(owner.user), owner, f"arn:aws:iam::{caller.account_id}:root")
    client = signed_in(caller.user)
    allow_assume(client, caller, role_arn(owner))
    return client, caller, owner


def test_a_cross_account_assume_costs_the_same_queries_in_a_class_of_3_or_30(django_assert_max_num_queries):
    # Issue 11, "Scale": a request loads only the accounts it touches — the caller's and the role's.
    client, caller, owner = _class_of(3)
    with CaptureQueriesContext(connection) as captured:
        assert not assume(client, caller, role_arn(owner)).refused
    small = len(captured)  # now: the query log is a bounded deque that the next set-up overruns
    client, caller, owner = _class_of(30)
    with django_assert_max_num_queries(small) as large:
        assert not assume(client, caller, role_arn(owner)).refused
    assert len(large) == small
