"""Class votes, after ubcpi's peer instruction (issue 12, "Dashboard": commit, see the distribution, discuss, vote
again; staff see first vs second vote; "confidently wrong" highlighted).

The phases are the server's: no second vote before the reveal, no change to the first after it, nothing once
closed; a student sees the class's answers only after voting, only once ``MIN_GROUP`` students voted, never
with names; the right answer only once closed.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iamtutor.classrooms import answers, permissions, votes
from iamtutor.classrooms.membership import enrol
from iamtutor.classrooms.models import Classroom, Enrollment, StaffAction, StaffMember, Vote, VoteAnswer
from tests.classrooms.cast import ACTORS, answer, assert_refused, cast_fixture, client_for  # noqa: F401
from tests.classrooms.crowd import crowd
from tests.factories import ClassroomFactory, UserFactory

pytestmark = pytest.mark.django_db

P3 = "p3-any-user-any-role"  # answer: trust-check
INSTRUCTORS_ONLY = "Only the owner and co-instructors can open, reveal or close a class vote."
STUDENTS_ONLY = "Only students can vote in a class vote."


@pytest.fixture(scope="session")
def shipped_content():
    from lessons.loader import read_content

    return read_content()


@pytest.fixture
def loaded(db, shipped_content):
    from lessons.store import store

    store(shipped_content)


@pytest.fixture
def vote(loaded, classroom, carol) -> Vote:
    """An open vote on step 3's prediction for the whole class."""
    return votes.open_vote(classroom, carol, answers.find(answers.PREDICTION, P3, "en"), None)


def _url(name: str, vote_or_classroom, **query) -> str:
    if isinstance(vote_or_classroom, Vote):
        address = reverse(f"classrooms:{name}", args=[vote_or_classroom.classroom_id, vote_or_classroom.pk])
    else:
        address = reverse(f"classrooms:{name}", args=[vote_or_classroom.pk])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def cast_vote(vote: Vote, enrollment: Enrollment, number: int, choice: str, confidence="sure", reason="") -> VoteAnswer:
    return votes.answer(vote, enrollment, number, choice, confidence, reason)


def reload(vote: Vote) -> Vote:
    return Vote.objects.get(pk=vote.pk)


# ---- opening, revealing, closing ------------------------------------------------------------------------------------


def test_an_instructor_opens_a_vote_for_the_class_or_a_section(loaded, classroom, carol):
    item = answers.find(answers.MYTH, "myth-roles-have-keys", "en")
    monday = classroom.sections.get(name="Monday")
    response = answer(carol, "post", _url("votes", classroom), {"item": item.ident, "section": monday.pk})
    opened = Vote.objects.get(classroom=classroom)
    assert response.status_code == 302 and response["Location"] == opened.get_absolute_url()
    assert (opened.kind, opened.item_key, opened.section, opened.section_name, opened.phase) == (
        "myth",
        "myth-roles-have-keys",
        monday,
        "Monday",
        Vote.OPEN,
    )
    entry = StaffAction.objects.get(action="vote_opened")
    assert entry.detail == {"vote": opened.pk, "item": item.ident, "section": "Monday"}


