"""Classroom files: a whole classroom as one JSON document in the world format (docs/classrooms.md, "The
classroom file"), for ``manage.py classroom export|import`` and the archives ``purge_classrooms`` writes.

``export_classroom`` builds the document from the rows. ``read_classroom_file`` parses and checks one without
touching the database, collecting every problem with its path. ``import_classroom`` checks it against the site
(users, ids already taken) and then creates the classroom, its students' member accounts and its guardrails in
one transaction. The file holds no secret: access keys' secrets, STS sessions and audit events stay behind,
as in a sandbox export.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from iamtutor.engine import EngineError, World
from iamtutor.sandbox.models import Sandbox, SandboxAccount
from iamtutor.sandbox.worlds import check_text, parse_json, replace_contents, validate_contents

from . import ids, log
from .federation import organization_data
from .models import Classroom, Enrollment, Guardrail, Section, StaffAction, StaffMember

FORMAT = "iamtutor-classroom"
VERSION = 1
MAX_STUDENTS = 5000
MAX_SECTIONS = 100
MAX_GUARDRAILS = 200
MAX_LOG_ENTRIES = 100_000
MAX_CLOCK_SECONDS = 10 * 366 * 24 * 3600  # ten years either way
MAX_PROBLEMS = 200  # a hopeless file stops being read after this many problems

ACCOUNT_ID = re.compile(r"[0-9]{12}")
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


# ---- export -------------------------------------------------------------------------------------------------


def export_classroom(classroom: Classroom) -> dict:
    """``classroom`` as a classroom file: the organization and every student's member account as a world, and
    the classroom's own settings, sections, staff, students, guardrails and staff log."""
    enrollments = list(classroom.enrollments.select_related("user", "section", "sandbox").order_by("pk"))
    rows: dict = {}
    for account in SandboxAccount.objects.filter(sandbox__in=[e.sandbox_id for e in enrollments]).order_by(
        "sandbox", "position"
    ):
        rows.setdefault(account.sandbox_id, []).append(account)
    world: dict = {"partition": "aws", "organization": organization_data(classroom), "accounts": {}}
    students = []
    for enrollment in enrollments:
        accounts = rows.get(enrollment.sandbox_id, [])
        own = next((a for a in accounts if a.account_id == enrollment.account_id), None)
        world["accounts"][enrollment.account_id] = _account_document(own) if own else {}
        students.append(_student_entry(enrollment, accounts, [a for a in accounts if a is not own]))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported": _iso(timezone.now()),
        "world": world,
        "classroom": _classroom_entry(classroom, students),
    }


