"""Guardrails: SCPs and RCPs staff attach to the class, a section or one student, enforced by the engine on
every student request; presets that do exactly what they say; conflicts shown, never lost; AWS's limits."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from iamtutor.classrooms import guardrails
from iamtutor.classrooms.federation import organization_data
from iamtutor.classrooms.forms import GuardrailForm
from iamtutor.classrooms.guardrails import Draft, GuardrailConflict, GuardrailInvalid, save_guardrail
from iamtutor.classrooms.models import Classroom, Guardrail, StaffAction, StaffMember
from iamtutor.engine import World, access_denied_message
from iamtutor.sandbox.worlds import SandboxWorld, world_data
from tests.factories import ClassroomFactory, UserFactory, enrol_student
from tests.races import postgres_only, together

pytestmark = pytest.mark.django_db

PARTNER_CAROL = "arn:aws:iam::222222222222:user/carol"  # the starting world's account outside the class


def _policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


DENY_IAM_READS = _policy({"Effect": "Deny", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"})


def _draft(name="NoIamReads", document=DENY_IAM_READS, targets=(), kind=Guardrail.SCP, preset="") -> Draft:
    return Draft(kind, name, "", document, list(targets), preset)


def _save(classroom, user, **kwargs) -> Guardrail:
    return save_guardrail(classroom, user, _draft(**kwargs))


def _user_arn(enrollment, name="alice") -> str:
    return f"arn:aws:iam::{enrollment.account_id}:user/{name}"


def _role_arn(enrollment, name="ReportsReader") -> str:
    return f"arn:aws:iam::{enrollment.account_id}:role/{name}"


def _world(enrollment) -> World:
    return SandboxWorld.load(enrollment.sandbox).world


def _form(name="NoIamReads", document=DENY_IAM_READS, kind="scp", whole_class=True, **extra) -> dict:
    data = {
        "name": name,
        "description": "",
        "kind": kind,
        "document": document if isinstance(document, str) else json.dumps(document, indent=2),
        "reason": "",
    }
    if whole_class:
        data["whole_class"] = "on"
    data.update(extra)
    return data


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# ---- who may do what ------------------------------------------------------------------------------------------


@pytest.fixture
def cast(classroom, carol, alice, alice_enrolled, mallory):
    """Everyone the guardrail pages must tell apart."""
    monday, tuesday = classroom.sections.get(name="Monday"), classroom.sections.get(name="Tuesday")
    dave, erin, frank = UserFactory(username="dave"), UserFactory(username="erin"), UserFactory(username="frank")
    StaffMember.objects.create(classroom=classroom, user=dave, role=StaffMember.CO_INSTRUCTOR)
    StaffMember.objects.create(classroom=classroom, user=erin, role=StaffMember.TA).sections.add(monday)
    StaffMember.objects.create(classroom=classroom, user=frank, role=StaffMember.TA).sections.add(tuesday)
    olga = UserFactory(username="olga")
    enrol_student(ClassroomFactory(), olga)
    return {
        "owner": carol,
        "co_instructor": dave,
        "ta": erin,
        "ta_other_section": frank,
        "student": alice,
        "student_elsewhere": olga,
        "stranger": mallory,
        "anonymous": None,
    }


STAFF = ("owner", "co_instructor", "ta", "ta_other_section")
INSTRUCTORS = ("owner", "co_instructor")
OUTSIDERS = ("student_elsewhere", "stranger", "anonymous")


def _expected(url_name: str, who: str, method: str) -> int:
    if url_name == "guardrails":
        if method == "post":
            return 405
        return 200 if who in STAFF else 404 if who in OUTSIDERS else 403
    if who in OUTSIDERS:
        return 404
    if who in INSTRUCTORS:
        return 200 if method == "get" else 400  # an empty POST is refused as an incomplete form
    return 403


def test_every_guardrail_url_for_every_actor(cast, classroom, carol, alice_enrolled):
    """Strangers get 404 (nothing says the classroom exists); staff read the list; only instructors change
    anything, others get 403 with the reason; an empty POST changes nothing."""
    guardrail = _save(classroom, carol, targets=[classroom.root_id])
    urls = {
        "guardrails": reverse("classrooms:guardrails", args=[classroom.pk]),
        "guardrail_new": reverse("classrooms:guardrail_new", args=[classroom.pk]),
        "guardrail_edit": reverse("classrooms:guardrail_edit", args=[classroom.pk, guardrail.pk]),
        "guardrail_delete": reverse("classrooms:guardrail_delete", args=[classroom.pk, guardrail.pk]),
    }
    logged = StaffAction.objects.count()
    for who, user in cast.items():
        client = _client(user)
        for name, url in urls.items():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == _expected(name, who, method), (who, name, method)
                if response.status_code == 403:
                    page = response.content.decode()
                    if who == "student" and name == "guardrails":
                        assert "Only the owner, co-instructors and teaching assistants can do this." in page
                    else:
                        assert "Only the owner and co-instructors can do this." in page
    guardrail.refresh_from_db()
    assert (guardrail.revision, guardrail.name, Guardrail.objects.count()) == (1, "NoIamReads", 1)
    assert StaffAction.objects.count() == logged


def test_a_teaching_assistant_reads_the_guardrails_and_is_told_why_they_cannot_change_them(cast, classroom, carol):
    _save(classroom, carol, targets=[classroom.root_id])
    page = _client(cast["ta"]).get(reverse("classrooms:guardrails", args=[classroom.pk])).content.decode()
    assert "NoIamReads" in page
    assert "You can read the guardrails but not change them. Only the owner and co-instructors can do this." in page
    assert reverse("classrooms:guardrail_new", args=[classroom.pk]) not in page


def test_a_closed_classroom_refuses_guardrail_changes_with_the_reason(classroom, carol):
    Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.CLOSED)
    response = _client(carol).post(reverse("classrooms:guardrail_new", args=[classroom.pk]), _form())
    assert response.status_code == 403
    assert "This classroom is closed: it can still be viewed, but nothing in it changes." in response.content.decode()
    assert not Guardrail.objects.exists()


def test_another_classrooms_guardrail_is_a_404_even_for_an_instructor(classroom, carol):
    elsewhere = ClassroomFactory()
    theirs = _save(elsewhere, elsewhere.created_by)
    client = _client(carol)
    assert client.get(reverse("classrooms:guardrail_edit", args=[classroom.pk, theirs.pk])).status_code == 404
    assert client.post(reverse("classrooms:guardrail_delete", args=[classroom.pk, theirs.pk])).status_code == 404
    assert Guardrail.objects.filter(pk=theirs.pk).exists()


# ---- the list ---------------------------------------------------------------------------------------------------


def test_the_list_says_where_each_guardrail_is_attached_in_words(classroom, carol, alice_enrolled):
    monday = classroom.sections.get(name="Monday")
    _save(classroom, carol, targets=[classroom.root_id, monday.ou_id, alice_enrolled.account_id])
    _save(classroom, carol, name="Unattached")
    page = _client(carol).get(reverse("classrooms:guardrails", args=[classroom.pk])).content.decode()
    assert "the whole class" in page
    assert "section Monday" in page
    assert f"alice&#x27;s account ({alice_enrolled.account_id})" in page
    assert "Not attached: it applies to nobody." in page


def test_the_list_explains_scps_rcps_and_that_the_management_account_is_never_restricted(classroom, carol):
    page = _client(carol).get(reverse("classrooms:guardrails", args=[classroom.pk])).content.decode()
    assert "Service control policies (SCPs)" in page and "Resource control policies (RCPs)" in page
    assert f"management account ({classroom.management_account_id}" in page
    assert "never restricted by an SCP or an RCP" in page
    for preset in guardrails.PRESETS.values():
        assert escape(preset.title) in page
        assert f"?preset={preset.key}" in page


# ---- creating, editing, deleting --------------------------------------------------------------------------------


def test_creating_a_guardrail_is_one_logged_change_that_bumps_the_classroom_revision(classroom, carol, alice_enrolled):
    before = classroom.revision
    data = _form(whole_class=False, students=[alice_enrolled.account_id], reason="demo for week 3")
    response = _client(carol).post(reverse("classrooms:guardrail_new", args=[classroom.pk]), data)
    assert response.status_code == 302
    guardrail = Guardrail.objects.get()
    assert (guardrail.kind, guardrail.targets, json.loads(guardrail.document), guardrail.revision) == (
        "scp",
        [alice_enrolled.account_id],
        DENY_IAM_READS,
        1,
    )
    classroom.refresh_from_db()
    assert classroom.revision == before + 1
    entry = StaffAction.objects.get(action="guardrail_changed")
    assert (entry.actor, entry.reason, entry.detail["guardrail"], entry.detail["created"]) == (
        carol,
        "demo for week 3",
        guardrail.pk,
        True,
    )


def test_editing_keeps_the_targets_and_bumps_both_revisions(classroom, carol):
    monday = classroom.sections.get(name="Monday")
    guardrail = _save(classroom, carol, targets=[monday.ou_id])
    url = reverse("classrooms:guardrail_edit", args=[classroom.pk, guardrail.pk])
    page = _client(carol).get(url).content.decode()
    assert f'value="{monday.ou_id}"' in page and "checked" in page
    data = _form(name="NoIamReadsMonday", whole_class=False, sections=[monday.ou_id], revision="1")
    assert _client(carol).post(url, data).status_code == 302
    guardrail.refresh_from_db()
    assert (guardrail.name, guardrail.targets, guardrail.revision) == ("NoIamReadsMonday", [monday.ou_id], 2)
    classroom.refresh_from_db()
    assert classroom.revision == 2  # the create, then the edit


def test_deleting_asks_first_then_deletes_logs_and_bumps_the_revision(classroom, carol):
    guardrail = _save(classroom, carol, targets=[classroom.root_id])
    url = reverse("classrooms:guardrail_delete", args=[classroom.pk, guardrail.pk])
    page = _client(carol).get(url).content.decode()
    assert "the whole class" in page and 'name="revision" value="1"' in page
    response = _client(carol).post(url, {"revision": "1", "reason": "end of the demo"})
    assert response.status_code == 302
    assert not Guardrail.objects.exists()
    entry = StaffAction.objects.get(action="guardrail_deleted")
    assert (entry.reason, entry.detail["name"]) == ("end of the demo", "NoIamReads")
    classroom.refresh_from_db()
    assert classroom.revision == 2


def test_the_document_is_kept_exactly_as_typed_and_shown_so_when_edited(classroom, carol):
    """Organizations keeps an SCP's content as submitted, spacing and key order included (and its size is that
    text's); only the browser's CRLF line breaks become LF."""
    text = (
        '{"Statement": [ {"Resource": "*", "Action": "iam:Get*",\r\n "Effect": "Deny"} ],\r\n "Version": "2012-10-17"}'
    )
    assert (
        _client(carol).post(reverse("classrooms:guardrail_new", args=[classroom.pk]), _form(document=text)).status_code
        == 302
    )
    guardrail = Guardrail.objects.get()
    assert guardrail.document == text.replace("\r\n", "\n")
    page = _client(carol).get(reverse("classrooms:guardrail_edit", args=[classroom.pk, guardrail.pk]))
    assert page.context["form"]["document"].value() == guardrail.document


def test_the_check_button_reports_problems_with_line_and_column_and_saves_nothing(classroom, carol):
    statement = '{"Effect": "Deny", "Principal": "*", "Action": "iam:*", "Resource": "*"}'
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [' + statement + "]\n}"
    url = reverse("classrooms:guardrail_new", args=[classroom.pk])
    response = _client(carol).post(url, _form(document=text, check="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "IAM would refuse this document: 1 problem." in page
    assert "Policy document should not specify a principal." in page and "line 3, column" in page
    live = _client(carol).post(url, _form(document=text, check="1"), HTTP_HX_REQUEST="true").content.decode()
    assert "<h1>" not in live and "Policy document should not specify a principal." in live
    assert not Guardrail.objects.exists()


@pytest.mark.parametrize(
    ("kind", "statement", "message"),
    [
        # An SCP names no principal; an RCP names Principal "*" and only denies (iam-reference §1.8; D-SCP, D-RCP).
        ("scp", {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, "should not specify a"),
        ("rcp", {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, "Missing required field Principal"),
        (
            "rcp",
            {"Effect": "Deny", "Principal": {"AWS": "123456789012"}, "Action": "s3:*", "Resource": "*"},
            "does not meet the requirements of the specified policy type",
        ),
        ("rcp", {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}, "does not meet the"),
        # SCP action wildcards only alone or at the end (§1.4, D-SCP).
        ("scp", {"Effect": "Deny", "Action": "iam:*Role", "Resource": "*"}, "does not meet the requirements"),
    ],
)
def test_a_document_is_validated_as_the_kind_it_is_with_iams_wording_and_its_place(
    classroom, carol, kind, statement, message
):
    text = json.dumps(_policy(statement), indent=2)
    response = _client(carol).post(
        reverse("classrooms:guardrail_new", args=[classroom.pk]), _form(document=text, kind=kind)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "MalformedPolicyDocument: " in page and message in page
    assert "line " in page and "column " in page and "$.Statement[0]" in page
    assert not Guardrail.objects.exists()


def test_an_scp_allow_statement_is_flagged_as_changing_nothing_beside_full_aws_access(classroom):
    text = json.dumps(_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert "FullAWSAccess stays attached" in guardrails.document_notes(text, "scp")[0]
    rcp = json.dumps(_policy({"Effect": "Deny", "Principal": "*", "Action": "ec2:*", "Resource": "*"}))
    assert "its statements about ec2 never apply" in guardrails.document_notes(rcp, "rcp")[0]


# ---- presets ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(guardrails.PRESETS))
def test_each_preset_fills_the_form_and_saves_as_it_is(classroom, carol, key):
    preset = guardrails.PRESETS[key]
    url = reverse("classrooms:guardrail_new", args=[classroom.pk])
    page = _client(carol).get(url, {"preset": key}).content.decode()
    assert preset.name in page and "What it does not do:" in page
    data = GuardrailForm.initial_from_preset(classroom, preset)
    data = {**data, "whole_class": "on", "reason": ""}
    assert _client(carol).post(url, data).status_code == 302
    saved = Guardrail.objects.get()
    assert (saved.kind, saved.name, saved.preset, saved.targets) == (preset.kind, preset.name, key, [classroom.root_id])
    assert saved.document == data["document"] and len(saved.document) <= guardrails.DOCUMENT_MAX
    assert saved.description == preset.does and len(preset.does) <= guardrails.DESCRIPTION_MAX


def _preset(classroom, carol, key, targets=None) -> Guardrail:
    preset = guardrails.PRESETS[key]
    draft = Draft(preset.kind, preset.name, preset.description(), preset.document(classroom), [], key)
    draft = Draft(**{**draft.__dict__, "targets": targets or [classroom.root_id]})
    return save_guardrail(classroom, carol, draft)


def _denied_by(decision, kind: str, name: str) -> bool:
    return (
        decision.outcome == "explicitDeny"
        and decision.denied_by == kind
        and [m.policy for m in decision.matched] == [name]
    )


def test_preset_deny_iam_elsewhere_refuses_iam_on_a_classmates_account_and_nothing_else(
    classroom, carol, alice_enrolled, bob_enrolled
):
    guardrail = _preset(classroom, carol, "deny-iam-elsewhere")
    world = _world(alice_enrolled)
    alice = _user_arn(alice_enrolled)
    elsewhere = world.request(alice, "iam:GetRole", _role_arn(bob_enrolled))
    assert _denied_by(elsewhere, "scp", guardrail.name)
    assert access_denied_message(elsewhere, elsewhere.request).endswith(
        "with an explicit deny in a service control policy"
    )
    # Her own account's IAM, and IAM calls on no particular resource, are untouched.
    assert world.request(alice, "iam:GetRole", _role_arn(alice_enrolled)).outcome == "allowed"
    assert world.request(alice, "iam:ListRoles", "*").outcome == "allowed"


def _trust_everyone(enrollment, role="PartnerAudit") -> None:
    loaded = SandboxWorld.load(enrollment.sandbox)
    loaded.world.update_assume_role_policy(
        _role_arn(enrollment, role),
        _policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
    )
    loaded.save()


def test_preset_deny_assume_from_outside_stops_outsiders_using_a_trust_policy_that_trusts_everyone(
    classroom, carol, alice_enrolled, bob_enrolled
):
    """The RCP cannot refuse the trust policy itself (nothing sees its text); it makes it harmless outside the
    class: the partner account's user is denied by the RCP, a classmate in the organization is not."""
    _trust_everyone(alice_enrolled)
    role = _role_arn(alice_enrolled, "PartnerAudit")
    assert _world(alice_enrolled).request(PARTNER_CAROL, "sts:AssumeRole", role).outcome == "allowed"
    guardrail = _preset(classroom, carol, "deny-assume-from-outside")
    assert _denied_by(_world(alice_enrolled).request(PARTNER_CAROL, "sts:AssumeRole", role), "rcp", guardrail.name)
    # bob, a classmate: his account joins alice's world as it would for a cross-account request.
    data = world_data(alice_enrolled.sandbox)
    data["accounts"][bob_enrolled.account_id] = bob_enrolled.sandbox.accounts.get(is_learners=True).document
    world = World.from_dict(data)
    bob = _user_arn(bob_enrolled, "bob")
    world.put_inline_policy(
        bob, "AssumeAnywhere", _policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    )
    assert world.request(bob, "sts:AssumeRole", role).outcome == "allowed"


