"""The step labs ("Try it") on lesson pages: ``{% try_it_link step %}`` on a step's pages, ``{% try_it_progress %}``
on the progress page. Both read ``iamtutor.labs.tryits.step_labs``: one query per request, whatever the page."""

from __future__ import annotations

from django import template

from iamtutor.labs.tryits import step_lab, step_labs

register = template.Library()


@register.inclusion_tag("lessons/partials/try_it_link.html", takes_context=True)
def try_it_link(context, step) -> dict:
    """The words "Try it in your sandbox: <lab title>" and the learner's status, for step ``step`` (or nothing)."""
    request = context.get("request")
    return {"entry": step_lab(request, step) if request is not None else None}


@register.inclusion_tag("lessons/partials/try_it_progress.html", takes_context=True)
def try_it_progress(context) -> dict:
    """Each step lab and whether the learner passed it (done), started it, or not yet."""
    request = context.get("request")
    entries = list(step_labs(request).values()) if request is not None else []
    return {"entries": entries, "done": sum(entry.passed for entry in entries)}
