"""Credentials: the sandbox's STS sessions with a live countdown, a timeline of them all, and revoking a role's
sessions. The server stays the truth: the page carries the sandbox "now", ``static/js/countdown.js`` only
counts down from it and re-fetches the sessions fragment, so "expired" always comes from here."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from iamtutor.engine import revoke_sessions
from iamtutor.lib.http import HtmxHttpRequest

from .. import revision
from ..access import get_sandbox
from ..forms import ClockForm, RevokeForm
from ..models import Sandbox
from ..worlds import run_change, sandbox_now

CHAIN_CAP = timedelta(hours=1)  # STS caps a role-chained session at one hour (§5.3, D-TERMS, H)
AXIS_WIDTH = 1000  # the timeline's SVG user units; bars scale to the page width


@require_GET
def credentials(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The page; with htmx only the sessions fragment, which the countdown script re-fetches."""
    sandbox = get_sandbox(request, pk)
    context = sessions_context(sandbox)
    if request.htmx:
        return render(request, "sandbox/credentials.html#sessions", context)
    # The empty form is drawn once per revision (credentials.html): built only when that drawing is not kept.
    context.update(
        clock_minutes=ClockForm.MINUTES, empty_revoke_form=lambda: RevokeForm(roles=revision.role_arns(sandbox))
    )
    return render(request, "sandbox/credentials.html", context)


@require_POST
def credentials_revoke(request: HtmxHttpRequest, pk) -> HttpResponse:
    """ "Revoke active sessions" on a role: the AWSRevokeOlderSessions inline policy, written by the engine."""
    sandbox = get_sandbox(request, pk)
    form = RevokeForm(request.POST, roles=revision.role_arns(sandbox))
    done = form.is_valid() and run_change(sandbox, revoke(form.cleaned_data["role_arn"]), form=form).ok
    if request.htmx:
        context = {"sandbox": sandbox, "revoke_form": form, "revoked": form.cleaned_data["role_arn"] if done else None}
        return render(request, "sandbox/credentials.html#revoke", context)
    if done:
        messages.success(
            request, _("Sessions of %(role)s issued before now are revoked.") % {"role": form.cleaned_data["role_arn"]}
        )
        return redirect("sandbox:credentials", sandbox.pk)
    context = sessions_context(sandbox) | {"clock_minutes": ClockForm.MINUTES, "revoke_form": form}
    return render(request, "sandbox/credentials.html", context, status=400)


def revoke(role_arn: str):
    return lambda world: revoke_sessions(world, role_arn)


def sessions_context(sandbox: Sandbox) -> dict:
    """The sessions (newest first), split into active and all, placed on one time axis. The sessions are
    this revision's facts (``revision.sessions``): read once per revision, laid out against "now" each time."""
    now = sandbox_now(sandbox)
    sessions = revision.sessions(sandbox)
    axis = _axis(sessions, now)
    rows = [session_row(session, now, axis) for session in sessions]
    return {
        "sandbox": sandbox,
        "now": now,
        "now_iso": iso(now),
        "rows": rows,
        "active": [row for row in rows if not row["expired"]],
        "axis": axis,
        "active_rows": active_rows(rows, reverse("sandbox:console", args=[sandbox.pk])),
        "timeline_items": timeline_items(rows, axis) if axis else "",
        "session_table_rows": table_rows(rows),
    }


# The session lists can hold hundreds of rows. They are built here, every value escaped, because the template
# engine (and even format_html's lazy-aware escaping) would spend most of the page's time budget on them; the
# page's structure stays a template.


def _fill(template: str, values) -> str:
    """``template.format`` with every value HTML-escaped unless it is already safe markup."""
    return template.format(*(v if isinstance(v, SafeString) else html.escape(str(v)) for v in values))


def _join(separator: str, template: str, rows) -> SafeString:
    return SafeString(separator.join(_fill(template, values) for values in rows))  # every value escaped in _fill


def active_rows(rows: list[dict], console_url: str) -> SafeString:
    """The ``<tr>``s of the active sessions, each with its countdown ``<time data-expires>`` and a link that
    opens the request console with the session chosen (its id lets htmx keep focus across a refresh)."""
    badge = format_html(' <span class="badge">{}</span>', _("chained: 1 hour at most"))
    use = _("Make a request with it")
    return _join(
        "\n",
        (
            '<tr><th scope="row">{}<br><code>{}</code><br><a id="use-{}" href="{}?caller={}">{}</a></th>'
            "<td><code>{}</code>{}</td><td><code>{}</code></td>"
            '<td>{}</td><td><time datetime="{}">{}</time></td><td><time datetime="{}">{}</time>{}</td>'
            '<td><time class="countdown" datetime="PT{}S" data-expires="{}">{}</time></td></tr>'
        ),
        (
            (
                row["name"],
                row["key"],
                row["key"],
                console_url,
                row["key"],
                use,
                row["arn"],
                _user_id(row),
                row["role_arn"] or "—",
                mark_safe(_fill("<code>{}</code>", (row["parent"],))) if row["parent"] else "—",  # noqa: S308
                row["issued_iso"],
                row["issued"],
                row["expires_iso"],
                row["expires"],
                badge if row["chained"] else "",
                row["seconds_left"],
                row["expires_iso"],
                row["time_left"],
            )
            for row in rows
            if not row["expired"]
        ),
    )


