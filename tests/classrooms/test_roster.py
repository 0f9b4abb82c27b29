"""The roster: who sees which students, sections as headings, a bounded number of queries, moving and removing
a student (kept read-only, never deleted), and the CSV export (emails for instructors, no formulas)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from iamtutor.classrooms import permissions
from iamtutor.classrooms.joining import REMOVED_READ_ONLY
from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.classrooms.models import Classroom, Enrollment, StaffAction, StaffMember
from iamtutor.classrooms.roster import safe_cell
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld, run_change
from tests.factories import ClassroomFactory, UserFactory, enrol_student

pytestmark = pytest.mark.django_db
ROLE_ONLY = "Only the owner and co-instructors can do this."
STAFF_ONLY = "Only the owner, co-instructors and teaching assistants can do this."


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(response) -> str:
    return response.content.decode()


@pytest.fixture
def cast(classroom, carol, alice_enrolled, bob_enrolled, mallory):
    """Everyone who might open a roster page, by role: alice is in Monday (the TA's section), bob in Tuesday."""
    monday, tuesday = classroom.sections.get(name="Monday"), classroom.sections.get(name="Tuesday")
    co = UserFactory(username="dan")
    StaffMember.objects.create(classroom=classroom, user=co, role=StaffMember.CO_INSTRUCTOR)
    ta, ta_other = UserFactory(username="tina"), UserFactory(username="theo")
    StaffMember.objects.create(classroom=classroom, user=ta, role=StaffMember.TA).sections.add(monday)
    StaffMember.objects.create(classroom=classroom, user=ta_other, role=StaffMember.TA).sections.add(tuesday)
    elsewhere = UserFactory(username="olga")
    enrol(ClassroomFactory(), elsewhere)
    return {
        "owner": carol,
        "co_instructor": co,
        "ta": ta,
        "ta_other_section": ta_other,
        "student": alice_enrolled.user,
        "student_elsewhere": elsewhere,
        "stranger": mallory,
        "anonymous": None,
    }


# URL name -> (method, expected status by actor, the reason a 403 page gives). The student acted on is alice.
MATRIX = {
    "roster": (
        "get",
        dict(owner=200, co_instructor=200, ta=200, ta_other_section=200, student=403),
        STAFF_ONLY,
    ),
    "roster_csv": (
        "get",
        dict(owner=200, co_instructor=200, ta=200, ta_other_section=200, student=403),
        STAFF_ONLY,
    ),
    "student_move": (
        "post",
        dict(owner=302, co_instructor=302, ta=403, ta_other_section=403, student=403),
        ROLE_ONLY,
    ),
    "student_remove": (
        "get",
        dict(owner=200, co_instructor=200, ta=403, ta_other_section=403, student=403),
        ROLE_ONLY,
    ),
}
OUTSIDERS = dict(student_elsewhere=404, stranger=404, anonymous=404)


def _address(name: str, classroom, student) -> str:
    if name.startswith("student_"):
        return reverse(f"classrooms:{name}", args=[classroom.pk, student.pk])
    return reverse(f"classrooms:{name}", args=[classroom.pk])


@pytest.mark.parametrize("name", MATRIX)
def test_every_roster_url_for_every_actor(classroom, cast, alice_enrolled, name):
    method, expected, reason = MATRIX[name]
    monday = str(alice_enrolled.section_id)
    for who, status in (expected | OUTSIDERS).items():
        response = getattr(_client(cast[who]), method)(
            _address(name, classroom, alice_enrolled), {"section": monday} if method == "post" else None
        )
        assert response.status_code == status, (name, who, response.status_code)
        if status == 403:
            assert reason in _page(response), (name, who)
    assert Enrollment.objects.get(pk=alice_enrolled.pk).section_id == alice_enrolled.section_id


def test_the_roster_urls_cover_the_whole_roster_module():
    from iamtutor.classrooms.views import roster

    assert {pattern.name for pattern in roster.urlpatterns} == set(MATRIX)


def test_no_roster_action_reaches_a_student_of_another_classroom(classroom, carol):
    other = enrol_student(ClassroomFactory())
    client = _client(carol)
    for name, method in (("student_move", "post"), ("student_remove", "get"), ("student_remove", "post")):
        response = getattr(client, method)(_address(name, classroom, other), {"reason": "x", "section": ""})
        assert response.status_code == 404, name
    other.refresh_from_db()
    assert other.state == Enrollment.ACTIVE


# ---- what the roster shows --------------------------------------------------------------------------------------


def test_the_roster_lists_students_under_their_sections_with_account_and_activity(classroom, carol, cast):
    alice, bob = Enrollment.objects.get(user__username="alice"), Enrollment.objects.get(user__username="bob")
    nowhere = enrol_student(classroom, UserFactory(username="zoe"))
    page = _page(_client(carol).get(reverse("classrooms:roster", args=[classroom.pk])))
    headings = [page.index(f'<h2 id="group-{n}">') for n in (1, 2, 3)]
    rows = [page.index(f">{name}</a>") for name in ("alice", "bob", "zoe")]
    assert headings[0] < rows[0] < headings[1] < rows[1] < headings[2] < rows[2]
    assert "Monday" in page[headings[0] : rows[0]] and "Tuesday" in page[headings[1] : rows[1]]
    assert "Not in a section yet" in page[headings[2] : rows[2]]
    for enrollment in (alice, bob, nowhere):
        assert enrollment.account_id in page
        student_page = reverse("classrooms:student", args=[classroom.pk, enrollment.pk])
        assert f'<a href="{student_page}">{enrollment.user.username}</a>' in page  # view as, reset, extra time
    assert f"<td>{alice.sandbox.last_used:%Y-%m-%d %H:%M}</td>" in page
    assert "Filtered to your sections" not in page


def test_a_ta_sees_only_their_sections_and_the_page_says_so(classroom, cast):
    page = _page(_client(cast["ta"]).get(reverse("classrooms:roster", args=[classroom.pk])))
    assert "Filtered to your sections: Monday." in page
    assert "alice" in page and "bob" not in page and ">Tuesday" not in page


def test_a_ta_without_a_section_is_told_why_the_roster_is_empty(classroom, cast):
    StaffMember.objects.get(user=cast["ta"]).sections.clear()
    page = _page(_client(cast["ta"]).get(reverse("classrooms:roster", args=[classroom.pk])))
    assert "You are not assigned to a section yet" in page and "alice" not in page


def test_the_roster_filters_to_one_section(classroom, carol, cast):
    tuesday = classroom.sections.get(name="Tuesday")
    page = _page(_client(carol).get(reverse("classrooms:roster", args=[classroom.pk]), {"section": tuesday.pk}))
    assert "bob" in page and 'id="student-' in page and ">alice<" not in page


def test_a_ta_cannot_filter_their_way_into_another_section(classroom, cast):
    tuesday = classroom.sections.get(name="Tuesday")
    page = _page(_client(cast["ta"]).get(reverse("classrooms:roster", args=[classroom.pk]), {"section": tuesday.pk}))
    assert "bob" not in page and "alice" in page


@pytest.mark.parametrize("section", ["<script>", "9999999", "-1", "", "1 OR 1=1"])
def test_a_bad_section_filter_shows_every_section(classroom, carol, cast, section):
    response = _client(carol).get(reverse("classrooms:roster", args=[classroom.pk]), {"section": section})
    assert response.status_code == 200 and "alice" in _page(response) and "bob" in _page(response)


def test_staff_who_enrolled_are_marked_and_left_out_of_the_counts(classroom, carol, cast):
    enrol(classroom, carol, classroom.sections.get(name="Monday"))
    page = _page(_client(carol).get(reverse("classrooms:roster", args=[classroom.pk])))
    start = page.index(f'/students/{classroom.enrollments.get(user=carol).pk}/">carol</a>')
    row = page[start : page.index("</tr>", start)]
    assert '<span class="badge">staff</span>' in row
    monday = page[page.index('<h2 id="group-1">') : page.index("</h2>", page.index('<h2 id="group-1">'))]
    assert "1 student" in monday  # alice; carol is staff


def test_an_empty_classroom_points_to_the_join_page(classroom, carol):
    page = _page(_client(carol).get(reverse("classrooms:roster", args=[classroom.pk])))
    assert "No students yet." in page and reverse("classrooms:joining", args=[classroom.pk]) in page


@pytest.mark.parametrize("students", [3, 30])
def test_the_roster_costs_the_same_queries_for_3_and_30_students(
    classroom, carol, students, django_assert_max_num_queries
):
    sections = list(classroom.sections.all())
    for n in range(students):
        student = enrol_student(classroom, section=sections[n % 2] if n % 3 else None)
        if n == 1:
            StaffMember.objects.create(classroom=classroom, user=student.user, role=StaffMember.TA)
    client = _client(carol)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("classrooms:roster", args=[classroom.pk]))
    assert _page(response).count('id="student-') == students
    with django_assert_max_num_queries(6):
        assert client.get(reverse("classrooms:roster_csv", args=[classroom.pk])).status_code == 200


