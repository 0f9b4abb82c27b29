"""A paired lab in a classroom: ``cross-account-external-id`` between two real classmates.

Issue 12 asks for "cross-account with ExternalId between two classmates (in a classroom)". The students of an
assignment form a ring by enrolment order (a section's students for a section's assignment, staff who enrolled
left out): each one's partner — Acme, the vendor — is the next student, whose real member account replaces the
lab's simulated 222222222222, and each one plays Acme for the student before them. A student's account gets the
lab's customer side (AcmeAudit trusting the partner's account, the bucket) and its vendor side (the user
scanner). The customer tasks are decided in the student's own account with the partner's account borrowed; the
task whose call Acme's scanner makes is decided in the partner's own account, with the student's role
borrowed, as cross-account works between classmates (AWS: a role in another account is assumed with the
caller's own credentials; the ExternalId is the ``sts:ExternalId`` condition key,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html). A class of one
keeps the simulated partner."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from iamtutor.classrooms import assignments, roster
from iamtutor.classrooms.membership import enrol
from iamtutor.classrooms.models import AssignmentAttempt, StaffMember
from iamtutor.engine import AssumeRoleRequest, apply_steps, assume_role
from iamtutor.labs.loader import LABS_DIR, read_lab
from iamtutor.labs.models import Lab
from iamtutor.labs.store import store
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld, changing, run_change
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "cross-account-external-id"
LEARNER, PARTNER = assignments.LEARNER, assignments.PARTNER


@pytest.fixture(scope="module", name="lab_file")
def lab_file_fixture():
    return read_lab(LABS_DIR / f"{KEY}.yaml")


@pytest.fixture(name="paired")
def paired_fixture(classroom, carol, lab_file, alice_enrolled, bob_enrolled):
    """The lab assigned to carol's whole class, open now; alice (Monday) joined before bob (Tuesday)."""
    store([lab_file])
    lab = Lab.objects.get(key=KEY)
    return assignments.assign(classroom, carol, lab=lab, section=None, opens_at=None, due_at=None, closes_at=None)


def _fresh(enrollment):
    enrollment.refresh_from_db()
    return enrollment


def _start(assignment, enrollment):
    return assignments.start(assignment, _fresh(enrollment))


def _apply(enrollment, partner, title, kind="wrong"):
    """The lab file's solution ``title``, the customer's own steps only (the vendor's calls are the partner's),
    renumbered to the student and their partner, applied to the student's account."""
    (solution,) = [s for s in read_lab(LABS_DIR / f"{KEY}.yaml").solutions if s["title"] == title and s["kind"] == kind]
    steps = [step for step in solution["steps"] if step["op"] != "assume_role"]
    steps = assignments.renumbered(steps, enrollment.account_id, partner.account_id)
    with changing(_fresh(enrollment).sandbox) as loaded:
        for outcome in apply_steps(loaded.world, steps):
            assert not outcome.failures, outcome.failures


def _check(work):
    work = AssignmentAttempt.objects.select_related("assignment__lab", "enrollment__classroom", "attempt").get(
        pk=work.pk
    )
    return {result.key: result for result in assignments.check(work)}


def _passed(results):
    return {key: result.passed for key, result in results.items()}


# ---- the pairing ------------------------------------------------------------------------------------------------


def test_two_students_pair_with_each_other(paired, alice_enrolled, bob_enrolled):
    pair = assignments.pairing(paired, alice_enrolled)
    assert (pair.partner.pk, pair.client.pk) == (bob_enrolled.pk, bob_enrolled.pk)
    pair = assignments.pairing(paired, bob_enrolled)
    assert (pair.partner.pk, pair.client.pk) == (alice_enrolled.pk, alice_enrolled.pk)


def test_three_students_form_a_ring_by_enrolment_order(classroom, paired, alice_enrolled, bob_enrolled):
    erin = enrol(classroom, UserFactory(username="erin"))
    ring = [alice_enrolled, bob_enrolled, erin]
    for n, student in enumerate(ring):
        pair = assignments.pairing(paired, student)
        assert pair.partner.pk == ring[(n + 1) % 3].pk and pair.client.pk == ring[n - 1].pk
    # stable: asking again, or after an unrelated change, gives the same pairs
    assert assignments.pairing(paired, erin).partner.pk == alice_enrolled.pk


