"""Graphviz rendering: system dot, the WebAssembly fallback, neither — and never script in the output."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from iamtutor.lib import graphviz

SMALL = 'digraph { a [label="alice"]; b [label="Deploy role"]; a -> b [label="sts:AssumeRole"]; }'
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed here")


@needs_dot
def test_system_dot_renders_svg_and_png(settings):
    settings.GRAPHVIZ_RENDERER = "dot"
    assert graphviz.renderer().name == "dot"
    svg = graphviz.render(SMALL, "svg").decode()
    assert "<svg" in svg and "alice" in svg and "Deploy role" in svg
    assert graphviz.render(SMALL, "png").startswith(b"\x89PNG")


def test_webassembly_fallback_renders_svg_without_system_graphviz(settings):
    settings.GRAPHVIZ_RENDERER = "wasm"
    active = graphviz.renderer()
    assert active.name == "wasm" and active.formats == ("svg",)
    svg = graphviz.render(SMALL, "svg").decode()
    assert "<svg" in svg and "alice" in svg


def test_auto_falls_back_to_webassembly_when_dot_is_missing(settings, monkeypatch):
    settings.GRAPHVIZ_RENDERER = "auto"
    monkeypatch.setattr(graphviz.shutil, "which", lambda name: None)
    assert graphviz.renderer().name == "wasm"


def test_png_needs_system_graphviz_and_says_so(settings):
    settings.GRAPHVIZ_RENDERER = "wasm"
    with pytest.raises(graphviz.RenderError, match="PNG output needs the system's Graphviz"):
        graphviz.render(SMALL, "png")


def test_with_neither_renderer_the_reason_is_given(settings, monkeypatch):
    settings.GRAPHVIZ_RENDERER = "auto"
    monkeypatch.setattr(graphviz.shutil, "which", lambda name: None)
    monkeypatch.setattr(graphviz, "_wasm_available", lambda: None)
    active = graphviz.renderer()
    assert not active.available and "install the graphviz system package" in active.detail
    with pytest.raises(graphviz.RenderError, match="Diagrams need Graphviz"):
        graphviz.render(SMALL)


@needs_dot
def test_broken_dot_source_is_a_render_error_not_a_crash(settings):
    settings.GRAPHVIZ_RENDERER = "dot"
    with pytest.raises(graphviz.RenderError, match="Graphviz failed"):
        graphviz.render("digraph { a -> ", "svg")


def test_broken_dot_source_in_webassembly_is_a_render_error(settings):
    settings.GRAPHVIZ_RENDERER = "wasm"
    with pytest.raises(graphviz.RenderError):
        graphviz.render("digraph { a -> ", "svg")


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


@pytest.mark.parametrize(
    "body",
    [
        '<a xlink:href="javascript:alert(1)"><text>x</text></a>',
        '<a href=" JavaScript:alert(1)"><text>x</text></a>',
        '<a xlink:href="java&#9;script:alert(1)"><text>x</text></a>',
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><text>x</text></a>',
        "<script>alert(1)</script>",
        "<g><SCRIPT>alert(1)</SCRIPT></g>",
        "<foreignObject><div>x</div></foreignObject>",
        '<g onload="alert(1)"><text>x</text></g>',
        '<text onClick="alert(1)">x</text>',
        '<a href="#n-a"><set attributeName="href" to="javascript:alert(1)"/></a>',
        "<style>text { fill: red }</style>",
    ],
)
def test_svg_holding_script_is_refused(body):
    with pytest.raises(graphviz.RenderError, match="contained script"):
        graphviz._check_svg(f"{SVG_OPEN}{body}</svg>".encode())


def test_svg_declaring_entities_is_refused_before_expanding_them():
    bomb = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    with pytest.raises(graphviz.RenderError, match="contained script"):
        graphviz._check_svg(f"{bomb}{SVG_OPEN}<text>&b;</text></svg>".encode())


def test_svg_that_is_not_xml_is_refused_with_a_reason():
    with pytest.raises(graphviz.RenderError, match="could not be read as SVG"):
        graphviz._check_svg(b"<svg><g></svg>")


@pytest.mark.parametrize(
    "href", ["#n-a", "/sandbox/1/roles/", "https://docs.aws.amazon.com/IAM/", "mailto:a@b.example"]
)
def test_svg_with_page_and_web_links_passes(href):
    graphviz._check_svg(f'{SVG_OPEN}<a xlink:href="{href}" href="{href}"><text>x</text></a></svg>'.encode())


@pytest.mark.parametrize(
    "label",
    [
        "x onclick=1",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "<foreignObject> onload=x",
        'aws:SourceIp = "x onmouseover=alert(1)"',
    ],
)
def test_label_text_may_hold_anything_and_still_draws(settings, label):
    # A trust condition's value is label text: escaped by Graphviz, it is text, not structure.
    settings.GRAPHVIZ_RENDERER = "wasm"
    source = f'digraph {{ a [id="n-a" label={json.dumps(label)}]; }}'
    svg = graphviz.render_checked(source, {"n-a"})
    assert "<script" not in svg and "onclick=" not in svg.replace("x onclick=1", "")


def test_second_render_of_the_same_source_comes_from_the_cache(settings, monkeypatch):
    settings.GRAPHVIZ_RENDERER = "wasm"
    calls = []
    real = graphviz.render
    monkeypatch.setattr(graphviz, "render", lambda *a, **k: calls.append(a) or real(*a, **k))
    first = graphviz.render_svg(SMALL)
    second = graphviz.render_svg(SMALL)
    assert first == second and first.startswith("<svg") and len(calls) == 1


def test_render_checked_passes_when_every_expected_id_is_drawn(settings):
    settings.GRAPHVIZ_RENDERER = "wasm"
    source = 'digraph { a [id="n-a"]; b [id="n-b"]; a -> b [id="e-0"]; }'
    svg = graphviz.render_checked(source, {"n-a", "n-b", "e-0"})
    assert {"n-a", "n-b", "e-0"} <= graphviz.svg_ids(svg)


def test_render_checked_names_what_the_renderer_left_out(settings, monkeypatch):
    settings.GRAPHVIZ_RENDERER = "wasm"
    source = 'digraph { a [id="n-a"]; b [id="n-b"]; a -> b [id="e-1"]; }'
    real = graphviz.render
    monkeypatch.setattr(graphviz, "render", lambda *a, **k: real(*a, **k).replace(b'id="e&#45;1"', b""))
    with pytest.raises(graphviz.IncompleteDrawing, match="left out 1 part") as caught:
        graphviz.render_checked(source, {"n-a", "n-b", "e-1"})
    assert caught.value.missing == frozenset({"e-1"})


def test_a_complete_drawing_is_remembered_so_a_cache_hit_skips_the_check(settings, monkeypatch):
    settings.GRAPHVIZ_RENDERER = "wasm"
    source = 'digraph { a [id="n-c"]; }'
    graphviz.render_checked(source, {"n-c"})
    monkeypatch.setattr(graphviz, "svg_ids", lambda svg: pytest.fail("checked again"))
    assert "<svg" in graphviz.render_checked(source, {"n-c"})


@needs_dot
def test_the_error_line_is_reported_even_after_warnings(settings, monkeypatch):
    settings.GRAPHVIZ_RENDERER = "dot"
    done = graphviz.subprocess.CompletedProcess([], 1, b"", b"Warning: something\nError: trouble in init_rank\n")
    monkeypatch.setattr(graphviz.subprocess, "run", lambda *a, **k: done)
    with pytest.raises(graphviz.RenderError, match="Graphviz failed: Error: trouble in init_rank"):
        graphviz._render_dot(SMALL, "svg")


def test_a_drawing_is_cached_with_a_lifetime_in_the_render_cache(settings):
    from django.core.cache import caches

    settings.GRAPHVIZ_RENDERER = "wasm"
    graphviz.render_svg(SMALL)
    renders = caches["renders"]
    key = renders.make_key("graphviz:svg:" + graphviz.hashlib.sha256(SMALL.encode()).hexdigest())
    expires = renders._expire_info[key]
    assert expires is not None and expires <= time.time() + graphviz.SVG_CACHE_SECONDS
    assert caches["default"].get("graphviz:svg:" + graphviz.hashlib.sha256(SMALL.encode()).hexdigest()) is None


def test_a_drawing_over_the_size_cap_is_drawn_but_not_kept(settings, monkeypatch):
    settings.GRAPHVIZ_RENDERER = "wasm"
    huge = b'<svg xmlns="http://www.w3.org/2000/svg"><text>' + b"x" * (300 * 1024) + b"</text></svg>"
    calls = []
    monkeypatch.setattr(graphviz, "render", lambda *a, **k: calls.append(a) or huge)
    assert len(graphviz.render_svg(SMALL)) > 256 * 1024
    assert len(graphviz.render_svg(SMALL)) > 256 * 1024
    assert len(calls) == 2  # drawn each time: nothing above 256 KiB is stored
