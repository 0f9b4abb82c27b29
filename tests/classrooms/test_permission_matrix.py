"""Every classroom URL × every actor, discovered from the URL map the way ``tests/sandbox/test_permissions.py``
walks the sandbox's.

Each pattern of ``iamtutor.classrooms.urls`` is filled with real objects (the classroom, alice's enrollment, a
guardrail, a section, a staff member, the join link's token) and tried with GET and POST by nine actors: the
owner (carol), a co-instructor, a TA of alice's section, a TA of another section, a student (bob), a removed
student (rita), a student of another classroom, a signed-in stranger (mallory) and an anonymous visitor. What
each may do comes from ``permissions.ACTIONS`` through ``REQUIRES``, the action every URL name needs:

- strangers (and students of another classroom, and anonymous visitors) get 404 — for the pages outside any
  one classroom (``OUTSIDE``), anonymous visitors are sent to log in instead, except on the join pages, which
  they may see (they sign up on the way);
- members without the right get 403 and the page says why, in ``permissions.why_not``'s words; a removed
  student is told they were removed;
- nobody's request changes another student's data, and a refused request changes nothing at all.

Every request runs in a savepoint that is rolled back, so each actor meets the same classroom. A URL name in
the map but not in the table fails the test, so a new page cannot be forgotten. URL names the table lists but
the site does not serve yet are skipped while ``SKIP_UNSERVED`` is true. The walker itself is tested on
stand-in views (``permission_stubs``), including ones that forget a check.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils.html import escape

from iamtutor.accounts.roles import is_instructor
from iamtutor.classrooms import permissions
from iamtutor.classrooms.membership import add_section
from iamtutor.classrooms.models import (
    Assignment,
    AssignmentAttempt,
    Classroom,
    Enrollment,
    Guardrail,
    JoinKey,
    ResultOverride,
    Section,
    Snapshot,
    StaffAction,
    StaffMember,
    Vote,
    VoteAnswer,
)
from iamtutor.classrooms.roster import remove
from iamtutor.labs.models import Attempt, HintUse
from iamtutor.sandbox.models import AccessKeySecret, AuditEvent, Sandbox, SandboxAccount, StsSession
from lessons.loader import read_content
from lessons.store import store
from tests.factories import ClassroomFactory, UserFactory, enrol_student

pytestmark = pytest.mark.django_db

# URL name -> the permissions action it needs: one for every method, or one per method.
REQUIRES: dict[str, str | dict[str, str]] = {
    "detail": "view",
    "try_as_student": "try_as_student",
    # A closed classroom's settings page still opens, for reopening it; saving the settings needs edit_settings.
    "settings": {"GET": "change_state", "POST": "edit_settings"},
    "state": "change_state",  # archiving also needs "archive"; the walker asks for no step, so meets only this
    "staff": "manage_staff",
    "staff_change": "manage_staff",
    "staff_remove": "manage_staff",
    "sections": "manage_sections",
    "section_rename": "manage_sections",
    "section_delete": "manage_sections",
    "joining": "manage_joining",
    "roster": "view_roster",
    "roster_csv": "export_roster",
    "student_move": "manage_roster",
    "student_remove": "manage_roster",
    "guardrails": "view_guardrails",
    "guardrail_new": "manage_guardrails",
    "guardrail_edit": "manage_guardrails",
    "guardrail_delete": "manage_guardrails",
    "clock": {"GET": "view_clock", "POST": "manage_clock"},
    "student": "view_student",
    "student_reset": "reset_student",
    "student_undo": "reset_student",
    "student_extend": "extend_student_clock",
    "student_view": "view_student",
    "log": "view_staff_log",
    "my_log": "use_account",
    "answers": "view",  # staff see every answer; a student only what they answered themselves (compare_answers)
    "answers_csv": "export_answers",
    "votes": {"GET": "view", "POST": "run_vote"},
    "vote_live": "view",
    "vote": "view",
    "vote_answer": "take_vote",
    "vote_control": "run_vote",
    "assignments": "view",
    "assignment_new": "manage_assignments",
    "assignment_edit": "manage_assignments",
    "assignment_world": "manage_assignments",
    "assignment_delete": "manage_assignments",
    "assignment": "use_account",
    "assignment_start": "use_account",
    "assignment_check": "use_account",
    "assignment_hint": "use_account",
    "dashboard": "view_dashboard",
    "dashboard_student": "view_dashboard",
    "result_override": "override_result",
    "grades_csv": "export_grades",
}
# Actions a student takes in their own account: the foreign-object check runs as the student (staff are
# refused these before any look-up, so only a student's answer shows whether another classroom's object leaks).
SELF_ACTIONS = {"use_account", "take_vote", "compare_answers"}
# Pages outside any one classroom: who may open them. Anonymous visitors are sent to log in, except on the join
# pages ("anyone"): they see the classroom and are asked to sign up or log in on the way, and joining itself
# needs an account.
OUTSIDE = {"list": "signed_in", "create": "instructor", "join": "anyone", "join_link": "anyone"}
URL_NAMES = sorted(REQUIRES.keys() | OUTSIDE.keys())
# While the classroom views were being built, names not served yet were skipped. Every page is merged now: a page
# the table lists but the site does not serve fails the test.
SKIP_UNSERVED = False

ACTORS = (
    "owner",
    "co_instructor",
    "ta_same",
    "ta_other",
    "student",
    "removed",
    "other_student",
    "stranger",
    "anonymous",
)
ROLE = {
    "owner": StaffMember.OWNER,
    "co_instructor": StaffMember.CO_INSTRUCTOR,
    "ta_same": StaffMember.TA,
    "ta_other": StaffMember.TA,
    "student": "student",
}  # the others are nobody to this classroom (a removed student is a member with no rights: 403, not 404)
ALLOWED_ANSWERS = {200, 201, 204, 302, 303, 400, 409}  # a member with the right: the page, a redirect, a form error


def action_for(name: str, method: str) -> str:
    required = REQUIRES[name]
    return required if isinstance(required, str) else required[method.upper()]


def allowed(actor: str, action: str, about_student: bool) -> bool:
    """Whether ``actor`` may take ``action``, read from ``permissions.ACTIONS`` (the TA of another section may
    not act on alice, who is in the Monday section)."""
    role = ROLE.get(actor)
    if role is None:
        return False
    if action == "use_account":
        return role == "student"
    if role not in permissions.ACTIONS[action]:
        return False
    return not (about_student and action in permissions.STUDENT_ACTIONS and actor == "ta_other")


@dataclass
class Cast:
    classroom: Classroom
    target: Enrollment  # alice, the student the per-student pages are about
    guardrail: Guardrail
    section: Section  # Tuesday, bob's
    member: StaffMember  # the TA of another section
    link: JoinKey
    elsewhere: Enrollment  # sam, in another classroom
    elsewhere_guardrail: Guardrail
    elsewhere_section: Section
    elsewhere_member: StaffMember  # olga, the other classroom's owner
    users: dict  # actor -> user (None for anonymous)
    clients: dict  # actor -> Client, signed in


@pytest.fixture
def cast(classroom, carol, alice_enrolled, bob_enrolled, mallory) -> Cast:
    monday, tuesday = classroom.sections.get(name="Monday"), classroom.sections.get(name="Tuesday")
    users = {"owner": carol, "student": bob_enrolled.user, "stranger": mallory, "anonymous": None}
    users["removed"] = UserFactory(username="rita")
    remove(classroom, carol, enrol_student(classroom, users["removed"], monday), "left the course")
    users["co_instructor"] = UserFactory(username="dave")
    StaffMember.objects.create(classroom=classroom, user=users["co_instructor"], role=StaffMember.CO_INSTRUCTOR)
    members = {}
    for actor, section in (("ta_same", monday), ("ta_other", tuesday)):
        users[actor] = UserFactory(username=actor.replace("_", "-"))
        members[actor] = StaffMember.objects.create(classroom=classroom, user=users[actor], role=StaffMember.TA)
        members[actor].sections.add(section)
    other = ClassroomFactory(owner=UserFactory(username="olga"), name="Another class")
    elsewhere_section = add_section(other, "Friday")
    elsewhere = enrol_student(other, UserFactory(username="sam"), elsewhere_section)
    users["other_student"] = elsewhere.user
    rail = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    guardrail = Guardrail.objects.create(classroom=classroom, name="NoIam", document=rail, targets=[classroom.root_id])
    elsewhere_guardrail = Guardrail.objects.create(classroom=other, name="NoIam", document=rail, targets=[])
    link = JoinKey.objects.create(classroom=classroom, kind=JoinKey.LINK, value="join-link-token-0123456789")
    JoinKey.objects.create(classroom=other, kind=JoinKey.LINK, value="other-link-token-0123456789")
    clients = {}
    for actor, user in users.items():
        clients[actor] = Client()
        if user is not None:
            clients[actor].force_login(user)
    return Cast(
        classroom,
        alice_enrolled,
        guardrail,
        tuesday,
        members["ta_other"],
        link,
        elsewhere,
        elsewhere_guardrail,
        elsewhere_section,
        other.staff.get(),
        users,
        clients,
    )


# ---- the walker ----------------------------------------------------------------------------------------------


def served_patterns() -> dict[str, URLPattern]:
    """The classroom URL patterns the site serves now, by name (read afresh: tests may swap the URL map)."""
    from django.urls import get_resolver

    resolver = get_resolver()
    namespace = resolver.namespace_dict["classrooms"][1]
    return {p.name: p for p in namespace.url_patterns if isinstance(p, URLPattern) and p.name}


def fill(pattern: URLPattern, cast: Cast, *, foreign: str | None = None) -> str:
    """The pattern's address with real objects; ``foreign`` names one keyword to fill from the other
    classroom instead (its student, guardrail, section or staff member)."""
    fillers = {
        "pk": cast.classroom.pk,
        "student": cast.target.pk,
        "guardrail": cast.guardrail.pk,
        "section": cast.section.pk,
        "member": cast.member.pk,
        "token": cast.link.value,
    }
    keywords = list(pattern.pattern.converters)
    if "vote" in keywords:
        fillers["vote"] = _vote(cast.classroom).pk
    if "assignment" in keywords:
        fillers["assignment"] = _assignment(cast.classroom).pk
    if foreign is not None:
        fillers[foreign] = FOREIGN[foreign](cast).pk
    missing = [k for k in keywords if k not in fillers]
    assert not missing, f"classrooms:{pattern.name} takes {missing}: add a filler for it to this test"
    return reverse(f"classrooms:{pattern.name}", kwargs={k: fillers[k] for k in keywords})


def _vote(classroom: Classroom):
    """An open whole-class vote of ``classroom`` on step 3's prediction (the lessons are stored on first use)."""
    from iamtutor.classrooms import answers, votes
    from iamtutor.classrooms.models import Vote

    if (existing := Vote.objects.filter(classroom=classroom).first()) is not None:
        return existing
    if answers.find(answers.PREDICTION, VOTE_ITEM, "en") is None:
        store(_content())
    owner = classroom.staff.get(role=StaffMember.OWNER).user
    return votes.open_vote(classroom, owner, answers.find(answers.PREDICTION, VOTE_ITEM, "en"), None)