def test_staff_trying_it_and_removed_students_are_left_out(classroom, carol, paired, alice_enrolled, bob_enrolled):
    dana = UserFactory(username="dana")
    StaffMember.objects.create(classroom=classroom, user=dana, role=StaffMember.CO_INSTRUCTOR)
    trying = enrol(classroom, dana)
    erin = enrol(classroom, UserFactory(username="erin"))
    assert [e.pk for e in assignments.pair_ring(paired)] == [alice_enrolled.pk, bob_enrolled.pk, erin.pk]
    pair = assignments.pairing(paired, trying)
    assert pair.partner.pk == alice_enrolled.pk and pair.client is None
    roster.remove(classroom, carol, bob_enrolled, "left the course")
    assert assignments.pairing(paired, alice_enrolled).partner.pk == erin.pk


def test_a_section_s_assignment_pairs_within_the_section(classroom, carol, lab_file, alice_enrolled, bob_enrolled):
    store([lab_file])
    monday = classroom.sections.get(name="Monday")
    lab = Lab.objects.get(key=KEY)
    assigned = assignments.assign(classroom, carol, lab=lab, section=monday, opens_at=None, due_at=None, closes_at=None)
    assert assignments.pairing(assigned, alice_enrolled) == assignments.Pairing(None, None)  # bob is on Tuesday
    frank = enrol(classroom, UserFactory(username="frank"), monday)
    assert assignments.pairing(assigned, alice_enrolled).partner.pk == frank.pk


def test_a_lab_that_is_not_paired_has_no_pairing(classroom, carol, alice_enrolled, bob_enrolled):
    store([read_lab(LABS_DIR / "fix-the-trust-policy.yaml")])
    lab = Lab.objects.get(key="fix-the-trust-policy")
    assigned = assignments.assign(classroom, carol, lab=lab, section=None, opens_at=None, due_at=None, closes_at=None)
    assert assignments.pairing(assigned, alice_enrolled) is None
    assert KEY in assignments.PAIRED_LABS


# ---- the lab in the students' accounts ----------------------------------------------------------------------------


def test_starting_puts_both_sides_into_the_student_s_own_account_and_no_partner_account(
    paired, alice_enrolled, bob_enrolled
):
    work = _start(paired, alice_enrolled)
    assert work.partner_account_id == bob_enrolled.account_id
    alice, bob = alice_enrolled.account_id, bob_enrolled.account_id
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert list(sandbox.accounts.values_list("account_id", flat=True)) == [alice]  # no 222222222222
    world = SandboxWorld.load(sandbox).world
    assert world.find_role(f"arn:aws:iam::{alice}:role/AcmeAudit") is not None
    (stored,) = [r for r in sandbox.accounts.get().document["RoleDetailList"] if r["RoleName"] == "AcmeAudit"]
    assert stored["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{bob}:root"}
    assert world.find_user(f"arn:aws:iam::{alice}:user/scanner") is not None  # she plays Acme for bob
    assert f"arn:aws:s3:::reports-{alice}" in world.accounts[alice].resources
    assert PARTNER not in str(sandbox.accounts.get().document) and LEARNER not in str(sandbox.accounts.get().document)


def test_a_correct_pair_passes_every_task(paired, alice_enrolled, bob_enrolled):
    work = _start(paired, alice_enrolled)
    _start(paired, bob_enrolled)
    _apply(alice_enrolled, bob_enrolled, "Acme's account with the external ID", kind="correct")
    results = _check(work)
    assert _passed(results) == {"external-id-required": True, "scan-still-works": True, "not-public": True}
    bob = bob_enrolled.account_id
    assert (
        f"lets account {bob} in only with the external ID acme-51e2" in results["external-id-required"].explanations[0]
    )
    assert f"reports-{alice_enrolled.account_id}/q1.csv" in results["scan-still-works"].explanations[0]
    work.refresh_from_db()
    assert work.passed_at is not None and work.tasks_passed == 3