def dumps(data: dict) -> bytes:
    """A classroom file's bytes: UTF-8 JSON, one level of indentation per nesting level, keys in order."""
    return json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def write_file(path: Path, raw: bytes) -> None:
    """Writes ``raw`` to ``path`` readable by its owner only (it names students), all at once: into a
    temporary file beside it, flushed to disk, then renamed over ``path``. Raises ``OSError``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _classroom_entry(classroom: Classroom, students: list[dict]) -> dict:
    staff = classroom.staff.select_related("user").prefetch_related("sections").order_by("pk")
    guardrails = classroom.guardrails.all()
    return {
        "name": classroom.name,
        "description": classroom.description,
        "state": classroom.state,
        "seat_limit": classroom.seat_limit,
        "created": _iso(classroom.created),
        "opened_at": _iso(classroom.opened_at),
        "closed_at": _iso(classroom.closed_at),
        "archived_at": _iso(classroom.archived_at),
        "clock": {
            "mode": classroom.clock_mode,
            "offset": classroom.clock_offset,
            "paused_at": _iso(classroom.clock_frozen_at),
        },
        "sections": [{"name": s.name, "ou_id": s.ou_id} for s in classroom.sections.all()],
        "staff": [
            {"username": m.user.username, "role": m.role, "sections": [s.ou_id for s in m.sections.all()]}
            for m in staff
        ],
        "students": students,
        "guardrails": [
            {"kind": g.kind, "name": g.name, "description": g.description, "preset": g.preset, "position": g.position}
            for g in guardrails
        ],
        "log": _log_entries(classroom),
    }


def _student_entry(enrollment: Enrollment, accounts: list[SandboxAccount], others: list[SandboxAccount]) -> dict:
    sandbox = enrollment.sandbox
    compute = {a.account_id: a.compute for a in accounts if a.compute}
    return {
        "username": enrollment.user.username,
        "account_id": enrollment.account_id,
        "section": enrollment.section.ou_id if enrollment.section else None,
        "state": enrollment.state,
        "clock_extension": enrollment.clock_extension,
        "joined": _iso(enrollment.joined),
        "removed_at": _iso(enrollment.removed_at),
        "sandbox": {
            "name": sandbox.name,
            "clock_offset": sandbox.clock_offset,
            "clock_paused_at": _iso(sandbox.clock_frozen_at),
            "read_only_reason": sandbox.read_only_reason,
        },
        "other_accounts": {a.account_id: _account_document(a) for a in others},
        "compute": compute,
    }


def _account_document(account: SandboxAccount) -> dict:
    return {**({"alias": account.alias} if account.alias else {}), **account.document}


def _log_entries(classroom: Classroom) -> list[dict]:
    entries = classroom.staff_actions.select_related("enrollment").order_by("created", "pk")
    return [
        {
            "time": _iso(entry.created),
            "actor": entry.actor_name,
            "action": entry.action,
            "student": entry.enrollment.account_id if entry.enrollment else None,
            "reason": entry.reason,
            "detail": entry.detail,
        }
        for entry in entries
    ]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---- reading and checking (no database) ------------------------------------------------------------------------


def read_classroom_file(raw: bytes) -> dict:
    """Parses and checks a classroom file's bytes; returns its data, or raises ``ClassroomFileError`` listing
    every problem found (the file's size and nesting are checked before anything else is read)."""
    limit = settings.CLASSROOM_FILE_MAX_BYTES
    if len(raw) > limit:
        raise ClassroomFileError([Problem("", f"The file is {len(raw):,} bytes; the limit is {limit:,} bytes.")])
    try:
        data = parse_json(raw)
        check_text(data)
    except EngineError as err:
        raise ClassroomFileError([_engine_problem(err, "")]) from None
    problems = check_classroom_file(data)
    if problems:
        raise ClassroomFileError(problems)
    return data


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
}
OPTIONAL = {"description", "seat_limit", "created", "opened_at", "closed_at", "archived_at", "guardrails", "log"}
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
            problem = _engine_problem(err, "world.")
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


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _engine_problem(err: EngineError, prefix: str) -> Problem:
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


# ---- import ---------------------------------------------------------------------------------------------------

FREE_TEXT = frozenset({"username", "name", "description", "reason", "actor", "preset"})


def site_problems(
    data: dict, *, owner=None, renumber: bool = False, create_missing_users: bool = False
) -> list[Problem]:
    """What stops checked classroom-file ``data`` from being imported on this site: users it names that do not
    exist (unless they are to be created), and ids another classroom already uses (unless renumbering)."""
    problems = [] if create_missing_users else _missing_users(data, owner)
    if not renumber:
        problems += _taken_ids(data)
    return problems


def _named_users(data: dict, owner) -> dict[str, str]:
    """user name -> the path that names them, for every user the import needs."""
    room = data["classroom"]
    named = {}
    for i, entry in enumerate(room["staff"]):
        if owner is None or entry["role"] != StaffMember.OWNER:
            named.setdefault(entry["username"], f"classroom.staff[{i}].username")
    for i, entry in enumerate(room["students"]):
        named.setdefault(entry["username"], f"classroom.students[{i}].username")
    return named


def _missing_users(data: dict, owner) -> list[Problem]:
    named = _named_users(data, owner)
    found = set(get_user_model().objects.filter(username__in=named).values_list("username", flat=True))
    return [
        Problem(path, f"There is no user {name} on this site.") for name, path in named.items() if name not in found
    ]


def _taken_ids(data: dict) -> list[Problem]:
    org = data["world"]["organization"]
    room = data["classroom"]
    problems = []
    if Classroom.objects.filter(org_id=org["id"]).exists():
        problems.append(Problem("world.organization.id", f"Organization {org['id']} is already a classroom here."))
    accounts = {org["management_account"]: "world.organization.management_account"}
    accounts.update({s["account_id"]: f"classroom.students[{i}].account_id" for i, s in enumerate(room["students"])})
    used = set(Enrollment.objects.filter(account_id__in=accounts).values_list("account_id", flat=True))
    used |= set(
        Classroom.objects.filter(management_account_id__in=accounts).values_list("management_account_id", flat=True)
    )
    problems += [Problem(accounts[a], f"Account {a} is already used on this site.") for a in sorted(used)]
    sections = {s["ou_id"]: f"classroom.sections[{i}].ou_id" for i, s in enumerate(room["sections"])}
    for ou_id in Section.objects.filter(ou_id__in=sections).values_list("ou_id", flat=True):
        problems.append(Problem(sections[ou_id], f"OU {ou_id} is already used on this site."))
    return problems


