"""Checking a classroom file's data (docs/classrooms.md, "The classroom file") without touching the database:
``check_classroom_file`` walks it and collects every problem with its JSON path, running the engine's world
validation on the organization and on each student's accounts. ``files.py`` reads, exports and imports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from iamtutor.engine import EngineError, World
from iamtutor.sandbox.worlds import validate_contents
from lessons.models import Confidence

from .assignments import LEARNER, dates_problem
from .models import Classroom, Enrollment, Guardrail, StaffMember, Vote, VoteAnswer

FORMAT = "iamtutor-classroom"
VERSION = 1
MAX_STUDENTS = 5000
MAX_SECTIONS = 100
MAX_GUARDRAILS = 200
MAX_LOG_ENTRIES = 100_000
MAX_CLOCK_SECONDS = 10 * 366 * 24 * 3600  # ten years either way
MAX_PROBLEMS = 200  # a hopeless file stops being read after this many problems

MAX_ASSIGNMENTS = 500
MAX_STARTS = 100_000  # of one assignment, by all its students
MAX_OVERRIDES = 100_000  # of one assignment
MAX_HINTS = 300  # of one start
MAX_ANSWERS = 100  # detective answers of one start
MAX_VOTES = 2000
MAX_WORLD_CHARACTERS = 200_000  # a forked world, as the assignment's editor allows

ACCOUNT_ID = re.compile(r"[0-9]{12}")
KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
OU_ID = re.compile(r"ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}")
ACTION_NAME = re.compile(r"[a-z_]{1,32}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a classroom file: where (a JSON path such as ``classroom.students[3].username``,
    empty for the whole file) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ClassroomFileError(Exception):
    """A classroom file that cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def check_classroom_file(data: object) -> list[Problem]:
    """Every problem of classroom-file ``data`` (parsed JSON), each with its path; empty when it is sound."""
    checker = _Checker()
    try:
        checker.file(data)
    except _TooMany:
        checker.problems.append(Problem("", f"Stopped reading after {MAX_PROBLEMS} problems."))
    return checker.problems


class _TooMany(Exception):
    pass


class _Stop(Exception):
    """This part of the file is too broken to check what depends on it."""


def _text(limit: int, *, blank: bool = True) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, str) or len(value) > limit or (not blank and not value.strip()):
            return f"Expected {'text' if blank else 'non-empty text'} of at most {limit} characters."
        return None

    return check


