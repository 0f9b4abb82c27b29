"""Joining a classroom: the join code and link, their staff page, every refusal's page, signing up on the way,
guessing codes, hostile input, and the seat limit under concurrent joins (PostgreSQL)."""

from __future__ import annotations

import re
import string
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iamtutor.classrooms import joining, permissions
from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.classrooms.models import Classroom, Enrollment, JoinKey, StaffAction, StaffMember
from iamtutor.classrooms.roster import remove
from iamtutor.sandbox.models import Sandbox
from tests.factories import PASSWORD, ClassroomFactory, UserFactory
from tests.lessons.conftest import loaded, shipped_content  # noqa: F401 (fixtures)
from tests.races import postgres_only, together

pytestmark = pytest.mark.django_db
JOIN = "/classrooms/join/"
NEW_PASSWORD = "a long and careful passphrase"


def _keys(classroom) -> tuple[JoinKey, JoinKey]:
    keys = joining.join_keys(classroom)
    return keys[JoinKey.CODE], keys[JoinKey.LINK]


def _link(classroom) -> str:
    return reverse("classrooms:join_link", args=[_keys(classroom)[1].value])


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(response) -> str:
    return response.content.decode()


# ---- the keys ---------------------------------------------------------------------------------------------------


def test_a_join_code_is_eight_unambiguous_characters_shown_in_two_groups(classroom):
    code, link = _keys(classroom)
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{8}", code.value)
    assert not set("01OIL") & set(joining.CODE_ALPHABET)
    assert joining.format_code("ABCDEFGH") == "ABCD-EFGH"
    assert len(link.value) >= 22 and set(link.value) <= set(string.ascii_letters + string.digits + "-_")


@pytest.mark.parametrize("typed", ["abcd-efgh", "ABCDEFGH", " abcd efgh ", "AB CD-EF GH", "abcd–efgh", "abcd\tefgh"])
def test_typed_codes_ignore_case_spaces_and_dashes(typed):
    assert joining.normalise_code(typed) == "ABCDEFGH"


@pytest.mark.parametrize(
    "typed", ["", "ABCD-EFG", "ABCD-EFGHJ", "ABCD-EFG0", "ABCD-EFGO", "ＡＢＣＤＥＦＧＨ", "A" * 10_000]
)
def test_anything_else_is_not_a_code(typed):
    assert joining.normalise_code(typed) is None


def test_keys_are_made_once_per_classroom(classroom):
    first = _keys(classroom)
    assert _keys(classroom) == first
    assert JoinKey.objects.filter(classroom=classroom).count() == 2


# ---- joining with a code ----------------------------------------------------------------------------------------


def test_a_student_joins_with_the_code_as_typed_and_lands_in_their_own_account(classroom, alice):
    code, _ = _keys(classroom)
    client = _client(alice)
    response = client.post(JOIN, {"code": joining.format_code(code.value).lower().replace("-", " ")})
    enrollment = Enrollment.objects.get(classroom=classroom, user=alice)
    assert response.status_code == 302 and response.url == enrollment.sandbox.get_absolute_url()
    page = _page(client.get(response.url))
    assert f"Welcome to {classroom.name}!" in page and enrollment.account_id in page
    assert enrollment.section is None and enrollment.state == Enrollment.ACTIVE


def test_joining_twice_is_harmless_and_goes_to_the_classroom(classroom, alice):
    code, link = _keys(classroom)
    client = _client(alice)
    first = client.post(JOIN, {"code": code.value})
    again = client.post(JOIN, {"code": code.value})
    by_link = client.post(reverse("classrooms:join_link", args=[link.value]))
    assert first.url == again.url == by_link.url
    assert Enrollment.objects.filter(user=alice).count() == 1
    assert "You are already a student of" in _page(client.get(again.url))


