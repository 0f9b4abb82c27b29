"""The classroom's core pages: the list, creating a classroom, its front page, settings and lifecycle, sections
and staff — each page for each actor, bad input, and what closing a classroom does to students' accounts."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from iamtutor.classrooms import changes, permissions
from iamtutor.classrooms.models import Classroom, Enrollment, Guardrail, StaffAction, StaffMember
from iamtutor.classrooms.stats import class_statistics
from iamtutor.classrooms.views import manage
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import run_change
from tests.factories import ClassroomFactory, UserFactory, enrol_student

pytestmark = pytest.mark.django_db

OVERVIEW_ONLY = "classrooms:detail"


@pytest.fixture
def dave(classroom):
    """A co-instructor of carol's classroom."""
    user = UserFactory(username="dave")
    StaffMember.objects.create(classroom=classroom, user=user, role=StaffMember.CO_INSTRUCTOR)
    return user


@pytest.fixture
def erin(classroom):
    """A teaching assistant of carol's classroom, for the Monday section."""
    user = UserFactory(username="erin")
    member = StaffMember.objects.create(classroom=classroom, user=user, role=StaffMember.TA)
    member.sections.add(classroom.sections.get(name="Monday"))
    return user


@pytest.fixture
def cast(classroom, carol, dave, erin, alice_enrolled, bob_enrolled, mallory):
    return {"owner": carol, "co_instructor": dave, "ta": erin, "student": alice_enrolled.user, "stranger": mallory}


def _as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def _url(name: str, classroom: Classroom, *args) -> str:
    return reverse(f"classrooms:{name}", args=[classroom.pk, *args])


def _text(response) -> str:
    return response.content.decode()


# ---- the URL map × every actor ---------------------------------------------------------------------------------


def _manage_urls(classroom) -> list[str]:
    section = classroom.sections.get(name="Monday")
    member = StaffMember.objects.get(classroom=classroom, role=StaffMember.TA)
    found = []
    for pattern in manage.urlpatterns:
        route = str(pattern.pattern)
        if "<uuid:pk>" not in route:
            continue
        kwargs = {"pk": classroom.pk}
        if "<int:section>" in route:
            kwargs["section"] = section.pk
        if "<int:member>" in route:
            kwargs["member"] = member.pk
        found.append(reverse(f"classrooms:{pattern.name}", kwargs=kwargs))
    return found


def test_every_classroom_page_is_a_404_for_strangers_and_anonymous_visitors(client, cast, classroom):
    addresses = _manage_urls(classroom)
    assert len(addresses) == 10
    nobody = str(uuid.uuid4())
    for user in (cast["stranger"], None):
        _as(client, user)
        for address in addresses:
            for method in ("get", "post"):
                status = getattr(client, method)(address).status_code
                if status == 405:  # refused before anything is looked up, exactly as for no classroom at all
                    assert getattr(client, method)(address.replace(str(classroom.pk), nobody)).status_code == 405
                else:
                    assert status == 404, (user, method, address, status)
    assert StaffAction.objects.filter(classroom=classroom).count() == 1  # "created" only: nothing changed


def test_a_student_of_another_classroom_gets_404_everywhere(client, cast, classroom):
    other = ClassroomFactory()
    outsider = enrol_student(other).user
    _as(client, outsider)
    for address in _manage_urls(classroom):
        assert client.get(address).status_code in (404, 405)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("detail", {"owner", "co_instructor", "ta", "student"}),
        ("settings", {"owner", "co_instructor"}),
        ("sections", {"owner", "co_instructor"}),
        ("staff", {"owner"}),
    ],
)
def test_each_page_opens_for_its_roles_and_tells_the_others_why_not(client, cast, classroom, name, allowed):
    for role, user in cast.items():
        response = _as(client, user).get(_url(name, classroom))
        if role in allowed:
            assert response.status_code == 200, (name, role)
        elif role == "stranger":
            assert response.status_code == 404, (name, role)
        else:
            assert response.status_code == 403, (name, role)
            assert "Only " in _text(response), (name, role)