def test_preset_region_lock_refuses_other_regions_and_exempts_global_services(classroom, carol, alice_enrolled):
    guardrail = _preset(classroom, carol, "region-lock")
    world = _world(alice_enrolled)
    alice = _user_arn(alice_enrolled)
    bucket = f"arn:aws:s3:::reports-{alice_enrolled.account_id}/q1.csv"
    far = world.request(alice, "s3:GetObject", bucket, {"aws:RequestedRegion": "ap-south-1"})
    assert _denied_by(far, "scp", guardrail.name)
    near = world.request(alice, "s3:GetObject", bucket, {"aws:RequestedRegion": "eu-west-1"})
    assert near.denied_by != "scp"  # not the guardrail: alice simply has no S3 permission
    assert (
        world.request(alice, "iam:GetRole", _role_arn(alice_enrolled), {"aws:RequestedRegion": "ap-south-1"}).outcome
        == "allowed"
    )


def test_preset_deny_leaving_binds_even_the_member_accounts_root_user(classroom, carol, alice_enrolled):
    root = f"arn:aws:iam::{alice_enrolled.account_id}:root"
    assert _world(alice_enrolled).request(root, "organizations:LeaveOrganization", "*").outcome == "allowed"
    guardrail = _preset(classroom, carol, "deny-leave-organization")
    decision = _world(alice_enrolled).request(root, "organizations:LeaveOrganization", "*")
    assert _denied_by(decision, "scp", guardrail.name)
    assert _world(alice_enrolled).request(root, "organizations:DescribeOrganization", "*").outcome == "allowed"