def _choice(*choices: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if value not in choices:
            return "Expected one of " + ", ".join(choices) + "."
        return None

    return check


def _whole(low: int, high: int, *, optional: bool = False) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if optional and value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"Expected a whole number from {low:,} to {high:,}{' or null' if optional else ''}."
        return None

    return check


def _moment(value: object) -> str | None:
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None
    if parsed is None or parsed.tzinfo is None:
        return "Expected a date and time with its time zone, such as 2026-01-01T09:00:00Z, or null."
    return None


def _username(value: object) -> str | None:
    if not isinstance(value, str) or not 0 < len(value) <= 150:
        return "Expected a user name of 1 to 150 characters."
    try:
        get_user_model().username_validator(value)
    except ValidationError:
        return "A user name holds only letters, digits and @ . + - _."
    return None


def _pattern(regex: re.Pattern, example: str, *, optional: bool = False) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if optional and value is None:
            return None
        if not isinstance(value, str) or not regex.fullmatch(value):
            return f"Expected an id such as {example}{' or null' if optional else ''}, not {_shown(value)}."
        return None

    return check


def _any_object(value: object) -> str | None:
    return None if isinstance(value, dict) else "Expected an object."


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


CLASSROOM_FIELDS = {
    "name": _text(100, blank=False),
    "description": _text(2000),
    "state": _choice(*(state for state, _ in Classroom.STATES)),
    "seat_limit": _whole(1, 1_000_000, optional=True),
    "created": _moment,
    "opened_at": _moment,
    "closed_at": _moment,
    "archived_at": _moment,
    "clock": _any_object,
    "sections": None,
    "staff": None,
    "students": None,
    "guardrails": None,
    "log": None,
    "assignments": None,
    "votes": None,
}
OPTIONAL = {
    "description",
    "seat_limit",
    "created",
    "opened_at",
    "closed_at",
    "archived_at",
    "guardrails",
    "log",
    "assignments",
    "votes",
}
CLOCK_FIELDS = {
    "mode": _choice(Classroom.CLASS_CLOCK, Classroom.SELF_PACED),
    "offset": _whole(-MAX_CLOCK_SECONDS, MAX_CLOCK_SECONDS),
    "paused_at": _moment,
}
SECTION_FIELDS = {"name": _text(64, blank=False), "ou_id": _pattern(OU_ID, "ou-ab12-cd34ef56")}
STAFF_FIELDS = {
    "username": _username,
    "role": _choice(StaffMember.OWNER, StaffMember.CO_INSTRUCTOR, StaffMember.TA),
    "sections": None,
}
STUDENT_FIELDS = {
    "username": _username,
    "account_id": _pattern(ACCOUNT_ID, "123456789012"),
    "section": _pattern(OU_ID, "ou-ab12-cd34ef56", optional=True),
    "state": _choice(Enrollment.ACTIVE, Enrollment.REMOVED),
    "clock_extension": _whole(-MAX_CLOCK_SECONDS, MAX_CLOCK_SECONDS),
    "joined": _moment,
    "removed_at": _moment,
    "sandbox": _any_object,
    "other_accounts": _any_object,
    "compute": _any_object,
}
SANDBOX_FIELDS = {
    "name": _text(100, blank=False),
    "clock_offset": _whole(-MAX_CLOCK_SECONDS, MAX_CLOCK_SECONDS),
    "clock_paused_at": _moment,
    "read_only_reason": _text(200),
}
GUARDRAIL_FIELDS = {
    "kind": _choice(Guardrail.SCP, Guardrail.RCP),
    "name": _text(128, blank=False),
    "description": _text(512),
    "preset": _text(64),
    "position": _whole(0, 1_000_000),
}
ASSIGNMENT_FIELDS = {
    "lab": _pattern(KEY, "fix-the-trust-policy"),
    "section": _pattern(OU_ID, "ou-ab12-cd34ef56", optional=True),
    "opens_at": _moment,
    "due_at": _moment,
    "closes_at": _moment,
    "world": lambda v: None if v is None or isinstance(v, dict) else "Expected a world (an object) or null.",
    "created": _moment,
    "created_by": lambda v: None if v is None else _username(v),
    "starts": None,
    "overrides": None,
}
START_FIELDS = {
    "student": _pattern(ACCOUNT_ID, "123456789012"),
    "started": _moment,
    "updated": _moment,
    "checks_run": _whole(0, 1_000_000_000),
    "last_checked": _moment,
    "tasks_passed": _whole(0, 1000),
    "tasks_total": _whole(0, 1000),
    "passed_at": _moment,
    "top_rung": _whole(0, 3),
    "in_account": lambda v: None if isinstance(v, bool) else "Expected true or false.",
    "partner": _pattern(ACCOUNT_ID, "123456789012", optional=True),
    "result": _any_object,
    "answers": _any_object,
    "hints": None,
}
HINT_FIELDS = {"task": _pattern(KEY, "external-id-required"), "rung": _whole(1, 3), "at": _moment}
OVERRIDE_FIELDS = {
    "student": _pattern(ACCOUNT_ID, "123456789012"),
    "score": _whole(0, 100, optional=True),
    "reason": _text(500, blank=False),
    "by": _text(150),
    "time": _moment,
}
VOTE_FIELDS = {
    "kind": _choice("prediction", "myth", "question"),
    "item": _text(80, blank=False),
    "language": _text(10, blank=False),
    "section": _pattern(OU_ID, "ou-ab12-cd34ef56", optional=True),
    "section_name": _text(64),
    "phase": _choice(Vote.OPEN, Vote.REVEALED, Vote.CLOSED),
    "opened_by": lambda v: None if v is None else _username(v),
    "opened_at": _moment,
    "revealed_at": _moment,
    "closed_at": _moment,
    "answers": None,
}
VOTE_ANSWER_FIELDS = {
    "student": _pattern(ACCOUNT_ID, "123456789012"),
    "round": _whole(VoteAnswer.FIRST, VoteAnswer.SECOND),
    "choice": _text(80, blank=False),
    "confidence": _choice(*Confidence.values),
    "reason": _text(200),
    "hidden": lambda v: None if isinstance(v, bool) else "Expected true or false.",
    "at": _moment,
}
LOG_FIELDS = {
    "time": _moment,
    "actor": _text(150),
    "action": _pattern(ACTION_NAME, "student_reset"),
    "student": _pattern(ACCOUNT_ID, "123456789012", optional=True),
    "reason": _text(500),
    "detail": _any_object,
}


class _Checker:
    """Walks a classroom file, collecting problems; each part is checked as far as its own shape allows."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooMany

    def record(self, value: object, path: str, fields: dict, optional: set[str] = frozenset()) -> bool:
        """Checks that ``value`` is an object with exactly ``fields`` (less ``optional`` ones) and each field's
        own rule; True when its shape is sound enough to read on."""
        if not isinstance(value, dict):
            self.add(path, "Expected an object.")
            return False
        sound = True
        for key in value:
            if key not in fields:
                self.add(_join(path, key), f"Unknown field {_shown(key)}.")
                sound = False
        for key, check in fields.items():
            if key not in value:
                if key not in optional:
                    self.add(_join(path, key), "This field is missing.")
                    sound = False
            elif check is not None and (message := check(value[key])):
                self.add(_join(path, key), message)
                sound = False
        return sound

    def items(self, value: object, path: str, limit: int) -> list:
        if not isinstance(value, list):
            self.add(path, "Expected a list.")
            return []
        if len(value) > limit:
            self.add(path, f"A classroom file holds at most {limit:,} of these, not {len(value):,}.")
            return []
        return value

    # ---- the parts --------------------------------------------------------------------------------------------

    def file(self, data: object) -> None:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self.add("format", f'This is not a classroom file: it does not start with "format": "{FORMAT}".')
            return
        if data.get("version") != VERSION:
            self.add(
                "version",
                f"This site reads version {VERSION} of the classroom file, not {_shown(data.get('version'))}.",
            )
            return
        fields = {"format": None, "version": None, "exported": _moment, "world": _any_object, "classroom": None}
        if not self.record(data, "", fields, {"exported"}):
            return
        room = data["classroom"]
        if not self.record(room, "classroom", CLASSROOM_FIELDS, OPTIONAL):
            return
        self.record(room["clock"], "classroom.clock", CLOCK_FIELDS)
        try:
            sections = self.sections(room["sections"])
            students = self.students(room["students"], sections)
            self.staff(room["staff"], sections)
            extras = self.guardrails(room.get("guardrails", []))
            self.log(room.get("log", []), students)
            self.assignments(room.get("assignments", []), sections, students)
            self.votes(room.get("votes", []), sections, students)
            self.world(data["world"], sections, students, extras)
        except _Stop:
            return

    def sections(self, value: object) -> dict[str, str]:
        """ou id -> name of each sound section."""
        found: dict[str, str] = {}
        names: set[str] = set()
        for i, entry in enumerate(self.items(value, "classroom.sections", MAX_SECTIONS)):
            path = f"classroom.sections[{i}]"
            if self.record(entry, path, SECTION_FIELDS):
                if entry["ou_id"] in found:
                    self.add(f"{path}.ou_id", f"OU {entry['ou_id']} is listed twice.")
                if entry["name"] in names:
                    self.add(f"{path}.name", f"Two sections are called {_shown(entry['name'])}.")
                found[entry["ou_id"]] = entry["name"]
                names.add(entry["name"])
        return found

    def staff(self, value: object, sections: dict[str, str]) -> None:
        seen: set[str] = set()
        owners = 0
        for i, entry in enumerate(self.items(value, "classroom.staff", MAX_STUDENTS)):
            path = f"classroom.staff[{i}]"
            if not self.record(entry, path, STAFF_FIELDS):
                continue
            if entry["username"] in seen:
                self.add(f"{path}.username", f"{entry['username']} is listed twice.")
            seen.add(entry["username"])
            owners += entry["role"] == StaffMember.OWNER
            self.section_list(entry["sections"], f"{path}.sections", sections, ta=entry["role"] == StaffMember.TA)
        if owners != 1:
            self.add("classroom.staff", f"A classroom has exactly one owner; this file names {owners}.")

    def section_list(self, value: object, path: str, sections: dict[str, str], *, ta: bool) -> None:
        listed = self.items(value, path, MAX_SECTIONS)
        if listed and not ta:
            self.add(path, "Only teaching assistants are scoped to sections.")
        for j, ou_id in enumerate(listed):
            if ou_id not in sections:
                self.add(f"{path}[{j}]", f"{_shown(ou_id)} is not one of the classroom's sections.")

    def students(self, value: object, sections: dict[str, str]) -> dict[str, dict]:
        """account id -> entry of each sound student."""
        found: dict[str, dict] = {}
        usernames: set[str] = set()
        for i, entry in enumerate(self.items(value, "classroom.students", MAX_STUDENTS)):
            path = f"classroom.students[{i}]"
            if not self.record(entry, path, STUDENT_FIELDS):
                continue
            if entry["username"] in usernames:
                self.add(f"{path}.username", f"{entry['username']} is enrolled twice.")
            if entry["account_id"] in found:
                self.add(f"{path}.account_id", f"Account {entry['account_id']} belongs to two students.")
            if entry["section"] is not None and entry["section"] not in sections:
                self.add(f"{path}.section", f"{entry['section']} is not one of the classroom's sections.")
            self.record(entry["sandbox"], f"{path}.sandbox", SANDBOX_FIELDS)
            for account_id in entry["other_accounts"]:
                if not ACCOUNT_ID.fullmatch(account_id) or account_id == entry["account_id"]:
                    self.add(f"{path}.other_accounts", f"{_shown(account_id)} cannot be another account here.")
            usernames.add(entry["username"])
            found[entry["account_id"]] = {**entry, "_path": path}
        return found

    def guardrails(self, value: object) -> dict[tuple[str, str], str]:
        """(kind, name) -> path of each sound entry."""
        seen: dict[tuple[str, str], str] = {}
        for i, entry in enumerate(self.items(value, "classroom.guardrails", MAX_GUARDRAILS)):
            path = f"classroom.guardrails[{i}]"
            if self.record(entry, path, GUARDRAIL_FIELDS, {"description", "preset", "position"}):
                if (entry["kind"], entry["name"]) in seen:
                    self.add(f"{path}.name", f"Two {entry['kind']}s are called {_shown(entry['name'])}.")
                seen[(entry["kind"], entry["name"])] = path
        return seen

    def log(self, value: object, students: dict[str, dict]) -> None:
        for i, entry in enumerate(self.items(value, "classroom.log", MAX_LOG_ENTRIES)):
            path = f"classroom.log[{i}]"
            if self.record(entry, path, LOG_FIELDS, {"reason", "detail", "student"}):
                student = entry.get("student")
                if student is not None and student not in students:
                    self.add(f"{path}.student", f"{student} is not a student's account in this file.")

    def assignments(self, value: object, sections: dict[str, str], students: dict[str, dict]) -> None:
        in_account: dict[str, str] = {}  # student -> the path of their start whose world is in their account
        for i, entry in enumerate(self.items(value, "classroom.assignments", MAX_ASSIGNMENTS)):
            path = f"classroom.assignments[{i}]"
            if not self.record(entry, path, ASSIGNMENT_FIELDS, {"world", "created", "created_by"}):
                continue
            if entry["section"] is not None and entry["section"] not in sections:
                self.add(f"{path}.section", f"{entry['section']} is not one of the classroom's sections.")
            if problem := dates_problem(*(_when(entry[k]) for k in ("opens_at", "due_at", "closes_at"))):
                self.add(f"{path}.{'due_at' if problem.startswith('The due date') else 'closes_at'}", problem)
            if entry.get("world") is not None:
                self.forked_world(entry["world"], f"{path}.world")
            for j, start in enumerate(self.items(entry["starts"], f"{path}.starts", MAX_STARTS)):
                where = f"{path}.starts[{j}]"
                if not self.record(start, where, START_FIELDS):
                    continue
                self.student_ref(start["student"], f"{where}.student", students)
                if start["partner"] is not None:
                    self.student_ref(start["partner"], f"{where}.partner", students)
                if start["tasks_passed"] > start["tasks_total"]:
                    self.add(f"{where}.tasks_passed", "More tasks passed than the lab has (tasks_total).")
                if start["in_account"]:
                    if start["student"] in in_account:
                        self.add(
                            f"{where}.in_account",
                            f"Only one lab's world can be in an account; {in_account[start['student']]} already is.",
                        )
                    in_account[start["student"]] = where
                self.detective_answers(start["answers"], f"{where}.answers")
                for k, hint in enumerate(self.items(start["hints"], f"{where}.hints", MAX_HINTS)):
                    self.record(hint, f"{where}.hints[{k}]", HINT_FIELDS)
            for j, override in enumerate(self.items(entry["overrides"], f"{path}.overrides", MAX_OVERRIDES)):
                if self.record(override, f"{path}.overrides[{j}]", OVERRIDE_FIELDS):
                    self.student_ref(override["student"], f"{path}.overrides[{j}].student", students)

    def forked_world(self, world: dict, path: str) -> None:
        size = len(json.dumps(world))
        if size > MAX_WORLD_CHARACTERS:
            self.add(path, f"A forked world takes at most {MAX_WORLD_CHARACTERS:,} characters, not {size:,}.")
            return
        try:
            validate_contents(world, {})
        except EngineError as err:
            problem = engine_problem(err, f"{path}.")
            self.add(problem.path, problem.message)
            return
        if next(iter(world["accounts"]), None) != LEARNER:
            self.add(f"{path}.accounts", f"The first account must be the learner's, {LEARNER}.")

    def detective_answers(self, value: dict, path: str) -> None:
        if len(value) > MAX_ANSWERS:
            self.add(path, f"A start holds at most {MAX_ANSWERS} answers.")
            return
        for key, answer in value.items():
            if not KEY.fullmatch(key) or not isinstance(answer, str) or len(answer) > 500:
                self.add(_join(path, key), "Expected a task's id and an answer of at most 500 characters.")

    def student_ref(self, account_id: str, path: str, students: dict[str, dict]) -> None:
        if account_id not in students:
            self.add(path, f"{account_id} is not a student's account in this file.")

    def votes(self, value: object, sections: dict[str, str], students: dict[str, dict]) -> None:
        live = None
        for i, entry in enumerate(self.items(value, "classroom.votes", MAX_VOTES)):
            path = f"classroom.votes[{i}]"
            if not self.record(entry, path, VOTE_FIELDS):
                continue
            if entry["section"] is not None and entry["section"] not in sections:
                self.add(f"{path}.section", f"{entry['section']} is not one of the classroom's sections.")
            if entry["phase"] in Vote.LIVE:
                if live is not None:
                    self.add(f"{path}.phase", f"Only one vote can be open or revealed at a time; {live} already is.")
                live = path
            answered: set[tuple[str, int]] = set()
            for j, answer in enumerate(self.items(entry["answers"], f"{path}.answers", 2 * MAX_STUDENTS)):
                where = f"{path}.answers[{j}]"
                if not self.record(answer, where, VOTE_ANSWER_FIELDS):
                    continue
                self.student_ref(answer["student"], f"{where}.student", students)
                if (answer["student"], answer["round"]) in answered:
                    self.add(where, f"{answer['student']} answers round {answer['round']} twice.")
                answered.add((answer["student"], answer["round"]))

    def world(self, world: dict, sections: dict[str, str], students: dict[str, dict], extras: dict) -> None:
        if not self.record(
            world, "world", {"partition": _choice("aws"), "organization": None, "accounts": None}, {"partition"}
        ):
            raise _Stop
        accounts = world["accounts"]
        if not isinstance(accounts, dict):
            self.add("world.accounts", "Expected an object keyed by 12-digit account id.")
            raise _Stop
        for account_id in accounts.keys() - students.keys():
            self.add(f"world.accounts.{account_id}", "This account belongs to no student of classroom.students.")
        for account_id in students.keys() - accounts.keys():
            self.add(
                f"{students[account_id]['_path']}.account_id", f"Account {account_id} is missing from world.accounts."
            )
        self.organization(world["organization"], sections, students, extras)
        for account_id, entry in students.items():
            if account_id in accounts:
                self.student_world(account_id, accounts[account_id], entry)

    def organization(self, org: object, sections: dict[str, str], students: dict[str, dict], extras: dict) -> None:
        try:
            World.from_dict({"accounts": {}, "organization": org})
        except EngineError as err:
            problem = engine_problem(err, "world.")
            self.add(problem.path, problem.message)
            return
        assert isinstance(org, dict)  # the engine accepted it
        if "root_id" not in org:
            self.add("world.organization.root_id", "This field is missing.")
        if {ou["id"]: ou.get("name") for ou in org.get("ous") or []} != sections:
            self.add("world.organization.ous", "The OUs must be the classroom's sections: the same ids and names.")
        root = org.get("root_id")
        for i, ou in enumerate(org.get("ous") or []):
            if ou.get("parent", root) != root:
                self.add(f"world.organization.ous[{i}].parent", "A section's OU sits directly under the root.")
            expected = sorted(a for a, s in students.items() if s["section"] == ou["id"] and s["state"] == "active")
            if sorted(ou.get("accounts") or []) != expected:
                self.add(f"world.organization.ous[{i}].accounts", "Must list the active students of this section.")
        active = sorted(a for a, s in students.items() if s["state"] == Enrollment.ACTIVE)
        if sorted(org.get("accounts") or []) != active:
            self.add("world.organization.accounts", "Must list exactly the active students' account ids.")
        if org["management_account"] in students:
            self.add("world.organization.management_account", "The management account cannot be a student's.")
        self.guardrail_targets(org, {root, *sections, *students})
        policies = {(kind[:3], p.get("name")) for kind in ("scps", "rcps") for p in org.get(kind) or []}
        for (kind, name), path in extras.items():
            if (kind, name) not in policies:
                self.add(path, f"No {kind.upper()} called {_shown(name)} in world.organization.{kind}s.")

    def guardrail_targets(self, org: dict, allowed: set) -> None:
        for kind in ("scps", "rcps"):
            for i, policy in enumerate(org.get(kind) or []):
                for j, target in enumerate(policy.get("targets") or []):
                    if target not in allowed:
                        self.add(
                            f"world.organization.{kind}[{i}].targets[{j}]",
                            f"{_shown(target)} is not the root, a section or a student of this classroom.",
                        )

    def student_world(self, account_id: str, document: object, entry: dict) -> None:
        world = {"partition": "aws", "accounts": {account_id: document, **entry["other_accounts"]}}
        size = len(json.dumps(world))
        if size > settings.MAX_UPLOAD_BYTES:
            self.add(
                f"world.accounts.{account_id}",
                f"This student's accounts take {size:,} bytes; a sandbox holds at most {settings.MAX_UPLOAD_BYTES:,}.",
            )
            return
        try:
            validate_contents(world, entry["compute"])
        except EngineError as err:
            problem = _student_problem(err, account_id, entry["_path"])
            self.add(problem.path, problem.message)


def _when(text: object) -> datetime | None:
    return parse_datetime(text) if isinstance(text, str) else None


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def engine_problem(err: EngineError, prefix: str) -> Problem:
    where = f" (line {err.line}, column {err.column})" if err.line else ""
    return Problem(prefix + (err.json_path or "") if err.json_path else prefix.rstrip("."), err.message + where)


def _student_problem(err: EngineError, account_id: str, student_path: str) -> Problem:
    """An engine error in one student's world, its path rewritten to where that part sits in the file."""
    path = err.json_path or ""
    if (
        path == f"accounts.{account_id}"
        or path.startswith(f"accounts.{account_id}.")
        or path.startswith(f"accounts.{account_id}[")
    ):
        path = "world." + path
    elif path.startswith("accounts."):
        path = f"{student_path}.other_" + path
    elif path.startswith("compute"):
        path = f"{student_path}.{path}"
    else:
        path = f"{student_path}{'.' + path if path else ''}"
    return Problem(path, err.message)