def test_a_teaching_assistant_is_told_that_only_the_owner_manages_staff(client, cast, classroom):
    response = _as(client, cast["ta"]).get(_url("staff", classroom))
    assert response.status_code == 403
    assert "Only the owner can manage the staff." in _text(response)
    response = _as(client, cast["co_instructor"]).post(_url("staff", classroom), {"add-who": "mallory"})
    assert response.status_code == 403
    assert not StaffMember.objects.filter(user=cast["stranger"]).exists()


def test_a_removed_student_is_told_they_were_removed(client, classroom, alice_enrolled):
    Enrollment.objects.filter(pk=alice_enrolled.pk).update(state=Enrollment.REMOVED)
    response = _as(client, alice_enrolled.user).get(_url("detail", classroom))
    assert response.status_code == 403
    assert "You were removed from this classroom" in _text(response)


# ---- the list and the main navigation ----------------------------------------------------------------------------


def test_the_list_needs_an_account(client):
    response = client.get(reverse("classrooms:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_each_classroom_with_my_role_and_its_state(client, cast, classroom):
    ClassroomFactory(owner=cast["owner"], name="Draft class", state=Classroom.DRAFT)
    page = _text(_as(client, cast["owner"]).get(reverse("classrooms:list")))
    assert "IAM roles, autumn" in page and "Draft class" in page
    assert "owner" in page and "draft" in page and "open" in page
    assert reverse("classrooms:create") in page
    page = _text(_as(client, cast["student"]).get(reverse("classrooms:list")))
    assert "IAM roles, autumn" in page and "student" in page
    assert reverse("classrooms:create") not in page
    assert "Joining a class" in page


def test_a_learner_in_no_classroom_is_told_how_to_join(client, mallory):
    page = _text(_as(client, mallory).get(reverse("classrooms:list")))
    assert "You are not in any classroom yet." in page
    assert "join code" in page
    assert "Create a classroom" not in page


def test_the_main_navigation_links_classrooms_for_instructors_and_members_only(client, cast, classroom):
    link = f'href="{reverse("classrooms:list")}"'
    assert link not in _text(_as(client, None).get(reverse("home")))
    assert link not in _text(_as(client, cast["stranger"]).get(reverse("home")))
    for role in ("owner", "ta", "student"):
        assert link in _text(_as(client, cast[role]).get(reverse("home"))), role
    instructor = UserFactory(username="ivy")
    from iamtutor.accounts.roles import grant_instructor

    grant_instructor(instructor)
    assert link in _text(_as(client, instructor).get(reverse("home")))


def test_the_main_navigation_learns_at_once_that_a_learner_joined(client, classroom, mallory):
    home = reverse("home")
    assert "Classrooms</a>" not in _text(_as(client, mallory).get(home))
    enrol_student(classroom, mallory)
    assert "Classrooms</a>" in _text(client.get(home))
    Enrollment.objects.filter(user=mallory).delete()
    assert "Classrooms</a>" not in _text(client.get(home))


def test_the_main_navigation_learns_at_once_that_someone_became_an_instructor(client, mallory):
    from iamtutor.accounts.roles import grant_instructor, revoke_instructor

    home = reverse("home")
    assert "Classrooms</a>" not in _text(_as(client, mallory).get(home))
    grant_instructor(mallory)
    assert "Classrooms</a>" in _text(client.get(home))
    revoke_instructor(mallory)
    assert "Classrooms</a>" not in _text(client.get(home))


def test_the_main_navigation_costs_no_query_once_signed_in(client, mallory, django_assert_num_queries):
    from iamtutor.classrooms.nav import shows_classrooms

    _as(client, mallory)
    with django_assert_num_queries(0):
        assert shows_classrooms(mallory) is False


# ---- creating a classroom ----------------------------------------------------------------------------------------


def test_only_instructors_create_classrooms_and_others_are_told_why(client, mallory):
    assert client.get(reverse("classrooms:create")).status_code == 302
    response = _as(client, mallory).post(reverse("classrooms:create"), {"name": "Mine", "clock_mode": "class"})
    assert response.status_code == 403
    assert "Only instructors can create classrooms." in _text(response)
    assert not Classroom.objects.exists()


def test_an_instructor_creates_a_draft_classroom_they_own(client, carol):
    response = _as(client, carol).post(
        reverse("classrooms:create"), {"name": "Roles 101", "description": "Week one", "clock_mode": "self"}
    )
    classroom = Classroom.objects.get(name="Roles 101")
    assert response.status_code == 302 and response["Location"] == classroom.get_absolute_url()
    assert classroom.state == Classroom.DRAFT and classroom.clock_mode == Classroom.SELF_PACED
    assert StaffMember.objects.get(classroom=classroom).user == carol
    assert StaffAction.objects.get(classroom=classroom).action == "classroom_created"
    page = _text(client.get(classroom.get_absolute_url()))
    assert "This classroom is draft." in page and "Students cannot join until it is opened." in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the classroom a name."),
        ("   ", "Give the classroom a name."),
        ("x" * 101, "A classroom name is at most 100 characters (this one has 101)."),
        ("bad\x00name", "Null characters are not allowed."),
    ],
)
def test_a_bad_name_is_refused_with_a_message_beside_the_field(client, carol, name, message):
    response = _as(client, carol).post(reverse("classrooms:create"), {"name": name, "clock_mode": "class"})
    assert response.status_code == 200
    assert message in _text(response)
    assert 'aria-invalid="true"' in _text(response)
    assert not Classroom.objects.exists()


