"""Reading and checking the lab files of ``lessons/content/labs/`` before anything is stored.

One file per lab, YAML or JSON (``<id>.yaml``; the schema is in ``lessons/content/README.md``, "Labs"). Every
file is checked as a whole, in this order, and the first problem raises ``ContentError`` naming the file and
line:

1. the fields (id, title, steps, mode, brief, tasks with their checks and hint ladders, solutions, and
   ``try_it``: the lesson step whose "Try it" this lab is);
2. the world and its compute section, exactly as the sandbox will validate them when a learner starts the lab;
3. the setup steps, run on the starting world (they must do what they say);
4. every user, role and session a check names exists in that world, and every detective question has one
   answer in the prepared audit trail;
5. the lab is not already solved on its starting world;
6. every correct solution passes every task, and every wrong one fails exactly the tasks it says it fails.

``read_labs`` also checks the labs together: ids are unique, and no two labs are the "Try it" of one step.

Nothing here touches the database: ``store.py`` saves what ``read_labs`` returns, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from iamtutor.engine import (
    CheckError,
    EngineError,
    Trail,
    World,
    check_steps,
    parse_arn,
    parse_checks,
)
from iamtutor.sandbox.worlds import validate_contents
from lessons.content import CONTENT_DIR, ContentError
from lessons.yamlfile import Located, line_of, read_text

from .runner import SetupFailed, TaskSpec, decide, starter, starting_world, try_solution

LABS_DIR = CONTENT_DIR / "labs"
REPOSITORY = CONTENT_DIR.parent.parent
MODES = ("guided", "break-in", "detective")
EXPERT = "expert"
_FIELDS = {"id", "title", "steps", "mode", "brief", "world", "compute", "setup", "tasks", "solutions", "try_it"}
BUILD_UP_STEPS = range(1, 8)  # the lesson's seven build-up steps: each has one lab as its "Try it"
_TASK_FIELDS = {"id", "text", "check", "hints"}
_HINT_RUNGS = ("nudge", "pointer", "answer")
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class TaskSource:
    """One task as read: its text, its check definitions (kept as written) and their parsed form, its hints."""

    key: str
    text: str
    checks: list
    spec: TaskSpec
    hints: tuple[str, str, str]


@dataclass(frozen=True)
class LabSource:
    """One lab file, checked: the fields ``store.py`` saves."""

    key: str
    title: str
    steps: list
    mode: str
    brief: str
    world: dict
    compute: dict
    setup: list
    tasks: tuple[TaskSource, ...]
    path: str
    sha256: str
    solutions: tuple[dict, ...] = ()  # {kind: correct|wrong, title, steps, answers, fails}, each already tried
    try_it: int | None = None  # the build-up step (1–7) whose "Try it" this lab is
    try_it_line: int = 1  # where the file says so, for the error when two labs claim one step

    @property
    def first_step(self) -> int:
        numbers = [step for step in self.steps if isinstance(step, int)]
        return min(numbers) if numbers else 8

    @property
    def uses_trail(self) -> bool:
        return any(c.name in ("event_exists", "answer", "reached") for t in self.tasks for c in t.spec.checks)


def read_labs(folder: Path = LABS_DIR) -> list[LabSource]:
    """Every lab file under ``folder``, checked; raises ``ContentError`` at the first problem of any file."""
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json")) if folder.is_dir() else []
    labs: list[LabSource] = []
    seen: dict[str, Path] = {}
    try_its: dict[int, Path] = {}
    for path in paths:
        lab = read_lab(path)
        if lab.key in seen:
            raise ContentError(path, 1, f"the lab id {lab.key!r} is already used by {seen[lab.key].name}")
        seen[lab.key] = path
        if lab.try_it is not None:
            if lab.try_it in try_its:
                other = try_its[lab.try_it].name
                message = f"step {lab.try_it} already has its Try it lab ({other}); a step has at most one"
                raise ContentError(path, lab.try_it_line, message)
            try_its[lab.try_it] = path
        labs.append(lab)
    return labs


def read_lab(path: Path) -> LabSource:
    """One lab file, checked as the module docstring lists; raises ``ContentError`` with file and line."""
    raw = read_text(path)
    data = _plain(_load(path, raw), path)
    if not isinstance(data, Located):
        raise ContentError(path, 1, "a lab file is a mapping: id, title, steps, mode, brief, world, tasks, solutions")
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise ContentError(path, _line(data, unknown[0]), f"unknown field {unknown[0]!r} (fields: {_list(_FIELDS)})")
    key = _key(path, data)
    mode = _choice(path, data, "mode", MODES)
    steps = _lesson_steps(path, data)
    try_it = _try_it(path, data, steps)
    world, compute = _world(path, data)
    tasks = _tasks(path, data)
    _check_mode(path, data, mode, tasks)
    setup = _steps(path, data, data.get("setup", []), "setup", setup=True)
    prepared = _prepare(path, data, world, setup)
    _check_references(path, data, tasks, prepared)
    specs = [task.spec for task in tasks]
    if all(result.passed for result in decide(specs, prepared, start=starter(world, setup))):
        raise ContentError(path, _line(data, "tasks"), "every task already passes on the starting world")
    solutions = _check_solutions(path, data, world, setup, tasks)
    return LabSource(
        key=key,
        title=_text(path, data, "title"),
        steps=steps,
        mode=mode,
        brief=_text(path, data, "brief"),
        world=world,
        compute=compute,
        setup=setup,
        tasks=tuple(tasks),
        path=str(path.relative_to(REPOSITORY)) if path.is_relative_to(REPOSITORY) else str(path),
        sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        solutions=solutions,
        try_it=try_it,
        try_it_line=_line(data, "try_it"),
    )


# ---- reading fields ----------------------------------------------------------------------------------------------


class _LabLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose mappings are ``Located`` and also remember the line of each of their keys."""