VOTE_ITEM = "p3-any-user-any-role"


@functools.cache
def _content():
    return read_content()


def _assignment(classroom: Classroom):
    """A whole-class assignment of ``classroom``: the "fix the trust policy" lab (stored on first use)."""
    from iamtutor.classrooms.models import Assignment
    from iamtutor.labs.loader import LABS_DIR, read_lab
    from iamtutor.labs.models import Lab
    from iamtutor.labs.store import store as store_labs

    if (existing := Assignment.objects.filter(classroom=classroom).first()) is not None:
        return existing
    if not Lab.objects.filter(key=ASSIGNED_LAB).exists():
        store_labs([read_lab(LABS_DIR / f"{ASSIGNED_LAB}.yaml")])
    return Assignment.objects.create(classroom=classroom, lab=Lab.objects.get(key=ASSIGNED_LAB))


ASSIGNED_LAB = "fix-the-trust-policy"


FOREIGN = {
    "vote": lambda cast: _vote(cast.elsewhere.classroom),
    "assignment": lambda cast: _assignment(cast.elsewhere.classroom),
    "student": lambda cast: cast.elsewhere,
    "guardrail": lambda cast: cast.elsewhere_guardrail,
    "section": lambda cast: cast.elsewhere_section,
    "member": lambda cast: cast.elsewhere_member,
}


