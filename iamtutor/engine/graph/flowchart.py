"""The evaluation flowchart of one decision: AWS's policy-evaluation logic as DOT, this request's path lit.

Owns the flowchart's arrows (``evaluate.FLOW_NODES`` gives the boxes) and the note naming the statement
that decided. The path itself is ``Decision.path``, from the evaluator.
"""

from __future__ import annotations

import itertools
from typing import Final

import graphviz

from ..evaluate import FLOW_NODES, Decision, MatchedStatement, Request
from .text import FONT, dot_text, wrap

# The flowchart's arrows (AWS's evaluation logic, §4.1–§4.2); a path step not listed is drawn anyway.
_FLOW_EDGES: Final = (
    ("request", "no_authorization", "sts:GetCallerIdentity"),
    ("request", "deny", ""),
    ("no_authorization", "allow", ""),
    ("deny", "explicit_deny", "yes"),
    ("deny", "rcp", "no"),
    ("rcp", "implicit_deny", "no Allow"),
    ("rcp", "scp", "allowed"),
    ("scp", "implicit_deny", "no Allow"),
    ("scp", "resource", "allowed"),
    ("resource", "allow", "names the caller"),
    ("resource", "identity", "no, or names the account"),
    ("resource", "boundary", "names the role"),
    ("resource", "implicit_deny", "no (trust, cross-account)"),
    ("identity", "boundary", "allows"),
    ("identity", "implicit_deny", "no"),
    ("boundary", "session", "allows"),
    ("boundary", "allow", "allows"),
    ("boundary", "implicit_deny", "no"),
    ("session", "allow", "allows"),
    ("session", "implicit_deny", "no"),
)
_TERMINALS: Final = frozenset({"allow", "explicit_deny", "implicit_deny", "no_authorization"})
_SOURCE_WORDS: Final = {
    "identity": "identity-based policy",
    "resource": "resource-based policy",
    "trust": "role trust policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "scp": "service control policy",
    "rcp": "resource control policy",
}


def decision_dot(decision: Decision, request: Request) -> str:
    """DOT of AWS's policy-evaluation flowchart (``evaluate.FLOW_NODES`` in order) with ``decision.path``
    lit up (bold, filled, SVG class ``lit``) and the deciding statement named in a note. Never raises."""
    dot = _digraph(request)
    path = ("request", *decision.path)
    lit_nodes, lit_edges = set(path), set(itertools.pairwise(path))
    _flow_node(dot, "request", "Request", "box", "request" in lit_nodes)
    for key, text in FLOW_NODES.items():
        _flow_node(dot, key, text, "box" if key in _TERMINALS else "diamond", key in lit_nodes)
    for source, target, label in _FLOW_EDGES:
        _flow_edge(dot, source, target, label, (source, target) in lit_edges)
    for source, target in sorted(lit_edges - {(s, t) for s, t, _ in _FLOW_EDGES}):
        _flow_edge(dot, source, target, "", True)
    note = dot_text(*_deciding_lines(decision))
    dot.node("statement", note, shape="note", id="flow-statement", style="filled", fillcolor="#fffbe6")
    dot.edge("statement", f"f_{path[-1]}", style="dotted", arrowhead="none", id="flow-note")
    return dot.source


def _digraph(request: Request) -> graphviz.Digraph:
    return graphviz.Digraph(
        "decision",
        graph_attr={
            "label": dot_text(f"{request.caller.arn} → {request.action} on {request.resource}"),
            "labelloc": "t",
            "fontname": FONT,
            "id": "decision-graph",
            "newrank": "true",
        },
        node_attr={"fontname": FONT, "fontsize": "10"},
        edge_attr={"fontname": FONT, "fontsize": "9"},
    )


def _flow_node(dot: graphviz.Digraph, key: str, text: str, shape: str, lit: bool) -> None:
    attrs = (
        {"style": "filled,bold", "fillcolor": "#ffe08a", "penwidth": "3", "class": "lit"}
        if lit
        else {"style": "filled", "fillcolor": "#f5f5f5", "color": "#999999", "fontcolor": "#555555"}
    )
    dot.node(f"f_{key}", dot_text(*wrap(text, 28)), shape=shape, id=f"flow-{key}", **attrs)


def _flow_edge(dot: graphviz.Digraph, source: str, target: str, label: str, lit: bool) -> None:
    attrs = {"penwidth": "3", "color": "#b35900", "class": "lit"} if lit else {"color": "#aaaaaa"}
    text = dot_text(label) if label else None
    dot.edge(f"f_{source}", f"f_{target}", label=text, id=f"flow-{source}-{target}", **attrs)


def _deciding_lines(decision: Decision) -> list[str]:
    """Who decided: the statement (policy, Sid or number, type) behind the outcome, and the reason."""
    statement = _deciding_statement(decision)
    if statement is None and decision.outcome == "allowed":
        head = "No policy is needed"
    elif statement is None:
        head = f"No {_SOURCE_WORDS.get(decision.denied_by or '', 'policy')} statement allowed it"
    else:
        sid = f'Sid "{statement.sid}"' if statement.sid else f"statement {statement.index + 1}"
        head = (
            f"Decided by {statement.effect} {sid} of {statement.policy or 'a policy'} "
            f"({_SOURCE_WORDS.get(statement.source, statement.source)})"
        )
    return [*wrap(head, 40), *wrap(decision.reason, 40)]


def _deciding_statement(decision: Decision) -> MatchedStatement | None:
    if decision.outcome == "explicitDeny":
        return next((m for m in decision.matched if m.effect == "Deny"), None)
    if decision.outcome != "allowed":
        return None
    wanted = ("identity",) if decision.grant == "identity" else ("trust", "resource")
    found = next((m for m in decision.matched if m.effect == "Allow" and m.source in wanted), None)
    return found or next((m for m in decision.matched if m.effect == "Allow"), None)