def test_one_vote_at_a_time(vote, classroom, carol):
    with pytest.raises(votes.VoteRefused, match="Another vote is still live"):
        votes.open_vote(classroom, carol, answers.find(answers.MYTH, "myth-roles-have-keys", "en"), None)
    response = answer(carol, "post", _url("votes", classroom), {"item": "myth:myth-roles-have-keys"})
    assert response.status_code == 400 and "close it before opening a new one" in response.content.decode()
    votes.close(vote, carol)
    votes.open_vote(classroom, carol, answers.find(answers.MYTH, "myth-roles-have-keys", "en"), None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose what the class votes on."),
        ({"item": "prediction:../../etc/passwd"}, "Choose one of the listed predictions, myths or questions."),
        ({"item": "question:q1-spot-principal-in-identity"}, "Choose one of the listed"),  # not a one-choice question
        ({"item": f"prediction:{P3}", "section": "999999"}, "Choose the whole class or one of its sections."),
        ({"item": "x" * 10000}, "Choose one of the listed"),
    ],
)
def test_a_bad_new_vote_is_refused_with_the_reason(loaded, classroom, carol, data, message):
    response = answer(carol, "post", _url("votes", classroom), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Vote.objects.exists() and not StaffAction.objects.filter(action="vote_opened").exists()


def test_reveal_then_close_each_once_and_logged(vote, carol):
    votes.reveal(vote, carol)
    with pytest.raises(votes.VoteRefused, match="revealed already"):
        votes.reveal(vote, carol)
    votes.close(vote, carol)
    with pytest.raises(votes.VoteRefused, match="closed already"):
        votes.close(vote, carol)
    with pytest.raises(votes.VoteRefused, match=r"This vote is closed\."):
        votes.reveal(vote, carol)
    assert list(
        StaffAction.objects.filter(action__startswith="vote").order_by("pk").values_list("action", flat=True)
    ) == [
        "vote_opened",
        "vote_revealed",
        "vote_closed",
    ]
    assert StaffAction.objects.get(action="vote_closed").detail["second_vote"] == "taken"


def test_the_control_view_answers_refusals_with_409_and_bad_input_with_400(vote, carol):
    votes.close(vote, carol)
    response = answer(carol, "post", _url("vote_control", vote), {"action": "reveal"})
    assert response.status_code == 409 and "This vote is closed." in response.content.decode()
    response = answer(carol, "post", _url("vote_control", vote), {"action": "explode"})
    assert response.status_code == 400 and "Choose what to do" in response.content.decode()
    response = answer(carol, "post", _url("vote_control", vote), {"action": "hide"})
    assert response.status_code == 400 and "Choose the reason to hide or show." in response.content.decode()


# ---- the phases, for students ---------------------------------------------------------------------------------------


def test_the_first_vote_may_change_until_the_reveal_and_not_after(vote, carol, alice_enrolled):
    cast_vote(vote, alice_enrolled, 1, "any-user", "guessing", "no idea")
    cast_vote(vote, alice_enrolled, 1, "trust-check", "sure", "the trust policy decides")
    first = VoteAnswer.objects.get(vote=vote, enrollment=alice_enrolled)
    assert (first.round, first.choice, first.confidence, first.rationale) == (
        1,
        "trust-check",
        "sure",
        "the trust policy decides",
    )
    votes.reveal(vote, carol)
    with pytest.raises(votes.VoteRefused, match="your first answer can no longer change"):
        cast_vote(vote, alice_enrolled, 1, "any-user")
    assert VoteAnswer.objects.get(vote=vote, enrollment=alice_enrolled).choice == "trust-check"


def test_no_second_vote_before_the_reveal(vote, alice_enrolled):
    cast_vote(vote, alice_enrolled, 1, "any-user")
    with pytest.raises(votes.VoteRefused, match="starts when your instructor reveals"):
        cast_vote(vote, alice_enrolled, 2, "trust-check")
    assert not VoteAnswer.objects.filter(round=2).exists()


def test_only_students_who_voted_first_vote_again(vote, carol, alice_enrolled, bob_enrolled):
    cast_vote(vote, alice_enrolled, 1, "any-user")
    votes.reveal(vote, carol)
    with pytest.raises(votes.VoteRefused, match="Only students who voted the first time vote again"):
        cast_vote(vote, bob_enrolled, 2, "trust-check")
    with pytest.raises(votes.VoteRefused, match="first answer can no longer change"):
        cast_vote(vote, bob_enrolled, 1, "trust-check")  # no late first vote after seeing the class's
    cast_vote(vote, alice_enrolled, 2, "identity-permission")
    cast_vote(vote, alice_enrolled, 2, "trust-check")  # the second vote may change until closed
    assert VoteAnswer.objects.get(vote=vote, enrollment=alice_enrolled, round=2).choice == "trust-check"


def test_nothing_changes_once_closed(vote, carol, alice_enrolled):
    cast_vote(vote, alice_enrolled, 1, "any-user")
    votes.close(vote, carol)
    for number in (1, 2):
        with pytest.raises(votes.VoteRefused, match=r"This vote is closed: answers no longer change\."):
            cast_vote(vote, alice_enrolled, number, "trust-check")


def test_a_section_vote_asks_that_section_only(loaded, classroom, carol, alice_enrolled, bob_enrolled):
    monday = classroom.sections.get(name="Monday")
    vote = votes.open_vote(classroom, carol, answers.find(answers.PREDICTION, P3, "en"), monday)
    with pytest.raises(votes.VoteRefused, match="for the Monday section only"):
        cast_vote(vote, bob_enrolled, 1, "any-user")
    assert answer(bob_enrolled.user, "get", _url("vote", vote)).status_code == 404
    assert answer(bob_enrolled.user, "post", _url("vote_answer", vote), {"round": 1}).status_code == 404
    cast_vote(vote, alice_enrolled, 1, "any-user")
    monday.delete()
    with pytest.raises(votes.VoteRefused, match="for the section Monday, which was deleted"):
        cast_vote(reload(vote), alice_enrolled, 1, "trust-check")


def test_a_student_votes_through_the_page(vote, alice_enrolled):
    data = {"round": 1, "choice": "trust-check", "confidence": "think_so", "rationale": "  the trust\npolicy  "}
    response = answer(alice_enrolled.user, "post", _url("vote_answer", vote), data)
    assert response.status_code == 302 and response["Location"] == vote.get_absolute_url()
    first = VoteAnswer.objects.get(vote=vote)
    assert (first.choice, first.confidence, first.rationale) == ("trust-check", "think_so", "the trust policy")


def test_htmx_gets_the_card_back_with_what_happened(vote, alice_enrolled):
    client = client_for(alice_enrolled.user)
    data = {"round": 1, "choice": "any-user", "confidence": "sure", "slot": "live"}
    response = client.post(_url("vote_answer", vote), data, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200 and text.lstrip().startswith('<div id="vote-card"')
    assert (
        "Your first vote is in." in text
        and "Your first vote: “Any user in the account can assume any role in it.” (Sure)." in text
    )
    assert reverse("classrooms:vote_live", args=[vote.classroom_id]) in text  # the slot keeps polling for the next


def test_a_stale_form_is_refused_with_the_reason_and_a_fresh_form(vote, carol, alice_enrolled):
    cast_vote(vote, alice_enrolled, 1, "any-user")
    votes.reveal(vote, carol)
    data = {"round": 1, "choice": "trust-check", "confidence": "sure"}
    response = answer(alice_enrolled.user, "post", _url("vote_answer", vote), data)
    text = response.content.decode()
    assert response.status_code == 409 and "your first answer can no longer change" in text
    assert 'name="round" value="2"' in text and "Vote again" in text
    htmx = client_for(alice_enrolled.user).post(_url("vote_answer", vote), data, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "your first answer can no longer change" in htmx.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"round": 1, "confidence": "sure"}, "Choose an answer."),
        ({"round": 1, "choice": "<script>", "confidence": "sure"}, "Choose one of the answers shown."),
        ({"round": 1, "choice": "trust-check"}, "Say how sure you are."),
        ({"round": 1, "choice": "trust-check", "confidence": "100%"}, "Say how sure you are."),
        ({"round": 3, "choice": "trust-check", "confidence": "sure"}, "Select a valid choice."),
        ({"choice": "trust-check", "confidence": "sure"}, "Reload the page"),
        ({"round": 1, "choice": "trust-check", "confidence": "sure", "rationale": "x" * 201}, "at most 200 characters"),
        ({"round": 1, "choice": "trust-check", "confidence": "sure", "rationale": "a\x00b"}, "Null characters"),
    ],
)
def test_a_bad_vote_is_refused_with_the_reason(vote, alice_enrolled, data, message):
    response = answer(alice_enrolled.user, "post", _url("vote_answer", vote), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not VoteAnswer.objects.exists()


def test_a_closed_classroom_takes_no_votes(vote, classroom, alice_enrolled, carol):
    Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.CLOSED)
    data = {"round": 1, "choice": "trust-check", "confidence": "sure"}
    assert_refused(answer(alice_enrolled.user, "post", _url("vote_answer", vote), data), "This classroom is closed")
    assert_refused(answer(carol, "post", _url("vote_control", vote), {"action": "close"}), "This classroom is closed")
    page = answer(alice_enrolled.user, "get", _url("vote", vote))
    assert page.status_code == 200 and "This classroom is closed" in page.content.decode()  # no form, the reason


