"""The sandbox's side navigation: one entry per area of the sandbox."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (URL name, label, URL names that count as "this area" for aria-current)
AREAS = (
    ("sandbox:roles", _("Roles and policies"), ("roles", "role", "polic")),
    ("sandbox:users", _("Users and keys"), ("users", "user")),
    ("sandbox:assume", _("Assume a role"), ("assume",)),
    ("sandbox:credentials", _("Credentials"), ("credentials",)),
    ("sandbox:console", _("Request console"), ("console",)),
    ("sandbox:audit", _("Audit trail"), ("audit",)),
    ("sandbox:diagrams", _("Diagrams"), ("diagrams",)),
    ("sandbox:task", _("Your task"), ("task",)),
    ("sandbox:import", _("Import"), ("import",)),
)


def sandbox_links(request) -> dict:
    """Context processor: ``sandbox_links`` on sandbox pages that carry a sandbox id."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.app_name != "sandbox" or "pk" not in match.kwargs:
        return {}
    links = [
        {
            "url": reverse(name, args=[match.kwargs["pk"]]),
            "label": label,
            "current": match.url_name.startswith(prefixes),
        }
        for name, label, prefixes in AREAS
    ]
    return {"sandbox_links": links}