def test_a_tas_roster_costs_the_same_queries_too(classroom, cast, django_assert_max_num_queries):
    for _ in range(20):
        enrol_student(classroom, section=classroom.sections.get(name="Monday"))
    client = _client(cast["ta"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("classrooms:roster", args=[classroom.pk]))
    assert _page(response).count('id="student-') == 21


# ---- moving -----------------------------------------------------------------------------------------------------


def test_moving_a_student_changes_their_ou_and_is_logged(classroom, carol, alice_enrolled):
    tuesday = classroom.sections.get(name="Tuesday")
    revision = classroom.revision
    client = _client(carol)
    response = client.post(
        reverse("classrooms:student_move", args=[classroom.pk, alice_enrolled.pk]), {"section": tuesday.pk}
    )
    assert response.status_code == 302 and response.url.endswith(f"#student-{alice_enrolled.pk}")
    alice_enrolled.refresh_from_db()
    classroom.refresh_from_db()
    assert alice_enrolled.section == tuesday and classroom.revision == revision + 1
    world = SandboxWorld.load(alice_enrolled.sandbox).world
    assert world.organization.is_member(alice_enrolled.account_id)
    entry = StaffAction.objects.get(action="student_moved")
    assert (entry.actor, entry.enrollment, entry.detail["before"], entry.detail["after"]) == (
        carol,
        alice_enrolled,
        "Monday",
        "Tuesday",
    )
    assert "Moved alice to Tuesday." in _page(client.get(response.url))


def test_moving_to_no_section_and_moving_nowhere(classroom, carol, alice_enrolled):
    address = reverse("classrooms:student_move", args=[classroom.pk, alice_enrolled.pk])
    client = _client(carol)
    client.post(address, {"section": ""})
    alice_enrolled.refresh_from_db()
    assert alice_enrolled.section is None
    response = client.post(address, {"section": ""}, follow=True)
    assert "alice is in no section already." in _page(response)
    assert StaffAction.objects.filter(action="student_moved").count() == 1


@pytest.mark.parametrize("section", ["other-classroom", "999999", "<script>x</script>", "1e3", "🙂"])
def test_moving_to_a_section_not_of_this_classroom_is_refused_with_a_message(classroom, carol, alice_enrolled, section):
    if section == "other-classroom":
        section = str(add_section(ClassroomFactory(), "Elsewhere").pk)
    response = _client(carol).post(
        reverse("classrooms:student_move", args=[classroom.pk, alice_enrolled.pk]), {"section": section}
    )
    assert response.status_code == 400 and "Pick one of this classroom&#x27;s sections." in _page(response)
    assert "<script>x" not in _page(response)
    alice_enrolled.refresh_from_db()
    assert alice_enrolled.section.name == "Monday"


def test_a_closed_classroom_refuses_moves_and_says_why(classroom, carol, alice_enrolled):
    Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.CLOSED)
    response = _client(carol).post(
        reverse("classrooms:student_move", args=[classroom.pk, alice_enrolled.pk]), {"section": ""}
    )
    assert response.status_code == 403 and "This classroom is closed" in _page(response)
    assert _client(carol).get(reverse("classrooms:roster", args=[classroom.pk])).status_code == 200