def test_a_bad_clock_mode_is_refused(client, carol):
    response = _as(client, carol).post(reverse("classrooms:create"), {"name": "Fine", "clock_mode": "sundial"})
    assert "Choose how the clock runs." in _text(response)
    assert not Classroom.objects.exists()


def test_a_script_in_a_name_is_shown_as_text_everywhere(client, carol, classroom):
    hostile = '<script>alert("x")</script>'
    _as(client, carol).post(
        reverse("classrooms:create"), {"name": hostile, "description": hostile, "clock_mode": "class"}
    )
    created = Classroom.objects.get(name=hostile)
    for address in (created.get_absolute_url(), reverse("classrooms:list"), _url("settings", created)):
        page = _text(client.get(address))
        assert hostile not in page, address
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page, address


# ---- the front page ----------------------------------------------------------------------------------------------


def test_staff_see_the_class_and_the_organization_explained(client, cast, classroom):
    page = _text(_as(client, cast["owner"]).get(_url("detail", classroom)))
    for text in (classroom.org_id, classroom.root_id, classroom.management_account_id):
        assert text in page
    assert "The class is an AWS Organization, and this is its id." in page
    monday = classroom.sections.get(name="Monday")
    assert monday.ou_id in page
    for area in ("sections", "staff", "settings"):
        assert _url(area, classroom) in page
    assert "Try it as a student" in page


def test_the_overview_counts_students_per_section_leaving_staff_out(client, cast, classroom):
    enrol_student(classroom, UserFactory(username="frank"))  # no section
    changes.try_as_student(classroom, cast["co_instructor"])
    stats = class_statistics(classroom)
    assert [(row.section.name if row.section else None, row.students) for row in stats.sections] == [
        ("Monday", 1),
        ("Tuesday", 1),
        (None, 1),
    ]
    assert stats.students == 3 and stats.staff_students == 1
    page = _text(_as(client, cast["owner"]).get(_url("detail", classroom)))
    assert "1 staff member enrolled to try the classroom and is left out of these numbers." in page


def test_a_teaching_assistant_sees_which_sections_are_theirs(client, cast, classroom):
    page = _text(_as(client, cast["ta"]).get(_url("detail", classroom)))
    assert page.count('<span class="badge">yours</span>') == 1
    assert _url("settings", classroom) not in page and _url("staff", classroom) not in page


def test_a_student_sees_their_member_account_and_not_the_organizations_inside(client, cast, classroom, alice_enrolled):
    page = _text(_as(client, cast["student"]).get(_url("detail", classroom)))
    assert alice_enrolled.account_id in page
    assert alice_enrolled.sandbox.get_absolute_url() in page
    assert "Monday" in page and "One clock for the class" in page
    assert classroom.management_account_id not in page
    assert bob_account(classroom) not in page
    assert "Try it as a student" not in page
    assert _url("settings", classroom) not in page


def bob_account(classroom) -> str:
    return Enrollment.objects.get(classroom=classroom, user__username="bob").account_id


