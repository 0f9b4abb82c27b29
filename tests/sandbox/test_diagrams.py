"""Access diagrams: the page's arrows are the engine's answers; hostile text stays text; the cache is hit; the
drawing falls back (no clusters, WebAssembly, nothing at all) without ever failing the page."""

from __future__ import annotations

import shutil

import pytest
from django.core.cache import cache
from django.urls import reverse

from iamtutor import engine
from iamtutor.engine import AssumeRoleRequest, EngineError, assume_role
from iamtutor.lib import graphviz as renderer
from iamtutor.sandbox import diagrams
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld, changing, create_sandbox

pytestmark = pytest.mark.django_db
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed here")

ME, PARTNER = "111111111111", "222222222222"
ALICE, BOB = f"arn:aws:iam::{ME}:user/alice", f"arn:aws:iam::{ME}:user/bob"
CAROL = f"arn:aws:iam::{PARTNER}:user/carol"
READER, AUDIT = f"arn:aws:iam::{ME}:role/ReportsReader", f"arn:aws:iam::{ME}:role/PartnerAudit"
TABLE = '<div class="table-scroll diagram-table" id="access-table">'
HOSTILE = '"}]; <script>alert(1)</script> \\" {x} <b>&amp;</b> \\\\'


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.GRAPHVIZ_RENDERER = "auto"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anonymous_sandbox(client):
    client.post(reverse("sandbox:create"))
    return Sandbox.objects.get(owner__isnull=True)


def _url(sandbox, **query) -> str:
    base = reverse("sandbox:diagrams", args=[sandbox.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _edges(rows) -> dict[tuple[str, str], dict]:
    return {(row["from_id"], row["to_id"]): row for row in rows if row["kind"] == "assume"}


def _engine_rows(sandbox) -> list[dict]:
    loaded = SandboxWorld.load(sandbox)
    return engine.edge_table(engine.access_graph(loaded.world, parents=diagrams.parents_of(loaded.sessions)))


# ---- who may see it -----------------------------------------------------------------------------------------


def test_the_owner_sees_the_access_diagram_with_its_table(alice_client, alice_sandbox):
    response = alice_client.get(_url(alice_sandbox))
    page = response.content.decode()
    assert response.status_code == 200 and page.count("<h1") == 1
    assert 'role="img" aria-labelledby="access-caption"' in page and '<figcaption id="access-caption">' in page
    assert TABLE in page and "<svg" in page


def test_an_anonymous_owner_sees_it_and_an_outsider_gets_404(client, anonymous_sandbox, alice_sandbox, mallory):
    assert client.get(_url(anonymous_sandbox)).status_code == 200
    assert client.get(_url(alice_sandbox)).status_code == 404
    client.force_login(mallory)
    assert client.get(_url(alice_sandbox)).status_code == 404
    assert client.get(_url(alice_sandbox, format="svg")).status_code == 404


def test_the_page_runs_a_bounded_number_of_queries(alice_client, alice_sandbox, django_assert_max_num_queries):
    with changing(alice_sandbox) as loaded:
        for n in range(5):
            assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, f"s{n}"))
    with django_assert_max_num_queries(8):
        assert alice_client.get(_url(alice_sandbox)).status_code == 200


# ---- the arrows are the engine's answers ----------------------------------------------------------------------


def test_the_table_is_the_engines_edge_table_with_links(alice_client, alice_sandbox):
    rows = alice_client.get(_url(alice_sandbox)).context["drawing"].rows
    expected = _engine_rows(alice_sandbox)
    strip = ("from_url", "to_url")
    assert [{k: v for k, v in row.items() if k not in strip} for row in rows] == expected
    reader = next(row for row in rows if row["to_id"] == READER)
    assert reader["to_url"] == reverse("sandbox:role", args=[alice_sandbox.pk, ME, "ReportsReader"])
    assert reader["from_url"] == reverse("sandbox:user", args=[alice_sandbox.pk, ME, "alice"])


