"""The request console: one API request as a chosen identity, decided by the engine and explained.

The page asks for an identity (a user, or a session by access key), an action, a resource and request
context keys, runs ``world.request`` through ``worlds.run_change`` (so the request lands in the audit trail) and shows
the decision card: outcome, AWS's reason, the engine's plain explanation, the matched statements marked in
their policy's text, missing context keys and the path through AWS's evaluation order.
``decision_card`` builds that card for any decision, so other pages can include the same partial.
"""

from __future__ import annotations

import json
import re

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from iamtutor.engine import (
    FLOW_NODES,
    Decision,
    EngineError,
    StsError,
    World,
    explain,
    parse_arn,
    resolve_statement,
)
from iamtutor.engine.data import action_names
from iamtutor.lib.http import HtmxHttpRequest

from .. import diagrams
from ..access import get_sandbox
from ..forms import ConsoleForm, ContextFormSet
from ..models import Sandbox, StsSession
from ..worlds import run_change, sandbox_now

AUTOCOMPLETE_LIMIT = 25
LESSON_SLUG = "step-4-temporary-credentials"
SUGGESTED_KEYS = (
    "aws:SourceIp",
    "aws:MultiFactorAuthPresent",
    "aws:SecureTransport",
    "aws:RequestedRegion",
    "aws:SourceVpc",
    "aws:CurrentTime",
    "s3:prefix",
    "sts:ExternalId",
)
FINAL_NODES = ("allow", "explicit_deny", "implicit_deny")
OUTCOMES = {
    "allowed": (gettext_lazy("Allowed"), "✓"),
    "explicitDeny": (gettext_lazy("Explicit deny"), "⛔"),
    "implicitDeny": (gettext_lazy("Implicit deny"), "✗"),
}
TOKEN_ERRORS = {
    "ExpiredToken": gettext_lazy(
        "These temporary credentials are past their expiry time on the sandbox clock, so AWS refuses them "
        "before it looks at any policy. Assume the role again to get fresh credentials."
    ),
    "InvalidClientTokenId": gettext_lazy(
        "AWS does not know these credentials (or the access key is inactive), so it refuses the request "
        "before it looks at any policy."
    ),
}
_PLACEHOLDER = re.compile(r'^(\s*)("Statement": )?"\\u0000(\d+)"(,?)$')


# ---- views -------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def console(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The console page; a POST runs the request and shows the decision (in place with htmx)."""
    sandbox = get_sandbox(request, pk)
    data = request.POST if request.method == "POST" else None
    form = ConsoleForm(data, initial=request.GET.dict(), **_choices(sandbox))
    rows = ContextFormSet(data, prefix="context")
    card = None
    if data is not None and form.is_valid() and rows.is_valid():
        card = _run(sandbox, form, _context(rows))
    context = {
        "sandbox": sandbox,
        "form": form,
        "rows": rows,
        "card": card,
        "suggested_keys": SUGGESTED_KEYS,
        "action_names": [],
    }
    template = "sandbox/console.html#panel" if request.htmx else "sandbox/console.html"
    invalid = data is not None and card is None
    return render(request, template, context, status=400 if invalid and not request.htmx else 200)