def _construct_mapping(loader: _LabLoader, node: yaml.MappingNode) -> Located:
    mapping = Located(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        key.value: key.start_mark.line + 1 for key, _ in node.value if isinstance(key, yaml.ScalarNode)
    }
    return mapping


_LabLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load(path: Path, text: str) -> object:
    """The file's data (safe YAML, which also reads JSON); a syntax error names its line."""
    try:
        return yaml.load(text, Loader=_LabLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(path, mark.line + 1 if mark else 1, f"is not valid YAML or JSON ({problem})") from None


def _plain(value: object, path: Path, line: int = 1) -> object:
    """The file's data with YAML's surprises undone: dates and times become ISO-8601 text (as the world format
    writes them), and a mapping key that YAML read as a number (an unquoted account id) is refused."""
    if isinstance(value, dict):
        here = line_of(value, line)
        result = Located()
        result.line = here
        result.key_lines = getattr(value, "key_lines", {})
        for key, item in value.items():
            if not isinstance(key, str):
                message = f"the key {key!r} must be quoted text: YAML reads an unquoted 111111111111 as a number"
                raise ContentError(path, here, message)
            result[key] = _plain(item, path, here)
        return result
    if isinstance(value, list):
        return [_plain(item, path, line) for item in value]
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def line_at(root: object, json_path: str | None) -> int:
    """The line of the deepest key or list item on ``json_path`` (``tasks[2].check[0].can_assume``) in ``root``."""
    node, line = root, line_of(root)
    for index, key in re.findall(r"\[(\d+)\]|([^.\[\]]+)", (json_path or "").removeprefix("$")):
        if index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
            line = line_of(node, line)
        elif key and isinstance(node, dict) and key in node:
            line = getattr(node, "key_lines", {}).get(key, line)
            node = node[key]
        else:
            break
    return line


def _line(data: Located, key: str) -> int:
    return line_at(data, key)


def _list(names) -> str:
    return ", ".join(sorted(names))


def _text(path: Path, item: Mapping, name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, line_at(item, name), f"the field {name!r} must be non-empty text")
    return value.strip()


def _key(path: Path, data: Located) -> str:
    key = data.get("id")
    if not isinstance(key, str) or not _KEY.fullmatch(key) or len(key) > 80:
        raise ContentError(path, _line(data, "id"), "the id must be lower-case words joined by hyphens (fix-trust)")
    if key != path.stem:
        raise ContentError(path, _line(data, "id"), f"the id {key!r} must match the file name ({path.stem})")
    return key


def _choice(path: Path, data: Located, name: str, options: tuple[str, ...]) -> str:
    value = data.get(name)
    if value not in options:
        raise ContentError(path, _line(data, name), f"the field {name!r} must be one of {', '.join(options)}")
    return value


def _lesson_steps(path: Path, data: Located) -> list:
    steps = data.get("steps")
    steps = steps if isinstance(steps, list) else [steps]
    good = steps and all((isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 7) or s == EXPERT for s in steps)
    if not good:
        raise ContentError(path, _line(data, "steps"), 'steps lists lesson steps 1 to 7 and/or "expert"')
    return list(dict.fromkeys(steps))


def _try_it(path: Path, data: Located, steps: list) -> int | None:
    """The build-up step whose "Try it" the lab is (``try_it: 3``), or None; it must be one of the lab's steps."""
    if "try_it" not in data:
        return None
    step = data["try_it"]
    if isinstance(step, bool) or not isinstance(step, int) or step not in BUILD_UP_STEPS:
        raise ContentError(path, _line(data, "try_it"), f"try_it is a build-up step number from 1 to 7, not {step!r}")
    if step not in steps:
        listed = ", ".join(str(s) for s in steps)
        raise ContentError(path, _line(data, "try_it"), f"try_it: {step} must be one of the lab's steps ({listed})")
    return step


def _world(path: Path, data: Located) -> tuple[dict, dict]:
    world, compute = data.get("world"), data.get("compute", {})
    if not isinstance(world, dict):
        raise ContentError(path, _line(data, "world"), "the lab needs a world (world format, docs/world-format.md)")
    if not isinstance(compute, dict):
        raise ContentError(path, _line(data, "compute"), "compute is a mapping of account ids to functions/instances")
    try:
        validate_contents(world, compute)
    except EngineError as err:
        root = err.json_path or ""
        where = root if root.startswith("compute") else f"world.{root}" if root else "world"
        message = f"the world is refused: {err.code}: {err.message} ({root})"
        raise ContentError(path, line_at(data, where), message) from None
    return _json(world), _json(compute)


def _json(value: object) -> Any:
    """Plain dicts and lists (no ``Located``) for storing."""
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


def _tasks(path: Path, data: Located) -> list[TaskSource]:
    tasks = data.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise ContentError(path, _line(data, "tasks"), "the lab needs a list of tasks")
    found: list[TaskSource] = []
    seen: set[str] = set()
    for index, task in enumerate(tasks):
        where = f"tasks[{index}]"
        if not isinstance(task, Located):
            raise ContentError(
                path, _line(data, "tasks"), f"task {index + 1} must be a mapping: id, text, check, hints"
            )
        unknown = sorted(str(k) for k in task if k not in _TASK_FIELDS)
        if unknown:
            raise ContentError(
                path, line_at(task, unknown[0]), f"a task has no field {unknown[0]!r} (fields: {_list(_TASK_FIELDS)})"
            )
        key = task.get("id")
        if not isinstance(key, str) or not _KEY.fullmatch(key) or key in seen:
            raise ContentError(
                path, line_at(task, "id"), "each task needs an id of its own (lower-case words and hyphens)"
            )
        seen.add(key)
        try:
            checks = parse_checks(_json(task.get("check")), f"{where}.check")
        except CheckError as err:
            raise ContentError(path, line_at(data, err.json_path), f"{err.message} (at {err.json_path})") from None
        text = _text(path, task, "text")
        found.append(TaskSource(key, text, _json(task["check"]), TaskSpec(key, checks), _hints(path, task)))
    return found


def _hints(path: Path, task: Located) -> tuple[str, str, str]:
    hints = task.get("hints")
    if not isinstance(hints, dict) or set(hints) != set(_HINT_RUNGS):
        raise ContentError(path, line_at(task, "hints"), "hints are a nudge, a pointer and an answer")
    return tuple(_text(path, hints, rung) for rung in _HINT_RUNGS)  # type: ignore[return-value]


def _check_mode(path: Path, data: Located, mode: str, tasks: list[TaskSource]) -> None:
    names = {check.name for task in tasks for check in task.spec.checks}
    if mode == "break-in" and "reached" not in names:
        raise ContentError(path, _line(data, "mode"), "a break-in lab needs a task with a 'reached' check")
    if mode == "detective" and "answer" not in names:
        raise ContentError(path, _line(data, "mode"), "a detective lab needs a question: a task with an 'answer' check")


def _steps(path: Path, data: Located, steps: object, where: str, *, setup: bool = False) -> list:
    try:
        return _json(check_steps(steps, where, setup=setup))
    except CheckError as err:
        raise ContentError(path, line_at(data, err.json_path), f"{err.message} (at {err.json_path})") from None


def _prepare(path: Path, data: Located, world: dict, setup: list) -> World:
    try:
        return starting_world(world, setup)
    except SetupFailed as failed:
        message = f"this setup step fails: {failed.reason}"
        raise ContentError(path, line_at(data, f"setup[{failed.index}]"), message) from None
    except EngineError as err:
        raise ContentError(path, _line(data, "world"), f"the world does not load: {err}") from None


# ---- checking the lab against its world --------------------------------------------------------------------------


def _check_references(path: Path, data: Located, tasks: list[TaskSource], world: World) -> None:
    trail = Trail(world.events)
    for task in tasks:
        for check in task.spec.checks:
            for where, arn in check.principals():
                if not _exists(world, arn):
                    raise ContentError(path, line_at(data, where), f"the lab's world has no {arn}")
            if check.name == "session_revoked":
                session = check.args["session"]
                if not any(s.arn == session for s in world.sessions.values()):
                    raise ContentError(path, line_at(data, check.where), f"no session {session} exists after the setup")
            if check.name == "answer":
                answers = trail.answers(check.args["kind"], check.args["event"])
                if len(answers) != 1:
                    found = "no event" if not answers else f"{len(answers)} different answers"
                    message = f"the prepared audit trail gives {found} for this question; it must give exactly one"
                    raise ContentError(path, line_at(data, check.where), message)


def _exists(world: World, ref: str) -> bool:
    if ref.startswith("service:") or ref == "anonymous":
        return True
    if ref.startswith("web_identity:"):
        provider = ref.removeprefix("web_identity:")
        arn = parse_arn(provider)
        account = world.accounts.get(arn.account) if arn else None
        return account is not None and provider in account.providers
    arn = parse_arn(ref)
    if arn is None:
        return False
    if arn.resource == "root":
        return arn.account in world.accounts
    return (world.find_role(ref) if arn.resource_type == "role" else world.find_user(ref)) is not None


def _check_solutions(path: Path, data: Located, world: dict, setup: list, tasks: list[TaskSource]) -> tuple[dict, ...]:
    solutions = data.get("solutions")
    if not isinstance(solutions, dict) or set(solutions) - {"correct", "wrong"}:
        raise ContentError(path, _line(data, "solutions"), "solutions has a list 'correct' and a list 'wrong'")
    correct, wrong = solutions.get("correct"), solutions.get("wrong")
    if not isinstance(correct, list) or not correct or not isinstance(wrong, list) or len(wrong) < 2:
        raise ContentError(path, _line(data, "solutions"), "a lab needs at least one correct and two wrong solutions")
    keys = [task.key for task in tasks]
    specs = [task.spec for task in tasks]
    answerable = {task.key for task in tasks if task.spec.takes_answer}
    found = []
    for kind, items in (("correct", correct), ("wrong", wrong)):
        for index, solution in enumerate(items):
            where = f"solutions.{kind}[{index}]"
            title = solution.get("title") if isinstance(solution, dict) else None
            title = title if isinstance(title, str) and title else f"{kind} solution {index + 1}"
            _check_solution(path, data, where, kind, title, solution, world, setup, specs, keys, answerable)
            found.append({"kind": kind, "title": title, **_json(solution)})
    return tuple(found)


def _check_solution(
    path: Path,
    data: Located,
    where: str,
    kind: str,
    title: str,
    solution: object,
    world: dict,
    setup: list,
    specs: list[TaskSpec],
    keys: list[str],
    answerable: set[str],
) -> None:
    line = line_at(data, where)
    allowed = {"title", "steps", "answers"} | ({"fails"} if kind == "wrong" else set())
    if not isinstance(solution, dict) or set(solution) - allowed or "steps" not in solution:
        raise ContentError(path, line, f"a {kind} solution has {', '.join(sorted(allowed))} (steps required)")
    steps = _steps(path, data, solution["steps"], f"{where}.steps")
    answers = solution.get("answers") or {}
    if (
        not isinstance(answers, dict)
        or set(answers) - answerable
        or not all(isinstance(v, str) for v in answers.values())
    ):
        raise ContentError(path, line, f"answers are text for the questions {_list(answerable) or '(none)'}")
    run = try_solution(world, setup, specs, steps, answers)
    if run.step_failure is not None:
        index, reason = run.step_failure
        raise ContentError(path, line_at(data, f"{where}.steps[{index}]"), f"{title!r}: this step fails: {reason}")
    failing = run.failing
    if kind == "correct" and failing:
        first = next(r for r in run.results if not r.passed)
        message = f"the correct solution {title!r} fails the task {first.key!r}: {' '.join(first.explanations)}"
        raise ContentError(path, line, message)
    if kind == "wrong":
        expected = solution.get("fails")
        if not isinstance(expected, list) or not expected or set(expected) - set(keys):
            raise ContentError(path, line, f"a wrong solution lists the tasks it fails: fails: [{', '.join(keys)}]")
        if failing != set(expected):
            detail = "; ".join(
                f"{r.key} {'fails' if not r.passed else 'passes'} ({' '.join(r.explanations)})"
                for r in run.results
                if (r.key in expected) == r.passed
            )
            raise ContentError(path, line, f"the wrong solution {title!r} should fail exactly {expected}: {detail}")