def test_alice_may_assume_reports_reader_and_bob_may_not(alice_client, alice_sandbox):
    # ReportsReader's trust policy names alice only (seed); bob is not trusted, so no arrow at all.
    edges = _edges(alice_client.get(_url(alice_sandbox)).context["drawing"].rows)
    assert edges[(ALICE, READER)]["allowed"] and edges[(ALICE, READER)]["what"] == "can assume"
    assert (BOB, READER) not in edges or not edges[(BOB, READER)]["allowed"]


def test_carol_may_assume_partner_audit_with_the_external_id(alice_client, alice_sandbox):
    # PartnerAudit trusts account 222222222222 when sts:ExternalId = partner-7f3a (the confused-deputy guard).
    page = alice_client.get(_url(alice_sandbox))
    edge = _edges(page.context["drawing"].rows)[(CAROL, AUDIT)]
    assert edge["allowed"] and "ExternalId = partner-7f3a" in edge["conditions"]
    assert "ExternalId = partner-7f3a" in page.content.decode()


def test_a_trusted_but_unpermitted_principal_is_dashed_and_names_the_missing_piece(alice_client, alice_sandbox):
    # Trusting the account (not bob by name) needs bob's own sts:AssumeRole permission too, which he lacks.
    with changing(alice_sandbox) as loaded:
        loaded.world.create_role(
            ME,
            "AnyoneHere",
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ME}:root"}, "Action": "sts:AssumeRole"}
                ],
            },
        )
    drawing = alice_client.get(_url(alice_sandbox, focus=BOB)).context["drawing"]
    edge = _edges(drawing.rows)[(BOB, f"arn:aws:iam::{ME}:role/AnyoneHere")]
    assert not edge["allowed"] and edge["missing"] == "identity policy"
    assert "stroke-dasharray" in drawing.svg and "needs identity policy" in drawing.svg


def test_sessions_show_their_time_left_and_chains(alice_sandbox, alice_client):
    with changing(alice_sandbox) as loaded:
        world = loaded.world
        world.put_inline_policy(
            READER,
            "Chain",
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]},
        )
        world.create_role(
            ME,
            "Next",
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": READER}, "Action": "sts:AssumeRole"}],
            },
        )
        first = assume_role(world, ALICE, AssumeRoleRequest(READER, "first"))
    with changing(alice_sandbox) as loaded:  # a session row must exist before a chained one can point to it
        world = loaded.world
        second = assume_role(world, first["session_id"], AssumeRoleRequest(f"arn:aws:iam::{ME}:role/Next", "second"))
        loaded.parents[second["session_id"]] = first["session_id"]
    rows = alice_client.get(_url(alice_sandbox)).context["drawing"].rows
    chains = [row for row in rows if row["kind"] == "chain"]
    assert [(c["from_id"], c["to_id"]) for c in chains] == [
        (f"session:{first['session_id']}", f"session:{second['session_id']}")
    ]
    assert any("left" in row["from"] for row in rows if row["kind"] == "session_of")


# ---- controls -----------------------------------------------------------------------------------------------


def test_focus_depth_collapse_and_layout(alice_client, alice_sandbox):
    drawing = alice_client.get(_url(alice_sandbox, focus=READER, depth=1)).context["drawing"]
    assert {row["to_id"] for row in drawing.rows if row["kind"] == "assume"} == {READER}
    assert "ReportsReader" in drawing.caption
    drawing = alice_client.get(_url(alice_sandbox, collapse=PARTNER, depth=1)).context["drawing"]
    assert f"account:{PARTNER}" in {row["from_id"] for row in drawing.rows} and CAROL not in drawing.svg
    drawing = alice_client.get(_url(alice_sandbox, layout="flat", depth=1)).context["drawing"]
    assert "cluster_" not in drawing.dot and not drawing.simplified


def test_an_unknown_focus_is_a_field_error_and_the_whole_graph_is_still_drawn(alice_client, alice_sandbox):
    response = alice_client.get(_url(alice_sandbox, focus="arn:aws:iam::111111111111:role/Nobody", depth=1))
    page = response.content.decode()
    assert response.status_code == 200 and 'role="alert" id="id_focus_error"' in page
    assert 'aria-describedby="id_focus_helptext id_focus_error"' in page and "Nobody" in page
    assert response.context["drawing"].svg


