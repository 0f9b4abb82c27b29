"""Classroom files: a whole classroom as one JSON document in the world format (docs/classrooms.md, "The
classroom file"), for ``manage.py classroom export|import`` and the archives ``purge_classrooms`` writes.

``export_classroom`` builds the document from the rows. ``read_classroom_file`` parses one and checks it
without touching the database (``filecheck``: every problem, with its path). ``import_classroom`` checks it
against the site (users, ids already taken) and then creates the classroom, its students' member accounts and
its guardrails in one transaction. The file holds no secret: access keys' secrets, STS sessions and audit
events stay behind, as in a sandbox export.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from iamtutor.engine import EngineError
from iamtutor.labs.models import Attempt, HintUse, Lab
from iamtutor.sandbox.models import Sandbox, SandboxAccount
from iamtutor.sandbox.worlds import check_text, parse_json, replace_contents

from . import assignments, ids, log
from .federation import organization_data
from .filecheck import (
    FORMAT,
    VERSION,
    ClassroomFileError,
    Problem,
    check_classroom_file,
    engine_problem,
)
from .guardrails import FULL_AWS_ACCESS, FULL_AWS_ACCESS_NAME
from .models import (
    Assignment,
    AssignmentAttempt,
    Classroom,
    Enrollment,
    Guardrail,
    ResultOverride,
    Section,
    StaffAction,
    StaffMember,
    Vote,
    VoteAnswer,
)

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
        "assignments": _assignment_entries(classroom),
        "votes": _vote_entries(classroom),
    }


def _assignment_entries(classroom: Classroom) -> list[dict]:
    """The assigned labs with their dates and forks, each student's starts of them as grading and the dashboard
    read them (the tally, the latest check run task by task, detective answers, hints revealed, whether its
    world is the one in the account, the partner of a paired lab) and the result overrides with their reasons.
    A fixed number of queries whatever the class size."""
    assigned = list(
        Assignment.objects.filter(classroom=classroom).select_related("lab", "section", "created_by").order_by("pk")
    )
    starts: dict[int, list[AssignmentAttempt]] = {}
    works = (
        AssignmentAttempt.objects.filter(classroom=classroom)
        .select_related("enrollment", "attempt")
        .order_by("assignment_id", "pk")
    )
    for work in works:
        starts.setdefault(work.assignment_id, []).append(work)
    hints: dict[int, list[dict]] = {}
    uses = HintUse.objects.filter(attempt__assignment_link__classroom=classroom).select_related("task")
    for use in uses.order_by("attempt_id", "at", "pk"):
        hints.setdefault(use.attempt_id, []).append({"task": use.task.key, "rung": use.rung, "at": _iso(use.at)})
    overrides: dict[int, list[dict]] = {}
    rows = ResultOverride.objects.filter(classroom=classroom).select_related("enrollment").order_by("pk")
    for row in rows:
        overrides.setdefault(row.assignment_id, []).append(
            {
                "student": row.enrollment.account_id,
                "score": row.score,
                "reason": row.reason,
                "by": row.by_name,
                "time": _iso(row.created),
            }
        )
    return [
        {
            "lab": item.lab.key,
            "section": item.section.ou_id if item.section else None,
            "opens_at": _iso(item.opens_at),
            "due_at": _iso(item.due_at),
            "closes_at": _iso(item.closes_at),
            "world": item.world,
            "created": _iso(item.created),
            "created_by": item.created_by.username if item.created_by else None,
            "starts": [_start_entry(work, hints.get(work.attempt_id, [])) for work in starts.get(item.pk, [])],
            "overrides": overrides.get(item.pk, []),
        }
        for item in assigned
    ]


def _start_entry(work: AssignmentAttempt, hints: list[dict]) -> dict:
    return {
        "student": work.enrollment.account_id,
        "started": _iso(work.started),
        "updated": _iso(work.updated),
        "checks_run": work.checks_run,
        "last_checked": _iso(work.last_checked),
        "tasks_passed": work.tasks_passed,
        "tasks_total": work.tasks_total,
        "passed_at": _iso(work.passed_at),
        "top_rung": work.top_rung,
        "in_account": work.account_row_id is not None,
        "partner": work.partner_account_id or None,
        "result": work.attempt.last_result,
        "answers": work.attempt.answers,
        "hints": hints,
    }


def _vote_entries(classroom: Classroom) -> list[dict]:
    """The class votes with every student's first and second answers (by account id), reasons and whether staff
    hid them."""
    votes = list(Vote.objects.filter(classroom=classroom).select_related("section", "opened_by").order_by("pk"))
    answers: dict[int, list[dict]] = {}
    rows = VoteAnswer.objects.filter(vote__classroom=classroom).select_related("enrollment").order_by("vote_id", "pk")
    for row in rows:
        answers.setdefault(row.vote_id, []).append(
            {
                "student": row.enrollment.account_id,
                "round": row.round,
                "choice": row.choice,
                "confidence": row.confidence,
                "reason": row.rationale,
                "hidden": row.hidden,
                "at": _iso(row.at),
            }
        )
    return [
        {
            "kind": vote.kind,
            "item": vote.item_key,
            "language": vote.language,
            "section": vote.section.ou_id if vote.section else None,
            "section_name": vote.section_name,
            "phase": vote.phase,
            "opened_by": vote.opened_by.username if vote.opened_by else None,
            "opened_at": _iso(vote.opened_at),
            "revealed_at": _iso(vote.revealed_at),
            "closed_at": _iso(vote.closed_at),
            "answers": answers.get(vote.pk, []),
        }
        for vote in votes
    ]


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
        raise ClassroomFileError([engine_problem(err, "")]) from None
    problems = check_classroom_file(data)
    if problems:
        raise ClassroomFileError(problems)
    return data


# ---- import ---------------------------------------------------------------------------------------------------

FREE_TEXT = frozenset(
    {"username", "name", "description", "reason", "actor", "preset", "by", "created_by", "opened_by", "section_name"}
)


def site_problems(
    data: dict, *, owner=None, renumber: bool = False, create_missing_users: bool = False
) -> list[Problem]:
    """What stops checked classroom-file ``data`` from being imported on this site: users it names that do not
    exist (unless they are to be created), ids another classroom already uses (unless renumbering), and labs
    the assignments name that this site does not have (or whose tasks or starting world do not fit)."""
    problems = [] if create_missing_users else _missing_users(data, owner)
    if not renumber:
        problems += _taken_ids(data)
    problems += _lab_problems(data)
    return problems


def _lab_problems(data: dict) -> list[Problem]:
    """Each assignment's lab must be loaded here (not retired); the hints recorded must name its tasks; a forked
    world must suit it as the assignment's editor requires (its setup runs, its checks find what they name)."""
    entries = data["classroom"].get("assignments") or []
    labs = {lab.key: lab for lab in Lab.objects.filter(key__in={e["lab"] for e in entries}).prefetch_related("tasks")}
    problems = []
    for i, entry in enumerate(entries):
        path = f"classroom.assignments[{i}]"
        lab = labs.get(entry["lab"])
        if lab is None or lab.retired:
            problems.append(
                Problem(f"{path}.lab", f"There is no lab {entry['lab']!r} on this site: load it (load_labs) first.")
            )
            continue
        tasks = {task.key for task in lab.tasks.all()}
        for j, start in enumerate(entry["starts"]):
            for k, hint in enumerate(start["hints"]):
                if hint["task"] not in tasks:
                    problems.append(
                        Problem(
                            f"{path}.starts[{j}].hints[{k}].task", f"The lab {lab.key} has no task {hint['task']!r}."
                        )
                    )
        if entry.get("world") is not None:
            text = json.dumps(entry["world"], indent=2)
            for _line, message in assignments.lab_world_problems(lab, entry["world"], text):
                problems.append(Problem(f"{path}.world", message))
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
        self._known: dict = {}

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
        self._assignments()
        self._votes()
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
                if (kind, policy["name"]) not in extras and _aws_full_access(kind, policy):
                    continue  # AWS's own FullAWSAccess, which the export adds beside the guardrails: not one of them
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

    def _assignments(self) -> None:
        """The assignments, each student's starts of them (a lab attempt in their account, its tally, hints and
        answers), and the overrides; a start marked in the account holds the student's own-account row."""
        entries = self.room.get("assignments") or []
        labs = {
            lab.key: lab for lab in Lab.objects.filter(key__in={e["lab"] for e in entries}).prefetch_related("tasks")
        }
        own_rows = dict(
            SandboxAccount.objects.filter(
                sandbox_id__in=[e.sandbox_id for e in self.enrollments.values()], is_learners=True
            ).values_list("sandbox_id", "pk")
        )
        for entry in entries:
            lab = labs[entry["lab"]]
            tasks = {task.key: task for task in lab.tasks.all()}
            item = Assignment.objects.create(
                classroom=self.classroom,
                lab=lab,
                section=self.sections.get(entry["section"]),
                opens_at=_when(entry["opens_at"]),
                due_at=_when(entry["due_at"]),
                closes_at=_when(entry["closes_at"]),
                world=entry.get("world"),
                created_by=self.known_user(entry.get("created_by")),
            )
            if entry.get("created"):
                Assignment.objects.filter(pk=item.pk).update(created=_when(entry["created"]))
            for start in entry["starts"]:
                self._start(item, lab, tasks, start, own_rows)
            overrides = [
                ResultOverride(
                    classroom=self.classroom,
                    assignment=item,
                    enrollment=self.enrollments[row["student"]],
                    score=row["score"],
                    reason=row["reason"],
                    by=self.known_user(row["by"]),
                    by_name=row["by"],
                    created=_when(row["time"]),
                )
                for row in entry["overrides"]
            ]
            ResultOverride.objects.bulk_create(overrides, batch_size=1000)

    def _start(self, item: Assignment, lab: Lab, tasks: dict, start: dict, own_rows: dict) -> None:
        enrollment = self.enrollments[start["student"]]
        attempt = Attempt.objects.create(
            lab=lab,
            sandbox_id=enrollment.sandbox_id,
            user=enrollment.user,
            started=_when(start["started"]),
            passed_at=_when(start["passed_at"]),
            checks_run=start["checks_run"],
            last_checked=_when(start["last_checked"]),
            last_result=start["result"],
            answers=start["answers"],
        )
        AssignmentAttempt.objects.create(
            classroom=self.classroom,
            assignment=item,
            enrollment=enrollment,
            attempt=attempt,
            started=_when(start["started"]),
            updated=_when(start["updated"]),
            checks_run=start["checks_run"],
            last_checked=_when(start["last_checked"]),
            tasks_passed=start["tasks_passed"],
            tasks_total=start["tasks_total"],
            passed_at=_when(start["passed_at"]),
            top_rung=start["top_rung"],
            account_row_id=own_rows.get(enrollment.sandbox_id) if start["in_account"] else None,
            partner_account_id=start["partner"] or "",
        )
        HintUse.objects.bulk_create(
            HintUse(attempt=attempt, task=tasks[hint["task"]], rung=hint["rung"], at=_when(hint["at"]))
            for hint in start["hints"]
        )

    def _votes(self) -> None:
        for entry in self.room.get("votes") or []:
            vote = Vote.objects.create(
                classroom=self.classroom,
                section=self.sections.get(entry["section"]),
                section_name=entry["section_name"],
                kind=entry["kind"],
                item_key=entry["item"],
                language=entry["language"],
                phase=entry["phase"],
                opened_by=self.known_user(entry["opened_by"]),
                revealed_at=_when(entry["revealed_at"]),
                closed_at=_when(entry["closed_at"]),
            )
            if entry["opened_at"]:
                Vote.objects.filter(pk=vote.pk).update(opened_at=_when(entry["opened_at"]))
            rows = [
                VoteAnswer(
                    vote=vote,
                    enrollment=self.enrollments[answer["student"]],
                    round=answer["round"],
                    choice=answer["choice"],
                    confidence=answer["confidence"],
                    rationale=answer["reason"],
                    hidden=answer["hidden"],
                )
                for answer in entry["answers"]
            ]
            VoteAnswer.objects.bulk_create(rows, batch_size=1000)
            for row, answer in zip(rows, entry["answers"], strict=True):
                row.at = _when(answer["at"]) or row.at
            VoteAnswer.objects.bulk_update(rows, ["at"], batch_size=1000)  # keeps the file's time (no auto_now)

    def known_user(self, name: str | None):
        """The user of this site called ``name`` (one the file names as an actor, not created for it), or None."""
        if not name:
            return None
        if name not in self._known:
            self._known[name] = self.users.get(name) or get_user_model().objects.filter(username=name).first()
        return self._known[name]


def _when(text: str | None) -> datetime | None:
    return parse_datetime(text) if text else None


def _aws_full_access(kind: str, policy: dict) -> bool:
    """Whether an SCP of the file's organization is the FullAWSAccess that ``guardrails.organization_policies``
    attaches beside the guardrails, as AWS does (it is computed again from the guardrails, never stored)."""
    return kind == Guardrail.SCP and policy["name"] == FULL_AWS_ACCESS_NAME and policy["document"] == FULL_AWS_ACCESS