def timeline_items(rows: list[dict], axis: dict) -> SafeString:
    """The ``<li>``s of the timeline: a text label, then the bar as SVG with a ``<title>`` on the shared axis."""
    words = {True: _("expired"), False: _("active")}
    chained = format_html(' <span class="badge">{}</span>', _("chained, capped at 1 hour"))
    return _join(
        "\n",
        (
            '<li class="timeline-row"><span class="timeline-label">{} · {} → {} '
            '<span class="badge {}">{}</span>{}</span>'
            '<svg class="timeline-bar" viewBox="0 0 {} 14" preserveAspectRatio="none" role="img" '
            'aria-labelledby="bar-{}">'
            '<title id="bar-{}">{} ({})</title><rect class="tl-track" x="0" y="0" width="{}" height="14"></rect>'
            '<rect class="{}" x="{}" y="2" width="{}" height="10"></rect>{}'
            '<line class="tl-now" x1="{}" x2="{}" y1="0" y2="14"></line></svg></li>'
        ),
        (
            (
                row["name"],
                row["issued_short"],
                row["expires_short"],
                "badge-bad" if row["expired"] else "badge-ok",
                words[row["expired"]],
                chained if row["chained"] else "",
                axis["width"],
                row["pk"],
                row["pk"],
                row["title"],
                words[row["expired"]],
                axis["width"],
                _bar_class(row),
                row["bar"]["x"],
                row["bar"]["width"],
                _cap(row),
                axis["now_x"],
                axis["now_x"],
            )
            for row in rows
        ),
    )


def table_rows(rows: list[dict]) -> SafeString:
    """The ``<tr>``s of the timeline's table: the same facts as text."""
    chained = {True: _("yes (capped at 1 hour)"), False: _("no")}
    status = {True: format_html('<strong class="status-expired">{}</strong>', _("Expired")), False: _("Active")}
    return _join(
        "\n",
        ('<tr><th scope="row">{} <code>{}</code></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>'),
        (
            (
                row["name"],
                row["key"],
                row["issued"],
                row["expires"],
                row["lifetime"],
                chained[row["chained"]],
                status[row["expired"]],
            )
            for row in rows
        ),
    )


def _user_id(row: dict) -> SafeString | str:
    return (
        mark_safe(_fill('<br><span class="help">UserId <code>{}</code></span>', (row["user_id"],)))  # noqa: S308 (escaped in _fill)
        if row["user_id"]
        else ""
    )


def _bar_class(row: dict) -> str:
    return "tl-session" + (" tl-expired" if row["expired"] else "") + (" tl-chained" if row["chained"] else "")


def _cap(row: dict) -> SafeString | str:
    """The mark where STS's one-hour cap falls on a chained session's bar."""
    cap = row["bar"]["cap"]
    return mark_safe(_fill('<line class="tl-cap" x1="{}" x2="{}" y1="0" y2="14"></line>', (cap, cap))) if cap else ""  # noqa: S308 (escaped in _fill)


def session_row(session: dict, now: datetime, axis: dict | None) -> dict:
    """One session (``revision.sessions``) as the page shows it, every text ready (the page lists hundreds:
    keep the template simple)."""
    left = int((session["expires_at"] - now).total_seconds())
    chained = session["chained"]
    name = session["arn"].split(":assumed-role/", 1)[-1]
    issued, expires = session["issued_at"].astimezone(UTC), session["expires_at"].astimezone(UTC)
    row = {
        "pk": session["access_key_id"],  # element ids: the random key id, never the row's sequential id
        "name": name,
        "key": session["access_key_id"],
        "arn": session["arn"],
        "role_arn": session["role_arn"],
        "user_id": f"{session['role_id']}:{session['session_name']}" if session["role_id"] else "",
        "chained": chained,
        "expired": left <= 0,
        "seconds_left": str(max(left, 0)),
        "time_left": countdown_text(left),
        "lifetime": countdown_text(int((expires - issued).total_seconds())),
        "issued_iso": iso(issued),
        "expires_iso": iso(expires),
        "issued": f"{issued:%Y-%m-%d %H:%M:%S}",
        "expires": f"{expires:%Y-%m-%d %H:%M:%S}",
        "issued_short": f"{issued:%H:%M}",
        "expires_short": f"{expires:%H:%M}",
        "parent": session["parent"],
    }
    row["title"] = _("%(name)s: issued %(issued)s, expires %(expires)s") % {
        "name": name,
        "issued": row["issued"],
        "expires": row["expires"],
    }
    # Escape each text once here; the three lists below reuse the values without escaping them again.
    # SafeString directly: mark_safe's lazy-aware wrapper costs more than the escaping itself here.
    row = {key: SafeString(html.escape(value)) if isinstance(value, str) else value for key, value in row.items()}
    if axis is not None:
        start = axis["x"](issued)
        row["bar"] = {
            "x": f"{start:g}",
            "width": f"{max(axis['x'](expires) - start, 2):g}",
            "cap": f"{axis['x'](issued + CHAIN_CAP):g}" if chained else None,
        }
    return row


def _axis(sessions: list[dict], now: datetime) -> dict | None:
    """A shared time axis from the first issue to the last expiry (or now), in SVG units of ``AXIS_WIDTH``."""
    if not sessions:
        return None
    start = min(session["issued_at"] for session in sessions)
    end = max(max(session["expires_at"] for session in sessions), now)
    span = max((end - start).total_seconds(), 1)

    def x(moment: datetime) -> float:
        return round(min(max((moment - start).total_seconds(), 0), span) / span * AXIS_WIDTH, 1)

    return {"start": start, "end": end, "now_x": f"{x(now):g}", "width": str(AXIS_WIDTH), "x": x}


def countdown_text(seconds: int) -> str:
    """``m:ss`` or ``h:mm:ss``, the same format ``countdown.js`` writes."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


urlpatterns = [
    path("<uuid:pk>/credentials/", credentials, name="credentials"),
    path("<uuid:pk>/credentials/revoke/", credentials_revoke, name="credentials_revoke"),
]
