"""The staff log (newest first, 50 a page, filters; a TA sees their sections' students and classroom-wide
entries) and a student's own log (what staff did to their account, nothing about anyone else)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iamtutor.classrooms import clock, log, students
from iamtutor.classrooms.models import StaffAction
from tests.classrooms.cast import (
    ACTORS,
    STAFF_ONLY,
    answer,
    assert_refused,
    cast_fixture,  # noqa: F401 (the "cast" fixture)
    client_for,
)

pytestmark = pytest.mark.django_db
ONLY_STUDENTS = "Only students have a member account in this classroom."


def _log(classroom) -> str:
    return reverse("classrooms:log", args=[classroom.pk])


def _my_log(classroom) -> str:
    return reverse("classrooms:my_log", args=[classroom.pk])


@pytest.fixture
def history(classroom, carol, alice_enrolled, bob_enrolled):
    """One entry of each kind a student sees, about alice and about bob, and a classroom-wide clock change."""
    students.record_view(alice_enrolled, carol)
    students.reset(alice_enrolled, carol, "alice was stuck")
    students.extend(bob_enrolled, carol, 15, "bob joined late")
    clock.change_clock(classroom, carol, clock.ClockChange(clock.FORWARD, minutes=5))


@pytest.mark.parametrize("who", ACTORS)
def test_the_staff_log_answers_each_actor_as_their_role_allows(cast, classroom, history, who):
    response = answer(cast[who], "get", _log(classroom))
    if who in ("student", "other_student"):
        assert_refused(response, STAFF_ONLY)
        return
    if who in ("student_of_other_classroom", "stranger", "anonymous"):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1 and "fast-forwarded by 5 min" in page
    assert ("alice was stuck" in page) == (who != "ta_of_other_section")
    assert ("bob joined late" in page) == (who != "ta_of_section")
    assert ("As a teaching assistant you see the entries about the students of your own sections" in page) == (
        who.startswith("ta")
    )


@pytest.mark.parametrize("who", ACTORS)
def test_my_log_answers_each_actor_as_their_role_allows(cast, classroom, history, who):
    response = answer(cast[who], "get", _my_log(classroom))
    if who in ("owner", "co_instructor", "ta_of_section", "ta_of_other_section"):
        assert_refused(response, ONLY_STUDENTS)
    elif who in ("student_of_other_classroom", "stranger", "anonymous"):
        assert response.status_code == 404
    else:
        assert response.status_code == 200


def test_a_student_sees_what_staff_did_to_them_and_nothing_about_others(classroom, history, alice, bob):
    page = client_for(alice).get(_my_log(classroom)).content.decode()
    assert "reset your account" in page and "alice was stuck" in page
    assert "looked at your account (read-only)" in page
    assert "bob" not in page.replace("bob@", "") and "joined late" not in page
    assert "changed the class clock" not in page  # classroom-wide entries are not about their account
    page = client_for(bob).get(_my_log(classroom)).content.decode()
    assert "gave you extra time" in page and "extra time 15 min (was 0 min)" in page and "bob joined late" in page
    assert "alice was stuck" not in page


def test_a_student_with_no_entries_is_told_so(classroom, history, bob_enrolled, alice):
    StaffAction.objects.filter(enrollment__user=alice).delete()
    page = client_for(alice).get(_my_log(classroom)).content.decode()
    assert "Nothing yet: no staff member has looked at or changed your account." in page


def test_entries_show_actor_time_action_student_and_reason_newest_first(classroom, carol, history):
    page = client_for(carol).get(_log(classroom)).content.decode()
    order = [page.index(text) for text in ("changed the class clock", "bob joined late", "alice was stuck")]
    assert order == sorted(order)
    assert "fast-forwarded by 5 min" in page and "carol" in page and "<time datetime=" in page


def test_the_log_shows_50_entries_a_page(classroom, carol, alice_enrolled):
    for n in range(120):
        log.record(classroom, carol, "student_viewed", enrollment=alice_enrolled, reason=f"visit {n:03}")
    client = client_for(carol)
    first = client.get(_log(classroom)).content.decode()
    assert "visit 119" in first and "visit 070" in first and "visit 069" not in first
    assert "Page 1 of 3" in first and "Older entries" in first
    third = client.get(_log(classroom), {"page": "3"}).content.decode()
    assert "visit 000" in third and "created the classroom" in third
    # Bad page numbers show a page, never an error.
    for page in ("0", "999", "abc", "-1"):
        assert client.get(_log(classroom), {"page": page}).status_code == 200


def test_the_log_filters_by_action_and_by_student(classroom, carol, history, alice_enrolled, bob_enrolled):
    client = client_for(carol)
    page = client.get(_log(classroom), {"action": "clock_extended"}).content.decode()
    assert "bob joined late" in page and "alice was stuck" not in page and "1 entry matches." in page
    page = client.get(_log(classroom), {"student": str(alice_enrolled.pk)}).content.decode()
    assert "alice was stuck" in page and "bob joined late" not in page and "fast-forwarded" not in page


@pytest.mark.parametrize(
    "query",
    [{"action": "drop_tables"}, {"student": "abc"}, {"student": "99999"}, {"action": "x" * 5000}, {"student": "1\x00"}],
)
def test_a_bad_filter_is_reported_and_not_applied(classroom, carol, history, query):
    response = client_for(carol).get(_log(classroom), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Some filters are not valid and were not applied." in page and "alice was stuck" in page


def test_a_ta_cannot_filter_their_way_to_another_sections_student(cast, classroom, history, bob_enrolled):
    tom = cast["ta_of_section"]  # Monday: alice's section, not bob's
    page = client_for(tom).get(_log(classroom), {"student": str(bob_enrolled.pk)}).content.decode()
    assert "Some filters are not valid" in page and "bob joined late" not in page


def test_the_log_page_costs_a_bounded_number_of_queries(
    classroom, carol, alice_enrolled, django_assert_max_num_queries
):
    for n in range(200):
        log.record(classroom, carol, "student_viewed", enrollment=alice_enrolled, reason=f"visit {n}")
    client = client_for(carol)
    with django_assert_max_num_queries(15):
        assert client.get(_log(classroom)).status_code == 200
