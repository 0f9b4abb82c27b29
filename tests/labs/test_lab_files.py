"""The lab files themselves: every correct solution passes every task and every wrong one fails exactly the
tasks it names (applied afresh here, not trusted from the loader); the labs cover steps 1–7, the expert zone
and the three modes. Each step's "Try it" lab is checked in test_try_it.py."""

from __future__ import annotations

import pytest
import yaml

from iamtutor.labs.loader import LABS_DIR
from iamtutor.labs.runner import try_solution

LAB_FILES = sorted(LABS_DIR.glob("*.yaml"))


def _solutions():
    for path in LAB_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for kind in ("correct", "wrong"):
            for index, solution in enumerate(data["solutions"][kind]):
                yield pytest.param(path.stem, kind, index, id=f"{path.stem}-{kind}-{index}-{solution['title']}")


@pytest.mark.parametrize(("key", "kind", "index"), list(_solutions()))
def test_each_solution_passes_or_fails_as_it_says(lab_sources, key, kind, index):
    lab = lab_sources[key]
    solution = [s for s in lab.solutions if s["kind"] == kind][index]
    specs = [task.spec for task in lab.tasks]
    run = try_solution(lab.world, lab.setup, specs, solution["steps"], solution.get("answers"))
    assert run.step_failure is None
    failing = {result.key: result.explanations for result in run.results if not result.passed}
    if kind == "correct":
        assert failing == {}
    else:
        assert set(failing) == set(solution["fails"])
        assert all(lines and all(line.strip() for line in lines) for lines in failing.values())


@pytest.mark.parametrize("key", [path.stem for path in LAB_FILES])
def test_no_lab_is_solved_before_it_starts_and_each_has_three_solutions(lab_sources, key):
    lab = lab_sources[key]
    assert sum(s["kind"] == "correct" for s in lab.solutions) >= 1
    assert sum(s["kind"] == "wrong" for s in lab.solutions) >= 2
    run = try_solution(lab.world, lab.setup, [task.spec for task in lab.tasks], [])
    assert run.failing, "the starting world must not already pass every task"
    assert all(len(task.hints) == 3 and all(task.hints) for task in lab.tasks)


def test_the_labs_cover_the_seven_steps_the_expert_zone_and_the_three_modes(lab_sources):
    labs = lab_sources.values()
    assert len(labs) >= 12
    covered = {step for lab in labs for step in lab.steps}
    assert covered >= {1, 2, 3, 4, 5, 6, 7, "expert"}
    modes = [lab.mode for lab in labs]
    assert modes.count("break-in") >= 2 and modes.count("detective") >= 1 and "guided" in modes
    checks = {check.name for lab in labs for task in lab.tasks for check in task.spec.checks}
    assert checks >= {
        "can_assume",
        "cannot_assume",
        "request_allowed",
        "request_denied",
        "session_max_duration",
        "requires_external_id",
        "trust_not_public",
        "least_privilege",
        "event_exists",
        "session_revoked",
        "answer",
        "reached",
        "can_pass_role",
        "cannot_pass_role",
    }
