"""What a learner in class does, page by page, as plain functions over a ``Browser``: Locust drives them in the
load test (``locustfile.py``); the tests drive them through Django's test client, so a journey that stops
matching the site fails ``make test`` instead of filling a load report with errors.

Learners post the site's own forms as a browser without JavaScript would (every page works so): the form's
hidden fields, CSRF token and version included, with the values a learner types; each POST follows its
redirect, so its time includes the page it leads to. htmx would ask for fragments instead, never more work.

Each request carries a ``name``, the path with its variable parts in brackets, under which the report groups
it. Between two steps the learner thinks (``Browser.think``).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .pages import Page

Check = Callable[[Page], str | None]  # what went wrong on this page, or None


class JourneyError(Exception):
    """A step did not do what it should; the failed request is recorded already."""


class Browser(Protocol):
    def get(self, path: str, name: str, *, check: Check | None = None, headers: dict | None = None) -> Page: ...

    def post(self, path: str, data: dict, name: str, *, check: Check | None = None) -> Page: ...

    def think(self) -> None: ...


@dataclass
class Member:
    """One member of the class (a learner or the instructor): who logs in, and what the journeys remember."""

    username: str
    password: str
    classroom: str = ""
    logged_in: bool = False
    roles_made: int = 0
    rng: random.Random = field(default_factory=random.Random)


SANDBOX = re.compile(r"^/sandbox/[0-9a-f-]{36}/$")
STEP = r"^/lessons/steps/\d+/$"
ACCESS_KEY = re.compile(r"\bASIA[A-Z0-9]{16}\b")


def lands_on(pattern: str) -> Check:
    """The request must end (after redirects) on a path matching ``pattern`` (a regular expression)."""

    def check(page: Page) -> str | None:
        return None if re.search(pattern, page.path) else f"ended on {page.path}, expected …{pattern}"

    return check


def shows(pattern: str, what: str) -> Check:
    def check(page: Page) -> str | None:
        return None if re.search(pattern, page.text) else f"{page.path} does not show {what}"

    return check


# ---- logging in ------------------------------------------------------------------------------------------------


def log_in(browser: Browser, member: Member) -> None:
    """The real log-in form, CSRF token and all; a first visit also fetches the page's stylesheet and scripts."""
    page = browser.get("/accounts/login/", "/accounts/login/")
    for asset in page.assets():
        browser.get(asset, "/static/[file]")
    form = page.form("/accounts/login/")
    data = form.data(username=member.username, password=member.password)
    browser.post(form.action, data, "/accounts/login/", check=_left_login)
    member.logged_in = True


def _left_login(page: Page) -> str | None:
    return "the log-in form came back" if page.path.startswith("/accounts/login/") else None


# ---- the lessons ---------------------------------------------------------------------------------------------------


def lessons(browser: Browser, member: Member) -> None:
    """Lesson index → step-by-step mode, where they left off → read on (mark read, next step) until a step asks
    for a prediction → commit it, see the reveal, mark it read → a quiz page → answer one of its questions."""
    rng = member.rng
    browser.get("/lessons/", "/lessons/")
    browser.think()
    step = browser.get("/lessons/steps/", "/lessons/steps/ (resume)", check=lands_on(STEP))
    for _ in range(3):  # read on until a step asks for a prediction (the first steps do not)
        browser.think()
        predictions = step.forms("/predict/")
        if predictions:
            form = predictions[0]
            choice, confidence = rng.choice(form.options["choice"]), rng.choice(form.options["confidence"])
            data = form.data(choice=choice, confidence=confidence)
            step = browser.post(form.action, data, "/lessons/steps/[n]/predict/", check=lands_on(STEP))
            browser.think()
        form = step.form("/read/")
        step = browser.post(form.action, form.data(), "/lessons/steps/[n]/read/", check=lands_on(r"^/lessons/"))
        if predictions or not re.match(STEP, step.path):
            break
    browser.think()
    quizzes = browser.get("/lessons/quiz/", "/lessons/quiz/")
    browser.think()
    pages = [p for p in quizzes.links("/lessons/quiz/") if re.fullmatch(r"/lessons/quiz/[\w-]+/", p)]
    quiz = browser.get(rng.choice(pages), "/lessons/quiz/[lesson]/")
    choices = [form for form in quiz.forms("/lessons/quiz/question/") if form.options.get("choice")]
    if choices:
        browser.think()
        form = rng.choice(choices)
        data = form.data(choice=rng.choice(form.options["choice"]))
        browser.post(form.action, data, "/lessons/quiz/question/[key]/", check=lands_on(r"^/lessons/quiz/[\w-]+/$"))


# ---- the sandbox ---------------------------------------------------------------------------------------------------


