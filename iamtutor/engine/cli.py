"""The engine's command line: ``simulate``, ``validate``, ``bench`` and ``fuzz`` (world-format.md "CLI").

Owns argument parsing, reading files, printing JSON or reports, and exit codes: 0 success, 1 failed
expectations, an invalid policy, a world that fails to load or a fuzz crash, 2 usage errors. Running
scenarios is ``scenario.py``'s, validating policies ``policy.py``'s, measuring ``bench.py``'s, fuzzing
``fuzz.py``'s. Standard library only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any, Final, TextIO

from .errors import EngineError
from .findings import check_policy
from .scenario import ScenarioOutcome, parse_scenario_text, run_scenario

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
POLICY_TYPES: Final = ("trust", "identity", "resource", "scp", "session", "boundary", "rcp")
_MAX_FILE_BYTES: Final = 64 * 1024 * 1024
DEFAULT_SEED: Final = 0  # simulate output repeats run after run; nothing here is a real credential


class _UsageError(Exception):
    """Raised instead of argparse's ``sys.exit`` so ``main`` can return 2 when called in-process."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m iamtutor.engine`` argument parser with its three sub-commands."""
    parser = _Parser(prog="python -m iamtutor.engine", description="IAM Tutor's role engine.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    simulate = commands.add_parser("simulate", help="run a world or scenario file and print each step's result")
    simulate.add_argument("file", help="world or scenario JSON file ('-' reads standard input)")
    simulate.add_argument("--check", action="store_true", help="compare results with each step's 'expect'")
    simulate.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed for ids, keys and tokens, so output repeats (default {DEFAULT_SEED})",
    )
    validate = commands.add_parser("validate", help="validate a policy document")
    validate.add_argument("file", help="policy JSON file ('-' reads standard input)")
    validate.add_argument("--type", required=True, choices=POLICY_TYPES, dest="kind", help="policy type")
    validate.add_argument(
        "--managed",
        action="store_true",
        help="apply the rules of customer managed policies (Version 2012-10-17, 6,144 chars)",
    )
    bench = commands.add_parser("bench", help="measure the engine's speed and memory")
    bench.add_argument("--json", action="store_true", help="print machine-readable JSON")
    bench.add_argument("--quick", action="store_true", help="smaller workloads, for a smoke test")
    fuzz = commands.add_parser("fuzz", help="feed generated documents to the policy parser and world loader")
    fuzz.add_argument("--count", type=int, default=100_000, help="documents to generate (default 100000)")
    fuzz.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    fuzz.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Runs the CLI with ``argv`` (default ``sys.argv[1:]``); returns the exit code instead of exiting."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        build_parser().print_usage(err)
        print(exc, file=err)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if args.command == "simulate":
        return simulate(args.file, check=args.check, seed=args.seed, out=out, err=err)
    if args.command == "validate":
        return validate(args.file, args.kind, managed=args.managed, out=out, err=err)
    if args.command == "fuzz":
        return fuzz(count=args.count, seed=args.seed, as_json=args.json, out=out, err=err)
    return bench(as_json=args.json, quick=args.quick, out=out)


# ---- simulate ----------------------------------------------------------------------------------------------------


def simulate(path: str, *, check: bool, out: TextIO, err: TextIO, seed: int | None = DEFAULT_SEED) -> int:
    """``simulate FILE [--check] [--seed N]``: prints the JSON array of step results, or with ``check`` a report."""
    try:
        scenario = parse_scenario_text(read_text(path))
    except EngineError as exc:
        _print_error(path, exc, err)
        return EXIT_FAILED
    outcome = run_scenario(scenario, seed=seed)
    if check:
        return _report(path, scenario, outcome, out)
    if outcome.load_error is not None:
        _print_error(path, outcome.load_error, err)
        return EXIT_FAILED
    out.write(render_results(outcome))
    return EXIT_OK


def render_results(outcome: ScenarioOutcome) -> str:
    """The step results as a JSON array, keys sorted, one result per step, ending in a newline."""
    return json.dumps([step.result for step in outcome.steps], indent=2, sort_keys=True, default=str) + "\n"