def everything() -> dict[str, list]:
    """Every row a classroom request could touch, for before/after comparison."""
    models = [Classroom, Section, StaffMember, StaffMember.sections.through, Enrollment, JoinKey, Guardrail]
    models += [StaffAction, Snapshot, Sandbox, SandboxAccount, StsSession, AuditEvent, AccessKeySecret]
    models += [Vote, VoteAnswer, Assignment, AssignmentAttempt, ResultOverride, Attempt, HintUse]
    state = {m.__name__: sorted(map(repr, m.objects.order_by().values_list())) for m in models}
    state["users"] = sorted(map(repr, get_user_model().objects.values_list("pk", "username", "password")))
    return state


def student_data(enrollment_ids: list[int]) -> dict[int, list]:
    """What belongs to each of these students: their enrollment, sandbox, accounts, sessions, events, key
    secrets and snapshots (a few queries, whatever the number of students)."""
    sandboxes = dict(Enrollment.objects.filter(pk__in=enrollment_ids).values_list("sandbox_id", "pk"))
    data: dict[int, list] = {pk: [] for pk in sandboxes.values()}
    for row in Enrollment.objects.filter(pk__in=enrollment_ids).order_by().values_list():
        data[row[0]].append(repr(row))
    snapshots = Snapshot.objects.filter(enrollment__in=enrollment_ids).order_by("pk")
    for row in snapshots.values_list("enrollment_id", "data"):
        data[row[0]].append(repr(row))
    for row in Sandbox.objects.filter(pk__in=sandboxes).order_by().values_list():
        data[sandboxes[row[0]]].append(repr(row))
    for model in (SandboxAccount, StsSession, AuditEvent, AccessKeySecret):
        for row in (
            model.objects.filter(sandbox__in=sandboxes).order_by("pk").values_list("sandbox_id", *_fields(model))
        ):
            data[sandboxes[row[0]]].append(repr(row))
    return data