def test_the_side_navigation_lists_only_the_areas_each_role_may_open(client, cast, classroom):
    expected = {
        "owner": [
            "Overview",
            "Roster",
            "Class votes",
            "Class answers",
            "Labs",
            "Dashboard",
            "Joining",
            "Sections",
            "Guardrails",
            "Class clock",
            "Staff log",
            "Staff",
            "Settings",
        ],
        "co_instructor": [
            "Overview",
            "Roster",
            "Class votes",
            "Class answers",
            "Labs",
            "Dashboard",
            "Joining",
            "Sections",
            "Guardrails",
            "Class clock",
            "Staff log",
            "Settings",
        ],
        "ta": [
            "Overview",
            "Roster",
            "Class votes",
            "Class answers",
            "Labs",
            "Dashboard",
            "Guardrails",
            "Class clock",
            "Staff log",
        ],
        "student": ["Overview", "Class votes", "Class answers", "Labs", "What staff did"],
    }
    from iamtutor.classrooms.nav import classroom_links

    for role, labels in expected.items():
        response = _as(client, cast[role]).get(_url("detail", classroom))
        links = response.context["classroom_links"]
        assert [str(link["label"]) for link in links] == labels, role
        assert links[0]["current"] is True
    actor = permissions.actor_for(cast["owner"], classroom)
    assert classroom_links(None, actor)[0]["current"] is False


def test_staff_try_the_classroom_as_students_and_keep_their_rights(client, cast, classroom):
    response = _as(client, cast["ta"]).post(_url("try_as_student", classroom))
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(classroom=classroom, user=cast["ta"])
    assert enrollment.sandbox.kind == Sandbox.CLASSROOM and enrollment.section is None
    actor = permissions.actor_for(cast["ta"], classroom)
    assert actor.is_staff and actor.role == StaffMember.TA
    page = _text(client.get(_url("detail", classroom)))
    assert "Your student account" in page and enrollment.account_id in page and "Students in each section" in page
    assert "teaching assistant, also enrolled as a student" in page
    assert client.post(_url("try_as_student", classroom)).status_code == 302  # twice: harmless
    assert Enrollment.objects.filter(user=cast["ta"]).count() == 1
    assert StaffAction.objects.filter(classroom=classroom, action="staff_enrolled").count() == 1


def test_students_cannot_use_the_staff_button(client, cast, classroom):
    response = _as(client, cast["student"]).post(_url("try_as_student", classroom))
    assert response.status_code == 403


def test_the_front_page_needs_the_same_queries_for_three_students_or_thirty(
    client, cast, classroom, django_assert_max_num_queries
):
    _as(client, cast["owner"]).get(_url("detail", classroom))
    with django_assert_max_num_queries(14) as few:
        client.get(_url("detail", classroom))
    for _ in range(27):
        enrol_student(classroom, section=classroom.sections.first())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_url("detail", classroom))


# ---- settings and lifecycle ------------------------------------------------------------------------------------


def _settings(**changed) -> dict:
    return {"name": "IAM roles, autumn", "description": "", "clock_mode": "class", "seat_limit": "", **changed}


def test_instructors_change_the_settings_and_the_log_says_what_changed(client, cast, classroom):
    response = _as(client, cast["co_instructor"]).post(
        _url("settings", classroom), _settings(name="IAM roles, winter", seat_limit="30")
    )
    assert response.status_code == 302
    classroom.refresh_from_db()
    assert classroom.name == "IAM roles, winter" and classroom.seat_limit == 30
    entry = StaffAction.objects.get(classroom=classroom, action="settings_changed")
    assert entry.actor_name == "dave"
    assert entry.detail["changed"] == {"name": ["IAM roles, autumn", "IAM roles, winter"], "seat_limit": [None, 30]}
    client.post(_url("settings", classroom), _settings(name="IAM roles, winter", seat_limit="30"))
    assert StaffAction.objects.filter(action="settings_changed").count() == 1  # nothing changed: nothing logged


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"name": ""}, "Give the classroom a name."),
        ({"name": "y" * 101}, "at most 100 characters (this one has 101)"),
        ({"seat_limit": "0"}, "The seat limit is at least 1"),
        ({"seat_limit": "lots"}, "Write the seat limit as a whole number"),
        ({"seat_limit": "99999"}, "The seat limit is at most 10000."),
        ({"description": "d" * 2001}, "The description is at most 2000 characters (this one has 2001)."),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(client, cast, classroom, changed, message):
    response = _as(client, cast["owner"]).post(_url("settings", classroom), _settings(**changed))
    assert response.status_code == 200
    assert message in _text(response)
    classroom.refresh_from_db()
    assert classroom.name == "IAM roles, autumn" and classroom.seat_limit is None
    assert "IAM roles, autumn" in _text(response)  # the navigation shows the stored name, not the refused one