def trust_policy(account: str, user: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:user/{user}"},
        "Action": "sts:AssumeRole",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def sandbox(browser: Browser, member: Member) -> None:
    """Open (or create) the personal sandbox; create a role trusting bob, change its trust to alice, assume it as
    alice, look at the credentials, fast-forward the clock, send console requests as alice and as the new
    session, look at the diagram, delete the role (so a long run keeps every sandbox small)."""
    page = browser.get("/sandbox/", "/sandbox/")
    if not SANDBOX.match(page.path):
        browser.think()
        form = page.form("/sandbox/new/")
        page = browser.post(form.action, form.data(), "/sandbox/new/", check=lands_on(SANDBOX.pattern))
    base = page.path
    browser.think()
    role_page, account, role = _create_role(browser, member, base)
    browser.think()
    trust = role_page.form("/trust/")
    role_path = role_page.path
    browser.post(
        trust.action,
        trust.data(document=trust_policy(account, "alice")),
        "/sandbox/[id]/roles/[account]/[role]/trust/",
        check=lands_on(f"^{re.escape(role_path)}$"),
    )
    browser.think()
    key = _assume(browser, member, base, account, role)
    browser.think()
    credentials = browser.get(base + "credentials/", "/sandbox/[id]/credentials/")
    browser.think()
    clock = credentials.form("/clock/")
    browser.post(clock.action, clock.data(minutes="15"), "/sandbox/[id]/clock/", check=lands_on(r"/credentials/$"))
    browser.think()
    _console(browser, base, account, key)
    browser.think()
    browser.get(base + "diagrams/", "/sandbox/[id]/diagrams/")
    browser.think()
    delete = browser.get(role_path, "/sandbox/[id]/roles/[account]/[role]/").form("/delete/")
    browser.post(
        delete.action, delete.data(), "/sandbox/[id]/roles/[account]/[role]/delete/", check=lands_on("/roles/$")
    )


def _create_role(browser: Browser, member: Member, base: str) -> tuple[Page, str, str]:
    page = browser.get(base + "roles/new/", "/sandbox/[id]/roles/new/")
    form = page.form("/roles/new/")
    account = form.fields["account"]
    member.roles_made += 1
    role = f"ClassRole{member.roles_made}-{member.rng.randrange(16**4):04x}"
    browser.think()
    data = form.data(name=role, description="Made in class", document=trust_policy(account, "bob"))
    check = lands_on(f"/roles/{account}/{role}/$")
    return browser.post(form.action, data, "/sandbox/[id]/roles/new/", check=check), account, role


def _assume(browser: Browser, member: Member, base: str, account: str, role: str) -> str:
    """Assumes the role as alice; returns the new session's access key id."""
    form = browser.get(base + "assume/", "/sandbox/[id]/assume/").form("/assume/")
    browser.think()
    data = form.data(
        identity=f"user:arn:aws:iam::{account}:user/alice",
        role=f"arn:aws:iam::{account}:role/{role}",
        session_name=member.username,
    )
    page = browser.post(form.action, data, "/sandbox/[id]/assume/", check=shows(ACCESS_KEY.pattern, "credentials"))
    return ACCESS_KEY.search(page.text).group(0)


def _console(browser: Browser, base: str, account: str, key: str) -> None:
    """Two requests in the console: alice reads a report (typing the action asks for suggestions), then the new
    session lists the bucket."""
    form = browser.get(base + "console/", "/sandbox/[id]/console/").form("/console/")
    browser.get(
        base + "console/actions/?action=s3:Get", "/sandbox/[id]/console/actions/", headers={"HX-Request": "true"}
    )
    browser.think()
    decided = shows(r"(?i)allowed|denied", "a decision")
    data = form.data(
        caller=f"arn:aws:iam::{account}:user/alice",
        action="s3:GetObject",
        resource=f"arn:aws:s3:::reports-{account}/q1.csv",
    )
    page = browser.post(form.action, data, "/sandbox/[id]/console/", check=decided)
    browser.think()
    form = page.form("/console/")
    data = form.data(caller=key, action="s3:ListBucket", resource=f"arn:aws:s3:::reports-{account}")
    browser.post(form.action, data, "/sandbox/[id]/console/", check=decided)


# ---- the classroom -------------------------------------------------------------------------------------------------


def classroom(browser: Browser, member: Member) -> None:
    """Their classrooms → the class's page → their member account → its roles."""
    mine = browser.get("/classrooms/", "/classrooms/")
    browser.think()
    links = [p for p in mine.links("/classrooms/") if re.fullmatch(r"/classrooms/[0-9a-f-]{36}/", p)]
    wanted = f"/classrooms/{member.classroom}/"
    page = browser.get(wanted if wanted in links else links[0], "/classrooms/[id]/")
    browser.think()
    account = next(p for p in page.links("/sandbox/") if SANDBOX.match(p))
    browser.get(account, "/sandbox/[id]/ (member account)")
    browser.think()
    browser.get(account + "roles/", "/sandbox/[id]/roles/ (member account)")


def instructor(browser: Browser, member: Member) -> None:
    """The instructor keeps an eye on the class: its page (with the class's figures) and the roster."""
    browser.get(f"/classrooms/{member.classroom}/", "/classrooms/[id]/ (instructor)")
    browser.think()
    browser.get(f"/classrooms/{member.classroom}/roster/", "/classrooms/[id]/roster/")


# What a learner does, and how often: each run picks one journey by weight, then thinks before the next.
LEARNER_JOURNEYS: dict[str, tuple[Callable[[Browser, Member], None], int]] = {
    "lessons": (lessons, 3),
    "sandbox": (sandbox, 2),
    "classroom": (classroom, 1),
}
INSTRUCTOR_JOURNEYS: dict[str, tuple[Callable[[Browser, Member], None], int]] = {"instructor": (instructor, 1)}