def test_the_starting_role_without_an_external_id_fails(paired, alice_enrolled, bob_enrolled):
    work = _start(paired, alice_enrolled)
    _start(paired, bob_enrolled)
    results = _check(work)
    assert _passed(results) == {"external-id-required": False, "scan-still-works": True, "not-public": True}
    assert "without an external ID" in results["external-id-required"].explanations[0]


@pytest.mark.parametrize(
    ("title", "failing"),
    [
        ("any external ID at all", {"external-id-required"}),
        ("a typo in the external ID", {"external-id-required", "scan-still-works"}),
        ("everyone who knows the external ID", {"not-public"}),
    ],
)
def test_the_wrong_solutions_fail_between_classmates(paired, alice_enrolled, bob_enrolled, title, failing):
    work = _start(paired, alice_enrolled)
    _start(paired, bob_enrolled)
    _apply(alice_enrolled, bob_enrolled, title)
    results = _check(work)
    assert {key for key, result in results.items() if not result.passed} == failing


def test_trusting_another_classmate_is_not_trusting_the_partner(classroom, paired, alice_enrolled, bob_enrolled):
    erin = enrol(classroom, UserFactory(username="erin"))
    work = _start(paired, alice_enrolled)  # partner: bob
    _start(paired, bob_enrolled)
    _apply(alice_enrolled, erin, "Acme's account with the external ID", kind="correct")  # trusts erin instead
    results = _check(work)
    assert not results["external-id-required"].passed and not results["scan-still-works"].passed
    assert f"No principal of account {bob_enrolled.account_id}" in results["external-id-required"].explanations[0]


def test_the_partner_s_task_waits_for_the_partner_to_start(paired, alice_enrolled, bob_enrolled):
    work = _start(paired, alice_enrolled)
    _apply(alice_enrolled, bob_enrolled, "Acme's account with the external ID", kind="correct")
    results = _check(work)
    assert _passed(results) == {"external-id-required": True, "scan-still-works": False, "not-public": True}
    (why,) = results["scan-still-works"].explanations
    assert f"your partner's account {bob_enrolled.account_id} (bob)" in why and "once they have started" in why
    _start(paired, bob_enrolled)
    assert _check(work)["scan-still-works"].passed


def test_a_partner_who_left_the_class_says_to_start_again(classroom, carol, paired, alice_enrolled, bob_enrolled):
    work = _start(paired, alice_enrolled)
    _start(paired, bob_enrolled)
    _apply(alice_enrolled, bob_enrolled, "Acme's account with the external ID", kind="correct")
    roster.remove(classroom, carol, _fresh(bob_enrolled), "moved away")
    (why,) = _check(work)["scan-still-works"].explanations
    assert "no longer in the class: start the lab again" in why


def test_the_partner_really_assumes_the_role_from_their_own_account(paired, alice_enrolled, bob_enrolled):
    """Beyond the check: bob's own scanner assumes alice's AcmeAudit from bob's sandbox, with and without the ID."""
    _start(paired, alice_enrolled)
    _start(paired, bob_enrolled)
    _apply(alice_enrolled, bob_enrolled, "Acme's account with the external ID", kind="correct")
    alice, bob = alice_enrolled.account_id, bob_enrolled.account_id
    sandbox = Sandbox.objects.get(pk=bob_enrolled.sandbox_id)
    role = f"arn:aws:iam::{alice}:role/AcmeAudit"
    scanner = f"arn:aws:iam::{bob}:user/scanner"
    refused = run_change(
        sandbox, lambda w: assume_role(w, scanner, AssumeRoleRequest(role, "scan")), audit_refusals=True
    )
    assert refused.error is not None
    sandbox.refresh_from_db()
    allowed = run_change(
        sandbox, lambda w: assume_role(w, scanner, AssumeRoleRequest(role, "scan", external_id="acme-51e2"))
    )
    assert allowed.error is None


