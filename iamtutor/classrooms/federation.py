"""What a student's sandbox needs from its classroom (``iamtutor.sandbox.hooks.Federation``): the
organization its account belongs to, the classmates' accounts its requests reach, staff's read-only view, the
class clock that is not the student's to move, and the student's own starting account for a reset.

A request loads only what it touches: the organization section costs two small queries (members by section,
and the guardrails), and a classmate's account is read only when a request names it.
"""

from __future__ import annotations

from iamtutor.sandbox.models import Sandbox, SandboxAccount

from . import guardrails, permissions
from .membership import student_world
from .models import Classroom, Enrollment

CLASS_CLOCK_MESSAGE = (
    "Your instructor sets the clock for the whole class, so it cannot be changed here. "
    "Sessions expire by the class clock."
)


class ClassroomFederation:
    def organization(self, sandbox: Sandbox) -> dict | None:
        enrollment = _enrollment(sandbox)
        if enrollment is None:
            return None
        return organization_data(enrollment.classroom)

    def peer_account(self, sandbox: Sandbox, account_id: str) -> SandboxAccount | None:
        """The member account ``account_id`` of an active classmate in the same classroom (one query), or None:
        for a personal sandbox, the student's own account, a removed student's, another classroom's, or an
        account id nobody has. The caller only reads it."""
        enrollment = _enrollment(sandbox)
        if enrollment is None or account_id == enrollment.account_id:
            return None
        return (
            SandboxAccount.objects.filter(
                account_id=account_id,
                is_learners=True,
                sandbox__enrollment__classroom_id=enrollment.classroom_id,
                sandbox__enrollment__account_id=account_id,
                sandbox__enrollment__state=Enrollment.ACTIVE,
            )
            .exclude(sandbox=sandbox)
            .first()
        )

    def viewer(self, request, sandbox: Sandbox) -> str | None:
        enrollment = _enrollment(sandbox)
        if enrollment is None or not request.user.is_authenticated:
            return None
        actor = permissions.actor_for(request.user, enrollment.classroom)
        if actor.is_staff and permissions.can(actor, "view_student", enrollment):
            return "staff"
        return None

    def clock_owner(self, sandbox: Sandbox) -> str | None:
        enrollment = _enrollment(sandbox)
        if enrollment is None or enrollment.classroom.clock_mode != Classroom.CLASS_CLOCK:
            return None
        return CLASS_CLOCK_MESSAGE

    def starting_contents(self, sandbox: Sandbox) -> tuple[dict, dict] | None:
        enrollment = _enrollment(sandbox)
        if enrollment is None:
            return None
        return student_world(enrollment.account_id)


def _enrollment(sandbox: Sandbox) -> Enrollment | None:
    if sandbox.kind != Sandbox.CLASSROOM:
        return None
    cached = getattr(sandbox, "_classroom_enrollment", None)
    if cached is None:
        cached = Enrollment.objects.filter(sandbox=sandbox).select_related("classroom").first()
        sandbox._classroom_enrollment = cached
    return cached


def organization_data(classroom: Classroom) -> dict:
    """The classroom as a world-format ``organization`` section: root, one OU per section, every active
    student's account as a member, and the guardrails as SCPs and RCPs (with AWS's FullAWSAccess beside
    them, ``guardrails.organization_policies``)."""
    members = list(
        Enrollment.objects.filter(classroom=classroom, state=Enrollment.ACTIVE).values_list(
            "account_id", "section__ou_id"
        )
    )
    ous: dict[str, dict] = {
        ou_id: {"id": ou_id, "name": name, "parent": classroom.root_id, "accounts": []}
        for ou_id, name in classroom.sections.values_list("ou_id", "name")
    }
    for account_id, ou_id in members:
        if ou_id in ous:
            ous[ou_id]["accounts"].append(account_id)
    data: dict = {
        "id": classroom.org_id,
        "management_account": classroom.management_account_id,
        "root_id": classroom.root_id,
        "accounts": [account_id for account_id, _ in members],
        "ous": list(ous.values()),
        **guardrails.organization_policies(classroom),
    }
    return data