def _report(path: str, scenario: dict[str, Any], outcome: ScenarioOutcome, out: TextIO) -> int:
    label = outcome.name or path
    for line in outcome.failures:
        print(f"{path}: {line}", file=out)
    for step in outcome.steps:
        for line in step.failures:
            print(f"{path}: step {step.index} ({step.title}): {line}", file=out)
    if outcome.passed:
        count = len(scenario.get("steps", []))
        what = "expected load error" if outcome.load_error is not None else f"{count} step(s)"
        print(f"ok: {label} ({what})", file=out)
        return EXIT_OK
    return EXIT_FAILED


def _print_error(path: str, error: EngineError | dict[str, Any], err: TextIO) -> None:
    data = error.to_dict() if isinstance(error, EngineError) else error
    where = data.get("path")
    line = f" line {data['line']}, column {data.get('column')}" if data.get("line") is not None else ""
    suffix = f" (at {where}{line})" if where else (f" (at{line})" if line else "")
    print(f"{path}: {data.get('code')}: {data.get('message')}{suffix}", file=err)


# ---- validate ----------------------------------------------------------------------------------------------------


def validate(path: str, kind: str, *, managed: bool, out: TextIO, err: TextIO) -> int:
    """``validate FILE --type T``: prints ``{"valid", "problems", "findings"}``; exit 1 when invalid."""
    from .policy import iter_policy_problems

    try:
        text = read_text(path)
        problems = [p.to_dict() for p in iter_policy_problems(text, kind, managed=managed)]
    except EngineError as exc:
        _print_error(path, exc, err)
        return EXIT_FAILED
    report = {"valid": not problems, "problems": problems, "findings": _findings(text, kind)}
    out.write(json.dumps(report, indent=2, sort_keys=True, default=str) + "\n")
    return EXIT_OK if not problems else EXIT_FAILED


def _findings(text: str, kind: str) -> list[dict[str, Any]]:
    """Access-Analyzer-style findings for a valid document, sorted by place and code."""
    try:
        found = check_policy(text, kind)
    except EngineError:
        return []
    rows = [dataclasses.asdict(f) if dataclasses.is_dataclass(f) else dict(f) for f in found]
    return sorted(rows, key=lambda r: (r.get("line") or 0, str(r.get("json_path")), str(r.get("code"))))


# ---- bench -------------------------------------------------------------------------------------------------------


def bench(*, as_json: bool, quick: bool, out: TextIO) -> int:
    """``bench [--json] [--quick]``: runs the benchmarks of ``bench.py`` and prints a table or JSON."""
    from .bench import format_table, run_benchmarks

    results = run_benchmarks(quick=quick)
    out.write(json.dumps(results, indent=2, sort_keys=True) + "\n" if as_json else format_table(results))
    return EXIT_OK


# ---- fuzz --------------------------------------------------------------------------------------------------------


def fuzz(*, count: int, seed: int, as_json: bool, out: TextIO, err: TextIO) -> int:
    """``fuzz [--count N] [--seed S] [--json]``: runs ``fuzz.py``'s generator; exit 1 if anything crashed."""
    from .fuzz import format_report, report_dict
    from .fuzz import fuzz as run_fuzz

    report = run_fuzz(count, seed, progress=None if as_json else err)
    out.write(json.dumps(report_dict(report), indent=2) + "\n" if as_json else format_report(report))
    return EXIT_OK if report.crashed == 0 else EXIT_FAILED


# ---- files -------------------------------------------------------------------------------------------------------


def read_text(path: str) -> str:
    """The UTF-8 text of ``path`` (``-``: standard input); raises ``EngineError`` if it cannot be read."""
    try:
        if path == "-":
            text = sys.stdin.read(_MAX_FILE_BYTES + 1)
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(_MAX_FILE_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise EngineError(f"Cannot read the file: {exc}", code="FileError") from None
    if len(text) > _MAX_FILE_BYTES:
        raise EngineError("The file is larger than 64 MiB.", code="FileError")
    return text


__all__ = ["bench", "build_parser", "fuzz", "main", "read_text", "render_results", "simulate", "validate"]
