"""The sandbox's side navigation: one entry per area of the sandbox."""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

# (URL name, label, URL names that count as "this area" for aria-current)
AREAS = (
    ("sandbox:roles", _("Roles and policies"), ("roles", "role", "polic")),
    ("sandbox:users", _("Users and keys"), ("users", "user")),
    ("sandbox:assume", _("Assume a role"), ("assume",)),
    ("sandbox:webid", _("Web identity tokens"), ("webid",)),
    ("sandbox:credentials", _("Credentials"), ("credentials",)),
    ("sandbox:console", _("Request console"), ("console",)),
    ("sandbox:audit", _("Audit trail"), ("audit",)),
    ("sandbox:diagrams", _("Diagrams"), ("diagrams",)),
    ("sandbox:import", _("Import"), ("import",)),
)


def sandbox_links(request) -> dict:
    """Context processor: ``sandbox_links`` on sandbox pages that carry a sandbox id."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.app_name != "sandbox" or "pk" not in match.kwargs:
        return {}
    overview, *urls = _urls(str(match.kwargs["pk"]), get_script_prefix())
    links = [
        {"url": url, "label": label, "current": match.url_name.startswith(prefixes)}
        for url, (_name, label, prefixes) in zip(urls, AREAS, strict=True)
    ]
    return {"sandbox_links": links, "sandbox_overview_url": overview}


@lru_cache(maxsize=4096)
def _urls(pk: str, script_prefix: str) -> tuple[str, ...]:
    """The overview's and each area's URL for sandbox ``pk``: the same for every request, so reversed once
    per process (and script prefix)."""
    return (reverse("sandbox:overview", args=[pk]), *(reverse(name, args=[pk]) for name, _label, _p in AREAS))