# ---- removing ---------------------------------------------------------------------------------------------------


def test_removing_asks_for_confirmation_and_a_reason(classroom, carol, alice_enrolled):
    address = reverse("classrooms:student_remove", args=[classroom.pk, alice_enrolled.pk])
    page = _page(_client(carol).get(address))
    assert "Remove alice from the classroom" in page and 'name="reason"' in page
    response = _client(carol).post(address, {"reason": "   "})
    assert response.status_code == 400 and "This field is required." in _page(response)
    alice_enrolled.refresh_from_db()
    assert alice_enrolled.state == Enrollment.ACTIVE


def test_a_removed_student_is_archived_read_only_never_deleted(classroom, carol, alice, alice_enrolled):
    address = reverse("classrooms:student_remove", args=[classroom.pk, alice_enrolled.pk])
    response = _client(carol).post(address, {"reason": "Dropped the course"})
    assert response.status_code == 302
    alice_enrolled.refresh_from_db()
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert alice_enrolled.state == Enrollment.REMOVED and alice_enrolled.removed_at is not None
    assert (
        sandbox.read_only_reason
        == REMOVED_READ_ONLY
        == ("You were removed from this classroom; your account is kept read-only.")
    )
    entry = StaffAction.objects.get(action="student_removed")
    assert (entry.actor, entry.enrollment, entry.reason) == (carol, alice_enrolled, "Dropped the course")
    # alice can still open her account, and nothing in it changes
    alice_client = _client(alice)
    assert alice_client.get(sandbox.get_absolute_url()).status_code == 200
    change = run_change(sandbox, lambda world: world.create_user(alice_enrolled.account_id, "late"))
    assert change.read_only == REMOVED_READ_ONLY
    # she is no longer a member of the organization, and the classroom tells her why
    assert permissions.why_not(permissions.actor_for(alice, classroom), "view").startswith("You were removed")
    page = _page(_client(carol).get(reverse("classrooms:roster", args=[classroom.pk])))
    assert f'<span class="badge badge-bad">removed</span> {alice_enrolled.removed_at:%Y-%m-%d}' in page


