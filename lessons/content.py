"""Reading lesson files: front matter + Markdown → checked fields + sanitised HTML.

A lesson file starts with a YAML front-matter block between two ``---`` lines (title, slug, order,
summary), followed by Markdown. Problems raise ``ContentError`` naming the file and line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import nh3
import yaml
from markdown_it import MarkdownIt

CONTENT_DIR = Path(__file__).resolve().parent / "content"
REQUIRED_FIELDS = {"title": str, "slug": str, "order": int, "summary": str}
ALLOWED_TAGS = {
    "a", "abbr", "aside", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "hr", "kbd", "li", "ol", "p", "pre", "section", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"*": {"id", "class", "lang"}, "a": {"href", "title"}, "th": {"scope"}, "td": {"colspan"}}

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


class ContentError(Exception):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


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


def read_lesson(path: Path, language: str) -> LessonSource:
    """Parses one lesson file; raises ``ContentError`` naming the file and line of the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, 1, f"cannot be read as UTF-8 text ({exc})") from None
    meta, body, body_line = _split_front_matter(path, text)
    _check_fields(path, meta)
    html = nh3.clean(_markdown.render(body), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener")
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
    )


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