@require_GET
def console_actions(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Autocomplete: ``<option>``s of catalogue actions starting with what was typed (``?action=s3:Get``)."""
    get_sandbox(request, pk)
    prefix = request.GET.get("action", "").strip()[:256]
    names = action_names(prefix, AUTOCOMPLETE_LIMIT) if prefix else []
    return render(request, "sandbox/console.html#action-options", {"action_names": names})


# ---- running a request --------------------------------------------------------------------------------------------


def _run(sandbox: Sandbox, form: ConsoleForm, context: dict) -> dict | None:
    """Runs the request in the sandbox's world (audited); a refusal becomes a form error, nothing is lost."""
    caller, action, target = form.cleaned_data["caller"], form.cleaned_data["action"], form.cleaned_data["target"]
    return run_change(sandbox, lambda world: _decide(world, caller, action.strip(), target, context), form=form).value


def _decide(world: World, caller: str, action: str, resource: str, context: dict) -> dict:
    """The decision card, or the token error card when the credentials are refused (ExpiredToken…)."""
    try:
        decision = world.redact(world.request(caller, action, resource, context))  # a classmate's policies stay theirs
    except StsError as err:
        return token_error_card(err)
    return {**decision_card(world, decision, context), "diagram": diagrams.decision_drawing(decision, decision.request)}


def _context(rows) -> dict:
    """The typed rows as a context mapping; a key given twice becomes a multivalued key."""
    context: dict[str, object] = {}
    for row in rows.cleaned_data:
        key, value = (row.get("key") or "").strip(), row.get("value") or ""
        if not key:
            continue
        if key in context:
            previous = context[key]
            context[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            context[key] = value
    return context


# ---- the decision card (shared partial: templates/sandbox/partials/decision.html) ---------------------------------


def decision_card(world: World, decision: Decision, typed_context: dict | None = None) -> dict:
    """Everything ``partials/decision.html`` shows for ``decision`` (made by ``world``)."""
    request = decision.request
    label, icon = OUTCOMES[decision.outcome]
    return {
        "outcome": decision.outcome,
        "label": label,
        "icon": icon,
        "reason": decision.reason,
        "explanation": explain(decision, request),
        "policies": matched_policies(world, decision),
        "missing_context": decision.missing_context,
        "path": evaluation_steps(decision.path),
        "ignored_keys": _ignored_keys(typed_context or {}, request.context),
        "action": request.action,
        "resource": request.resource,
        "caller": request.caller.arn,
    }


def token_error_card(err: EngineError) -> dict:
    """The card for credentials AWS refuses outright: its code, its message and a plain sentence."""
    return {
        "error": {
            "code": err.code,
            "message": err.message,
            "plain": TOKEN_ERRORS.get(err.code or "", ""),
            "lesson_url": reverse("lessons:detail", args=[LESSON_SLUG]),
        }
    }


def evaluation_steps(path_nodes: tuple[str, ...]) -> list[dict]:
    """AWS's evaluation order as steps, each marked with its position in the path the decision took."""
    flow = FLOW_NODES
    position = {node: index for index, node in enumerate(path_nodes, start=1)}
    return [
        {"id": node, "text": text, "position": position.get(node)}
        for node, text in flow.items()
        if node in position or node not in (*FINAL_NODES, "no_authorization")
    ]


def _ignored_keys(typed: dict, context) -> list[str]:
    """Typed keys the engine did not use as given: keys that describe the caller come from its credentials."""
    ignored = []
    for key, value in typed.items():
        wanted = tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
        if tuple(context.get(key.lower(), ())) != wanted:
            ignored.append(key)
    return ignored


def matched_policies(world: World, decision: Decision) -> list[dict]:
    """Each policy with a matched statement, in the order matched: its source (how the evaluator read it),
    name, statements and its text with the matched statements' lines marked (``[]`` when the world no
    longer holds it, or the policy was not read from a world)."""
    groups: dict[tuple, dict] = {}
    for matched in decision.matched:
        policy = matched.ref.policy if matched.ref is not None else matched.policy
        group = groups.setdefault(
            (matched.source, policy),
            {
                "source": matched.source,
                "name": matched.policy,
                "statements": [],
                "lines": [],
                "hidden": matched.ref is None and matched.policy is None and not matched.json_path,
            },
        )
        group["statements"].append(matched)
    for group in groups.values():
        first = group["statements"][0]
        resolved = resolve_statement(world, first.ref) if first.ref is not None else None
        if resolved is not None:
            group["name"] = resolved.name
            group["lines"] = policy_lines(resolved.document, {m.index: m for m in group["statements"]})
    return list(groups.values())


def policy_lines(document: dict, marks: dict) -> list[dict]:
    """The document pretty-printed, one entry per line; lines of a statement in ``marks`` carry its match.

    Statements are swapped for placeholders, the document is printed, and each placeholder line is replaced
    by its statement's own lines: so every line is known to belong to exactly one statement or to none.
    """
    document = dict(document)
    statements = document.get("Statement")
    single = isinstance(statements, dict)
    items = [statements] if single else list(statements) if isinstance(statements, list) else []
    if items:
        document["Statement"] = "\0" + "0" if single else ["\0" + str(i) for i in range(len(items))]
    lines: list[dict] = []
    for text in json.dumps(document, indent=2, ensure_ascii=False).splitlines():
        found = _PLACEHOLDER.match(text)
        if not found:
            lines.append({"number": len(lines) + 1, "text": text, "match": None, "first": False})
            continue
        indent, key, index, comma = found.group(1), found.group(2) or "", int(found.group(3)), found.group(4)
        body = json.dumps(items[index], indent=2, ensure_ascii=False).splitlines()
        for offset, part in enumerate(body):
            text = (indent + key if offset == 0 else indent) + part + (comma if offset == len(body) - 1 else "")
            lines.append({"number": len(lines) + 1, "text": text, "match": marks.get(index), "first": offset == 0})
    return lines


# ---- choices from the sandbox's rows (two queries; the world is loaded only to run a request) --------------------


def _choices(sandbox: Sandbox) -> dict:
    accounts = list(sandbox.accounts.all())
    sessions = list(sandbox.sts_sessions.only("access_key_id", "arn", "expires_at", "issued_at"))
    now = sandbox_now(sandbox)
    users = [
        (user["Arn"], f"{user['UserName']} ({account.alias or account.account_id})")
        for account in accounts
        for user in account.users()
    ]
    keys = [(s.access_key_id, _session_label(s, now)) for s in sessions]
    callers = [(_("Users"), users)] + ([(_("Sessions (by access key)"), keys)] if keys else [])
    resources = [(resource["arn"], resource["arn"]) for account in accounts for resource in account.resources()]
    roles = [(role["Arn"], role["Arn"]) for account in accounts for role in account.roles()]
    targets = [
        (_("Resources"), resources),
        (_("Roles (for sts:AssumeRole)"), roles),
        ("*", _("* (no particular resource)")),
    ]
    return {
        "callers": callers,
        "resources": targets,
        "actions_url": reverse("sandbox:console_actions", args=[sandbox.pk]),
    }


def _session_label(session: StsSession, now) -> str:
    state = _("expired") if session.expires_at <= now else _("active")
    arn = parse_arn(session.arn)
    name = arn.resource_id if arn is not None else session.arn
    return f"{name} · {session.access_key_id} ({state})"


urlpatterns = [
    path("<uuid:pk>/console/", console, name="console"),
    path("<uuid:pk>/console/actions/", console_actions, name="console_actions"),
]