def test_an_unknown_code_says_so_and_keeps_the_form(classroom, alice):
    response = _client(alice).post(JOIN, {"code": "ZZZZ-ZZZZ"})
    page = _page(response)
    assert response.status_code == 404
    assert "No classroom has this join code" in page and 'name="code"' in page
    assert not Enrollment.objects.exists()


def test_a_rotated_code_is_unknown_at_once(client, classroom, carol, alice):
    old, _ = _keys(classroom)
    client.force_login(carol)
    client.post(reverse("classrooms:joining", args=[classroom.pk]), {"action": "rotate_code"})
    new, _ = _keys(classroom)
    assert new.value != old.value
    response = _client(alice).post(JOIN, {"code": old.value})
    assert response.status_code == 404 and "No classroom has this join code" in _page(response)
    assert _client(alice).post(JOIN, {"code": new.value}).status_code == 302


def test_an_anonymous_visitor_with_a_right_code_is_asked_to_sign_up_and_comes_back_to_it(client, classroom):
    code, _ = _keys(classroom)
    response = client.post(JOIN, {"code": code.value})
    page = _page(response)
    back = f"{JOIN}?code={joining.format_code(code.value)}"
    assert response.status_code == 200 and f"You are joining {classroom.name}" in page
    assert "/accounts/signup/?next=" in page and "/accounts/login/?next=" in page
    signup = client.post(
        f"/accounts/signup/?next={back}",
        {"username": "dana", "email": "d@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert signup.status_code == 302 and signup.url == back
    prefilled = _page(client.get(back))
    assert f'value="{joining.format_code(code.value)}"' in prefilled
    assert not Enrollment.objects.exists()  # nothing joins until the student presses Join
    assert client.post(JOIN, {"code": code.value}).status_code == 302
    assert Enrollment.objects.get().user.username == "dana"


# ---- the link ---------------------------------------------------------------------------------------------------


def test_opening_the_link_shows_the_classroom_and_never_joins(classroom, alice):
    response = _client(alice).get(_link(classroom))
    page = _page(response)
    assert response.status_code == 200 and f"Join {classroom.name}" in page
    assert '<form method="post"' in page
    assert not Enrollment.objects.exists()


def test_the_link_joins_on_post(classroom, alice):
    response = _client(alice).post(_link(classroom))
    assert response.status_code == 302
    assert Enrollment.objects.get().user == alice


def test_an_unknown_or_rotated_link_gets_a_clear_page(client, classroom, carol, alice):
    old = _link(classroom)
    client.force_login(carol)
    client.post(reverse("classrooms:joining", args=[classroom.pk]), {"action": "rotate_link"})
    for address in (old, reverse("classrooms:join_link", args=["nothing-like-a-token"])):
        response = _client(alice).post(address)
        assert response.status_code == 404 and "This join link does not work" in _page(response)
    assert not Enrollment.objects.exists()


@pytest.mark.usefixtures("loaded")
def test_an_anonymous_visitor_signs_up_on_the_way_and_keeps_progress_and_sandbox(client, classroom):
    # before: an anonymous learner with lesson progress and a personal sandbox of their own (a step is read only
    # after its prediction is committed)
    from lessons.models import Lesson, Prediction

    prediction = Prediction.objects.get(key=Lesson.objects.get(step=3).prediction_key)
    client.post("/lessons/steps/3/predict/", {"choice": prediction.options[0]["key"], "confidence": "sure"})
    client.post("/lessons/steps/3/read/")
    client.post(reverse("sandbox:create"))
    personal = Sandbox.objects.get(kind=Sandbox.PERSONAL)
    link = _link(classroom)
    page = _page(client.get(link))
    assert "Sign up and join" in page and "Log in and join" in page
    assert "Sign up and join" in _page(client.post(link))  # joining needs an account
    assert not Enrollment.objects.exists()
    signup = client.post(
        f"/accounts/signup/?next={link}",
        {"username": "dana", "email": "d@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert signup.url == link
    assert client.post(link).status_code == 302
    enrollment = Enrollment.objects.get(classroom=classroom)
    dana = enrollment.user
    personal.refresh_from_db()
    assert personal.owner == dana and personal.kind == Sandbox.PERSONAL
    assert enrollment.sandbox != personal
    from lessons.models import StepRead

    assert StepRead.objects.filter(learner__user=dana).count() == 1


def test_logging_in_on_the_way_keeps_the_anonymous_sandbox_too(client, classroom, alice):
    client.post(reverse("sandbox:create"))
    link = _link(classroom)
    client.post(f"/accounts/login/?next={link}", {"username": "alice", "password": PASSWORD, "next": link})
    assert client.post(link).status_code == 302
    assert Sandbox.objects.get(kind=Sandbox.PERSONAL).owner == alice
    assert Sandbox.objects.get(kind=Sandbox.CLASSROOM).owner == alice


def test_logging_in_on_the_way_comes_back_to_the_link(client, classroom, alice):
    link = _link(classroom)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD, "next": link})
    assert response.url == link
    assert client.post(link).status_code == 302 and Enrollment.objects.get().user == alice


def test_sign_up_never_goes_on_to_another_site(client):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/",
        {"username": "dana", "email": "d@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.url == "/"


# ---- every refusal has a page -----------------------------------------------------------------------------------


def _refusal(classroom, user, status: int, text: str) -> None:
    code, link = _keys(classroom)
    for response in (
        _client(user).get(reverse("classrooms:join_link", args=[link.value])),
        _client(user).post(reverse("classrooms:join_link", args=[link.value])),
        _client(user).post(JOIN, {"code": code.value}),
    ):
        assert response.status_code == status, _page(response)
        assert text in _page(response)
    assert not Enrollment.objects.filter(user=user).exists()


def test_a_disabled_key_is_refused_with_a_page(classroom, alice):
    _keys(classroom)
    JoinKey.objects.filter(classroom=classroom).update(enabled=False)
    _refusal(classroom, alice, 403, "is turned off")


def test_an_expired_key_is_refused_with_a_page(classroom, alice):
    _keys(classroom)
    JoinKey.objects.filter(classroom=classroom).update(expires_at=timezone.now() - timedelta(minutes=1))
    _refusal(classroom, alice, 410, "has expired")


@pytest.mark.parametrize(
    ("state", "status", "text"),
    [
        (Classroom.DRAFT, 403, "is not open yet"),
        (Classroom.CLOSED, 403, "is closed"),
        (Classroom.ARCHIVED, 410, "is archived"),
    ],
)
def test_a_classroom_not_open_is_refused_with_a_page(classroom, alice, state, status, text):
    _keys(classroom)
    Classroom.objects.filter(pk=classroom.pk).update(state=state)
    _refusal(classroom, alice, status, text)


def test_a_full_classroom_is_refused_with_a_page_and_staff_do_not_take_seats(classroom, carol, alice, bob):
    Classroom.objects.filter(pk=classroom.pk).update(seat_limit=1)
    assert _client(carol).post(_link(classroom)).status_code == 302  # staff trying things: no seat taken
    assert _client(alice).post(_link(classroom)).status_code == 302
    _refusal(classroom, bob, 409, "All 1 seats are taken")
    assert joining.seats_taken(classroom) == 1


def test_a_removed_student_cannot_join_again_and_is_shown_their_read_only_account(classroom, carol, alice):
    enrollment = enrol(classroom, alice)
    remove(classroom, carol, enrollment, "Left the course")
    code, _ = _keys(classroom)
    response = _client(alice).post(JOIN, {"code": code.value})
    assert response.status_code == 403 and "You were removed from" in _page(response)
    assert enrollment.sandbox.get_absolute_url() in _page(response)
    assert Enrollment.objects.get(user=alice).state == Enrollment.REMOVED


def test_a_student_already_in_gets_in_even_through_a_key_turned_off_since(classroom, alice):
    code, _ = _keys(classroom)
    enrol(classroom, alice)
    JoinKey.objects.filter(classroom=classroom).update(enabled=False)
    response = _client(alice).post(JOIN, {"code": code.value})
    assert response.status_code == 302


# ---- guessing and hostile input ---------------------------------------------------------------------------------


def test_twenty_wrong_codes_pause_the_account_for_ten_minutes(classroom, alice):
    code, _ = _keys(classroom)
    client = _client(alice)
    for n in range(joining.USER_FAILURE_LIMIT):
        assert client.post(JOIN, {"code": f"ZZZZ-ZZ{joining.CODE_ALPHABET[n]}Z"}).status_code == 404
    paused = client.post(JOIN, {"code": code.value})  # even the right code waits now
    assert paused.status_code == 429 and "paused for 10 minutes" in _page(paused)
    assert not Enrollment.objects.exists()
    assert _client(UserFactory()).post(JOIN, {"code": code.value}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_wrong_codes_from_one_address_pause_that_address(classroom, monkeypatch):
    monkeypatch.setattr(joining, "ADDRESS_FAILURE_LIMIT", 3)
    code, _ = _keys(classroom)
    for _ in range(3):
        _client(UserFactory()).post(JOIN, {"code": "ZZZZ-ZZZZ"}, REMOTE_ADDR="10.0.0.1")
    assert _client(UserFactory()).post(JOIN, {"code": code.value}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert Client().post(JOIN, {"code": code.value}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert _client(UserFactory()).post(JOIN, {"code": code.value}, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_the_pause_ends_when_its_window_does(classroom, alice):
    from django.core.cache import cache

    for _ in range(joining.USER_FAILURE_LIMIT):
        joining.count_failure(alice, None)
    assert joining.too_many_failures(alice, None)
    cache.delete(f"join-failures-user-{alice.pk}")  # what the cache does FAILURE_WINDOW seconds later
    assert not joining.too_many_failures(alice, None)


def test_malformed_codes_are_never_looked_up_nor_counted(classroom, alice):
    client = _client(alice)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(joining.USER_FAILURE_LIMIT + 5):
            assert client.post(JOIN, {"code": "not a code"}).status_code == 400
    assert not any("classrooms_joinkey" in query["sql"] for query in queries.captured_queries)
    assert not joining.too_many_failures(alice, "127.0.0.1")


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>",
        "A" * 10_240,
        "ＡＢＣＤ-ＥＦＧＨ",
        "\u202eHGFE-DCBA",
        "🙂🙂🙂🙂-🙂🙂🙂🙂",
        "ABCD\x00EFGH",
        "' OR 1=1 --",
    ],
)
def test_hostile_codes_get_a_message_never_a_crash(classroom, alice, typed):
    _keys(classroom)
    response = _client(alice).post(JOIN, {"code": typed})
    page = _page(response)
    assert response.status_code == 400
    assert "<script>alert" not in page
    assert "join code has 8 letters and digits" in page or "Null characters are not allowed" in page
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("token", ["<script>", "A" * 10_240, "ünïcødé", "%00", "..%2F..%2F"])
def test_hostile_link_tokens_get_the_unknown_link_page(classroom, alice, token):
    _keys(classroom)
    response = _client(alice).get(f"/classrooms/join/{token}/")
    assert response.status_code == 404 and "<script>" not in _page(response).split("</header>")[1]


def test_a_classroom_name_with_markup_is_shown_as_text(alice):
    room = ClassroomFactory(name="<img src=x onerror=alert(1)> {name}")
    response = _client(alice).get(_link(room))
    assert "<img src=x" not in _page(response) and "&lt;img src=x" in _page(response)


# ---- the staff page ---------------------------------------------------------------------------------------------


@pytest.fixture
def cast(classroom, carol, alice_enrolled, bob_enrolled, mallory):
    """Everyone who might open a classroom page, by role."""
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


JOINING_PAGE = {
    "owner": 200,
    "co_instructor": 200,
    "ta": 403,
    "ta_other_section": 403,
    "student": 403,
    "student_elsewhere": 404,
    "stranger": 404,
    "anonymous": 404,
}


def test_the_joining_page_for_every_actor(classroom, cast):
    address = reverse("classrooms:joining", args=[classroom.pk])
    for who, status in JOINING_PAGE.items():
        for method, data in (("get", None), ("post", {"action": "rotate_code"})):
            response = getattr(_client(cast[who]), method)(address, data)
            assert response.status_code == (302 if status == 200 and method == "post" else status), (who, method)
            if status == 403:
                assert "Only the owner and co-instructors can do this." in _page(response)
    assert StaffAction.objects.filter(action="joining_changed").count() == 2  # owner's and co-instructor's


# what the join link's page offers each actor (it needs no role: only the key)
LINK_PAGE = {
    "owner": "you keep your staff rights",
    "co_instructor": "you keep your staff rights",
    "ta": "you keep your staff rights",
    "ta_other_section": "you keep your staff rights",
    "student": "You are already a student of this classroom.",
    "student_elsewhere": "You join as olga.",
    "stranger": "You join as mallory.",
    "anonymous": "Sign up and join",
}


def test_the_join_link_for_every_actor(classroom, cast):
    link = _link(classroom)
    for who, text in LINK_PAGE.items():
        response = _client(cast[who]).get(link)
        assert response.status_code == 200 and text in _page(response), who
    before = Enrollment.objects.filter(classroom=classroom).count()
    for who in LINK_PAGE:
        response = _client(cast[who]).post(link)
        assert response.status_code == (200 if who == "anonymous" else 302), who
    # everyone signed in is now a student (staff keep their rights); the student already in is not twice
    assert Enrollment.objects.filter(classroom=classroom).count() == before + 6
    owner = permissions.actor_for(cast["owner"], classroom)
    assert owner.role == StaffMember.OWNER and owner.enrollment is not None


def test_the_joining_page_shows_the_grouped_code_the_link_and_the_seats(classroom, carol):
    code, link = _keys(classroom)
    page = _page(_client(carol).get(reverse("classrooms:joining", args=[classroom.pk])))
    assert joining.format_code(code.value) in page
    assert f"http://testserver/classrooms/join/{link.value}/" in page
    assert "0 students so far; no seat limit." in page


def test_a_key_is_turned_off_given_an_expiry_and_cleared_with_a_log_entry(classroom, carol):
    address = reverse("classrooms:joining", args=[classroom.pk])
    client = _client(carol)
    soon = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(address, {"action": "link", "link-expires_at": soon}).status_code == 302
    _, link = _keys(classroom)
    assert not link.enabled and link.expires_at is not None
    assert "turned off" in _page(client.get(address))
    client.post(address, {"action": "link", "link-enabled": "on", "link-expires_at": ""})
    _, link = _keys(classroom)
    assert link.enabled and link.expires_at is None
    entries = StaffAction.objects.filter(classroom=classroom, action="joining_changed")
    assert [entry.detail["enabled"] for entry in entries.order_by("pk")] == [False, True]
    assert entries.first().actor == carol


def test_an_expiry_in_the_past_is_refused_with_a_message(classroom, carol):
    past = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = _client(carol).post(
        reverse("classrooms:joining", args=[classroom.pk]),
        {"action": "code", "code-enabled": "on", "code-expires_at": past},
    )
    assert response.status_code == 400 and "Pick a moment in the future" in _page(response)
    assert _keys(classroom)[0].expires_at is None


def test_an_expired_key_can_be_saved_again_as_it_is(classroom, carol):
    passed = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    _keys(classroom)
    JoinKey.objects.filter(classroom=classroom, kind=JoinKey.CODE).update(expires_at=passed)
    response = _client(carol).post(
        reverse("classrooms:joining", args=[classroom.pk]),
        {"action": "code", "code-expires_at": passed.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302 and _keys(classroom)[0].expires_at == passed


@pytest.mark.parametrize("typed", ["0", "-3", "10001", "many", "<b>9</b>"])
def test_a_bad_seat_limit_is_refused_with_a_message(classroom, carol, typed):
    response = _client(carol).post(
        reverse("classrooms:joining", args=[classroom.pk]), {"action": "seats", "seats-seat_limit": typed}
    )
    assert response.status_code == 400 and 'id="id_seats-seat_limit_error"' in _page(response)
    classroom.refresh_from_db()
    assert classroom.seat_limit is None


def test_the_seat_limit_is_set_and_cleared(classroom, carol):
    address = reverse("classrooms:joining", args=[classroom.pk])
    _client(carol).post(address, {"action": "seats", "seats-seat_limit": "25"})
    classroom.refresh_from_db()
    assert classroom.seat_limit == 25
    assert "0 of 25 seats taken." in _page(_client(carol).get(address))
    _client(carol).post(address, {"action": "seats", "seats-seat_limit": ""})
    classroom.refresh_from_db()
    assert classroom.seat_limit is None


def test_an_unknown_staff_action_is_a_bad_request(classroom, carol):
    response = _client(carol).post(reverse("classrooms:joining", args=[classroom.pk]), {"action": "<drop>"})
    assert response.status_code == 400


def test_a_closed_classroom_says_why_its_joining_cannot_change(classroom, carol):
    Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.CLOSED)
    response = _client(carol).get(reverse("classrooms:joining", args=[classroom.pk]))
    assert response.status_code == 403 and "This classroom is closed" in _page(response)


def test_a_staff_member_joining_is_told_they_keep_their_rights(classroom, carol):
    add_section(classroom, "Wednesday")
    page = _page(_client(carol).get(_link(classroom)))
    assert "you keep your staff rights" in page


# ---- races (PostgreSQL) -----------------------------------------------------------------------------------------


def _concurrent_clients(users) -> list[Client]:
    clients = []
    for user in users:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    return clients


@postgres_only
def test_concurrent_joins_never_pass_the_seat_limit():
    room = ClassroomFactory()
    Classroom.objects.filter(pk=room.pk).update(seat_limit=3)
    link = _link(room)
    clients = _concurrent_clients([UserFactory() for _ in range(8)])
    statuses = together(lambda i: clients[i].post(link).status_code, 8)
    assert sorted(statuses) == [302] * 3 + [409] * 5, statuses
    assert Enrollment.objects.filter(classroom=room).count() == 3


@postgres_only
def test_one_student_joining_from_several_tabs_at_once_gets_one_account():
    room = ClassroomFactory()
    link = _link(room)
    user = UserFactory()
    clients = _concurrent_clients([user] * 5)
    statuses = together(lambda i: clients[i].post(link).status_code, 5)
    assert statuses == [302] * 5, statuses
    assert Enrollment.objects.filter(classroom=room).count() == 1
    assert Sandbox.objects.filter(owner=user, kind=Sandbox.CLASSROOM).count() == 1


@postgres_only
def test_a_join_racing_a_rotation_is_either_in_or_refused():
    room = ClassroomFactory()
    owner = StaffMember.objects.get(classroom=room).user
    link = _link(room)
    clients = _concurrent_clients([UserFactory() for _ in range(4)] + [owner])

    def work(i: int) -> int:
        if i == 4:
            return clients[i].post(reverse("classrooms:joining", args=[room.pk]), {"action": "rotate_link"}).status_code
        return clients[i].post(link).status_code

    statuses = together(work, 5)
    assert statuses[4] == 302 and set(statuses[:4]) <= {302, 404}, statuses
    assert Enrollment.objects.filter(classroom=room).count() == statuses[:4].count(302)
