"""The build-up steps' diagrams, computed from each step's scenario by the engine: the scenario is replayed
(``engine.replay``) and what it did is drawn by the engine's graph code — the access graph with its account
clusters (``access``), the evaluation flowchart of one request with its path lit (``decision``), a role
chain with each hop's session and the one-hour cap (``chain``), and a session policy's intersection with the
role's policies as sets of actions the evaluator allows (``intersection``) — or, for the STS flow, as a
sequence diagram (``sequence``, SVG from ``sequence_svg.py``).

Nothing here decides anything about IAM: every yes, no, expiry and error is the engine's. This module only
chooses what to show and says it in words: each ``Picture`` carries its boxes and arrows as text, the
diagram's text alternative. Rendering DOT and caching are ``diagrams.py``'s.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from iamtutor import engine

from . import sequence_svg
from .sequence_svg import Message, Note

KINDS = ("access", "decision", "sequence", "chain", "intersection")
SPEC_FIELDS = {  # what each kind reads from its diagrams.yaml item, besides the scenario
    "access": (),
    "decision": ("request",),
    "sequence": ("steps",),
    "chain": (),
    "intersection": ("session", "probes"),
}
FILLS = {
    "principal": "#eef4ff",
    "session": "#f3e8ff",
    "refused": "#fde8e8",
    "policy": "#fff7e0",
    "action": "#e8f5e9",
    "action-off": "#eeeeee",
}
SERVICE_NAMES = {"s3": "Amazon S3", "iam": "AWS IAM", "sts": "AWS STS", "dynamodb": "Amazon DynamoDB", "kms": "AWS KMS"}
_KIND_WORDS = {
    "user": "IAM user",
    "role": "role",
    "service": "AWS service",
    "oidc_provider": "OIDC provider",
    "saml_provider": "SAML provider",
    "account_root": "account",
    "session": "role session",
    "resource_group": "resources",
}


class DiagramProblem(Exception):
    """The diagram cannot be drawn from its scenario; ``message`` says why, in words for the content author."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Picture:
    """One step diagram: DOT for Graphviz (``dot``, with the ``expected`` ids a complete drawing has) or a
    finished SVG (``svg``, the sequence), and the same facts in words: ``boxes`` (every box) and ``rows``
    (every arrow as from, to, what); ``ordered`` when the rows are steps in time."""

    dot: str = ""
    svg: str = ""
    expected: frozenset[str] = frozenset()
    boxes: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    ordered: bool = False


def picture(key: str, title: str, kind: str, scenario: Mapping, spec: Mapping) -> Picture:
    """The diagram ``key`` of ``kind`` computed from ``scenario``; raises ``DiagramProblem`` when the scenario
    does not run, a step misses its ``expect``, or ``spec`` names a step the scenario does not have."""
    build = _BUILDERS.get(kind)
    if build is None:
        raise DiagramProblem(f"'draw' must be one of {', '.join(KINDS)}, not {kind!r}")
    try:
        done = engine.replay(scenario)
    except engine.EngineError as err:
        raise DiagramProblem(f"the scenario does not run: {err}") from None
    for step in done.steps:
        if step.failures:
            label = step.step.get("title") or step.step.get("id") or step.step.get("op")
            raise DiagramProblem(f"step {step.index + 1} ({label}) of the scenario: {step.failures[0]}")
    try:
        return build(key, title, done, spec)
    except engine.EngineError as err:
        raise DiagramProblem(f"the engine refused a question this diagram asks: {err}") from None


# ---- access: the engine's access graph, accounts as clusters -------------------------------------------------


def _access(key: str, title: str, done: engine.Replay, spec: Mapping) -> Picture:
    graph = engine.access_graph(done.world, parents=done.parents, fold=None)
    if not graph.complete:
        raise DiagramProblem("the scenario's world is too large for one diagram")
    accounts = {c.id: c.label for c in graph.clusters}
    boxes = [_node_words(node, accounts) for node in graph.nodes]
    rows = [(row["from"], row["to"], _edge_words(row)) for row in engine.edge_table(graph)]
    dot = engine.to_dot(graph, title=title)
    return Picture(dot=dot, expected=engine.expected_svg_ids(graph), boxes=boxes, rows=rows)


def _node_words(node: engine.Node, accounts: Mapping[str, str]) -> str:
    name = node.label.replace("\n", " — ")
    where = f", in {accounts[node.account]}" if node.account in accounts else ""
    kind = f"{node.service} resources" if node.kind == "resource_group" and node.service else node.kind
    return f"{name} ({_KIND_WORDS.get(kind, kind)}{where})"