def test_removing_twice_changes_nothing(classroom, carol, alice_enrolled):
    address = reverse("classrooms:student_remove", args=[classroom.pk, alice_enrolled.pk])
    _client(carol).post(address, {"reason": "first"})
    response = _client(carol).post(address, {"reason": "second"}, follow=True)
    assert "alice was removed already." in _page(response)
    assert StaffAction.objects.filter(action="student_removed").count() == 1
    assert "was removed on" in _page(_client(carol).get(address))


def test_a_long_or_hostile_reason_is_refused_or_kept_as_text(classroom, carol, alice_enrolled):
    address = reverse("classrooms:student_remove", args=[classroom.pk, alice_enrolled.pk])
    response = _client(carol).post(address, {"reason": "x" * 10_240})
    assert response.status_code == 400 and "at most 500 characters" in _page(response)
    _client(carol).post(address, {"reason": "<script>alert(1)</script> ünïcødé 🙂"})
    assert StaffAction.objects.get(action="student_removed").reason == "<script>alert(1)</script> ünïcødé 🙂"


# ---- CSV --------------------------------------------------------------------------------------------------------


def _csv(client, classroom) -> list[dict]:
    response = client.get(reverse("classrooms:roster_csv", args=[classroom.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="roster-iam-roles-autumn-')
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_one_row_per_student_and_emails_for_instructors_only(classroom, cast, carol, alice_enrolled):
    rows = _csv(_client(carol), classroom)
    assert [row["username"] for row in rows] == ["alice", "bob"]
    alice = rows[0]
    assert alice["email"] == "alice@example.com" and alice["section"] == "Monday"
    assert alice["account_id"] == alice_enrolled.account_id and alice["state"] == "active"
    assert alice["joined"].endswith("Z") and alice["last_activity"].endswith("Z") and alice["staff"] == "no"
    assert "email" in _csv(_client(cast["co_instructor"]), classroom)[0]
    ta_rows = _csv(_client(cast["ta"]), classroom)
    assert [row["username"] for row in ta_rows] == ["alice"] and "email" not in ta_rows[0]


def test_csv_cells_that_could_be_formulas_are_defused(classroom, carol):
    sneaky = classroom.sections.create(name='=HYPERLINK("http://evil.example","x")', ou_id="ou-sneaky-00000000")
    for name in ("@SUM", "+cmd", "-2+3"):
        enrol_student(classroom, UserFactory(username=name, email=f"=evil{len(name)}@example.com"), sneaky)
    rows = _csv(_client(carol), classroom)
    assert {row["username"] for row in rows} == {"'@SUM", "'+cmd", "'-2+3"}
    assert all(row["section"].startswith("'=HYPERLINK") and row["email"].startswith("'=") for row in rows)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("alice", "alice"), ("", "")],
)
def test_a_cell_is_prefixed_only_when_it_starts_like_a_formula(cell, safe):
    assert safe_cell(cell) == safe


def test_removed_students_and_staff_are_marked_in_the_csv(classroom, carol, alice_enrolled):
    from iamtutor.classrooms.roster import remove

    remove(classroom, carol, alice_enrolled, "gone")
    enrol(classroom, carol)
    rows = {row["username"]: row for row in _csv(_client(carol), classroom)}
    assert rows["alice"]["state"] == "removed" and rows["carol"]["staff"] == "yes"