# ---- what students see ----------------------------------------------------------------------------------------------


def test_before_the_reveal_a_student_sees_only_their_own_vote(vote, classroom, alice_enrolled):
    students = crowd(classroom, 5)
    for student in students:
        cast_vote(vote, student, 1, "any-user")
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    response = answer(alice_enrolled.user, "get", _url("vote", vote))
    card = response.context["card"]
    assert card.first is None and card.second is None and card.reasons == []
    text = response.content.decode()
    assert "<table" not in text and "How the class voted" not in text and "✓ right answer" not in text


def test_after_the_reveal_voters_see_the_class_without_the_right_answer(vote, classroom, carol, alice_enrolled):
    for student in crowd(classroom, 3):
        cast_vote(vote, student, 1, "any-user", "sure", reason=f"because {student.user.username}")
    cast_vote(vote, alice_enrolled, 1, "trust-check", reason="alice's own reason")
    votes.reveal(vote, carol)
    response = answer(alice_enrolled.user, "get", _url("vote", vote))
    card = response.context["card"]
    assert card.first.total == 4 and [row.key for row in card.first.rows if row.mine] == ["trust-check"]
    assert card.round == 2 and len(card.reasons) == 3
    assert all(reason != "alice's own reason" for _answer, reason in card.reasons)
    text = response.content.decode()
    assert "How the class voted" in text and "Vote again" in text
    assert "right answer" not in text and "confidently wrong" not in text and "% right" not in text
    assert "crowd-0@" not in text and "because crowd" in text  # the reason, never who gave it


