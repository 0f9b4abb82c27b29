"""The lab files themselves: every correct solution passes every task and every wrong one fails exactly the
tasks it names (applied afresh here, not trusted from the loader); the labs cover steps 1–7, the expert zone
and the three modes; each lesson try-it world became a lab."""

from __future__ import annotations

import json

import pytest
import yaml

from iamtutor.engine import apply_steps, normalise_scenario, run_steps
from iamtutor.labs.loader import LABS_DIR
from iamtutor.labs.runner import starting_world, try_solution
from lessons.content import CONTENT_DIR

LAB_FILES = sorted(LABS_DIR.glob("*.yaml"))
# The lessons' try-it worlds and the labs they became (same world, task and check, a stricter check added).
TRYIT_LABS = {
    1: "give-alice-read-access",
    2: "make-the-role-useful",
    3: "fix-the-trust-policy",
    4: "a-longer-session",
    5: "let-the-partner-in",
    6: "fix-the-execution-role",
    7: "chain-deploy-to-analyst",
}


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


@pytest.mark.parametrize(("step", "key"), TRYIT_LABS.items())
def test_each_try_it_world_became_a_lab_with_the_same_roles_and_task(lab_sources, step, key):
    tryit = json.loads((CONTENT_DIR / "tryit" / f"step-{step}.json").read_text(encoding="utf-8"))
    lab = lab_sources[key]
    for account_id, account in tryit["world"]["accounts"].items():
        lab_account = lab.world["accounts"][account_id]
        assert {u["UserName"] for u in account.get("UserDetailList", [])} <= {
            u["UserName"] for u in lab_account.get("UserDetailList", [])
        }
        lab_roles = {r["RoleName"]: r for r in lab_account.get("RoleDetailList", [])}
        for role in account.get("RoleDetailList", []):
            stored = lab_roles[role["RoleName"]]
            for field in ("AssumeRolePolicyDocument", "RolePolicyList", "MaxSessionDuration"):
                assert stored.get(field) == role.get(field), (role["RoleName"], field)
    # The try-it's own check passes on the lab's world once the lab's first correct solution is applied.
    world = starting_world(lab.world, lab.setup)
    correct = next(s for s in lab.solutions if s["kind"] == "correct")
    assert not any(outcome.failures for outcome in apply_steps(world, correct["steps"]))
    steps = normalise_scenario({"world": {"accounts": {}}, "steps": tryit["check"]})["steps"]
    assert all(not outcome.failures for outcome in run_steps(world, steps))
