"""Template helpers for lesson pages."""

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
_HEADING = re.compile(r"<(/?)h([1-5])\b")


@register.filter
def demote_headings(html: SafeString) -> SafeString:
    """Moves every heading of a lesson body one level down, for pages that nest lessons under an ``<h2>``.

    Only used on ``Lesson.body_html``, which the loader already sanitised.
    """
    return mark_safe(_HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", html))  # noqa: S308


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
