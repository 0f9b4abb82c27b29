"""Reading pages as a browser would: the forms on a page (action, method, the values a browser would send)
and its links. Standard library only, so the journeys can be tested without Locust or a network."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Form:
    """One ``<form>``: where it posts and what a browser would send unchanged (hidden inputs, typed values,
    checked boxes and radios, selected options, textarea text). ``options`` lists each select's and radio
    group's choices, so a journey can pick a real one."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)

    def data(self, **changes: str) -> dict[str, str]:
        """The fields to post, with ``changes`` applied (a value of ``None`` drops the field)."""
        values = {**self.fields, **changes}
        return {name: value for name, value in values.items() if value is not None}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.assets: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_state = "none"
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif (tag == "link" and "stylesheet" in a.get("rel", "")) or (tag == "script" and a.get("src")):
            self.assets.append(a.get("href") or a["src"])
        elif tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "button" and a.get("name"):
            self._form.buttons[a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select, self._select_state = a["name"], "none"
            self._form.options.setdefault(a["name"], [])
        elif tag == "option" and self._select is not None:
            self._option = a
            self._text = []
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def _input(self, a: dict[str, str]) -> None:
        name, kind = a.get("name"), a.get("type", "text").lower()
        if not name or kind in ("submit", "button", "image", "reset", "file"):
            if name and kind == "submit":
                self._form.buttons[name] = a.get("value", "")
            return
        if kind in ("radio", "checkbox"):
            self._form.options.setdefault(name, []).append(a.get("value", "on"))
            if "checked" in a:
                self._form.fields[name] = a.get("value", "on")
            return
        self._form.fields[name] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            self._form.fields[self._textarea] = text[1:] if text.startswith("\n") else text
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None and self._form is not None:
            value = self._option.get("value", "".join(self._text).strip())
            self._form.options[self._select].append(value)
            if "selected" in self._option or self._select_state == "none":  # a browser sends the first by default
                self._form.fields[self._select] = value
                self._select_state = "selected" if "selected" in self._option else "first"
            self._option = None
        elif tag == "select":
            self._select = None


@dataclass
class Page:
    """A fetched page: its final URL, status and text, parsed on demand."""

    url: str
    status: int
    text: str
    _parsed: _PageParser | None = None

    def _parser(self) -> _PageParser:
        if self._parsed is None:
            self._parsed = _PageParser()
            self._parsed.feed(self.text)
            self._parsed.close()
        return self._parsed

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def forms(self, action_contains: str = "", method: str = "post") -> list[Form]:
        """Forms whose resolved action path contains ``action_contains`` (an empty action is this page)."""
        found = []
        for form in self._parser().forms:
            action = urlsplit(urljoin(self.url, form.action or self.url)).path
            if action_contains in action and form.method == method:
                found.append(Form(action, form.method, dict(form.fields), dict(form.options), dict(form.buttons)))
        return found

    def form(self, action_contains: str = "", method: str = "post") -> Form:
        """The first matching form; ``LookupError`` naming what was looked for when there is none."""
        found = self.forms(action_contains, method)
        if not found:
            raise LookupError(f"no {method.upper()} form posting to …{action_contains}… on {self.path}")
        return found[0]

    def links(self, contains: str = "") -> list[str]:
        """Paths of this site's links containing ``contains``, in page order, without repeats."""
        seen: dict[str, None] = {}
        for href in self._parser().links:
            parts = urlsplit(urljoin(self.url, href))
            if parts.netloc == urlsplit(self.url).netloc and contains in parts.path:
                seen.setdefault(parts.path, None)
        return list(seen)

    def assets(self) -> list[str]:
        """Paths of the stylesheets and scripts the page loads (a browser fetches them once, then caches)."""
        return [urlsplit(urljoin(self.url, src)).path for src in self._parser().assets]

    def link(self, contains: str) -> str:
        found = self.links(contains)
        if not found:
            raise LookupError(f"no link to …{contains}… on {self.path}")
        return found[0]
