"""Policy examples as annotated HTML: every JSON key (and notable value) that has an explanation becomes a
focusable ``<span>`` described by that explanation, shown on hover and keyboard focus by CSS alone.

The explanations come from ``annotations.yaml``: example id → {path → explanation}, where a path chains
object keys with ``.``, indexes lists with ``[n]`` and writes awkward keys as ``["aws:SourceArn.x"]``
(``lessons/content/README.md``). A path names an object member (its key is annotated) or a list item (the
item is annotated). Rendering is pure: JSON and explanations in, HTML out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

from django.utils.translation import gettext

INDENT = "  "


Path = tuple[str | int, ...]
_SEGMENT = re.compile(r'\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.\[\]"]+)')


@dataclass(frozen=True)
class Annotations:
    """Plain-words explanations: ``per_example[example id][path]``, paths parsed by ``parse_path``."""

    per_example: Mapping[str, Mapping[Path, str]] = field(default_factory=dict)

    def lookup(self, example_id: str, path: Path) -> str | None:
        return self.per_example.get(example_id, {}).get(path)


def parse_path(text: str) -> Path | None:
    """``Statement[0].Condition.Bool["aws:X"]`` → ``("Statement", 0, "Condition", "Bool", "aws:X")``;
    ``None`` when the text is not a path."""
    segments: list[str | int] = []
    position = 0
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if not match or (match[3] is not None and position and not match[0].startswith(".")):
            return None
        index, quoted, name = match.groups()
        segments.append(int(index) if index is not None else quoted if quoted is not None else name)
        position = match.end()
    return tuple(segments) or None


def document_paths(document: object, parent: Path = ()) -> set[Path]:
    """Every annotatable path of a JSON document: object members and list items, at any depth."""
    paths: set[Path] = set()
    if isinstance(document, dict):
        children = document.items()
    else:
        children = enumerate(document) if isinstance(document, list) else ()
    for key, value in children:
        path = (*parent, key)
        paths |= {path} | document_paths(value, path)
    return paths


@dataclass
class _Renderer:
    example_id: str
    annotations: Annotations
    explained: list[tuple[str, str, str]] = field(default_factory=list)  # (anchor id, element, explanation)

    def token(self, text: str, path: Path, css: str) -> str:
        shown = escape(json.dumps(text, ensure_ascii=False))
        explanation = self.annotations.lookup(self.example_id, path)
        if not explanation:
            return f'<span class="{css}">{shown}</span>'
        anchor = f"ann-{_slug(self.example_id)}-{len(self.explained) + 1}"
        self.explained.append((anchor, text, explanation))
        return (
            f'<span class="ann-wrap"><span class="ann {css}" tabindex="0" aria-describedby="{anchor}">{shown}</span>'
            f'<span class="ann-tip" role="tooltip" id="{anchor}">{escape(explanation)}</span></span>'
        )

    def value(self, value: object, path: Path, depth: int, *, annotate: bool = True) -> str:
        """``value`` as indented JSON; a string is annotated by its own path only when it is a list item."""
        pad = INDENT * depth
        if isinstance(value, dict):
            if not value:
                return "{}"
            members = [
                f"{pad}{INDENT}{self.token(key, (*path, key), 'pol-key')}: "
                f"{self.value(item, (*path, key), depth + 1, annotate=False)}"
                for key, item in value.items()
            ]
            return "{\n" + ",\n".join(members) + f"\n{pad}}}"
        if isinstance(value, list):
            if not value:
                return "[]"
            items = [f"{pad}{INDENT}{self.value(item, (*path, i), depth + 1)}" for i, item in enumerate(value)]
            return "[\n" + ",\n".join(items) + f"\n{pad}]"
        if isinstance(value, str):
            if annotate:
                return self.token(value, path, "pol-str")
            return f'<span class="pol-str">{escape(json.dumps(value, ensure_ascii=False))}</span>'
        return f'<span class="pol-lit">{escape(json.dumps(value))}</span>'


def render_policy(example_id: str, kind: str, document: object, annotations: Annotations) -> str:
    """The example as a ``<figure>``: annotated code plus a disclosure listing every explanation in order.

    Interface words are translated into the active language (the loader activates the lesson's language).
    """
    renderer = _Renderer(example_id, annotations)
    code = renderer.value(document, (), 0)
    anchor = f"policy-{_slug(example_id)}"
    parts = [
        f'<figure class="policy" id="{anchor}">',
        f'<figcaption class="policy-caption">{escape(gettext("%(kind)s policy") % {"kind": kind.capitalize()})} '
        f"<code>{escape(example_id)}</code></figcaption>",
        f'<pre class="policy-code" tabindex="0"><code>{code}</code></pre>',
    ]
    if renderer.explained:
        rows = "".join(
            f"<dt><code>{escape(name)}</code></dt><dd>{escape(text)}</dd>" for _, name, text in renderer.explained
        )
        summary = escape(gettext("Every element explained"))
        parts.append(f'<details class="policy-notes"><summary>{summary}</summary><dl>{rows}</dl></details>')
    parts.append("</figure>")
    return "".join(parts)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