def _edge_words(row: Mapping) -> str:
    what = str(row["what"])
    if row["conditions"] and row["allowed"]:
        what += f" ({row['conditions']})"
    if row["missing"]:
        what += f"; needs {row['missing']}"
    return what


# ---- decision: the evaluation flowchart of one request -------------------------------------------------------


def _decision(key: str, title: str, done: engine.Replay, spec: Mapping) -> Picture:
    step = _step(done, spec.get("request"), "request")
    decision = step.decision
    if decision is None or decision.request is None:
        raise DiagramProblem(f"the step {spec.get('request')!r} is not a request the engine decided")
    request = decision.request
    path = ("request", *decision.path)
    words = {"request": f"Request: {request.caller.arn} asks for {request.action} on {request.resource}"}
    words |= engine.FLOW_NODES
    lit = set(path)
    boxes = [words["request"]]
    boxes += [
        f"{text} — {'on this request’s path' if n in lit else 'not reached'}" for n, text in engine.FLOW_NODES.items()
    ]
    boxes.append(f"The engine’s reason: {decision.reason}")
    rows = [(words[a], words[b], "then") for a, b in itertools.pairwise(path)]
    expected = {f"flow-{node}" for node in path} | {f"flow-{a}-{b}" for a, b in itertools.pairwise(path)}
    dot = engine.decision_dot(decision, request)
    return Picture(dot=dot, expected=frozenset(expected | {"flow-statement"}), boxes=boxes, rows=rows, ordered=True)


# ---- sequence: the STS flow, message by message --------------------------------------------------------------


def _sequence(key: str, title: str, done: engine.Replay, spec: Mapping) -> Picture:
    wanted = spec.get("steps")
    steps = [_step(done, name, None) for name in wanted] if wanted else done.steps
    cast = _Cast(done)
    items: list[Message | Note] = []
    for step in steps:
        items += _SEQUENCE_STEPS.get(step.step.get("op", ""), _change_note)(cast, step)
    if not any(isinstance(item, Message) for item in items):
        raise DiagramProblem("the scenario has no call to draw as a sequence")
    lifelines, numbered = cast.ordered(_numbered(items))
    svg = sequence_svg.sequence_svg(key, title, lifelines, numbered)
    boxes = [f"Lifeline: {name}" for name in lifelines]
    rows = [
        (lifelines[i.source], lifelines[i.target], i.text) if isinstance(i, Message) else ("—", "—", i.text)
        for i in numbered
    ]
    return Picture(svg=svg, boxes=boxes, rows=rows, ordered=True)


class _Cast:
    """The lifelines of a sequence as they first appear; drawn callers first, then AWS STS, roles, services."""

    CALLER, STS, ROLE, SERVICE = range(4)

    def __init__(self, done: engine.Replay) -> None:
        self.lifelines: list[str] = []
        self.ranks: list[int] = []
        self.by_step_id = {s.step["id"]: s for s in done.steps if isinstance(s.step.get("id"), str) and s.session}

    def index(self, name: str, rank: int) -> int:
        if name not in self.lifelines:
            self.lifelines.append(name)
            self.ranks.append(rank)
        return self.lifelines.index(name)

    def ordered(self, items: list[Message | Note]) -> tuple[list[str], list[Message | Note]]:
        """The lifelines in drawing order, and ``items`` with their lifeline indexes moved to match."""
        order = sorted(range(len(self.lifelines)), key=lambda i: (self.ranks[i], i))
        moved = {old: new for new, old in enumerate(order)}
        return [self.lifelines[i] for i in order], [
            replace(i, source=moved[i.source], target=moved[i.target]) if isinstance(i, Message) else i for i in items
        ]

    def caller(self, ref: object) -> tuple[int, str]:
        """The lifeline of whoever is behind ``ref`` (a session stands for the person or service that began
        its chain), and the words "as <session>" when it called with a session."""
        issued = self.by_step_id.get(ref) if isinstance(ref, str) else None
        if issued is None:
            return self.index(_principal_name(ref), self.CALLER), ""
        origin = issued
        while origin.step.get("caller") in self.by_step_id:  # back along the chain to whoever began it
            origin = self.by_step_id[origin.step["caller"]]
        lifeline = self.index(_principal_name(origin.step.get("caller")), self.CALLER)
        return lifeline, f" with the session {_session_words(issued)}"