def _fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


@dataclass
class Answer:
    status: int
    content: str
    location: str
    changed_anything: bool
    changed_others: list[int]


def send(cast: Cast, actor: str, method: str, address: str, protected: list[int], *, refusal: bool) -> Answer:
    """One request in a savepoint that is rolled back, with what it changed: anything at all when a
    ``refusal`` is expected, else the ``protected`` students' data."""
    with transaction.atomic():
        before = everything() if refusal else student_data(protected)
        response = getattr(cast.clients[actor], method)(address)
        after = everything() if refusal else student_data(protected)
        transaction.set_rollback(True)
    changed = [] if refusal else [pk for pk in protected if before.get(pk) != after.get(pk)]
    content = response.content.decode("utf-8", "replace") if not getattr(response, "streaming", False) else ""
    return Answer(response.status_code, content, response.get("Location", ""), before != after, changed)


def protected_students(cast: Cast, actor: str, about_student: bool) -> list[int]:
    """Everyone's enrollment but the actor's own and, on a per-student page, the student it is about."""
    enrollments = Enrollment.objects.all()
    if cast.users.get(actor) is not None:
        enrollments = enrollments.exclude(user=cast.users[actor])
    return [pk for pk in enrollments.values_list("pk", flat=True) if not (about_student and pk == cast.target.pk)]


