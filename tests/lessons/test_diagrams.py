"""The lessons' diagrams (``lessons/diagrams.py``, ``lessons/step_diagrams.py``, ``lessons/sequence_svg.py``): each
build-up step has a diagram the engine computes from the step's scenario; what it shows comes from the engine (change
the scenario and the diagram changes); its text alternative names every box and arrow; the SVG holds no script and
escapes names; a diagram whose scenario does not run stops ``load_lessons`` with the file and line."""

from __future__ import annotations

import copy
import json
import re
from html import unescape
from pathlib import Path

import pytest

from iamtutor import engine
from iamtutor.lib import graphviz as renderer
from lessons import diagrams, step_diagrams
from lessons.content import CONTENT_DIR, ContentError
from lessons.loader import read_content
from lessons.models import Diagram
from lessons.sequence_svg import Message, Note, sequence_svg

pytestmark = pytest.mark.django_db
SCENARIOS = CONTENT_DIR / "scenarios"
STEP_KINDS = {"access", "decision", "sequence", "chain", "intersection"}


@pytest.fixture
def committed(loaded, client):
    """A learner who has committed to every step's prediction: the visual page holds nothing back from them."""
    from lessons.models import Lesson, Prediction

    for lesson in Lesson.objects.exclude(step=None).exclude(prediction_key=""):
        prediction = Prediction.objects.get(language=lesson.language, key=lesson.prediction_key)
        answer = {"choice": prediction.options[0]["key"], "confidence": "sure"}
        assert client.post(f"/lessons/steps/{lesson.step}/predict/", answer).status_code in (200, 302)
    return client


def scenario(name: str) -> dict:
    return json.loads((SCENARIOS / name).read_text())


def unchecked(data: dict) -> dict:
    """``data`` without its steps' ``expect``: a changed scenario, drawn as the engine runs it."""
    for step in data["steps"]:
        step.pop("expect", None)
    return data


def shipped() -> list[Diagram]:
    return list(Diagram.objects.filter(language="en").select_related("lesson").order_by("order"))


def needs_graphviz() -> None:
    if not renderer.renderer().available:
        pytest.skip("no Graphviz renderer here")


def svg_ids(svg: str) -> list[str]:
    return [unescape(found) for found in re.findall(r'\sid="([^"]+)"', svg)]


# ---- every step has an engine-drawn diagram ---------------------------------------------------------------------


def test_every_build_up_step_has_a_diagram_the_engine_computes_from_a_scenario(loaded):
    by_step: dict[int, list[Diagram]] = {}
    for diagram in shipped():
        if diagram.kind:
            assert diagram.kind in STEP_KINDS and diagram.scenario and diagram.scenario_name, diagram.key
            by_step.setdefault(diagram.lesson.step, []).append(diagram)
    assert set(by_step) == set(range(1, 8))
    kinds = {d.kind for found in by_step.values() for d in found}
    assert kinds == STEP_KINDS  # the evaluation order, the STS sequence, accounts, the chain and the intersection


def test_every_shipped_diagram_draws_with_every_node_and_edge_and_a_text_alternative(loaded):
    needs_graphviz()
    for diagram in shipped():
        drawn = diagrams.draw(diagram)
        assert drawn.problem is None and drawn.svg, diagram.key
        assert drawn.rows and drawn.boxes, diagram.key
        renderer._check_svg(drawn.svg.encode())  # raises for script, event handlers, entities, unsafe links


def test_the_visual_page_shows_every_step_and_gives_each_element_an_id_no_other_diagram_uses(loaded, committed):
    needs_graphviz()
    page = committed.get("/lessons/visual/").content.decode()
    ids = [unescape(i) for i in re.findall(r'\sid="([^"]+)"', page)]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
    for step in range(1, 8):
        assert f'id="visual-step-{step}"' in page
    # two engine drawings that name their parts alike (e-0, flow-deny) are told apart by their diagram's key
    assert "step-3-who-may-assume-e-0" in ids and "step-5-cross-account-e-0" in ids
    assert "step-1-evaluation-flow-deny" in ids and "step-7-session-decision-flow-deny" in ids
    assert "mental-model-n0" in ids and "mental-model-mental-model-n0" not in ids
    assert page.count('tabindex="0" role="img"') == len(shipped())