def test_a_class_of_one_keeps_the_simulated_partner(classroom, carol, lab_file, alice_enrolled, bob_enrolled):
    store([lab_file])
    monday = classroom.sections.get(name="Monday")
    lab = Lab.objects.get(key=KEY)
    alone = assignments.assign(classroom, carol, lab=lab, section=monday, opens_at=None, due_at=None, closes_at=None)
    work = _start(alone, alice_enrolled)
    assert work.partner_account_id == ""
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert list(sandbox.accounts.values_list("account_id", flat=True)) == [alice_enrolled.account_id, PARTNER]
    # the lab's own correct solution, both sides in her sandbox, passes
    (solution,) = [s for s in read_lab(LABS_DIR / f"{KEY}.yaml").solutions if s["kind"] == "correct"]
    with changing(sandbox) as loaded:
        for outcome in apply_steps(loaded.world, assignments.renumbered(solution["steps"], alice_enrolled.account_id)):
            assert not outcome.failures
    assert all(_passed(_check(work)).values())


# ---- the pages ---------------------------------------------------------------------------------------------------


def test_the_lab_page_names_the_partner_s_real_account(client, classroom, paired, alice_enrolled, bob_enrolled):
    address = reverse("classrooms:assignment", args=[classroom.pk, paired.pk])
    client.force_login(alice_enrolled.user)
    page = client.get(address).content.decode()
    bob = bob_enrolled.account_id
    assert f"hired Acme (account {bob})" in page and f"bucket reports-{alice_enrolled.account_id}" in page
    assert "Your partner is bob: their real account " + bob in page
    assert "You play that other party for bob" in page
    assert PARTNER not in page and LEARNER not in page
    _start(paired, alice_enrolled)
    for rung in (1, 2, 3):
        client.post(
            reverse("classrooms:assignment_hint", args=[classroom.pk, paired.pk]),
            {"task": "external-id-required", "rung": rung},
        )
    page = client.get(address).content.decode()
    assert escape(f"arn:aws:iam::{bob}:root") in page and PARTNER not in page


def test_the_lab_page_of_a_class_of_one_says_the_partner_is_simulated(
    client, classroom, carol, lab_file, alice_enrolled
):
    store([lab_file])
    lab = Lab.objects.get(key=KEY)
    alone = assignments.assign(classroom, carol, lab=lab, section=None, opens_at=None, due_at=None, closes_at=None)
    client.force_login(alice_enrolled.user)
    page = client.get(reverse("classrooms:assignment", args=[classroom.pk, alone.pk])).content.decode()
    assert f"the simulated account {PARTNER}" in page and f"hired Acme (account {PARTNER})" in page


def test_the_drill_down_shows_the_partner_s_account_in_the_tasks(client, classroom, carol, paired, alice_enrolled):
    work = _start(paired, alice_enrolled)
    _check(work)
    client.force_login(carol)
    address = reverse("classrooms:dashboard_student", args=[classroom.pk, paired.pk, alice_enrolled.pk])
    page = client.get(address).content.decode()
    assert "reports-" + alice_enrolled.account_id in page and PARTNER not in page


def test_staff_see_the_pairs_on_the_assignment_s_page(client, classroom, carol, paired, alice_enrolled, bob_enrolled):
    client.force_login(carol)
    address = reverse("classrooms:assignment_edit", args=[classroom.pk, paired.pk])
    page = client.get(address).content.decode()
    assert "This lab is done in pairs." in page
    rows = [line for line in page.splitlines() if '<tr><th scope="row">' in line]
    assert len(rows) == 2 and "alice" in rows[0].split("<td>")[0] and "bob" in rows[0].split("<td>")[1]
    roster.remove(classroom, carol, _fresh(bob_enrolled), "left")
    assert "Fewer than two students are there to pair" in client.get(address).content.decode()


def test_a_fork_whose_two_sides_clash_in_one_account_is_refused(paired):
    import copy
    import json

    world = copy.deepcopy(paired.lab.world)
    scanner = copy.deepcopy(world["accounts"][PARTNER]["UserDetailList"][0])
    scanner["Arn"] = f"arn:aws:iam::{LEARNER}:user/scanner"
    world["accounts"][LEARNER]["UserDetailList"].append(scanner)  # the learner has a scanner too
    report = assignments.check_world(paired, json.dumps(world, indent=2))
    assert report.world is None
    ((_line, message),) = report.problems
    assert message.startswith("In a classroom each student's account holds both sides of this paired lab")
    fine = assignments.check_world(paired, json.dumps(paired.lab.world, indent=2))
    assert fine.problems == []