def test_a_teaching_assistant_cannot_post_settings(client, cast, classroom):
    response = _as(client, cast["ta"]).post(_url("settings", classroom), _settings(name="Hijacked"))
    assert response.status_code == 403
    assert "Only the owner and co-instructors can change the classroom&#x27;s settings." in _text(response)
    classroom.refresh_from_db()
    assert classroom.name == "IAM roles, autumn"


def test_turning_the_class_clock_on_sets_every_students_clock(client, cast, classroom, alice_enrolled):
    Classroom.objects.filter(pk=classroom.pk).update(clock_mode=Classroom.SELF_PACED, clock_offset=600)
    Enrollment.objects.filter(pk=alice_enrolled.pk).update(clock_extension=120)
    _as(client, cast["owner"]).post(_url("settings", classroom), _settings(clock_mode="class"))
    alice_enrolled.sandbox.refresh_from_db()
    assert alice_enrolled.sandbox.clock_offset == 480


def _step(client, classroom, to, **extra):
    return client.post(_url("state", classroom), {"to": to, **extra})


def test_closing_makes_every_students_account_read_only_and_reopening_undoes_it(
    client, cast, classroom, alice_enrolled, bob_enrolled
):
    removed = enrol_student(classroom)
    Enrollment.objects.filter(pk=removed.pk).update(state=Enrollment.REMOVED)
    Sandbox.objects.filter(pk=removed.sandbox_id).update(read_only_reason="You were removed from this classroom.")
    response = _step(_as(client, cast["co_instructor"]), classroom, "closed", reason="End of term")
    assert response.status_code == 302
    classroom.refresh_from_db()
    assert classroom.state == Classroom.CLOSED and classroom.closed_at is not None
    for enrollment in (alice_enrolled, bob_enrolled):
        sandbox = Sandbox.objects.get(pk=enrollment.sandbox_id)
        assert sandbox.read_only_reason == changes.CLOSED_REASON
        outcome = run_change(sandbox, lambda world: world)
        assert not outcome.ok and outcome.read_only == changes.CLOSED_REASON
    entry = StaffAction.objects.get(classroom=classroom, action="state_changed")
    assert (entry.reason, entry.detail) == ("End of term", {"before": "open", "after": "closed"})

    _step(client, classroom, "open")
    classroom.refresh_from_db()
    assert classroom.state == Classroom.OPEN and classroom.closed_at is None
    assert Sandbox.objects.get(pk=alice_enrolled.sandbox_id).read_only_reason == ""
    assert run_change(Sandbox.objects.get(pk=alice_enrolled.sandbox_id), lambda world: world).ok
    assert Sandbox.objects.get(pk=removed.sandbox_id).read_only_reason == "You were removed from this classroom."


def test_a_closed_classroom_refuses_changes_but_can_be_reopened(client, cast, classroom):
    changes.change_state(classroom, cast["owner"], Classroom.CLOSED)
    _as(client, cast["owner"])
    page = _text(client.get(_url("settings", classroom)))
    assert "This classroom is closed: it can still be viewed, but nothing in it changes." in page
    assert "Reopen the classroom" in page
    response = client.post(_url("settings", classroom), _settings(name="Renamed"))
    assert response.status_code == 403
    assert client.post(_url("sections", classroom), {"name": "Wednesday"}).status_code == 403
    assert client.post(_url("try_as_student", classroom)).status_code == 403
    assert client.get(_url("staff", classroom)).status_code == 403


