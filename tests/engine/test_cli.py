"""The command line of world-format.md: ``simulate``, ``validate``, ``bench``, their output and exit codes.

Exit codes: 0 success, 1 failed expectations / invalid policy / a world that fails to load, 2 usage errors.
Most tests call ``cli.main`` in-process; one runs the real ``python -m iamtutor.engine``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iamtutor.engine import cli

ROOT = Path(__file__).resolve().parents[2]
ALICE = "arn:aws:iam::111111111111:user/alice"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: object, name: str = "scenario.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def small_world(**alice: object) -> dict:
    user = {"UserName": "alice", "Path": "/", "Arn": ALICE, **alice}
    return {"clock": "2026-01-01T09:00:00Z", "accounts": {"111111111111": {"UserDetailList": [user]}}}


READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def scenario(*steps: dict, **alice: object) -> dict:
    return {"name": "cli test", "source": "test", "world": small_world(**alice), "steps": list(steps)}


def get(expect: dict | None = None, title: str = "alice reads") -> dict:
    step = {"op": "request", "title": title, "caller": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
    if expect is not None:
        step["expect"] = expect
    return step


# ---- usage errors: exit 2 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["fly"],
        ["simulate"],
        ["validate", "p.json"],
        ["validate", "p.json", "--type", "bucket"],
        ["simulate", "a.json", "--frobnicate"],
        ["bench", "extra"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert "usage:" in err
    assert out == ""


# ---- simulate ------------------------------------------------------------------------------------------------------


def test_simulate_prints_one_result_per_step(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        scenario(
            get(),
            {"op": "advance_clock", "seconds": 60},
            get(title="again"),
            UserPolicyList=[{"PolicyName": "read", "PolicyDocument": READ}],
        ),
    )
    code, out, _ = run("simulate", path)
    assert code == 0
    results = json.loads(out)
    assert [r["ok"] for r in results] == [True, True, True]
    assert results[0]["decision"] == "allowed"
    assert results[1] == {"clock": "2026-01-01T09:01:00Z", "ok": True}


def test_simulate_output_is_stable_and_sorted(tmp_path: Path) -> None:
    path = write(tmp_path, scenario(get()))
    first, second = run("simulate", path)[1], run("simulate", path)[1]
    assert first == second
    keys = list(json.loads(first)[0])
    assert keys == sorted(keys)


def test_simulate_of_a_bare_world_prints_an_empty_array(tmp_path: Path) -> None:
    code, out, _ = run("simulate", write(tmp_path, small_world()))
    assert (code, json.loads(out)) == (0, [])


def test_simulate_reports_a_world_that_fails_to_load(tmp_path: Path) -> None:
    # world-format.md: print the error (code, message, path) and exit 1, never a traceback.
    bad = {"PolicyName": "p", "PolicyDocument": {**READ, "Statement": [{**READ["Statement"][0], "Principal": "*"}]}}
    code, out, err = run("simulate", write(tmp_path, scenario(get(), UserPolicyList=[bad])))
    assert code == 1
    assert out == ""
    assert "MalformedPolicyDocument" in err
    assert "Policy document should not specify a principal." in err
    assert "UserDetailList[0]" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("content", ["{not json", "[]", '{"world": {}, "steps": [{"op": "fly"}]}', "\udcff"])
def test_simulate_of_an_unreadable_scenario_exits_1(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    code, out, err = run("simulate", str(path))
    assert code == 1
    assert out == ""
    assert err.strip()


def test_simulate_of_a_missing_file_exits_1(tmp_path: Path) -> None:
    code, _, err = run("simulate", str(tmp_path / "nope.json"))
    assert code == 1
    assert "Cannot read the file" in err


def test_step_errors_are_results_not_crashes(tmp_path: Path) -> None:
    step = {"op": "request", "caller": "ASIAZZZZZZZZZZZZZZZZ", "action": "s3:GetObject", "resource": "*"}
    code, out, _ = run("simulate", write(tmp_path, scenario(step)))
    assert code == 0
    assert json.loads(out)[0]["ok"] is False
    assert json.loads(out)[0]["error"]["code"] == "InvalidClientTokenId"


# ---- simulate --check ----------------------------------------------------------------------------------------------


def test_check_passes_when_every_expectation_holds(tmp_path: Path) -> None:
    path = write(tmp_path, scenario(get({"decision": "implicitDeny"})))
    code, out, _ = run("simulate", path, "--check")
    assert code == 0
    assert out == "ok: cli test (1 step(s))\n"


def test_check_prints_each_failure_with_index_and_title(tmp_path: Path) -> None:
    steps = [
        get({"decision": "implicitDeny"}, "first"),
        get({"decision": "allowed"}, "second"),
        get({"ok": True, "reason": "nope"}, "third"),
    ]
    path = write(tmp_path, scenario(*steps))
    code, out, _ = run("simulate", path, "--check")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f'{path}: step 1 (second): $.decision: expected "allowed", got "implicitDeny"'
    assert lines[1].startswith(f'{path}: step 2 (third): $.reason: expected "nope"')
    assert len(lines) == 2


def test_check_accepts_a_matching_load_error(tmp_path: Path) -> None:
    data = {
        "name": "bad trust",
        "world": {
            "accounts": {
                "111111111111": {
                    "RoleDetailList": [
                        {
                            "RoleName": "R",
                            "Arn": "arn:aws:iam::111111111111:role/R",
                            "AssumeRolePolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Principal": {"AWS": "*"},
                                        "Action": "sts:AssumeRole",
                                        "Resource": "*",
                                    }
                                ],
                            },
                        }
                    ]
                }
            }
        },
        "expect_load_error": {"code": "MalformedPolicyDocument"},
    }
    assert run("simulate", write(tmp_path, data), "--check")[:2] == (0, "ok: bad trust (expected load error)\n")
    data["expect_load_error"] = {"code": "InvalidWorld"}
    code, out, _ = run("simulate", write(tmp_path, data), "--check")
    assert code == 1
    assert 'load error $.code: expected "InvalidWorld", got "MalformedPolicyDocument"' in out


def test_check_fails_when_an_expected_load_error_does_not_happen(tmp_path: Path) -> None:
    data = {"name": "fine", "world": small_world(), "expect_load_error": {"code": "MalformedPolicyDocument"}}
    code, out, _ = run("simulate", write(tmp_path, data), "--check")
    assert code == 1
    assert "a load error was expected" in out


def test_check_fails_on_an_unexpected_load_error(tmp_path: Path) -> None:
    data = {"name": "broken", "world": {"accounts": {"1": {}}}, "steps": []}
    code, out, _ = run("simulate", write(tmp_path, data), "--check")
    assert code == 1
    assert "the world failed to load" in out


def test_step_ids_stand_for_the_credentials_they_issued(tmp_path: Path) -> None:
    # world-format.md: a later step's caller may be an earlier step's id.
    world = small_world()
    world["accounts"]["111111111111"]["RoleDetailList"] = [
        {
            "RoleName": "R",
            "Arn": "arn:aws:iam::111111111111:role/R",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
            },
        }
    ]
    steps = [
        {
            "op": "assume_role",
            "id": "s1",
            "caller": ALICE,
            "role_arn": "arn:aws:iam::111111111111:role/R",
            "session_name": "one",
            "expect": {"ok": True},
        },
        {
            "op": "get_caller_identity",
            "caller": "s1",
            "expect": {"Arn": "arn:aws:sts::111111111111:assumed-role/R/one"},
        },
    ]
    code, out, _ = run("simulate", write(tmp_path, {"name": "ids", "world": world, "steps": steps}), "--check")
    assert (code, out) == (0, "ok: ids (2 step(s))\n")


# ---- validate ------------------------------------------------------------------------------------------------------


def test_validate_a_valid_policy(tmp_path: Path) -> None:
    code, out, _ = run("validate", write(tmp_path, READ, "p.json"), "--type", "identity")
    report = json.loads(out)
    assert code == 0
    assert report["valid"] is True
    assert report["problems"] == []
    assert isinstance(report["findings"], list)


def test_validate_reports_problems_with_location(tmp_path: Path) -> None:
    # §1.8 OBS (H): a trust policy may not carry Resource.
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},\n'
        '    "Action": "sts:AssumeRole", "Resource": "*"}]\n}\n'
    )
    code, out, _ = run("validate", write(tmp_path, text, "t.json"), "--type", "trust")
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False
    problem = report["problems"][0]
    assert problem["code"] == "MalformedPolicyDocument"
    assert problem["message"] == "Has prohibited field Resource"
    assert problem["path"].startswith("$.Statement[0]")
    assert problem["line"] == 4


@pytest.mark.parametrize("kind", cli.POLICY_TYPES)
def test_validate_accepts_every_policy_type(tmp_path: Path, kind: str) -> None:
    code, out, _ = run("validate", write(tmp_path, "{}", "p.json"), "--type", kind)
    assert code == 1
    assert json.loads(out)["problems"][0]["code"] == "MalformedPolicyDocument"


def test_validate_managed_requires_version_2012(tmp_path: Path) -> None:
    # §1.2 MOTO-PV (H).
    doc = {"Statement": READ["Statement"]}
    code, out, _ = run("validate", write(tmp_path, doc, "p.json"), "--type", "identity", "--managed")
    assert code == 1
    assert json.loads(out)["problems"][0]["message"] == "Policy document must be version 2012-10-17 or greater."


def test_validate_of_a_missing_file_exits_1(tmp_path: Path) -> None:
    assert run("validate", str(tmp_path / "none.json"), "--type", "identity")[0] == 1


# ---- bench ----------------------------------------------------------------------------------------------------------


def test_bench_quick_json_reports_every_measure() -> None:
    code, out, _ = run("bench", "--quick", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["quick"] is True
    assert data["decisions"]["decisions_per_second"] > 0
    assert data["load"]["peak_mb"] > 0
    assert data["hostile_wildcard"]["matched"] is False
    assert set(data["simulate"]["share"]) == {"loading", "deciding", "printing"}
    assert data["simulate"]["steps_per_second"] > 0
    assert data["simulate"]["target_steps_per_second"] == 25_000


def test_bench_table_names_the_targets() -> None:
    from iamtutor.engine.bench import format_table

    results = {
        "python": "3.13",
        "quick": False,
        "decisions": {
            "policies": 10,
            "statements": 50,
            "runs": 5,
            "decisions_per_second": 60000,
            "target": 50000,
            "ok": True,
        },
        "load": {
            "roles": 1000,
            "policies": 5000,
            "seconds": 0.5,
            "peak_mb": 90.0,
            "target_seconds": 1.0,
            "target_mb": 200.0,
            "ok": True,
        },
        "hostile_wildcard": {
            "stars": 50,
            "value_chars": 2000,
            "glob_ms": 0.2,
            "resource_ms": 0.3,
            "target_ms": 1.0,
            "ok": True,
        },
        "simulate": {
            "steps": 20000,
            "seconds": 2.0,
            "share": {"loading": 0.01, "deciding": 0.9, "printing": 0.09},
            "steps_per_second": 11111,
            "target_steps_per_second": 25000,
            "ok": False,
        },
    }
    table = format_table(results)
    assert "60,000" in table and ">= 50,000" in table
    assert "< 1 s" in table and "< 200 MB" in table and "< 1 ms" in table
    assert "1% / 90% / 9%" in table
    row = next(line for line in table.splitlines() if line.startswith("simulate request steps/s"))
    assert row.split()[-4:] == ["11,111", ">=", "25,000", "NO"]


# ---- the real entry point -------------------------------------------------------------------------------------------


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    path = write(tmp_path, scenario(get({"decision": "implicitDeny"})))
    proc = subprocess.run(
        [sys.executable, "-m", "iamtutor.engine", "simulate", path, "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert (proc.returncode, proc.stdout) == (0, "ok: cli test (1 step(s))\n")
    usage = subprocess.run(
        [sys.executable, "-m", "iamtutor.engine"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert usage.returncode == 2


def test_simulate_repeats_exactly_with_the_default_seed(tmp_path: Path) -> None:
    world = small_world()
    world["accounts"]["111111111111"]["RoleDetailList"] = [
        {
            "RoleName": "R",
            "Arn": "arn:aws:iam::111111111111:role/R",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
            },
        }
    ]
    step = {"op": "assume_role", "caller": ALICE, "role_arn": "arn:aws:iam::111111111111:role/R", "session_name": "one"}
    path = write(tmp_path, {"name": "seed", "world": world, "steps": [step]})
    first, again = run("simulate", path)[1], run("simulate", path)[1]
    other = run("simulate", path, "--seed", "7")[1]
    assert first == again
    assert json.loads(first)[0]["credentials"]["AccessKeyId"] != json.loads(other)[0]["credentials"]["AccessKeyId"]