def test_the_visual_page_is_drawn_once_per_content_version(
    loaded, committed, django_assert_max_num_queries, monkeypatch
):
    committed.get("/lessons/visual/")
    calls = []
    monkeypatch.setattr(step_diagrams, "picture", lambda *args: calls.append(args))
    with django_assert_max_num_queries(4):  # the diagram rows, the session, the learner, their commitments
        page = committed.get("/lessons/visual/").content.decode()
    assert calls == [] and "Role chaining" in page  # every drawing came from the renders cache


def test_a_changed_scenario_is_drawn_anew_not_taken_from_the_cache(loaded):
    diagram = Diagram.objects.get(key="step-7-chain")
    before = diagrams.draw(diagram)
    changed = copy.deepcopy(diagram.scenario)
    changed["steps"][0]["session_name"] = "nightly-build"
    diagram.scenario = changed
    after = diagrams.draw(diagram)
    assert any("nightly-build" in row[0] for row in after.rows)
    assert not any("nightly-build" in row[0] for row in before.rows)


# ---- the facts come from the engine -----------------------------------------------------------------------------


def test_cross_account_draws_two_account_clusters_and_the_trust_arrow_between_them():
    # iam-reference.md §5.2 / D-XACCT: a role trusting another account lets that account's principals in, when
    # their own identity policies allow sts:AssumeRole on the role; the condition is the trust policy's.
    picture = step_diagrams.picture("x", "X", "access", scenario("s05-cross-account.json"), {})
    assert picture.dot.count("subgraph cluster_") == 2
    assert "account 111111111111 (dev)" in picture.dot and "account 222222222222 (partner)" in picture.dot
    assert (
        "carol",
        "PartnerAudit",
        "can assume, when the conditions are met (ExternalId = audit-7f3a9c)",
    ) in picture.rows
    assert any(box.startswith("carol (IAM user, in account 222222222222") for box in picture.boxes)


def test_cross_account_without_the_callers_own_allow_draws_a_dashed_arrow_naming_what_is_missing():
    # Change the scenario: carol's account never allows the assumption (the put_policy step is gone).
    data = scenario("s05-cross-account.json")
    data["steps"] = data["steps"][:1]
    picture = step_diagrams.picture("x", "X", "access", data, {})
    (row,) = [r for r in picture.rows if r[0] == "carol"]
    assert row[2].startswith("is trusted but not permitted to assume") and "needs identity policy" in row[2]
    assert not any("session" in box for box in picture.boxes)


def test_the_chain_marks_each_hop_with_its_session_and_the_one_hour_cap():
    # iam-reference.md §5.3 (D-TERMS): role chaining limits a session to one hour, whatever MaxSessionDuration says;
    # asking for more is a ValidationError. Assuming the same role directly may last longer.
    picture = step_diagrams.picture("c", "C", "chain", scenario("s07-chaining-cap.json"), {})
    boxes = "\n".join(picture.boxes)
    assert "Session pipeline of Deploy: issued 09:00:00, expires 10:00:00 (1 hour)" in boxes
    assert "Session chained-1h of Analyst: issued 09:00:00, expires 10:00:00 (1 hour) — in the group" in boxes
    assert "Session direct-2h of Analyst: issued 09:00:00, expires 11:00:00 (2 hours)" in boxes
    assert "exceeds the 1 hour session limit for roles assumed by role chaining" in boxes
    assert "at most 1 hour" in picture.dot and "class=lit" in picture.dot.replace('"', "")
    refused = [r for r in picture.rows if r[1].startswith("Refused")]
    assert refused == [(refused[0][0], refused[0][1], "assumes Analyst, asks for 2 hours")]
    assert refused[0][0].startswith("Session pipeline of Deploy")


def test_the_chain_follows_the_scenario_when_the_duration_changes():
    data = scenario("s07-chaining-cap.json")
    data["steps"][4]["duration_seconds"] = 10800
    picture = step_diagrams.picture("c", "C", "chain", unchecked(data), {})
    assert any("direct-2h of Analyst: issued 09:00:00, expires 12:00:00 (3 hours)" in box for box in picture.boxes)