def test_a_draft_opens_and_steps_outside_the_lifecycle_are_refused(client, cast):
    draft = ClassroomFactory(owner=cast["owner"], state=Classroom.DRAFT)
    _as(client, cast["owner"])
    response = _step(client, draft, "closed")
    assert response.status_code == 302
    assert "A draft classroom cannot become closed." in _text(client.get(response["Location"]))
    _step(client, draft, "open")
    draft.refresh_from_db()
    assert draft.state == Classroom.OPEN and draft.opened_at is not None
    response = _step(client, draft, "archived", confirm="on")
    assert "Close the classroom before archiving it." in _text(client.get(response["Location"]))
    response = _step(client, draft, "melted")
    assert "Choose one of the states" in _text(client.get(response["Location"]))
    draft.refresh_from_db()
    assert draft.state == Classroom.OPEN


def test_only_the_owner_archives_and_only_after_confirming(client, cast, classroom):
    changes.change_state(classroom, cast["owner"], Classroom.CLOSED)
    response = _as(client, cast["co_instructor"]).get(_url("state", classroom) + "?to=archived")
    assert response.status_code == 403
    assert "Only the owner can archive the classroom." in _text(response)
    assert "Only the owner can archive the classroom." in _text(client.get(_url("settings", classroom)))
    _as(client, cast["owner"])
    page = _text(client.get(_url("state", classroom) + "?to=archived"))
    assert "It can never be opened again" in page
    response = _step(client, classroom, "archived")
    assert response.status_code == 200
    assert "Tick the box to confirm that you want to archive the classroom." in _text(response)
    classroom.refresh_from_db()
    assert classroom.state == Classroom.CLOSED
    _step(client, classroom, "archived", confirm="on", reason="Term over")
    classroom.refresh_from_db()
    assert classroom.state == Classroom.ARCHIVED and classroom.archived_at is not None
    response = _step(client, classroom, "open")
    assert "An archived classroom stays archived." in _text(client.get(response["Location"]))


def test_a_teaching_assistant_cannot_close_the_classroom(client, cast, classroom):
    response = _step(_as(client, cast["ta"]), classroom, "closed")
    assert response.status_code == 403
    classroom.refresh_from_db()
    assert classroom.state == Classroom.OPEN


# ---- sections ----------------------------------------------------------------------------------------------------


def test_instructors_add_and_rename_sections(client, cast, classroom):
    _as(client, cast["co_instructor"])
    assert client.post(_url("sections", classroom), {"name": "Wednesday"}).status_code == 302
    wednesday = classroom.sections.get(name="Wednesday")
    assert wednesday.ou_id.startswith(f"ou-{classroom.root_id[2:]}-")
    response = client.post(_url("section_rename", classroom, wednesday.pk), {f"section-{wednesday.pk}-name": "Wed"})
    assert response.status_code == 302
    wednesday.refresh_from_db()
    assert wednesday.name == "Wed"
    details = list(StaffAction.objects.filter(action="section_changed").values_list("detail", flat=True))
    assert {detail["change"] for detail in details} == {"added", "renamed"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the section a name."),
        ("monday", "There is already a section called “monday”."),
        ("s" * 65, "A section name is at most 64 characters (this one has 65)."),
    ],
)
def test_bad_section_names_are_refused(client, cast, classroom, name, message):
    _as(client, cast["owner"])
    response = client.post(_url("sections", classroom), {"name": name})
    assert response.status_code == 200 and message in _text(response)
    tuesday = classroom.sections.get(name="Tuesday")
    response = client.post(_url("section_rename", classroom, tuesday.pk), {f"section-{tuesday.pk}-name": name})
    assert response.status_code == 200 and message in _text(response)
    assert sorted(classroom.sections.values_list("name", flat=True)) == ["Monday", "Tuesday"]


def test_deleting_a_section_asks_first_then_moves_its_students_to_no_section(client, cast, classroom, alice_enrolled):
    monday = classroom.sections.get(name="Monday")
    guardrail = Guardrail.objects.create(
        classroom=classroom, name="NoIam", document={}, targets=[classroom.root_id, monday.ou_id]
    )
    _as(client, cast["owner"])
    page = _text(client.get(_url("section_delete", classroom, monday.pk)))
    assert "Its 1 student moves to no section" in page and "NoIam" in page
    response = client.post(_url("section_delete", classroom, monday.pk))
    assert response.status_code == 200 and "Tick the box to confirm." in _text(response)
    assert classroom.sections.filter(pk=monday.pk).exists()
    response = client.post(_url("section_delete", classroom, monday.pk), {"confirm": "on"})
    assert response.status_code == 302
    assert not classroom.sections.filter(pk=monday.pk).exists()
    alice_enrolled.refresh_from_db()
    assert alice_enrolled.section is None and alice_enrolled.state == Enrollment.ACTIVE
    guardrail.refresh_from_db()
    assert guardrail.targets == [classroom.root_id] and guardrail.revision == 2
    entry = StaffAction.objects.get(action="section_changed")
    assert entry.detail["change"] == "deleted" and entry.detail["students_moved"] == 1