def test_after_the_reveal_a_student_who_did_not_vote_sees_nothing(vote, classroom, carol, bob_enrolled):
    for student in crowd(classroom, 4):
        cast_vote(vote, student, 1, "any-user", reason="a reason")
    votes.reveal(vote, carol)
    response = answer(bob_enrolled.user, "get", _url("vote", vote))
    card = response.context["card"]
    assert card.first is None and card.reasons == [] and card.round is None
    text = response.content.decode()
    assert "You did not vote the first time" in text and "<table" not in text and "a reason" not in text


def test_too_few_votes_show_no_distribution(vote, carol, alice_enrolled, bob_enrolled):
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    cast_vote(vote, bob_enrolled, 1, "any-user", reason="bob's reason")
    votes.reveal(vote, carol)
    response = answer(alice_enrolled.user, "get", _url("vote", vote))
    card = response.context["card"]
    assert card.too_few and card.first is None and card.reasons == []
    assert "Not enough votes to show the class" in response.content.decode()


def test_once_closed_voters_see_both_votes_and_the_right_answer(vote, classroom, carol, alice_enrolled):
    for student in crowd(classroom, 3):
        cast_vote(vote, student, 1, "any-user")
    cast_vote(vote, alice_enrolled, 1, "any-user")
    votes.reveal(vote, carol)
    for student in [*Enrollment.objects.filter(user__username__startswith="crowd")[:2], alice_enrolled]:
        cast_vote(vote, student, 2, "trust-check")
    votes.close(vote, carol)
    response = answer(alice_enrolled.user, "get", _url("vote", vote))
    card = response.context["card"]
    assert card.first.total == 4 and card.second.total == 3 and card.show_correct
    text = response.content.decode()
    assert "✗ Not right." in text and "✓ Right." in text and "The answer:" in text
    assert "Only principals that the role" in text


def test_hidden_reasons_are_not_shown_to_the_class(vote, classroom, carol, alice_enrolled):
    students = crowd(classroom, 3)
    for student in students:
        cast_vote(vote, student, 1, "any-user", reason=f"reason of {student.user.username}")
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    hidden = VoteAnswer.objects.get(enrollment=students[0])
    response = answer(carol, "post", _url("vote_control", vote), {"action": "hide", "answer": hidden.pk})
    assert response.status_code == 302
    votes.reveal(vote, carol)
    card = answer(alice_enrolled.user, "get", _url("vote", vote)).context["card"]
    assert {reason for _answer, reason in card.reasons} == {"reason of crowd-1", "reason of crowd-2"}
    entry = StaffAction.objects.get(action="vote_reason_hidden")
    assert entry.enrollment is None and entry.detail == {"vote": vote.pk}  # reasons stay anonymous, even in the log


def test_the_sample_of_reasons_is_the_same_on_every_visit(vote, classroom, carol, alice_enrolled):
    for student in crowd(classroom, 10):
        cast_vote(vote, student, 1, "any-user", reason=f"reason of {student.user.username}")
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    votes.reveal(vote, carol)
    first = answer(alice_enrolled.user, "get", _url("vote", vote)).context["card"].reasons
    again = answer(alice_enrolled.user, "get", _url("vote", vote)).context["card"].reasons
    assert first == again and len(first) == votes.REASONS_SHOWN