def test_the_intersection_puts_each_action_where_the_engine_decides_it():
    # iam-reference.md §5.4: a session policy can only narrow — effective permissions are the intersection of the
    # role's identity policies and the session policy.
    probes = [
        {"action": "s3:GetObject", "resource": "arn:aws:s3:::reports/q1.csv"},
        {"action": "s3:PutObject", "resource": "arn:aws:s3:::reports/q1.csv"},
        {"action": "iam:CreateUser", "resource": "arn:aws:iam::111111111111:user/new-admin"},
    ]
    data = scenario("s07-session-policy.json")
    narrow = step_diagrams.picture("i", "I", "intersection", data, {"session": "r1", "probes": probes})
    boxes = "\n".join(narrow.boxes)
    assert "s3:GetObject on reports/q1.csv — Effective permissions: both allow" in boxes
    assert "s3:PutObject on reports/q1.csv — Only the role allows" in boxes
    assert "iam:CreateUser on arn:aws:iam::111111111111:user/new-admin — Neither allows" in boxes
    wide = step_diagrams.picture("i", "I", "intersection", data, {"session": "w1", "probes": probes})
    boxes = "\n".join(wide.boxes)
    assert "s3:PutObject on reports/q1.csv — Effective permissions: both allow" in boxes
    assert "iam:CreateUser on arn:aws:iam::111111111111:user/new-admin — Only the session policy allows" in boxes
    # every arrow is a policy that allows an action, as the evaluator saw it
    assert {label for _, _, label in wide.rows} == {"allows"}
    assert sum(1 for row in wide.rows if row[1].startswith("iam:CreateUser")) == 1


def test_the_intersection_changes_when_the_session_policy_changes():
    data = scenario("s07-session-policy.json")
    data["steps"][0]["policy"]["Statement"][0]["Action"] = ["s3:GetObject", "s3:PutObject"]
    picture = step_diagrams.picture("i", "I", "intersection", unchecked(data), {"session": "r1"})
    assert "s3:PutObject on reports/q1.csv — Effective permissions: both allow" in picture.boxes


def test_the_evaluation_order_lights_the_path_the_engine_took():
    # iam-reference.md §4.2: explicit deny, then RCPs and SCPs, the resource policy, the identity policy, the
    # boundary and the session policy; a session policy that does not allow the action ends in an implicit deny.
    data = scenario("s07-session-policy.json")
    picture = step_diagrams.picture("d", "D", "decision", data, {"request": "role allows, session policy does not"})
    assert picture.ordered
    assert [row[1] for row in picture.rows][-1] == "Final decision: implicit deny (nothing allowed it)"
    assert picture.rows[-1][0] == engine.FLOW_NODES["session"]
    assert "because no session policy allows the s3:PutObject action" in picture.boxes[-1]
    assert "class=lit" in picture.dot.replace('"', "")
    allowed = step_diagrams.picture("d", "D", "decision", data, {"request": "allowed by role and session policy"})
    assert allowed.rows[-1][1] == "Final decision: allowed"


def test_the_sts_flow_is_a_sequence_of_messages_from_the_engine():
    # iam-reference.md §5.1/§5.2: the caller asks STS, STS checks the trust policy, returns temporary credentials
    # (an ASIA access key, a secret, a session token, an expiry), and the service authorizes each call with them.
    picture = step_diagrams.picture("s", "S", "sequence", scenario("s02-role-session.json"), {})
    assert picture.ordered and "<svg" in picture.svg
    assert [b.removeprefix("Lifeline: ") for b in picture.boxes] == [
        "alice",
        "AWS STS",
        "Trust policy check: role ReportReader",
        "Amazon S3",
    ]
    texts = [row[2] for row in picture.rows]
    assert texts[2].startswith("3. AssumeRole ReportReader as alice-reading")
    assert texts[3] == "4. May this caller assume the role?" and texts[4] == "5. Yes"
    assert "access key ASIA…" in texts[5] and "they expire at 10:00:00 (1 hour)" in texts[5]
    assert texts[7] == "8. Allowed: an identity-based policy allows the action."
    for index, _ in enumerate(picture.rows):
        assert f'id="s-m{index}"' in picture.svg


def test_a_refused_assumption_says_why_when_aws_says_why_and_never_blames_the_wrong_policy():
    # iam-reference.md §4.3: the AccessDenied message names the policy type that denied, except across accounts.
    same = step_diagrams.picture("t", "T", "sequence", scenario("s03-trust-not-listed.json"), {})
    assert "3. No: no role trust policy allows the sts:AssumeRole action" in [row[2] for row in same.rows]
    across = step_diagrams.picture("t", "T", "sequence", scenario("s05-cross-account.json"), {})
    assert "3. No: the role's trust policy, or the caller's own account, does not allow it" in [
        r[2] for r in across.rows
    ]
    texts = [row[2] for row in across.rows]
    assert texts[0] == "1. AssumeRole PartnerAudit as carol-audit, ExternalId audit-7f3a9c"
    assert texts[4] == "Meanwhile, the inline policy AssumePartnerAudit is put on carol"
    assert texts[7] == "7. Yes"  # once carol's own account allows it