def test_a_section_of_another_classroom_is_a_404(client, cast, classroom):
    other = ClassroomFactory()
    from iamtutor.classrooms.membership import add_section

    foreign = add_section(other, "Theirs")
    _as(client, cast["owner"])
    assert client.get(_url("section_delete", classroom, foreign.pk)).status_code == 404
    assert client.post(_url("section_rename", classroom, foreign.pk), {"name": "Mine"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


# ---- staff -------------------------------------------------------------------------------------------------------


def test_the_owner_adds_staff_by_username_or_email(client, cast, classroom):
    UserFactory(username="grace", email="Grace@Example.com")
    UserFactory(username="heidi")
    _as(client, cast["owner"])
    response = client.post(_url("staff", classroom), {"add-who": "grace@example.com", "add-role": "co_instructor"})
    assert response.status_code == 302
    monday = classroom.sections.get(name="Monday")
    client.post(_url("staff", classroom), {"add-who": "heidi", "add-role": "ta", "add-sections": [monday.pk]})
    heidi = StaffMember.objects.get(classroom=classroom, user__username="heidi")
    assert heidi.role == StaffMember.TA and list(heidi.sections.all()) == [monday]
    assert StaffMember.objects.get(classroom=classroom, user__username="grace").role == StaffMember.CO_INSTRUCTOR
    assert StaffAction.objects.filter(classroom=classroom, action="staff_changed").count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"add-who": "", "add-role": "ta"}, "Give the username or email of the person to add."),
        ({"add-who": "nobody", "add-role": "co_instructor"}, "No account has the username or email “nobody”."),
        ({"add-who": "dave", "add-role": "co_instructor"}, "dave is already on the staff"),
        ({"add-who": "mallory", "add-role": "ta"}, "Choose at least one section for a teaching assistant."),
        ({"add-who": "mallory", "add-role": "owner"}, "Choose a role from the list."),
        ({"add-who": "mallory", "add-role": "ta", "add-sections": ["999999"]}, "Choose sections of this classroom."),
        ({"add-who": "m" * 255, "add-role": "ta"}, "A username or email is at most 254 characters."),
        ({"add-who": "<b>x</b>", "add-role": "ta"}, "“&lt;b&gt;x&lt;/b&gt;”"),
    ],
)
def test_bad_staff_additions_are_refused_with_a_reason(client, cast, classroom, data, message):
    response = _as(client, cast["owner"]).post(_url("staff", classroom), data)
    assert response.status_code == 200
    assert message in _text(response)
    assert StaffMember.objects.filter(classroom=classroom).count() == 3


def test_a_section_of_another_classroom_cannot_be_given_to_a_ta(client, cast, classroom):
    from iamtutor.classrooms.membership import add_section

    foreign = add_section(ClassroomFactory(), "Theirs")
    data = {"add-who": "mallory", "add-role": "ta", "add-sections": [foreign.pk]}
    response = _as(client, cast["owner"]).post(_url("staff", classroom), data)
    assert "Choose sections of this classroom." in _text(response)


def test_the_owner_changes_roles_and_removes_staff(client, cast, classroom):
    erin = StaffMember.objects.get(user=cast["ta"])
    tuesday = classroom.sections.get(name="Tuesday")
    _as(client, cast["owner"])
    data = {f"staff-{erin.pk}-role": "ta", f"staff-{erin.pk}-sections": [tuesday.pk]}
    assert client.post(_url("staff_change", classroom, erin.pk), data).status_code == 302
    assert list(erin.sections.all()) == [tuesday]
    data = {f"staff-{erin.pk}-role": "co_instructor"}
    client.post(_url("staff_change", classroom, erin.pk), data)
    erin.refresh_from_db()
    assert erin.role == StaffMember.CO_INSTRUCTOR and not erin.sections.exists()
    assert client.post(_url("staff_remove", classroom, erin.pk)).status_code == 302
    assert not StaffMember.objects.filter(pk=erin.pk).exists()
    assert [entry.detail["change"] for entry in StaffAction.objects.filter(action="staff_changed")] == [
        "removed",
        "role",
        "role",
    ]