def renumbered(data: dict) -> dict:
    """``data`` with new ids, unused on this site, for the organization, its root, its OUs, its management
    account and every student's account, changed wherever they appear (ARNs, trust policies, guardrail
    targets); user names, names, descriptions and reasons are left as written."""
    org = data["world"]["organization"]
    room = data["classroom"]
    new_org, new_root = ids.new_org_ids()
    mapping = {org["id"]: new_org, org["root_id"]: new_root}
    mapping.update({s["ou_id"]: ids.new_ou_id(new_root) for s in room["sections"]})
    kept = {a for s in room["students"] for a in s["other_accounts"]}
    for account_id in [org["management_account"], *(s["account_id"] for s in room["students"])]:
        mapping[account_id] = _fresh_account_id(kept | set(mapping.values()))
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, sorted(mapping, key=len, reverse=True))) + r")(?![A-Za-z0-9])"
    )
    swapped = _swap(data, pattern, mapping)
    for old, new in zip(room["students"], swapped["classroom"]["students"], strict=True):
        new["sandbox"]["name"] = pattern.sub(lambda m: mapping[m.group()], old["sandbox"]["name"])
    return swapped


def _fresh_account_id(avoid: set[str]) -> str:
    while (candidate := ids.new_account_id()) in avoid:
        pass
    return candidate


def _swap(value: object, pattern: re.Pattern, mapping: dict[str, str]) -> object:
    """``value`` with every id in ``mapping`` replaced, in strings and object keys, except free text."""
    if isinstance(value, str):
        return pattern.sub(lambda m: mapping[m.group()], value)
    if isinstance(value, list):
        return [_swap(item, pattern, mapping) for item in value]
    if isinstance(value, dict):
        return {
            _swap(key, pattern, mapping): item if key in FREE_TEXT else _swap(item, pattern, mapping)
            for key, item in value.items()
        }
    return value


def import_classroom(
    data: dict, *, owner=None, renumber: bool = False, create_missing_users: bool = False
) -> Classroom:
    """Creates the classroom of checked classroom-file ``data`` (``read_classroom_file``) in one transaction.

    ``owner`` (a user) replaces the file's owner; ``renumber`` gives the classroom new ids; with
    ``create_missing_users`` the students and staff the file names are created (with no usable password) when
    this site has no user of that name, else each missing one is a problem. An archived classroom's retention
    starts again at the import. Raises ``ClassroomFileError`` and changes nothing when anything stops it.
    """
    problems = site_problems(data, owner=owner, renumber=renumber, create_missing_users=create_missing_users)
    if problems:
        raise ClassroomFileError(problems)
    if renumber:
        data = renumbered(data)
    try:
        with transaction.atomic():
            return _Import(data, owner).run()
    except IntegrityError:
        raise ClassroomFileError(
            [Problem("", "Another classroom took one of this file's ids during the import, so nothing was imported.")]
        ) from None