def test_htmx_gets_only_the_panel(alice_client, alice_sandbox):
    page = alice_client.get(_url(alice_sandbox, depth=2), headers={"HX-Request": "true"}).content.decode()
    assert page.lstrip().startswith('<div id="diagram-panel">') and "<h1" not in page


def test_a_large_world_starts_collapsed_and_says_how_to_expand(alice_client, alice_sandbox):
    with changing(alice_sandbox) as loaded:
        for n in range(160):
            loaded.world.create_user(ME, f"user{n:03}")
    response = alice_client.get(_url(alice_sandbox))
    drawing = response.context["drawing"]
    assert drawing.collapsed and drawing.nodes < 30
    assert "untick it under" in response.content.decode()
    expanded = alice_client.get(_url(alice_sandbox, depth=1)).context["drawing"]
    assert not expanded.collapsed and expanded.nodes > 160


# ---- hostile text -------------------------------------------------------------------------------------------


def test_hostile_condition_values_stay_text_and_odd_names_link(alice_client, alice_sandbox):
    with changing(alice_sandbox) as loaded:
        loaded.world.create_role(
            ME,
            "a+b=c,d.e@f-g",
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": CAROL},
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": {"sts:ExternalId": HOSTILE},
                            "StringLike": {"sts:RoleSessionName": HOSTILE},
                        },
                    }
                ],
            },
            tags=[{"Key": "team", "Value": "a+b=c:d/e@f"}],
        )
    response = alice_client.get(_url(alice_sandbox))
    page, drawing = response.content.decode(), response.context["drawing"]
    assert drawing.svg and not drawing.simplified, drawing.problem
    assert "<script" not in drawing.svg and "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in drawing.svg and "&lt;script&gt;alert(1)" in page
    assert reverse("sandbox:role", args=[alice_sandbox.pk, ME, "a+b=c,d.e@f-g"]) in page


# ---- rendering: cache, fallbacks, downloads ---------------------------------------------------------------------


def test_the_second_view_is_drawn_from_the_cache(alice_client, alice_sandbox, monkeypatch):
    calls = []
    real = renderer.render
    monkeypatch.setattr(renderer, "render", lambda *a, **k: calls.append(a[1:]) or real(*a, **k))
    first = alice_client.get(_url(alice_sandbox)).context["drawing"]
    assert len(calls) == 1
    second = alice_client.get(_url(alice_sandbox)).context["drawing"]
    assert len(calls) == 1 and first.svg == second.svg


def test_without_dot_the_webassembly_build_draws_it_and_png_is_explained(alice_client, alice_sandbox, settings):
    settings.GRAPHVIZ_RENDERER = "wasm"
    response = alice_client.get(_url(alice_sandbox))
    assert response.context["drawing"].renderer == "wasm" and response.context["drawing"].svg
    assert "PNG needs Graphviz" in response.content.decode()
    png = alice_client.get(_url(alice_sandbox, format="png"))
    assert png.status_code == 200 and png["Content-Type"].startswith("text/html")
    assert "PNG output needs the system" in png.content.decode()


def test_with_no_renderer_the_table_and_a_notice_never_an_error(alice_client, alice_sandbox, settings):
    settings.GRAPHVIZ_RENDERER = "none"
    response = alice_client.get(_url(alice_sandbox))
    page = response.content.decode()
    assert response.status_code == 200 and "<svg" not in page and TABLE in page
    assert "Diagrams are switched off" in page and "The drawing is not available" in page
    assert alice_client.get(_url(alice_sandbox, format="svg")).status_code == 200


@pytest.mark.parametrize("trouble", ["init_rank", "dropped edge"])
def test_layout_trouble_falls_back_to_no_clusters_and_says_so(alice_client, alice_sandbox, monkeypatch, trouble):
    real = renderer.render

    def flaky(source, fmt="svg"):
        if "cluster_" not in source:
            return real(source, fmt)
        if trouble == "init_rank":
            raise renderer.RenderError("Graphviz failed: Error: trouble in init_rank")
        return real(source, fmt).replace(b'id="e&#45;0"', b'id="gone"')

    monkeypatch.setattr(renderer, "render", flaky)
    response = alice_client.get(_url(alice_sandbox))
    drawing = response.context["drawing"]
    assert drawing.svg and drawing.simplified and "cluster_" not in drawing.dot
    assert "drawn without them" in response.content.decode()