def check_url(cast: Cast, name: str, pattern: URLPattern) -> list[str]:
    """Every way ``name`` answers other than the table says, as sentences (empty when all is well)."""
    failures: list[str] = []
    address = fill(pattern, cast)
    about_student = "student" in pattern.pattern.converters
    for method in ("get", "post"):
        answers = {
            actor: send(
                cast,
                actor,
                method,
                address,
                protected_students(cast, actor, about_student),
                refusal=_expected(cast, name, method, actor, about_student) != "ok",
            )
            for actor in ACTORS
        }
        if any(answer.status == 405 for answer in answers.values()):
            if {answer.status for answer in answers.values()} != {405}:
                failures.append(f"{method.upper()} {address}: 405 for some actors only")
            continue
        for actor, answer in answers.items():
            failures += _judge(cast, name, method, actor, answer, about_student, address)
        failures += _foreign(cast, name, pattern, method)
    return failures


def _judge(cast, name, method, actor, answer: Answer, about_student: bool, address: str) -> list[str]:
    where = f"{method.upper()} {address} as {actor}"
    if answer.changed_others:
        return [f"{where}: changed another student's data ({answer.status})"]
    expected = _expected(cast, name, method, actor, about_student)
    if expected == "ok":
        if answer.status not in ALLOWED_ANSWERS:
            return [f"{where}: {answer.status}, expected the page (the actor has the right)"]
        return []
    if answer.changed_anything:
        return [f"{where}: a refused request ({answer.status}) changed stored data"]
    if expected == "login":
        login = reverse("login")
        if answer.status != 302 or not answer.location.startswith((login, reverse("signup"))):
            return [f"{where}: {answer.status} {answer.location!r}, expected a redirect to log in"]
        return []
    if expected == "404":
        return [] if answer.status == 404 else [f"{where}: {answer.status}, expected 404 (a stranger)"]
    if answer.status != 403:
        return [f"{where}: {answer.status}, expected 403"]
    reason = _reason(cast, name, method, actor, about_student)
    if reason is not None and escape(reason) not in answer.content:
        return [f"{where}: the 403 page does not say why ({reason!r})"]
    return []


def _expected(cast: Cast, name: str, method: str, actor: str, about_student: bool) -> str:
    """``ok``, ``403``, ``404`` or ``login``."""
    if name in OUTSIDE:
        if actor == "anonymous":
            return "ok" if OUTSIDE[name] == "anyone" else "login"
        if OUTSIDE[name] == "instructor" and not is_instructor(cast.users[actor]):
            return "403"
        if name == "join_link" and actor == "removed":
            return "403"  # the link's page says they were removed and cannot join again
        return "ok"
    if actor == "removed":
        return "403"
    if ROLE.get(actor) is None:
        return "404"
    return "ok" if allowed(actor, action_for(name, method), about_student) else "403"


def _reason(cast: Cast, name: str, method: str, actor: str, about_student: bool) -> str | None:
    if name in OUTSIDE:
        return None
    member = permissions.actor_for(cast.users[actor], cast.classroom)
    return permissions.why_not(member, action_for(name, method), cast.target if about_student else None)


def _foreign(cast: Cast, name: str, pattern: URLPattern, method: str) -> list[str]:
    """The owner naming another classroom's student, guardrail, section or staff member through this classroom
    gets 404."""
    failures = []
    for keyword in FOREIGN:
        if keyword in pattern.pattern.converters:
            address = fill(pattern, cast, foreign=keyword)
            actor = "student" if action_for(name, method) in SELF_ACTIONS else "owner"
            answer = send(cast, actor, method, address, [], refusal=True)
            if answer.status != 404 or answer.changed_anything:
                failures.append(
                    f"{method.upper()} {address} as {actor}: {answer.status}, expected 404 (foreign {keyword})"
                )
    return failures


# ---- the tests ---------------------------------------------------------------------------------------------


