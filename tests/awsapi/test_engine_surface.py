"""The endpoint uses the engine only through its public surface (``iamtutor.engine.__all__``), as every Django
app must (STYLE.md §2): no ``iamtutor.engine.<module>`` import, no private helper."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import iamtutor.engine

AWSAPI = Path(iamtutor.engine.__file__).parent.parent / "awsapi"


@pytest.mark.parametrize("path", sorted(AWSAPI.rglob("*.py")), ids=lambda p: str(p.relative_to(AWSAPI)))
def test_awsapi_imports_only_the_engines_public_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("iamtutor.engine"):
            assert node.module == "iamtutor.engine", f"{path.name}:{node.lineno} imports {node.module}"
            for alias in node.names:
                assert alias.name in iamtutor.engine.__all__, f"{path.name}:{node.lineno} imports {alias.name}"
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("iamtutor.engine.") for a in node.names), f"{path.name}:{node.lineno}"