def _assume_messages(cast: _Cast, step: engine.ReplayedStep) -> list[Message | Note]:
    who, via = cast.caller(step.step.get("caller"))
    sts = cast.index("AWS STS", cast.STS)
    role = _arn_name(str(step.step.get("role_arn", "")))
    asked = f"AssumeRole {role} as {step.step.get('session_name')}{via}"
    for name, words in (("duration_seconds", "DurationSeconds"), ("external_id", "ExternalId")):
        if step.step.get(name) is not None:
            asked += f", {words} {step.step[name]}"
    if step.step.get("policy") is not None:
        asked += ", with a session policy"
    items: list[Message | Note] = [Message(who, sts, asked)]
    error = step.result.get("error") or {}
    if step.ok or error.get("code") == "AccessDenied":  # other errors come before or after the policy check
        trust = cast.index(f"Trust policy check: role {role}", cast.ROLE)
        items.append(Message(sts, trust, "May this caller assume the role?"))
        items.append(Message(trust, sts, "Yes" if step.ok else _refusal(error), reply=True, ok=step.ok))
    if step.ok:
        credentials = step.result.get("credentials", {})
        expires = _clock(credentials.get("Expiration", ""))
        lasts = _lasting(step.clock, credentials.get("Expiration", ""))
        reply = f"Temporary credentials: access key {credentials.get('AccessKeyId', '')[:4]}…, secret, session token; "
        items.append(Message(sts, who, reply + f"they expire at {expires} ({lasts})", reply=True))
    else:
        items.append(Message(sts, who, f"{error.get('code')}: {error.get('message', '')}", reply=True, ok=False))
    return items


def _refusal(error: Mapping) -> str:
    """Why the policy check said no: the engine's reason when AWS gives one (it does not across accounts)."""
    _, because, reason = str(error.get("message", "")).partition(" because ")
    if because:
        return f"No: {reason}"
    return "No: the role's trust policy, or the caller's own account, does not allow it"


def _request_messages(cast: _Cast, step: engine.ReplayedStep) -> list[Message | Note]:
    who, via = cast.caller(step.step.get("caller"))
    action = str(step.step.get("action", ""))
    service = cast.index(SERVICE_NAMES.get(action.split(":")[0].lower(), action.split(":")[0].upper()), cast.SERVICE)
    asked = f"{action.split(':')[-1]} on {_short_arn(str(step.step.get('resource', '')))}{via}"
    return [Message(who, service, asked), Message(service, who, _answer(step.result), reply=True, ok=step.ok)]


def _answer(result: Mapping) -> str:
    """A request's result in words: the error, or the decision with the engine's reason."""
    error = result.get("error") or {}
    if error:
        return f"{error.get('code')}: {error.get('message', '')}"
    outcome = {"allowed": "Allowed", "explicitDeny": "Denied (explicit deny)", "implicitDeny": "Denied"}
    return result.get("reason") or outcome.get(result.get("decision", ""), str(result.get("decision")))


def _identity_messages(cast: _Cast, step: engine.ReplayedStep) -> list[Message | Note]:
    who, via = cast.caller(step.step.get("caller"))
    sts = cast.index("AWS STS", cast.STS)
    error = step.result.get("error") or {}
    answer = f"{error.get('code')}: {error.get('message', '')}" if error else f"You are {step.result.get('Arn')}"
    return [Message(who, sts, f"GetCallerIdentity{via}"), Message(sts, who, answer, reply=True, ok=step.ok)]


def _clock_note(cast: _Cast, step: engine.ReplayedStep) -> list[Message | Note]:
    return [Note(f"Time passes: the clock now reads {_clock(step.result.get('clock', ''))}")]


def _change_note(cast: _Cast, step: engine.ReplayedStep) -> list[Message | Note]:
    """A change to the world between two calls (a policy put or deleted, sessions revoked), and whether it worked."""
    op, kind = str(step.step.get("op", "")), step.step.get("kind") or ""
    target = _arn_name(str(step.step.get("target") or step.step.get("role_arn") or ""))
    policy = f"the {kind} policy {step.step.get('name') or step.step.get('policy_arn') or ''}".strip()
    words = {
        "put_policy": f"Meanwhile, {policy} is put on {target}",
        "delete_policy": f"Meanwhile, {policy} is deleted from {target}",
        "revoke_sessions": f"Meanwhile, the sessions of {target} issued so far are revoked",
    }.get(op, f"Meanwhile: {op.replace('_', ' ')} {target}")
    if not step.ok:
        words += f" — refused: {(step.result.get('error') or {}).get('message', '')}"
    return [Note(words)]


_SEQUENCE_STEPS: dict[str, Callable[[_Cast, engine.ReplayedStep], list[Message | Note]]] = {
    "assume_role": _assume_messages,
    "request": _request_messages,
    "get_caller_identity": _identity_messages,
    "advance_clock": _clock_note,
    "set_clock": _clock_note,
}


