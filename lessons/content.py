"""Reading lesson files: front matter + Markdown → checked fields + sanitised HTML.

A lesson file starts with a YAML front-matter block between two ``---`` lines (title, slug, order,
summary; optionally kind, step, concept, result, insight, prediction), followed by Markdown. Fenced
```` ```policy <kind> id=<id> ```` blocks become annotated policy examples (``annotate.py``); every ``##``
heading gets an id for the table of contents. Problems raise ``ContentError`` naming the file and line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nh3
import yaml
from django.utils.text import slugify
from markdown_it import MarkdownIt

from .annotate import Annotations, render_policy

CONTENT_DIR = Path(__file__).resolve().parent / "content"
REQUIRED_FIELDS = {"title": str, "slug": str, "order": int, "summary": str}
OPTIONAL_FIELDS = {"kind": str, "step": int, "concept": str, "result": str, "insight": str, "prediction": str}
KINDS = {"overview", "step", "section", "cheatsheet"}
POLICY_KINDS = {"identity", "trust", "resource", "boundary", "scp", "rcp", "session"}
_POLICY_INFO = re.compile(r"^policy\s+(?P<kind>[a-z]+)\s+id=(?P<id>[A-Za-z0-9_.-]+)\s*$")
ALLOWED_TAGS = {
    "a",
    "abbr",
    "aside",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "hr",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang"},
    "a": {"href", "title"},
    "th": {"scope"},
    "td": {"colspan"},
    "span": {"tabindex", "role", "aria-describedby"},
    "pre": {"tabindex"},
}

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


class ContentError(Exception):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class PolicySource:
    """One ```policy``` block: its id, kind, JSON text and line in the lesson file."""

    key: str
    kind: str
    document: str
    line: int


@dataclass(frozen=True)
class LessonSource:
    language: str
    slug: str
    order: int
    title: str
    summary: str
    body_html: str
    path: str
    sha256: str
    kind: str = "section"
    step: int | None = None
    concept: str = ""
    result: str = ""
    insight: str = ""
    prediction: str = ""
    toc: tuple[tuple[str, str], ...] = ()
    examples: tuple[PolicySource, ...] = ()


def read_lesson(path: Path, language: str, annotations: Annotations | None = None) -> LessonSource:
    """Parses one lesson file; raises ``ContentError`` naming the file and line of the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, 1, f"cannot be read as UTF-8 text ({exc})") from None
    meta, body, body_line = _split_front_matter(path, text)
    _check_fields(path, meta)
    tokens = _markdown.parse(body)
    toc = _number_headings(tokens, meta["slug"])
    examples = _policy_examples(path, tokens, body_line, annotations or Annotations())
    rendered = _markdown.renderer.render(tokens, _markdown.options, {})
    html = nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener")
    if not html.strip():
        raise ContentError(path, body_line, "the lesson has no text after its front matter")
    return LessonSource(
        language=language,
        slug=meta["slug"],
        order=meta["order"],
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        body_html=html,
        path=str(path.relative_to(CONTENT_DIR.parent.parent)) if path.is_relative_to(CONTENT_DIR) else str(path),
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        kind=meta.get("kind", "section"),
        step=meta.get("step"),
        concept=str(meta.get("concept", "")).strip(),
        result=str(meta.get("result", "")).strip(),
        insight=str(meta.get("insight", "")).strip(),
        prediction=str(meta.get("prediction", "")).strip(),
        toc=toc,
        examples=examples,
    )


def _number_headings(tokens: list, slug: str) -> tuple[tuple[str, str], ...]:
    """Gives every ``##`` heading an id ``<lesson slug>--<heading slug>``; returns them for the contents."""
    toc, seen = [], set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            text = tokens[index + 1].content
            anchor = f"{slug}--{slugify(text) or 'section'}"
            while anchor in seen:
                anchor += "-more"
            seen.add(anchor)
            token.attrSet("id", anchor)
            toc.append((anchor, text))
    return tuple(toc)


def _policy_examples(path: Path, tokens: list, body_line: int, annotations: Annotations) -> tuple[PolicySource, ...]:
    """Replaces each ```policy``` fence by its annotated rendering; returns the examples it found."""
    examples = []
    for token in tokens:
        if token.type != "fence" or not token.info.strip().startswith("policy"):
            continue
        line = body_line + (token.map[0] if token.map else 0)
        match = _POLICY_INFO.match(token.info.strip())
        if not match or match["kind"] not in POLICY_KINDS:
            raise ContentError(
                path,
                line,
                f"a policy block must open with '```policy <kind> id=<id>', "
                f"kind one of {', '.join(sorted(POLICY_KINDS))}; got {token.info!r}",
            )
        try:
            document = json.loads(token.content)
        except json.JSONDecodeError as exc:
            message = f"the policy {match['id']!r} is not valid JSON ({exc.msg})"
            raise ContentError(path, line + exc.lineno, message) from None
        examples.append(PolicySource(match["id"], match["kind"], token.content, line))
        token.type, token.tag, token.nesting = "html_block", "", 0
        token.content = render_policy(match["id"], match["kind"], document, annotations)
    return tuple(examples)


def iter_lesson_files(root: Path = CONTENT_DIR):
    """Yields (path, language) for every ``<root>/<language>/*.md``, sorted."""
    for language_dir in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else ():
        for path in sorted(language_dir.glob("*.md")):
            yield path, language_dir.name


def _split_front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "a lesson must start with front matter: a line '---', fields, then '---'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError(path, 1, "the front matter opened on line 1 is never closed with '---'") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        raise ContentError(path, line, f"the front matter is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(meta, dict):
        raise ContentError(path, 2, "the front matter must be a set of 'field: value' lines")
    return meta, "\n".join(lines[end + 1 :]), end + 2


def _check_fields(path: Path, meta: dict) -> None:
    for name, kind in REQUIRED_FIELDS.items():
        value = meta.get(name)
        if value is None:
            raise ContentError(path, 2, f"the front matter is missing the field {name!r}")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ContentError(path, 2, f"the field {name!r} must be a {kind.__name__}, not {value!r}")
    for name, kind in OPTIONAL_FIELDS.items():
        value = meta.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise ContentError(path, 2, f"the field {name!r} must be a {kind.__name__}, not {value!r}")
    if meta.get("kind", "section") not in KINDS:
        raise ContentError(path, 2, f"the field 'kind' must be one of {', '.join(sorted(KINDS))}")
    if meta.get("kind") == "step" and meta.get("step") is None:
        raise ContentError(path, 2, "a lesson of kind 'step' needs the field 'step'")