class _Import:
    def __init__(self, data: dict, owner) -> None:
        self.data = data
        self.room = data["classroom"]
        self.org = data["world"]["organization"]
        self.users = self._users(_named_users(data, owner))
        file_owner = next(s["username"] for s in self.room["staff"] if s["role"] == StaffMember.OWNER)
        self.owner = owner or self.users[file_owner]

    @staticmethod
    def _users(named: dict[str, str]) -> dict:
        model = get_user_model()
        users = {user.username: user for user in model.objects.filter(username__in=named)}
        for name in named.keys() - users.keys():
            users[name] = model.objects.create_user(name, password=None)
        return users

    def run(self) -> Classroom:
        self.classroom = self._classroom()
        self.sections = {
            entry["ou_id"]: Section.objects.create(
                classroom=self.classroom, name=entry["name"], ou_id=entry["ou_id"], position=position
            )
            for position, entry in enumerate(self.room["sections"])
        }
        self._staff()
        self.enrollments = self._students()
        self._guardrails()
        self._log()
        log.record(self.classroom, None, "classroom_imported", students=len(self.enrollments))
        return self.classroom

    def _classroom(self) -> Classroom:
        room, clock = self.room, self.room["clock"]
        archived = room["state"] == Classroom.ARCHIVED
        classroom = Classroom.objects.create(
            name=room["name"],
            description=room.get("description", ""),
            org_id=self.org["id"],
            root_id=self.org["root_id"],
            management_account_id=self.org["management_account"],
            state=room["state"],
            clock_mode=clock["mode"],
            clock_offset=clock["offset"],
            clock_frozen_at=_when(clock["paused_at"]),
            seat_limit=room.get("seat_limit"),
            created_by=self.owner,
            opened_at=_when(room.get("opened_at")),
            closed_at=_when(room.get("closed_at")),
            archived_at=timezone.now() if archived else _when(room.get("archived_at")),
        )
        if room.get("created"):
            Classroom.objects.filter(pk=classroom.pk).update(created=_when(room["created"]))
            classroom.refresh_from_db(fields=["created"])
        return classroom

    def _staff(self) -> None:
        for entry in self.room["staff"]:
            user = self.owner if entry["role"] == StaffMember.OWNER else self.users[entry["username"]]
            if user == self.owner and entry["role"] != StaffMember.OWNER:
                continue  # the new owner keeps only the owner's role
            member = StaffMember.objects.create(classroom=self.classroom, user=user, role=entry["role"])
            member.sections.set([self.sections[ou_id] for ou_id in entry["sections"]])

    def _students(self) -> dict[str, Enrollment]:
        enrollments = []
        for entry in self.room["students"]:
            account_id, settings_ = entry["account_id"], entry["sandbox"]
            user = self.users[entry["username"]]
            sandbox = Sandbox.objects.create(owner=user, kind=Sandbox.CLASSROOM, name=settings_["name"])
            world = {"partition": "aws", "accounts": {account_id: self.data["world"]["accounts"][account_id]}}
            world["accounts"].update(entry["other_accounts"])
            replace_contents(sandbox, world, entry["compute"])
            Sandbox.objects.filter(pk=sandbox.pk).update(
                clock_offset=settings_["clock_offset"],
                clock_frozen_at=_when(settings_["clock_paused_at"]),
                read_only_reason=settings_["read_only_reason"],
            )
            enrollments.append(
                Enrollment(
                    classroom=self.classroom,
                    user=user,
                    section=self.sections.get(entry["section"]),
                    sandbox=sandbox,
                    account_id=account_id,
                    state=entry["state"],
                    clock_extension=entry["clock_extension"],
                    removed_at=_when(entry["removed_at"]),
                )
            )
        Enrollment.objects.bulk_create(enrollments)
        for enrollment, entry in zip(enrollments, self.room["students"], strict=True):
            enrollment.joined = _when(entry["joined"]) or enrollment.joined
        Enrollment.objects.bulk_update(enrollments, ["joined"])  # bulk_update keeps the file's time
        return {e.account_id: e for e in enrollments}

    def _guardrails(self) -> None:
        extras = {(g["kind"], g["name"]): g for g in self.room.get("guardrails", [])}
        rows = []
        for kind, section in ((Guardrail.SCP, "scps"), (Guardrail.RCP, "rcps")):
            for position, policy in enumerate(self.org.get(section) or []):
                extra = extras.get((kind, policy["name"]), {})
                rows.append(
                    Guardrail(
                        classroom=self.classroom,
                        kind=kind,
                        name=policy["name"],
                        description=extra.get("description", ""),
                        document=policy["document"],
                        targets=policy.get("targets") or [],
                        preset=extra.get("preset", ""),
                        position=extra.get("position", position),
                    )
                )
        Guardrail.objects.bulk_create(rows)

    def _log(self) -> None:
        entries = self.room.get("log", [])
        rows = [
            StaffAction(
                classroom=self.classroom,
                actor=self.users.get(entry["actor"]),
                actor_name=entry["actor"],
                action=entry["action"],
                enrollment=self.enrollments.get(entry.get("student")),
                reason=entry.get("reason", ""),
                detail=entry.get("detail", {}),
            )
            for entry in entries
        ]
        StaffAction.objects.bulk_create(rows, batch_size=1000)
        for row, entry in zip(rows, entries, strict=True):
            row.created = _when(entry["time"]) or row.created
        StaffAction.objects.bulk_update(rows, ["created"], batch_size=1000)


def _when(text: str | None) -> datetime | None:
    return parse_datetime(text) if text else None