def test_a_classroom_always_keeps_an_owner(client, cast, classroom):
    owner = StaffMember.objects.get(user=cast["owner"])
    _as(client, cast["owner"])
    response = client.post(_url("staff_remove", classroom, owner.pk), follow=True)
    assert "You cannot remove yourself from the staff. Another owner can." in _text(response)
    response = client.post(_url("staff_change", classroom, owner.pk), {f"staff-{owner.pk}-role": "co_instructor"})
    assert response.status_code == 200
    assert "A classroom needs an owner" in _text(response)
    owner.refresh_from_db()
    assert owner.role == StaffMember.OWNER
    dave = StaffMember.objects.get(user=cast["co_instructor"])
    client.post(_url("staff_change", classroom, dave.pk), {f"staff-{dave.pk}-role": "owner"})
    client.post(_url("staff_change", classroom, owner.pk), {f"staff-{owner.pk}-role": "co_instructor"})
    owner.refresh_from_db()
    assert owner.role == StaffMember.CO_INSTRUCTOR  # dave owns it now
    assert _as(client, cast["owner"]).get(_url("staff", classroom)).status_code == 403


def test_staff_of_another_classroom_is_a_404(client, cast, classroom):
    other = ClassroomFactory()
    foreign = StaffMember.objects.get(classroom=other)
    _as(client, cast["owner"])
    assert client.post(_url("staff_remove", classroom, foreign.pk)).status_code == 404
    assert client.post(_url("staff_change", classroom, foreign.pk), {}).status_code == 404
    assert StaffMember.objects.filter(pk=foreign.pk).exists()


# ---- admin -------------------------------------------------------------------------------------------------------


def test_every_classroom_model_has_an_admin_page(client, cast, classroom, alice_enrolled):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    _as(client, admin)
    for model in (
        "classroom",
        "section",
        "staffmember",
        "enrollment",
        "joinkey",
        "guardrail",
        "staffaction",
        "snapshot",
    ):
        assert client.get(reverse(f"admin:classrooms_{model}_changelist"), {"q": "x"}).status_code == 200, model
    assert client.get(reverse("admin:classrooms_classroom_change", args=[classroom.pk])).status_code == 200
    assert client.get(reverse("admin:classrooms_enrollment_change", args=[alice_enrolled.pk])).status_code == 200
    entry = StaffAction.objects.first()
    assert client.get(reverse("admin:classrooms_staffaction_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:classrooms_staffaction_add")).status_code == 403


# ---- every page: one h1, no skipped heading level ---------------------------------------------------------------


def test_every_core_page_has_one_h1_and_never_skips_a_heading_level(client, cast, classroom):
    import re
    from itertools import pairwise

    monday = classroom.sections.get(name="Monday")
    pages = {
        "owner": [
            reverse("classrooms:list"),
            reverse("classrooms:create"),
            *(_url(name, classroom) for name in ("detail", "settings", "sections", "staff")),
            _url("state", classroom) + "?to=closed",
            _url("section_delete", classroom, monday.pk),
        ],
        "student": [reverse("classrooms:list"), _url("detail", classroom)],
        "stranger": [reverse("classrooms:list")],
    }
    for role, addresses in pages.items():
        _as(client, cast[role])
        for address in addresses:
            response = client.get(address)
            assert response.status_code == 200, address
            page = _text(response)
            levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", page)]
            assert levels.count(1) == 1 and levels[0] == 1, (address, levels)
            assert all(b - a <= 1 for a, b in pairwise(levels)), (address, levels)


def test_an_empty_post_is_answered_with_what_is_missing(client, carol):
    response = _as(client, carol).post(reverse("classrooms:create"))
    assert response.status_code == 200 and "Give the classroom a name." in _text(response)
