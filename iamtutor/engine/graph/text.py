"""Label text that is safe inside DOT: every diagram of the package writes its labels through ``dot_text``.

Owns escaping (control characters, ``&``, backslashes, never an HTML-like label), word wrapping and the
font all diagrams share. Building the graphs is the other modules' job.
"""

from __future__ import annotations

import unicodedata
from typing import Final

import graphviz

FONT: Final = "Helvetica,Arial,sans-serif"
_INVISIBLE: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})  # control, format, separators, surrogates


def dot_text(*lines: str) -> graphviz.quoting.NoHtml:
    """Plain label text, safe in DOT: control characters become spaces, ``&`` is shown as typed, backslashes lose
    their escape meaning, and the text is never an HTML-like label (quotes are escaped by the package's quoting)."""
    cleaned = [_clean(line) for line in lines]
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in cleaned))


def _clean(text: str) -> str:
    text = "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch for ch in str(text))
    return text.replace("&", "&amp;")


def wrap(text: str, width: int) -> list[str]:
    """``text`` cut into lines of about ``width`` characters at spaces (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def short(text: str, limit: int = 40) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