def test_the_expiry_sequence_follows_the_clock_and_turns_red_after_it():
    # iam-reference.md §5.9 (D-TEMP): after the expiry every call with the credentials fails with ExpiredToken.
    data = scenario("s04-session-expiry.json")
    picture = step_diagrams.picture("e", "E", "sequence", data, {})
    texts = [row[2] for row in picture.rows]
    assert "Time passes: the clock now reads 09:14:59" in texts and "Time passes: the clock now reads 09:15:01" in texts
    assert sum(t.split(". ", 1)[-1].startswith("ExpiredToken") for t in texts) == 2
    assert picture.svg.count('fill="#b3261e"') == 2  # the two refusals are red
    data["steps"][0]["duration_seconds"] = 1800
    longer = step_diagrams.picture("e", "E", "sequence", unchecked(data), {})
    assert any("they expire at 09:30:00 (30 minutes)" in row[2] for row in longer.rows)
    assert not any("ExpiredToken" in row[2] for row in longer.rows)


# ---- hostile names, and what the SVG may hold -------------------------------------------------------------------


HOSTILE = '<script>alert("x")</script> & </text><svg onload=alert(1)>'


def test_the_sequence_svg_escapes_every_name_and_message():
    svg = sequence_svg("k", HOSTILE, [HOSTILE, "b"], [Message(0, 1, HOSTILE), Note(HOSTILE), Message(1, 0, "ok", True)])
    assert "<script" not in svg and "<svg onload" not in svg and "</text><svg" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg
    renderer._check_svg(svg.encode())  # the renderer's own check: no script, no handler, no entity


def test_a_sequence_message_must_join_lifelines_that_exist():
    with pytest.raises(ValueError, match="lifeline"):
        sequence_svg("k", "t", ["a"], [Message(0, 3, "x")])


def test_a_session_name_with_markup_is_escaped_in_every_diagram_kind():
    needs_graphviz()
    data = scenario("s07-chaining-cap.json")
    data["steps"][0]["session_name"] = "x<b>y"  # refused by STS's name pattern: shown as the engine's error
    unchecked(data)
    picture = step_diagrams.picture("c", "C", "chain", data, {})
    svg = renderer.render_checked(picture.dot, picture.expected)
    assert "<b>" not in svg and "x&lt;b&gt;y" in svg
    sequence = step_diagrams.picture("s", "S", "sequence", data, {})
    assert "<b>" not in sequence.svg and "x&lt;b&gt;y" in sequence.svg


def test_scoped_ids_prefix_every_element_id_once():
    svg = '<svg id="access-graph"><g id="e&#45;0" class="edge"></g><g id="k-n0"></g></svg>'
    assert (
        diagrams.scoped(svg, "k")
        == '<svg id="k-access-graph"><g id="k-e&#45;0" class="edge"></g><g id="k-n0"></g></svg>'
    )


# ---- the text alternative lists every node and edge -------------------------------------------------------------


def test_the_text_alternative_lists_every_node_and_edge_of_the_access_graph():
    data = scenario("s03-trust-account-root.json")
    picture = step_diagrams.picture("a", "A", "access", data, {})
    done = engine.replay(data)
    graph = engine.access_graph(done.world, parents=done.parents, fold=None)
    assert len(picture.boxes) == len(graph.nodes) and len(picture.rows) == len(graph.edges)
    for node, box in zip(graph.nodes, picture.boxes, strict=True):
        assert box.startswith(node.label.replace("\n", " — "))
    assert ("bob", "ReportReader", "is trusted but not permitted to assume; needs identity policy") in picture.rows


def test_the_text_alternative_of_the_chain_and_intersection_covers_every_drawn_node_and_edge():
    needs_graphviz()
    for kind, name, spec in (
        ("chain", "s07-chaining-cap.json", {}),
        ("intersection", "s07-session-policy.json", {"session": "r1"}),
    ):
        picture = step_diagrams.picture("t", "T", kind, scenario(name), spec)
        svg = renderer.render_checked(picture.dot, picture.expected)
        nodes = [i for i in svg_ids(svg) if re.fullmatch(r"t-n\d+", i)]
        edges = [i for i in svg_ids(svg) if re.fullmatch(r"t-e\d+", i)]
        assert len(nodes) == len(picture.boxes) and len(edges) == len(picture.rows), kind


