"""The engine is a pure library: importing it never imports Django (STYLE.md convention 1).

Two guards: a fresh interpreter imports every engine module and must end with no ``django`` module loaded,
and an AST walk of every engine file finds no ``django`` import, even one behind a function or a branch.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "iamtutor" / "engine"
ENGINE_FILES = sorted(ENGINE.rglob("*.py"))
_NO_DJANGO = "not any(m == 'django' or m.startswith('django.') for m in sys.modules)"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_importing_the_engine_loads_no_django() -> None:
    proc = _python(f"import iamtutor.engine, sys; assert {_NO_DJANGO}")
    assert proc.returncode == 0, proc.stderr


def test_importing_every_engine_module_loads_no_django() -> None:
    modules = sorted(
        {
            f"iamtutor.engine.{p.relative_to(ENGINE).with_suffix('').as_posix().replace('/', '.')}"
            for p in ENGINE_FILES
            if p.name != "__init__.py"
        }
        - {"iamtutor.engine.__main__"}
    )
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    proc = _python(code + f"assert {_NO_DJANGO}, sorted(m for m in sys.modules if m.startswith('django'))")
    assert proc.returncode == 0, proc.stderr


def test_the_project_package_init_stays_empty() -> None:
    # Importing iamtutor.engine runs iamtutor/__init__.py first (STYLE.md convention 1).
    assert (ROOT / "iamtutor" / "__init__.py").read_text(encoding="utf-8").strip() == ""


def _imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(str(node.args[0].value))
    return names


@pytest.mark.parametrize("path", ENGINE_FILES, ids=[str(p.relative_to(ENGINE)) for p in ENGINE_FILES])
def test_engine_file_has_no_django_import(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [m for m in _imported_modules(tree) if m == "django" or m.startswith("django.")]
    assert offending == []


def test_the_ast_guard_catches_hidden_imports() -> None:
    code = (
        "def f():\n    if x:\n        from django.conf import settings\n"
        "import importlib\nimportlib.import_module('django')\n"
    )
    assert sorted(_imported_modules(ast.parse(code))) == ["django", "django.conf", "importlib"]