def _numbered(items: list[Message | Note]) -> list[Message | Note]:
    counter = itertools.count(1)
    return [replace(i, text=f"{next(counter)}. {i.text}") if isinstance(i, Message) else i for i in items]


# ---- chain: who assumed what from which session, and how long each session lasts -----------------------------


def _chain(key: str, title: str, done: engine.Replay, spec: Mapping) -> Picture:
    assumes = [s for s in done.steps if s.step.get("op") == "assume_role"]
    if not assumes:
        raise DiagramProblem("the scenario assumes no role")
    cap = _lasting_seconds(engine.CHAINING_SECONDS)
    group = {"id": "chained", "label": f"Role chaining: assumed with a role session, at most {cap}", "style": "lit"}
    by_id = {s.step["id"]: s for s in assumes if isinstance(s.step.get("id"), str) and s.session}
    nodes: dict[str, dict] = {}
    edges: list[dict] = []
    for step in assumes:
        parent = by_id.get(step.step.get("caller"))
        if parent is not None:
            source = f"session:{parent.session}"
        else:
            source = f"principal:{step.step.get('caller')}"
            label = _principal_words(step.step.get("caller"))
            nodes.setdefault(source, {"id": source, "label": label, "kind": "principal"})
        node, style = _hop(done, step, chained_from=parent)
        nodes[node["id"]] = node
        edges.append({"from": source, "to": node["id"], "label": _asked(step), "style": style})
    node_list = list(nodes.values())
    dot = engine.diagram_dot(key, node_list, edges, direction="LR", fills=FILLS, groups=[group])
    boxes = [n["label"] + (f" — in the group “{group['label']}”" if n.get("group") else "") for n in node_list]
    rows = engine.diagram_edges(node_list, edges)
    return Picture(dot=dot, expected=engine.diagram_svg_ids(key, node_list, edges), boxes=boxes, rows=rows)


def _hop(done: engine.Replay, step: engine.ReplayedStep, chained_from: object) -> tuple[dict, str]:
    """The box one ``assume_role`` leads to — the session STS issued, or the refusal — and its arrow's style."""
    if step.ok and step.session:
        session = done.world.sessions[step.session]
        node = {"id": f"session:{step.session}", "label": _session_label(session), "kind": "session"}
        if session.chained:
            node |= {"group": "chained", "style": "lit"}
        return node, "lit" if session.chained else ""
    error = step.result.get("error") or {}
    label = f"Refused: {error.get('code')}: {error.get('message', '')}"
    node = {"id": f"refused:{step.index}", "label": label, "kind": "refused"}
    if chained_from is not None:
        node["group"] = "chained"
    return node, "dashed"


def _asked(step: engine.ReplayedStep) -> str:
    """What an ``assume_role`` asked for: the role and the duration."""
    asked = step.step.get("duration_seconds")
    wanted = f"asks for {_lasting_seconds(asked)}" if asked is not None else "asks for the default"
    return f"assumes {_arn_name(str(step.step.get('role_arn', '')))}, {wanted}"


# ---- intersection: what the role allows ∩ what the session policy allows --------------------------------------


def _intersection(key: str, title: str, done: engine.Replay, spec: Mapping) -> Picture:
    step = _step(done, spec.get("session"), "assume_role")
    if not step.session:
        raise DiagramProblem(f"the step {spec.get('session')!r} issues no session")
    ident = done.world.identify(step.session)
    probes = _probes(done, spec.get("probes"))
    role = _arn_name(ident.role.arn) if ident.role else "the role"
    policies = ", ".join(p.name or "unnamed" for p in done.world.identity_policies(ident)) or "none"
    nodes = [
        {"id": "role", "label": f"Permission policies of {role} ({policies})", "kind": "policy"},
        {
            "id": "session",
            "label": f"Session policy passed when {step.step.get('session_name')} was assumed",
            "kind": "policy",
        },
    ]
    groups = [
        {"id": "both", "label": "Effective permissions: both allow", "style": "lit"},
        {"id": "role", "label": "Only the role allows: the session policy takes these away", "style": ""},
        {"id": "session", "label": "Only the session policy allows: the role never granted these", "style": "dashed"},
        {"id": "neither", "label": "Neither allows", "style": "dashed"},
    ]
    edges: list[dict] = []
    for index, (action, resource) in enumerate(probes):
        decision = engine.evaluate(done.world.build_request(ident, action, resource))
        by_role = _allowed_by(decision, "identity")
        by_session = _allowed_by(decision, "session")
        group = "both" if decision.allowed else "role" if by_role else "session" if by_session else "neither"
        words = f"{action} on {_short_arn(resource)}"
        if decision.outcome == "explicitDeny":
            words += " (an explicit deny)"
        node_id = f"a{index}"
        kind = "action" if decision.allowed else "action-off"
        nodes.append(
            {"id": node_id, "label": words, "kind": kind, "group": group, "style": "lit" if decision.allowed else ""}
        )
        for source, yes in (("role", by_role), ("session", by_session)):
            if yes:
                edges.append(
                    {"from": source, "to": node_id, "label": "allows", "style": "lit" if decision.allowed else ""}
                )
    used = {node.get("group") for node in nodes}
    groups = [g for g in groups if g["id"] in used]
    dot = engine.diagram_dot(key, nodes, edges, direction="LR", fills=FILLS, groups=groups)
    labels = {g["id"]: g["label"] for g in groups}
    boxes = [n["label"] + (f" — {labels[n['group']]}" if n.get("group") else "") for n in nodes]
    rows = engine.diagram_edges(nodes, edges)
    return Picture(dot=dot, expected=engine.diagram_svg_ids(key, nodes, edges), boxes=boxes, rows=rows)