def test_the_page_shows_the_text_alternative_of_every_diagram(loaded, committed):
    page = committed.get("/lessons/visual/").content.decode()
    for diagram in shipped():
        drawn = diagrams.draw(diagram)
        assert f'id="{diagram.key}-words"' in page
        for box in drawn.boxes:
            assert escape_html(box) in page, (diagram.key, box)


def escape_html(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


# ---- the loader refuses a diagram whose scenario does not run -----------------------------------------------------


def _content_copy(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


def test_load_lessons_names_the_file_and_line_of_a_diagram_whose_request_step_is_missing(tmp_path):
    root = _content_copy(tmp_path)
    path = root / "en" / "diagrams.yaml"
    text = path.read_text().replace('request: "GetObject matches ReadReports"', 'request: "no such step"')
    path.write_text(text)
    with pytest.raises(ContentError) as caught:
        read_content(root)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("step-1-evaluation:"))
    assert caught.value.path == path and caught.value.line in (line, line + 1)
    assert "no step with the title or id 'no such step'" in caught.value.message


def test_load_lessons_refuses_a_diagram_whose_scenario_world_does_not_load(tmp_path):
    root = _content_copy(tmp_path)
    broken = root / "scenarios" / "s05-cross-account.json"
    data = json.loads(broken.read_text())
    data["world"]["accounts"]["111111111111"]["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"] = "nope"
    broken.write_text(json.dumps(data))
    with pytest.raises(ContentError) as caught:
        read_content(root)
    assert caught.value.path.name in {"diagrams.yaml", "predictions.yaml", "myths.yaml", "questions.yaml"}
    if caught.value.path.name == "diagrams.yaml":
        assert "the scenario does not run" in caught.value.message


def test_load_lessons_refuses_a_diagram_whose_scenario_misses_its_expectations(tmp_path):
    root = _content_copy(tmp_path)
    path = root / "scenarios" / "s07-chaining-cap.json"
    data = json.loads(path.read_text())
    data["steps"][1]["expect"] = {"ok": True}  # a chained 2-hour session: the engine refuses it
    path.write_text(json.dumps(data))
    with pytest.raises(ContentError, match=r"diagrams\.yaml:.*step 2 .*of the scenario"):
        read_content(root)


def test_load_lessons_refuses_an_unknown_kind_of_diagram(tmp_path):
    root = _content_copy(tmp_path)
    path = root / "en" / "diagrams.yaml"
    path.write_text(path.read_text().replace("draw: chain", "draw: venn"))
    with pytest.raises(ContentError, match="'draw' must be one of access, decision, sequence, chain, intersection"):
        read_content(root)


# ---- the hand-drawn mental model stays --------------------------------------------------------------------------


def test_the_mental_model_is_stored_and_found(loaded):
    assert diagrams.stored(diagrams.MENTAL_MODEL).title == "The visitor badge: how a role is used"
    assert diagrams.stored("no-such-diagram") is None


def test_nothing_is_found_before_the_lessons_are_loaded():
    assert diagrams.stored(diagrams.MENTAL_MODEL) is None


def test_the_mental_model_draws_every_edge_of_its_table_with_its_own_ids(loaded):
    diagram = diagrams.stored(diagrams.MENTAL_MODEL)
    source = diagrams.diagram_dot(diagram)
    rows = diagrams.draw(diagram).rows
    labels = {node["id"]: node["label"] for node in diagram.nodes}
    assert rows == [(labels[e["from"]], labels[e["to"]], e["label"]) for e in diagram.edges]
    for index in range(len(diagram.edges)):
        assert f'id="{diagram.key}-e{index}"' in source


def test_a_missing_renderer_leaves_the_text_alternative(loaded, committed, settings):
    settings.GRAPHVIZ_RENDERER = "none"
    page = committed.get("/lessons/visual/").content.decode()
    assert "Diagrams are switched off on this server" in page
    assert "Session chained-1h of Analyst" in page  # the chain in words
    assert page.count("sequence-diagram") == 2  # the two sequences are drawn here, not by Graphviz


def test_a_long_word_such_as_an_arn_is_cut_after_a_colon_or_slash_never_joined_with_a_space():
    from lessons.sequence_svg import wrap

    lines = wrap("You are arn:aws:sts::111111111111:assumed-role/ReportReader/alice-reading now", 34)
    assert lines == ["You are", "arn:aws:sts::111111111111:", "assumed-role/ReportReader/", "alice-reading now"]
    assert all(len(line) <= 34 for line in wrap("x" * 100, 34)) and "".join(wrap("x" * 100, 34)) == "x" * 100