def test_when_even_the_simple_layout_fails_the_table_stays(alice_client, alice_sandbox, monkeypatch):
    monkeypatch.setattr(
        renderer,
        "render",
        lambda *a, **k: (_ for _ in ()).throw(renderer.RenderError("Graphviz failed: Error: trouble in init_rank")),
    )
    response = alice_client.get(_url(alice_sandbox))
    assert response.context["drawing"].svg is None and "trouble in init_rank" in response.content.decode()
    assert TABLE in response.content.decode()


def test_svg_download_is_the_checked_drawing(alice_client, alice_sandbox):
    response = alice_client.get(_url(alice_sandbox, format="svg"))
    body = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml" and "attachment" in response["Content-Disposition"]
    assert body.startswith("<?xml") and "<svg" in body and "<script" not in body


@needs_dot
def test_png_download_with_the_system_dot(alice_client, alice_sandbox, settings):
    settings.GRAPHVIZ_RENDERER = "dot"
    response = alice_client.get(_url(alice_sandbox, focus=READER, depth=1, format="png"))
    assert response["Content-Type"] == "image/png" and response.content.startswith(b"\x89PNG")
    page = alice_client.get(_url(alice_sandbox)).content.decode()
    assert "format=png" in page


# ---- the role page, the console and the home page ------------------------------------------------------------


def test_the_role_page_draws_the_roles_neighbourhood_after_it_has_shown(alice_client, alice_sandbox):
    page = alice_client.get(reverse("sandbox:role", args=[alice_sandbox.pk, ME, "ReportsReader"])).content.decode()
    figure_url = reverse("sandbox:role_diagram", args=[alice_sandbox.pk, ME, "ReportsReader"])
    assert '<section id="role-diagram"' in page and f'hx-get="{figure_url}"' in page and 'hx-trigger="load"' in page
    assert f"/diagrams/?focus={READER.replace(':', '%3A').replace('/', '%2F')}" in page  # works without JavaScript
    figure = alice_client.get(figure_url).content.decode()
    assert 'aria-labelledby="access-caption"' in figure and "<svg" in figure
    assert TABLE in figure and ">alice</a>" in figure


def test_the_console_draws_the_decisions_path(alice_client, alice_sandbox):
    response = alice_client.post(
        reverse("sandbox:console", args=[alice_sandbox.pk]),
        {
            "caller": BOB,
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::reports-111111111111/q1.csv",
            "context-TOTAL_FORMS": "0",
            "context-INITIAL_FORMS": "0",
        },
    )
    drawing = response.context["card"]["diagram"]
    assert drawing.svg and 'id="flow&#45;statement"' in drawing.svg and 'lit"' in drawing.svg
    assert drawing.rows[-1]["to"] == engine.FLOW_NODES["implicit_deny"]
    assert "data:image/svg+xml;base64," in response.content.decode()


def test_hostile_names_cannot_reach_the_world_and_hostile_labels_cannot_break_the_dot():
    # IAM names allow only [\w+=,.@-]: the engine refuses the rest, so they never reach a diagram.
    world = SandboxWorld.load(create_sandbox()).world
    with pytest.raises(EngineError):
        world.create_role(ME, '<script>"x"', {"Version": "2012-10-17", "Statement": []})
    # Labels that did hold such text (a graph built by hand) stay text in the DOT and the SVG.
    cluster = engine.Cluster(ME, HOSTILE)
    nodes = (engine.Node("a", "user", HOSTILE, ME, "a"), engine.Node("b", "role", HOSTILE + "\n{}", ME, "b"))
    found = engine.AccessGraph(nodes, (engine.Edge("a", "b", "assume", conditions=(HOSTILE,)),), (cluster,))
    dot = engine.to_dot(found, title=HOSTILE, link=lambda node: "javascript:alert(1)")
    svg = renderer.render_checked(dot, engine.expected_svg_ids(found))
    assert "<script" not in svg and "javascript:" not in svg and svg.count("&lt;script&gt;alert(1)") >= 4