def _probes(done: engine.Replay, given: object) -> list[tuple[str, str]]:
    """The (action, resource) pairs to ask about: those the content lists, else every request of the scenario."""
    if given is None:
        found = [(str(s.step["action"]), str(s.step["resource"])) for s in done.steps if s.step.get("op") == "request"]
    elif isinstance(given, list) and all(isinstance(p, Mapping) and {"action", "resource"} <= set(p) for p in given):
        found = [(str(p["action"]), str(p["resource"])) for p in given]
    else:
        raise DiagramProblem("'probes' is a list of {action, resource}")
    if not found:
        raise DiagramProblem("there is no action to ask about: list some under 'probes'")
    return list(dict.fromkeys(found))


def _allowed_by(decision: engine.Decision, source: str) -> bool:
    return any(m.source == source and m.effect == "Allow" for m in decision.matched)


# ---- words ----------------------------------------------------------------------------------------------------


def _step(done: engine.Replay, name: object, op: str | None) -> engine.ReplayedStep:
    step = done.step(name) if isinstance(name, str) else None
    if step is None:
        raise DiagramProblem(f"the scenario has no step with the title or id {name!r}")
    if op is not None and step.step.get("op") != op:
        raise DiagramProblem(f"the step {name!r} is a {step.step.get('op')} step, not {op}")
    return step


def _principal_name(ref: object) -> str:
    text = str(ref)
    if text.startswith("service:"):
        return text[len("service:") :]
    return _arn_name(text)


def _principal_words(ref: object) -> str:
    text = str(ref)
    if text.startswith("service:"):
        return f"{text[len('service:') :]} (AWS service)"
    parts = text.split(":")
    kind = parts[5].split("/")[0] if len(parts) > 5 else ""
    account = f", account {parts[4]}" if len(parts) > 4 and parts[4] else ""
    return f"{_arn_name(text)} ({'IAM user' if kind == 'user' else kind}{account})"


def _session_label(session) -> str:
    """A session in words: its name and role, when it was issued and when it expires (from the engine)."""
    lasts = _lasting_seconds(_seconds(session.issued_at, session.expires_at))
    role = _arn_name(session.role_arn or "")
    return (
        f"Session {session.session_name} of {role}: issued {_clock_of(session.issued_at)}, "
        f"expires {_clock_of(session.expires_at)} ({lasts})"
    )


def _session_words(step: engine.ReplayedStep) -> str:
    return f"{step.step.get('session_name')} ({_arn_name(str(step.step.get('role_arn', '')))})"


def _arn_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if "/" in arn else arn


def _short_arn(arn: str) -> str:
    return arn.removeprefix("arn:aws:s3:::")


def _clock(iso: str) -> str:
    """``2026-01-01T09:15:00Z`` → ``09:15:00``."""
    return iso[11:19] if len(iso) >= 19 else iso


def _clock_of(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


def _seconds(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


def _lasting(now: datetime, iso: str) -> str:
    try:
        end = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return "?"
    return _lasting_seconds(_seconds(now, end))


def _lasting_seconds(seconds: object) -> str:
    """``900`` → "15 minutes", ``3600`` → "1 hour", ``7200`` → "2 hours", others in seconds."""
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return f"{seconds} seconds"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour{'s' if seconds != 3600 else ''}"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds:,} seconds"


_BUILDERS: dict[str, Callable[[str, str, engine.Replay, Mapping], Picture]] = {
    "access": _access,
    "decision": _decision,
    "sequence": _sequence,
    "chain": _chain,
    "intersection": _intersection,
}