def test_every_classroom_url_name_is_in_the_table():
    served = served_patterns()
    unknown = sorted(served.keys() - set(URL_NAMES))
    assert not unknown, f"add these URL names to REQUIRES or OUTSIDE: {unknown}"
    assert {action for name in REQUIRES for action in _actions(name)} <= permissions.ACTIONS.keys()


def _actions(name: str) -> list[str]:
    required = REQUIRES[name]
    return [required] if isinstance(required, str) else list(required.values())


@pytest.mark.parametrize("document", ["README.md", "docs/classrooms.md"])
def test_the_documented_permission_table_is_permissions_actions(document):
    text = (Path(settings.BASE_DIR) / document).read_text(encoding="utf-8")
    table = text.split("<!-- permission-table", 1)[1].split("<!-- /permission-table -->", 1)[0]
    rows = [line.split("|")[1:-1] for line in table.splitlines() if line.startswith("| `")]
    documented = {}
    for cells in rows:
        action = cells[0].strip().strip("`")
        owner, co_instructor, ta, student = (cell.strip().startswith("✓") for cell in cells[2:6])
        documented[action] = {
            role
            for role, yes in (("owner", owner), ("co_instructor", co_instructor), ("ta", ta), ("student", student))
            if yes
        }
    assert documented == {action: set(roles) for action, roles in permissions.ACTIONS.items()}


@pytest.mark.parametrize("name", URL_NAMES)
def test_each_url_answers_each_actor_as_the_permission_table_says(request, name):
    pattern = served_patterns().get(name)
    if pattern is None:
        if not SKIP_UNSERVED:
            pytest.fail(f"classrooms:{name} is in the table but the site does not serve it")
        pytest.skip(f"classrooms:{name} is not served yet")
    failures = check_url(request.getfixturevalue("cast"), name, pattern)
    assert not failures, "\n".join(failures)


# ---- the walker, tested on stand-in views ----------------------------------------------------------------------


@pytest.fixture
def stubs(settings):
    settings.ROOT_URLCONF = "tests.classrooms.permission_stubs"
    from tests.classrooms import permission_stubs

    return permission_stubs


def test_the_walker_passes_views_that_follow_the_table(cast, stubs):
    patterns = served_patterns()
    assert set(patterns) == set(URL_NAMES)
    failures = [failure for name in URL_NAMES for failure in check_url(cast, name, patterns[name])]
    assert not failures, "\n".join(failures)


def test_the_walker_catches_a_view_that_forgets_the_check(cast, stubs, monkeypatch):
    monkeypatch.setitem(stubs.OVERRIDES, "student_reset", stubs.reset_without_asking)
    failures = check_url(cast, "student_reset", served_patterns()["student_reset"])
    assert any("as student: 200, expected 403" in f for f in failures)
    assert any("as ta_other: changed another student's data" in f for f in failures) or any(
        "as ta_other: 200, expected 403" in f for f in failures
    )


def test_the_walker_catches_a_view_that_tells_strangers_the_classroom_exists(cast, stubs, monkeypatch):
    monkeypatch.setitem(stubs.OVERRIDES, "roster", stubs.refuse_everyone)
    failures = check_url(cast, "roster", served_patterns()["roster"])
    assert any("as stranger: 403, expected 404" in f for f in failures)
    assert any("as owner: 403, expected the page" in f for f in failures)


def test_the_walker_catches_a_change_to_another_students_data(cast, stubs, monkeypatch):
    monkeypatch.setitem(stubs.OVERRIDES, "my_log", stubs.touch_classmates)
    failures = check_url(cast, "my_log", served_patterns()["my_log"])
    assert any("as student: changed another student's data" in f for f in failures)


def test_the_walker_catches_a_403_that_does_not_say_why(cast, stubs, monkeypatch):
    monkeypatch.setitem(stubs.OVERRIDES, "clock", stubs.refuse_without_reason)
    failures = check_url(cast, "clock", served_patterns()["clock"])
    assert any("as ta_same: the 403 page does not say why" in f for f in failures)