# ---- what staff see -------------------------------------------------------------------------------------------------


def test_staff_see_first_and_second_votes_side_by_side_with_the_moves(vote, classroom, carol):
    plan = [  # (first, confidence, second)
        ("trust-check", "sure", "trust-check"),  # right → right
        ("any-user", "sure", "trust-check"),  # wrong → right
        ("any-user", "sure", "any-user"),  # wrong → wrong, confidently both times
        ("trust-check", "guessing", "any-user"),  # right → wrong
        ("identity-permission", "sure", None),  # first only
    ]
    students = crowd(classroom, len(plan))
    for student, (first, confidence, _second) in zip(students, plan, strict=True):
        cast_vote(vote, student, 1, first, confidence)
    votes.reveal(vote, carol)
    for student, (_first, _confidence, second) in zip(students, plan, strict=True):
        if second:
            cast_vote(vote, student, 2, second, "sure")
    results = votes.results(reload(vote), permissions.actor_for(carol, classroom), answers.find("prediction", P3, "en"))
    assert results.moves == {"right_right": 1, "wrong_right": 1, "right_wrong": 1, "wrong_wrong": 1, "first_only": 1}
    assert (results.first.total, results.first.right, results.first.confidently_wrong) == (5, 2, 3)
    assert (results.second.total, results.second.right, results.second.confidently_wrong) == (4, 2, 2)
    compared = {row.key: (row.first.count, row.second.count) for row in results.compared}
    assert compared == {"any-user": (2, 2), "identity-permission": (1, 0), "trust-check": (2, 2)}
    assert results.students == 5 and results.voted_twice == 4
    response = answer(carol, "get", _url("vote", vote))
    text = response.content.decode()
    assert "Wrong, then right" in text and "⚠ 2 → 2" in text and "3 → 2 confidently wrong" in text
    assert "crowd-0" not in text


def test_staff_see_the_reasons_with_a_button_to_hide_each(vote, classroom, carol, alice_enrolled):
    cast_vote(vote, alice_enrolled, 1, "trust-check", reason="=cmd|' /C calc'!A0")
    text = answer(carol, "get", _url("vote", vote)).content.decode()
    assert (
        "=cmd|&#x27; /C calc&#x27;!A0" in text
        and "Hide reason 1" in text
        and "alice" not in text.split("Reasons", 1)[1]
    )


def test_a_ta_counts_only_their_sections_students(vote, classroom, alice_enrolled, bob_enrolled):
    tess = UserFactory(username="tess")
    StaffMember.objects.create(classroom=classroom, user=tess, role=StaffMember.TA).sections.add(
        classroom.sections.get(name="Tuesday")
    )
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    cast_vote(vote, bob_enrolled, 1, "any-user")
    results = votes.results(vote, permissions.actor_for(tess, classroom), answers.find("prediction", P3, "en"))
    assert (results.students, results.first.total, results.first.right) == (1, 1, 0)
    text = answer(tess, "get", _url("vote", vote)).content.decode()
    assert "Teaching assistants count their own sections' students only." in text
    assert INSTRUCTORS_ONLY.replace("'", "&#x27;") in text  # no reveal or close buttons, the reason instead


def test_staff_who_enrolled_are_not_counted(vote, classroom, carol, alice_enrolled):
    carol_student = enrol(classroom, carol)
    VoteAnswer.objects.create(vote=vote, enrollment=carol_student, round=1, choice="any-user", confidence="sure")
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    results = votes.results(vote, permissions.actor_for(carol, classroom), answers.find("prediction", P3, "en"))
    assert results.first.total == 1


