"""A class vote in real browsers (issue 12): the instructor opens a vote, two students vote from their classroom
page, the instructor reveals the first answers, the page a student keeps open picks up the reveal by itself
(htmx polling), both vote again, and the instructor sees the first and second votes side by side. axe finds
nothing on the new pages, at desktop width and at 320 px."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iamtutor.classrooms import answers, votes
from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.classrooms.models import Vote
from lessons import progress
from lessons.models import Learner, Prediction
from tests.e2e.conftest import axe_violations
from tests.factories import ClassroomFactory, UserFactory

P3 = "p3-any-user-any-role"


@pytest.fixture(scope="session")
def shipped_content():
    from lessons.loader import read_content

    return read_content()


@pytest.fixture
def room(transactional_db, shipped_content):
    from lessons.store import store

    store(shipped_content)
    carol = UserFactory(username="carol")
    classroom = ClassroomFactory(owner=carol, name="IAM roles, autumn")
    monday = add_section(classroom, "Monday")
    alice = enrol(classroom, UserFactory(username="alice"), monday)
    bob = enrol(classroom, UserFactory(username="bob"), monday)
    dan = enrol(classroom, UserFactory(username="dan"), monday)  # votes without a browser, so that 3 voted
    return carol, classroom, alice, bob, dan


def _sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def _student_page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    _sign_in(context, live_server, user)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    return page


def _vote(page, answer: str, sure: str, reason: str = "") -> None:
    card = page.locator("#vote-card")
    card.get_by_label(answer).check()
    card.get_by_label(sure, exact=True).check()
    if reason:
        card.get_by_label("Why? One line (optional)").fill(reason)
    card.get_by_role("button", name=re.compile("Send my (first|second) vote")).click()


def test_an_instructor_runs_a_class_vote_with_two_students(page, browser, live_server, room):
    carol, classroom, alice, bob, dan = room
    _sign_in(page.context, live_server, carol)
    page.goto(reverse("classrooms:votes", args=[classroom.pk]))
    assert axe_violations(page) == []
    page.get_by_label("What the class votes on").select_option(f"prediction:{P3}")
    page.get_by_role("button", name="Open the vote").click()
    page.get_by_text("The vote is open").wait_for()
    vote = Vote.objects.get(classroom=classroom)

    alice_page = _student_page(browser, live_server, alice.user)
    bob_page = _student_page(browser, live_server, bob.user)
    for student_page in (alice_page, bob_page):
        student_page.goto(reverse("classrooms:detail", args=[classroom.pk]))
        student_page.locator("#vote-card").get_by_text("Can any user assume any role").wait_for()
    _vote(alice_page, "Any user in the account can assume any role in it.", "Sure", "same account, so yes")
    alice_page.get_by_text("Your first vote is in.").wait_for()
    _vote(bob_page, "Only principals that the role's trust policy allows can assume it.", "Think so", "trust")
    bob_page.get_by_text("Your first vote is in.").wait_for()
    votes.answer(vote, dan, 1, "any-user", "guessing", "")
    assert axe_violations(alice_page) == []

    page.goto(vote.get_absolute_url())
    page.get_by_role("button", name="Reveal the first answers").click()
    page.get_by_text("Revealed: students who voted").wait_for()

    # alice's page was left open: its poll notices the reveal within 10 s and shows the class's answers.
    alice_page.get_by_text("How the class voted").wait_for(timeout=25_000)
    assert "trust" in alice_page.locator(".vote-reasons").inner_text()  # bob's reason, without his name
    assert "bob" not in alice_page.locator("#vote-card").inner_text()
    assert axe_violations(alice_page) == []
    _vote(alice_page, "Only principals that the role's trust policy allows can assume it.", "Sure")
    alice_page.get_by_text("Your second vote is in.").wait_for()
    bob_page.reload()
    _vote(bob_page, "Only principals that the role's trust policy allows can assume it.", "Sure")
    bob_page.get_by_text("Your second vote is in.").wait_for()

    page.reload()
    compare = page.locator("#vote-results")
    assert "3 of 3 students voted the first time, 2 the second time." in compare.inner_text()
    moves = dict(
        zip(
            compare.locator(".vote-moves dt").all_inner_texts(),
            compare.locator(".vote-moves dd").all_inner_texts(),
            strict=True,
        )
    )
    assert moves == {
        "Right, then right": "1",
        "Wrong, then right": "1",
        "Right, then wrong": "0",
        "Wrong, then wrong": "0",
        "First vote only": "1",
    }
    assert "1 → 0 confidently wrong" in compare.inner_text()
    page.get_by_role("button", name="Close the vote").click()
    page.get_by_text("The vote is closed: students who voted").wait_for()
    assert axe_violations(page) == []

    alice_page.goto(vote.get_absolute_url())
    assert "The answer:" in alice_page.locator("#vote-card").inner_text()
    assert axe_violations(alice_page) == []
    for student_page in (alice_page, bob_page):
        assert student_page.console_errors == []
        student_page.context.close()
    assert page.console_errors == []


def test_the_answer_and_vote_pages_have_no_axe_violations(page, live_server, room):
    carol, classroom, alice, bob, dan = room
    prediction = Prediction.objects.get(key=P3)
    for n, student in enumerate((alice, bob, dan)):
        learner = Learner.objects.get_or_create(user=student.user)[0]
        progress.commit(learner, prediction, ("any-user", "trust-check")[n % 2], "sure")
    vote = votes.open_vote(classroom, carol, answers.find(answers.PREDICTION, P3, "en"), None)
    for n, student in enumerate((alice, bob, dan)):
        votes.answer(vote, student, 1, ("any-user", "trust-check")[n % 2], "sure", f"reason {n}")
    votes.reveal(vote, carol)
    _sign_in(page.context, live_server, carol)
    staff_pages = [
        reverse("classrooms:answers", args=[classroom.pk]),
        reverse("classrooms:answers", args=[classroom.pk]) + "?kind=question",
        vote.get_absolute_url(),
        reverse("classrooms:votes", args=[classroom.pk]),
    ]
    student_pages = [
        reverse("classrooms:answers", args=[classroom.pk]),
        vote.get_absolute_url(),
        reverse("classrooms:detail", args=[classroom.pk]),
    ]
    for user, addresses in ((carol, staff_pages), (alice.user, student_pages)):
        page.context.clear_cookies()
        _sign_in(page.context, live_server, user)
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            for address in addresses:
                page.goto(address)
                page.wait_for_load_state("networkidle")
                assert axe_violations(page) == [], (user.username, width, address)
                wide = page.evaluate(
                    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth"
                    " + 1).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
                )
                assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (width, address, wide)
    assert page.console_errors == []
