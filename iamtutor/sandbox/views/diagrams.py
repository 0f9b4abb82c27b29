"""The access diagram of a sandbox: who can assume what, what each role reaches, live sessions and chains.

A plain GET form (focus, depth, collapse, layout) that htmx also sends, answered with the page's
``diagram-panel`` fragment; ``?format=svg`` or ``?format=png`` downloads the same drawing.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from iamtutor.engine import ParameterError, World
from iamtutor.lib.graphviz import RenderError
from iamtutor.lib.http import HtmxHttpRequest

from .. import diagrams as adapter
from ..access import get_sandbox
from ..forms import engine_validation_error
from ..models import Sandbox
from ..worlds import SandboxWorld

FIELDS = ("focus", "depth", "collapse", "layout")
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


class DiagramForm(forms.Form):
    """What to draw: everything, or one node's neighbourhood; which accounts or services to fold; the layout."""

    focus = forms.CharField(
        label=_("Focus on"),
        required=False,
        max_length=2100,
        help_text=_("Show only what is near one identity, role or resource."),
    )
    depth = forms.TypedChoiceField(
        label=_("Steps around the focus"),
        choices=[(d, d) for d in adapter.DEPTHS],
        coerce=int,
        initial=1,
        required=False,
        empty_value=1,
    )
    collapse = forms.MultipleChoiceField(
        label=_("Collapse into one box"), required=False, widget=forms.CheckboxSelectMultiple
    )
    layout = forms.ChoiceField(
        label=_("Layout"),
        initial="clusters",
        required=False,
        widget=forms.RadioSelect,
        choices=[("clusters", _("Accounts drawn as boxes")), ("flat", _("No account boxes (simpler layout)"))],
    )

    def __init__(self, data, *, world: World) -> None:
        super().__init__(data, initial={"collapse": adapter.default_collapse(world)})
        self.fields["focus"].widget = forms.Select(
            choices=focus_choices(world, (data or {}).get("focus")), attrs={"aria-describedby": "id_focus_helptext"}
        )
        self.fields["collapse"].choices = [
            (a.id, f"{_('account')} {a.id} {a.alias or ''}".strip()) for a in world.accounts.values()
        ]
        self.fields["collapse"].choices += [(s, f"{_('service')} {s}") for s in adapter.services(world)]

    def refuse_focus(self, err: ParameterError) -> None:
        """The engine knows no such node: the error goes on the field, announced and tied to it."""
        self.add_error("focus", engine_validation_error(err))
        self.fields["focus"].widget.attrs.update(
            {"aria-describedby": "id_focus_helptext id_focus_error", "aria-invalid": "true"}
        )

    def options(self) -> dict:
        """The drawing's arguments: the cleaned choices, or the defaults (large worlds start collapsed)."""
        data = (
            self.cleaned_data
            if self.is_bound and self.is_valid()
            else {"focus": "", "depth": 1, "collapse": self.initial["collapse"], "layout": "clusters"}
        )
        return {
            "focus": data["focus"] or None,
            "depth": data["depth"],
            "collapse": tuple(data["collapse"]),
            "clusters": data["layout"] != "flat",
        }


def focus_choices(world: World, current: str | None) -> list:
    """Everyone and everything a learner may focus on, by account; an id from a link is kept as typed."""
    groups: list = [("", _("— the whole sandbox —"))]
    for account in world.accounts.values():
        items = [(u.arn, f"{_('user')} {u.name}") for u in account.users.values()]
        items += [(r.arn, f"{_('role')} {r.name}") for r in account.roles.values()]
        items += [(p.arn, f"{_('provider')} {p.url}") for p in account.providers.values()]
        items += [(f"resource:{arn}", arn) for arn in account.resources]
        groups.append((f"{_('account')} {account.id} {account.alias or ''}".strip(), items))
    known = {value for _group, items in groups[1:] for value, _label in items}
    if current and current not in known:
        groups.append((_("From the drawing"), [(current, current)]))
    return groups


@require_GET
def access_diagram(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The sandbox's access graph with its controls and text alternative; ``?format=`` downloads it."""
    sandbox = get_sandbox(request, pk)
    loaded = SandboxWorld.load(sandbox)
    form = DiagramForm(request.GET if any(f in request.GET for f in FIELDS) else None, world=loaded.world)
    options = form.options()
    try:
        drawing = adapter.access_drawing(loaded, **options, link=adapter.node_links(sandbox, options["collapse"]))
    except ParameterError as err:
        form.refuse_focus(err)
        options["focus"] = None
        drawing = adapter.access_drawing(loaded, **options, link=adapter.node_links(sandbox, options["collapse"]))
    fmt = request.GET.get("format")
    download_problem = ""
    if fmt in CONTENT_TYPES:
        try:
            return _file(adapter.download(drawing, fmt), fmt)
        except RenderError as err:
            download_problem = err.reason
    context = {
        "sandbox": sandbox,
        "form": form,
        "drawing": drawing,
        "download_problem": download_problem,
        **_download_links(request, sandbox),
        "large": options["collapse"] and not form.is_bound and not drawing.too_large,
        "role_choices": adapter.role_choices(loaded.world) if drawing.too_large else None,
    }
    template = "sandbox/diagrams.html#diagram-panel" if request.htmx else "sandbox/diagrams.html"
    return render(request, template, context)


def _file(content: bytes, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="access-diagram.{fmt}"'
    return response


def _download_links(request: HtmxHttpRequest, sandbox: Sandbox) -> dict:
    """The current drawing's download URLs (same query, plus ``format``); PNG only with the system's dot."""
    links = {}
    for fmt in ("svg", "png"):
        query = request.GET.copy()
        query["format"] = fmt
        links[f"{fmt}_url"] = "?" + query.urlencode()
    if not adapter.png_available():
        links["png_url"] = None
    return links


@require_GET
def role_diagram(request: HtmxHttpRequest, pk, account_id: str, name: str) -> HttpResponse:
    """One role's neighbourhood as a figure fragment; the role page fetches it after it has shown, so the
    page itself stays fast however many sessions the role has."""
    from ..roles import find_role

    sandbox = get_sandbox(request, pk)
    _, role = find_role(sandbox, account_id, name)
    drawing = adapter.role_drawing(sandbox, role["Arn"])
    return render(request, "sandbox/partials/diagram.html", {"sandbox": sandbox, "drawing": drawing})


urlpatterns = [
    path("<uuid:pk>/diagrams/", access_diagram, name="diagrams"),
    path("<uuid:pk>/roles/<str:account_id>/<str:name>/diagram/", role_diagram, name="role_diagram"),
]