def test_the_staff_results_poll_while_live_and_stop_once_closed(vote, carol):
    client = client_for(carol)
    fragment = client.get(_url("vote", vote), headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section id="vote-results"') and 'hx-trigger="every 5s"' in fragment
    votes.close(vote, carol)
    fragment = client.get(_url("vote", vote), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment


# ---- the classroom page's slot --------------------------------------------------------------------------------------


def test_the_classroom_page_loads_the_vote_slot(loaded, classroom, alice_enrolled):
    text = answer(alice_enrolled.user, "get", reverse("classrooms:detail", args=[classroom.pk])).content.decode()
    assert f'hx-get="{reverse("classrooms:vote_live", args=[classroom.pk])}" hx-trigger="load"' in text


def test_the_slot_answers_204_until_the_vote_moves_on(loaded, classroom, carol, alice_enrolled):
    client = client_for(alice_enrolled.user)
    live = reverse("classrooms:vote_live", args=[classroom.pk])
    empty = client.get(live, headers={"HX-Request": "true"})
    assert empty.status_code == 200 and "seen=none" in empty.content.decode()
    assert client.get(f"{live}?seen=none", headers={"HX-Request": "true"}).status_code == 204
    vote = votes.open_vote(classroom, carol, answers.find(answers.PREDICTION, P3, "en"), None)
    opened = client.get(f"{live}?seen=none", headers={"HX-Request": "true"})
    assert opened.status_code == 200 and "Your first vote" in opened.content.decode()
    token = votes.state_token(vote)
    assert client.get(f"{live}?seen={token}", headers={"HX-Request": "true"}).status_code == 204
    assert client.get(f"{_url('vote', vote)}?seen={token}", headers={"HX-Request": "true"}).status_code == 204
    votes.reveal(vote, carol)
    assert client.get(f"{live}?seen={token}", headers={"HX-Request": "true"}).status_code == 200


def test_the_slot_shows_staff_a_link_to_the_results(vote, classroom, carol):
    text = answer(carol, "get", reverse("classrooms:vote_live", args=[classroom.pk])).content.decode()
    assert "Class vote: first vote open." in text and vote.get_absolute_url() in text and "<form" not in text


def test_a_vote_closed_long_ago_leaves_the_slot(vote, classroom, carol, alice_enrolled):
    from datetime import timedelta

    from django.utils import timezone

    votes.close(vote, carol)
    actor = permissions.actor_for(alice_enrolled.user, classroom)
    assert votes.latest(classroom, actor) == vote
    Vote.objects.filter(pk=vote.pk).update(closed_at=timezone.now() - timedelta(hours=3))
    assert votes.latest(classroom, actor) is None


# ---- the list -------------------------------------------------------------------------------------------------------


def test_the_list_shows_staff_counts_and_students_their_part(vote, classroom, carol, alice_enrolled, bob_enrolled):
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    staff_rows = answer(carol, "get", _url("votes", classroom)).context["rows"]
    assert staff_rows[0]["counts"] == {1: 1, 2: 0} and staff_rows[0]["prompt"].startswith("Can any user assume")
    text = answer(alice_enrolled.user, "get", _url("votes", classroom)).content.decode()
    assert "the first time" in text and "Open a vote" not in text
    assert "the first time" not in answer(bob_enrolled.user, "get", _url("votes", classroom)).content.decode()


# ---- who may do what ------------------------------------------------------------------------------------------------

OUTSIDERS = ("student_of_other_classroom", "stranger", "anonymous")
INSTRUCTORS = ("owner", "co_instructor")
STUDENTS = ("student", "other_student")


@pytest.mark.parametrize("actor", ACTORS)
def test_every_vote_url_answers_each_actor_as_the_table_says(vote, cast, classroom, actor):
    user = cast[actor]
    cases = [
        ("get", _url("votes", classroom), {}, "view"),
        ("post", _url("votes", classroom), {}, "run_vote"),
        ("get", _url("vote_live", classroom), {}, "view"),
        ("get", _url("vote", vote), {}, "view"),
        ("post", _url("vote_answer", vote), {"round": 1}, "take_vote"),
        ("post", _url("vote_control", vote), {}, "run_vote"),
    ]
    for method, address, data, action in cases:
        response = answer(user, method, address, data)
        where = f"{method.upper()} {address} as {actor}"
        if actor in OUTSIDERS:
            assert response.status_code == 404, where
        elif action == "view":
            assert response.status_code == 200, where
        elif action == "run_vote" and actor not in INSTRUCTORS:
            assert_refused(response, INSTRUCTORS_ONLY.replace("'", "&#x27;"))
        elif action == "take_vote" and actor not in STUDENTS:
            assert_refused(response, STUDENTS_ONLY)
        else:
            assert response.status_code == 400, where  # the right, but an empty form
    for name in ("vote_live", "vote"):
        target = vote if name == "vote" else classroom
        assert answer(user, "post", _url(name, target)).status_code == 405
    assert answer(user, "get", _url("vote_answer", vote)).status_code == 405
    assert not VoteAnswer.objects.exists() and Vote.objects.count() == 1


def test_another_classrooms_vote_is_404_through_this_classroom(vote, classroom, carol, alice_enrolled):
    other = ClassroomFactory(owner=carol, name="Another class")
    elsewhere = votes.open_vote(other, carol, answers.find(answers.PREDICTION, P3, "en"), None)
    for name, method, data in (
        ("vote", "get", {}),
        ("vote_answer", "post", {"round": 1, "choice": "any-user", "confidence": "sure"}),
        ("vote_control", "post", {"action": "close"}),
    ):
        address = reverse(f"classrooms:{name}", args=[classroom.pk, elsewhere.pk])
        # Who may not take the action at all is told so first (the owner does not vote); the others get 404.
        assert answer(carol, method, address, data).status_code == (403 if name == "vote_answer" else 404)
        assert answer(alice_enrolled.user, method, address, data).status_code == (
            403 if name == "vote_control" else 404
        )
    assert reload(elsewhere).phase == Vote.OPEN and not VoteAnswer.objects.exists()


def test_a_removed_student_is_told_why(vote, classroom, alice_enrolled):
    Enrollment.objects.filter(pk=alice_enrolled.pk).update(state=Enrollment.REMOVED)
    assert_refused(answer(alice_enrolled.user, "get", _url("vote", vote)), "You were removed from this classroom")


# ---- cost -----------------------------------------------------------------------------------------------------------


def _queries(client, address: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, headers=headers)
    assert response.status_code in (200, 204), (address, response.status_code)
    return len(queries)


def test_the_vote_pages_cost_the_same_queries_for_5_and_300_students(vote, classroom, carol, alice_enrolled):
    def everyone_votes(students):
        for n, student in enumerate(students):
            VoteAnswer.objects.create(
                vote=vote,
                enrollment=student,
                round=1,
                choice=("any-user", "trust-check")[n % 2],
                confidence="sure",
                rationale=f"reason {n}",
            )
            VoteAnswer.objects.create(vote=vote, enrollment=student, round=2, choice="trust-check", confidence="sure")

    cast_vote(vote, alice_enrolled, 1, "trust-check")
    everyone_votes(crowd(classroom, 4, "small"))
    Vote.objects.filter(pk=vote.pk).update(phase=Vote.REVEALED)
    staff, student = client_for(carol), client_for(alice_enrolled.user)
    token = votes.state_token(reload(vote))
    live = reverse("classrooms:vote_live", args=[classroom.pk])
    probes = [
        (staff, _url("vote", vote), {}),
        (staff, _url("vote", vote), {"HX-Request": "true"}),
        (staff, _url("votes", classroom), {}),
        (student, _url("vote", vote), {}),
        (student, live, {"HX-Request": "true"}),
        (student, f"{live}?seen={token}", {"HX-Request": "true"}),
    ]
    before = [_queries(client, address, **headers) for client, address, headers in probes]
    everyone_votes(crowd(classroom, 295, "big"))
    after = [_queries(client, address, **headers) for client, address, headers in probes]
    assert after == before
    assert after[-1] <= 6  # the poll that finds nothing new: session, user, classroom, actor, vote


def test_a_vote_whose_question_left_the_lessons_still_shows_its_answers(vote, carol, alice_enrolled):
    cast_vote(vote, alice_enrolled, 1, "trust-check")
    Vote.objects.filter(pk=vote.pk).update(item_key="p3-removed-since")
    response = answer(carol, "get", _url("vote", vote))
    text = response.content.decode()
    assert response.status_code == 200 and "(This item is no longer in the lessons.)" in text
    assert "an answer no longer offered" in text
    listed = answer(carol, "get", _url("votes", vote.classroom))
    assert "(This item is no longer in the lessons.)" in listed.content.decode()
    assert answer(alice_enrolled.user, "get", _url("vote", vote)).status_code == 200


@pytest.mark.parametrize("number", ["0", "99999999999999999999999"])
def test_an_impossible_vote_number_is_404(vote, classroom, carol, number):
    address = _url("vote", vote).replace(f"/{vote.pk}/", f"/{number}/")
    assert answer(carol, "get", address).status_code == 404