def test_full_aws_access_stays_attached_beside_a_deny_only_guardrail(classroom, carol, alice_enrolled):
    """A level with an SCP attached keeps AWS's FullAWSAccess (D-SCP): a Deny-only guardrail on the root must
    not deny what it does not name (world-format.md: a targeted level gets exactly the SCPs that target it)."""
    monday = classroom.sections.get(name="Monday")
    _save(
        classroom,
        carol,
        targets=[monday.ou_id, alice_enrolled.account_id],
        document=_policy({"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}),
    )
    data = organization_data(classroom)
    full = data["scps"][0]
    assert (full["name"], full["targets"]) == ("FullAWSAccess", sorted([monday.ou_id, alice_enrolled.account_id]))
    World.from_dict({"accounts": {}, "organization": data})
    assert _world(alice_enrolled).request(_user_arn(alice_enrolled), "iam:ListRoles", "*").outcome == "allowed"


def test_an_rcp_never_applies_to_services_rcps_do_not_govern(classroom, carol, alice_enrolled):
    """RCPs govern S3, STS, KMS, SQS and Secrets Manager resources only (D-RCP); guardrails.RCP_SERVICES, shown
    to staff, must agree with the engine."""
    deny_all = _policy({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})
    guardrail = _save(
        classroom, carol, kind=Guardrail.RCP, name="DenyEverything", document=deny_all, targets=[classroom.root_id]
    )
    world = _world(alice_enrolled)
    alice = _user_arn(alice_enrolled)
    account = alice_enrolled.account_id
    samples = {
        "s3": f"arn:aws:s3:::reports-{account}",
        "sts": _role_arn(alice_enrolled),
        "kms": f"arn:aws:kms:us-east-1:{account}:key/1",
        "sqs": f"arn:aws:sqs:us-east-1:{account}:q",
        "secretsmanager": f"arn:aws:secretsmanager:us-east-1:{account}:secret:s",
        "dynamodb": f"arn:aws:dynamodb:us-east-1:{account}:table/Orders",
        "ec2": f"arn:aws:ec2:us-east-1:{account}:instance/i-0a1b2c3d4e5f60718",
    }
    governed = {
        service for service, arn in samples.items() if world.request(alice, f"{service}:Get", arn).denied_by == "rcp"
    }
    assert governed == set(guardrails.RCP_SERVICES)
    assert guardrail.name == "DenyEverything"


# ---- takes effect at once ---------------------------------------------------------------------------------------


def _console(client, enrollment, caller, action, resource, context=None):
    data = {
        "caller": caller,
        "action": action,
        "resource": "",
        "resource_arn": resource,
        "context-TOTAL_FORMS": "4",
        "context-INITIAL_FORMS": "0",
    }
    for index in range(4):
        key, value = list((context or {}).items())[index] if index < len(context or {}) else ("", "")
        data[f"context-{index}-key"], data[f"context-{index}-value"] = key, value
    return client.post(reverse("sandbox:console", args=[enrollment.sandbox.pk]), data).content.decode()


def test_a_request_allowed_before_a_guardrail_is_denied_right_after_it_is_saved(
    classroom, carol, alice, alice_enrolled
):
    student = _client(alice)
    caller, role = _user_arn(alice_enrolled), _role_arn(alice_enrolled)
    before = _console(student, alice_enrolled, caller, "iam:GetRole", role)
    assert 'class="decision decision-allowed"' in before
    form = _form(name="NoIamReadsForAlice", whole_class=False, students=[alice_enrolled.account_id])
    assert _client(carol).post(reverse("classrooms:guardrail_new", args=[classroom.pk]), form).status_code == 302
    after = _console(student, alice_enrolled, caller, "iam:GetRole", role)
    assert "with an explicit deny in a service control policy" in after
    assert "NoIamReadsForAlice" in after  # the deciding statement's policy, by name


def test_a_region_lock_saved_mid_class_bites_the_next_console_request(classroom, carol, alice, alice_enrolled):
    student = _client(alice)
    bucket = f"arn:aws:s3:::reports-{alice_enrolled.account_id}/q1.csv"
    region = {"aws:RequestedRegion": "ap-south-1"}
    assert "service control policy" not in _console(
        student, alice_enrolled, _user_arn(alice_enrolled), "s3:GetObject", bucket, region
    )
    _preset(classroom, carol, "region-lock")
    page = _console(student, alice_enrolled, _user_arn(alice_enrolled), "s3:GetObject", bucket, region)
    assert "with an explicit deny in a service control policy" in page and "DenyOutsideAllowedRegions" in page


# ---- conflicts --------------------------------------------------------------------------------------------------


def test_a_stale_save_shows_who_changed_it_and_both_versions_and_loses_nothing(cast, classroom, carol):
    guardrail = _save(classroom, carol, targets=[classroom.root_id])
    url = reverse("classrooms:guardrail_edit", args=[classroom.pk, guardrail.pk])
    dave = cast["co_instructor"]
    theirs = _policy({"Effect": "Deny", "Action": "iam:Get*", "Resource": "*"})
    assert _client(dave).post(url, _form(document=theirs, revision="1")).status_code == 302
    mine = _policy({"Effect": "Deny", "Action": "iam:List*", "Resource": "*"})
    response = _client(carol).post(url, _form(document=mine, revision="1"))
    page = response.content.decode()
    assert response.status_code == 409
    assert "This guardrail was changed by dave while you edited." in page
    assert "Your version (not saved)" in page and "iam:List*" in page
    assert "The version stored now" in page and "iam:Get*" in page
    guardrail.refresh_from_db()
    assert json.loads(guardrail.document) == theirs and guardrail.revision == 2  # dave's change is kept
    assert 'name="revision" value="2"' in page  # saving again means "replace it with mine"
    assert _client(carol).post(url, _form(document=mine, revision="2")).status_code == 302
    guardrail.refresh_from_db()
    assert json.loads(guardrail.document) == mine and guardrail.revision == 3


def test_a_stale_save_changes_nothing_at_all(classroom, carol):
    guardrail = _save(classroom, carol, targets=[classroom.root_id])
    save_guardrail(classroom, carol, _draft(name="Renamed"), guardrail=guardrail, revision=1)
    classroom.refresh_from_db()
    revision, entries = classroom.revision, StaffAction.objects.count()
    with pytest.raises(GuardrailConflict) as caught:
        save_guardrail(classroom, carol, _draft(name="Lost"), guardrail=guardrail, revision=1)
    assert caught.value.changed_by == "carol" and caught.value.stored.name == "Renamed"
    classroom.refresh_from_db()
    assert (classroom.revision, StaffAction.objects.count(), Guardrail.objects.get().name) == (
        revision,
        entries,
        "Renamed",
    )


def test_saving_a_guardrail_deleted_meanwhile_offers_to_create_it_again(cast, classroom, carol):
    guardrail = _save(classroom, carol)
    guardrails.delete_guardrail(classroom, cast["co_instructor"], guardrail, revision=1)
    url = reverse("classrooms:guardrail_edit", args=[classroom.pk, guardrail.pk])
    response = _client(carol).post(url, _form(name="MyEdit", revision="1"))
    page = response.content.decode()
    assert response.status_code == 409
    assert "This guardrail was deleted by dave while you edited." in page
    assert "The version stored now: none (deleted)" in page and 'value="MyEdit"' in page
    assert f'action="{reverse("classrooms:guardrail_new", args=[classroom.pk])}"' in page
    assert 'name="revision"' in page and 'name="revision" value' not in page
    assert _client(carol).get(url).status_code == 404
    with pytest.raises(GuardrailConflict) as caught:
        save_guardrail(classroom, carol, _draft(), guardrail=guardrail, revision=1)
    assert caught.value.stored is None and str(caught.value) == "This guardrail was deleted by dave while you edited."


def test_a_stale_delete_is_refused_and_shows_the_stored_version(cast, classroom, carol):
    guardrail = _save(classroom, carol)
    save_guardrail(classroom, cast["co_instructor"], _draft(name="ChangedMeanwhile"), guardrail=guardrail, revision=1)
    url = reverse("classrooms:guardrail_delete", args=[classroom.pk, guardrail.pk])
    response = _client(carol).post(url, {"revision": "1"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "This guardrail was changed by dave while you edited." in page and "ChangedMeanwhile" in page
    assert Guardrail.objects.filter(pk=guardrail.pk).exists()
    assert _client(carol).post(url, {"revision": "2"}).status_code == 302
    response = _client(carol).post(url, {"revision": "2"}, follow=True)
    assert "This guardrail was already deleted by carol." in response.content.decode()


# ---- AWS's limits and hostile input ------------------------------------------------------------------------------


def test_an_scp_over_5120_characters_is_refused_whitespace_included(classroom, carol):
    """SCP and RCP documents: at most 5,120 characters, every character counted (AWS Organizations quotas page,
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html; iam-reference §1.9,
    F8). Indentation alone takes this one over."""
    statement = {"Effect": "Deny", "Action": [f"s3:Get{'x' * 40}{i}" for i in range(95)], "Resource": "*"}
    compact = json.dumps(_policy(statement), separators=(",", ":"))
    indented = json.dumps(_policy(statement), indent=8)
    assert len(compact) <= 5120 < len(indented)
    url = reverse("classrooms:guardrail_new", args=[classroom.pk])
    page = _client(carol).post(url, _form(document=indented)).content.decode()
    assert "LimitExceeded: Cannot exceed quota for PolicySize: 5120" in page
    assert _client(carol).post(url, _form(document=compact)).status_code == 302
    edit = _client(carol).get(reverse("classrooms:guardrail_edit", args=[classroom.pk, Guardrail.objects.get().pk]))
    assert edit.context["form"]["document"].value() == compact  # shown as saved, still within the quota


def test_at_most_five_scps_per_target_counting_full_aws_access(classroom, carol, alice_enrolled):
    """At most 5 SCPs attached directly to one root, OU or account, and FullAWSAccess is one of them (AWS
    Organizations User Guide, "Managing policies" table: SCP, maximum number you can attach = 5; D-SCP)."""
    for number in range(4):
        _save(classroom, carol, name=f"Guardrail{number}", targets=[classroom.root_id, alice_enrolled.account_id])
    url = reverse("classrooms:guardrail_new", args=[classroom.pk])
    response = _client(carol).post(url, _form(name="TheFifth"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "The whole class already has 5 SCPs attached (FullAWSAccess and 4 guardrails)" in page
    assert "AWS Organizations allows 5 per root, OU or account." in page
    monday = classroom.sections.get(name="Monday")
    assert (
        _client(carol).post(url, _form(name="TheFifth", whole_class=False, sections=[monday.ou_id])).status_code == 302
    )
    rcp = _policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})
    assert _client(carol).post(url, _form(name="AnRcp", kind="rcp", document=rcp)).status_code == 302


def test_a_duplicate_or_reserved_name_is_refused(classroom, carol):
    _save(classroom, carol, name="Taken")
    url = reverse("classrooms:guardrail_new", args=[classroom.pk])
    page = _client(carol).post(url, _form(name="Taken")).content.decode()
    assert "This classroom already has an SCP named Taken" in page
    page = _client(carol).post(url, _form(name="FullAWSAccess")).content.decode()
    assert "FullAWSAccess is the name of AWS&#x27;s own policy" in page
    assert Guardrail.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "<script>alert(1)</script>", "A guardrail&#x27;s name is 1 to 128 letters, digits and"),
        ("name", "N" * 129, "(it had 129 characters)"),
        ("name", "two words", "with no spaces"),
        ("description", "d" * 513, "Ensure this value has at most 512 characters (it has 513)."),
        (
            "document",
            '{"Statement": ' + "[" * 3000 + "]" * 3000 + "}",
            "MalformedPolicyDocument: Syntax errors in policy.",
        ),
        ("document", "{" + " " * 1_048_576 + "}", "a request may carry at most 131072"),
        ("document", "not json <script>", "MalformedPolicyDocument: Syntax errors in policy."),
        ("students", ["999999999999"], "Select a valid choice. 999999999999 is not one of the available choices."),
        ("kind", "declarative", "Select a valid choice. declarative is not one of the available choices."),
    ],
)
def test_hostile_input_is_refused_with_a_message_and_never_stored(classroom, carol, field, value, message):
    url = reverse("classrooms:guardrail_new", args=[classroom.pk])
    response = _client(carol).post(url, _form(**{field: value}))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "<script>alert(1)</script>" not in page and "not json <script>" not in page
    assert not Guardrail.objects.exists()


def test_an_edit_without_its_revision_is_refused(classroom, carol):
    guardrail = _save(classroom, carol)
    url = reverse("classrooms:guardrail_edit", args=[classroom.pk, guardrail.pk])
    page = _client(carol).post(url, _form(name="NoRevision")).content.decode()
    assert "This form did not say which version of the guardrail it edits." in page
    guardrail.refresh_from_db()
    assert guardrail.name == "NoIamReads"


def test_save_guardrail_refuses_what_organizations_would(classroom, carol):
    _save(classroom, carol)
    with pytest.raises(GuardrailInvalid) as caught:
        _save(classroom, carol)
    assert set(caught.value.errors) == {"name"}


def test_the_students_list_filters_without_losing_keyboard_or_screen_reader_use(classroom, carol, alice_enrolled):
    page = _client(carol).get(reverse("classrooms:guardrail_new", args=[classroom.pk])).content.decode()
    assert f"alice ({alice_enrolled.account_id}) · Monday" in page
    assert 'type="search" id="student-filter"' in page and 'aria-controls="id_students"' in page
    assert "js/checkbox-filter.js" in page


def test_an_outsider_denied_by_the_rcp_preset_is_told_so_in_the_students_console(
    classroom, carol, alice, alice_enrolled
):
    """The partner account (outside the class) sits in every student's world: the student can watch its user
    be refused, and the console names the RCP and its statement as the deciding layer."""
    _trust_everyone(alice_enrolled)
    role = _role_arn(alice_enrolled, "PartnerAudit")
    student = _client(alice)
    assert 'class="decision decision-allowed"' in _console(
        student, alice_enrolled, PARTNER_CAROL, "sts:AssumeRole", role
    )
    _preset(classroom, carol, "deny-assume-from-outside")
    page = _console(student, alice_enrolled, PARTNER_CAROL, "sts:AssumeRole", role)
    assert (
        "Statement &quot;OnlyThisOrganizationAssumesRoles&quot; in the resource control policy "
        "&quot;DenyAssumeRoleFromOutsideClass&quot; is a Deny"
    ) in page


def test_an_organization_holds_at_most_1000_policies_of_each_type(classroom, carol, monkeypatch):
    """1,000 policies of each type per organization (Organizations quotas page); lowered here to stay quick."""
    monkeypatch.setattr(guardrails, "POLICIES_PER_ORGANIZATION", 2)
    _save(classroom, carol, name="One")
    _save(classroom, carol, name="Two")
    with pytest.raises(GuardrailInvalid) as caught:
        _save(classroom, carol, name="Three")
    assert (
        caught.value.errors[None]
        == "This classroom has 2 SCPs: AWS Organizations allows 2 of each type in an organization."
    )
    _save(
        classroom,
        carol,
        name="AnRcp",
        kind=Guardrail.RCP,
        document=_policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
    )


def test_the_list_costs_the_same_few_queries_for_a_big_class(classroom, carol, django_assert_max_num_queries):
    students = [enrol_student(classroom) for _ in range(30)]
    for number in range(4):
        accounts = [s.account_id for s in students[number::4]]
        _save(classroom, carol, name=f"Guardrail{number}", targets=[classroom.root_id, *accounts])
    client = _client(carol)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("classrooms:guardrails", args=[classroom.pk])).content.decode()
    assert page.count("&#x27;s account (") == 30
    with django_assert_max_num_queries(10):
        assert client.get(reverse("classrooms:guardrail_new", args=[classroom.pk])).status_code == 200


# ---- races, on real PostgreSQL --------------------------------------------------------------------------------


@postgres_only
def test_five_staff_saving_the_same_revision_at_once_make_one_change_and_four_conflicts(classroom, carol):
    guardrail = _save(classroom, carol, targets=[classroom.root_id])
    results = together(
        lambda i: save_guardrail(classroom, carol, _draft(name=f"Edit{i}"), guardrail=guardrail, revision=1)
    )
    assert sorted(type(r).__name__ for r in results) == ["Guardrail"] + ["GuardrailConflict"] * 4
    stored = Guardrail.objects.get()
    assert stored.revision == 2 and stored.name in {f"Edit{i}" for i in range(5)}
    classroom.refresh_from_db()
    assert classroom.revision == 2
    assert StaffAction.objects.filter(action="guardrail_changed").count() == 2


@postgres_only
def test_five_guardrails_created_at_once_on_one_target_stop_at_the_quota(classroom, carol):
    results = together(lambda i: _save(classroom, carol, name=f"Rail{i}", targets=[classroom.root_id]))
    assert sorted(type(r).__name__ for r in results) == ["Guardrail"] * 4 + ["GuardrailInvalid"]
    assert Guardrail.objects.count() == guardrails.GUARDRAILS_PER_TARGET
