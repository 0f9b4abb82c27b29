"""A sequence diagram drawn as SVG on the server: one lifeline per participant, one arrow per message, top to
bottom in the order things happened. Graphviz lays out graphs, not time, so the STS flow is drawn here.

Owns only the layout and the markup: every text is XML-escaped, every id starts with the diagram's key, and
nothing but shapes and text is written (no script, no style element, no link). What the messages say comes
from the engine (``step_diagrams.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT = "Helvetica,Arial,sans-serif"
FONT_SIZE = 13
CHAR_WIDTH = 7.0  # about the mean advance of a 13 px sans-serif character
LINE = 17  # line height of message text
MESSAGE_CHARS = 34  # a message wraps at this many characters
HEAD_CHARS = 18  # a lifeline's name wraps at this many characters
MIN_GAP, MAX_GAP = 170, 330  # distance between two lifelines
MARGIN = 12
COLOURS = {True: "#1a5fb4", False: "#b3261e", None: "#555555"}


@dataclass(frozen=True)
class Message:
    """An arrow from lifeline ``source`` to lifeline ``target`` (indexes); a ``reply`` is dashed; ``ok`` False
    (a refusal or an error) is red, True blue, None grey."""

    source: int
    target: int
    text: str
    reply: bool = False
    ok: bool | None = True


@dataclass(frozen=True)
class Note:
    """A line across every lifeline: time passing, or a change to the world between two messages."""

    text: str


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, cut at spaces (a longer word, such as an ARN, is cut
    after a ``:`` or ``/`` where it can be, else at ``width``)."""
    lines: list[str] = []
    for word in text.split():
        if len(word) > width:
            lines += _pieces(word, width)  # each piece on its own line: no space appears inside the word
        elif lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _pieces(word: str, width: int) -> list[str]:
    pieces = []
    while len(word) > width:
        cut = max(word.rfind(":", 0, width), word.rfind("/", 0, width)) + 1 or width
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word] if word else pieces


def sequence_svg(key: str, title: str, lifelines: list[str], items: list[Message | Note]) -> str:
    """The SVG of a sequence diagram; ids are ``<key>-graph``, ``<key>-l<i>`` per lifeline and ``<key>-m<i>``
    per message or note, in order. Raises ``ValueError`` for a message naming a lifeline that is not there."""
    for item in items:
        if isinstance(item, Message) and not (0 <= item.source < len(lifelines) and 0 <= item.target < len(lifelines)):
            raise ValueError(f"The message {item.text!r} joins a lifeline that is not in the diagram.")
    gap = _gap(lifelines, items)
    heads = [wrap(name, HEAD_CHARS) for name in lifelines]
    head_height = LINE * max(len(lines) for lines in heads) + 16
    width = round(2 * MARGIN + gap * len(lifelines))
    y = MARGIN + head_height + 18
    body: list[str] = []
    for index, item in enumerate(items):
        lines = wrap(item.text, _chars(item, gap, width))
        height = LINE * len(lines)
        if isinstance(item, Note):
            body.append(_note(f"{key}-m{index}", lines, y, width))
            y += height + 22
        else:
            body.append(_message(f"{key}-m{index}", item, lines, y + height, gap))
            y += height + 26
    bottom = y + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{key}-graph" class="sequence-diagram" width="{width}" '
        f'height="{bottom + MARGIN}" viewBox="0 0 {width} {bottom + MARGIN}" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, lines in enumerate(heads):
        parts.append(_lifeline(f"{key}-l{index}", lines, _x(index, gap), head_height, bottom))
    parts += body
    parts.append("</svg>")
    return "\n".join(parts)


def _chars(item: Message | Note, gap: float, width: int) -> int:
    """How many characters a line of ``item`` may hold: the width its arrow spans (or the whole width)."""
    span = width - 2 * MARGIN if isinstance(item, Note) else gap * max(abs(item.target - item.source), 1)
    return max(MESSAGE_CHARS, int((span - 24) / CHAR_WIDTH))


def _gap(lifelines: list[str], items: list[Message | Note]) -> float:
    """Wide enough for each message's longest line over the lifelines it spans, within MIN_GAP..MAX_GAP."""
    needed = MIN_GAP
    for item in items:
        if isinstance(item, Message) and item.source != item.target:
            longest = max(len(line) for line in wrap(item.text, MESSAGE_CHARS))
            needed = max(needed, (longest * CHAR_WIDTH + 24) / abs(item.target - item.source))
    longest_head = max((len(line) for name in lifelines for line in wrap(name, HEAD_CHARS)), default=0)
    return min(max(needed, longest_head * CHAR_WIDTH + 28), MAX_GAP)


def _x(index: int, gap: float) -> float:
    return MARGIN + gap * index + gap / 2


def _lifeline(element_id: str, lines: list[str], x: float, height: int, bottom: float) -> str:
    box_width = max(len(line) for line in lines) * CHAR_WIDTH + 24
    text = _text_lines(lines, x, MARGIN + 8 + LINE - 4, weight="bold")
    return (
        f'<g id="{element_id}" class="lifeline">'
        f'<rect x="{x - box_width / 2:.1f}" y="{MARGIN}" width="{box_width:.1f}" height="{height}" rx="8" '
        f'fill="#eef4ff" stroke="#2f5fb3"/>{text}'
        f'<line x1="{x:.1f}" y1="{MARGIN + height}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#8a8a8a" '
        f'stroke-dasharray="5 4"/></g>'
    )


def _message(element_id: str, message: Message, lines: list[str], y: float, gap: float) -> str:
    start, end = _x(message.source, gap), _x(message.target, gap)
    colour = COLOURS[message.ok]
    direction = 1 if end >= start else -1
    tip = end - direction * 2
    head = f"{tip:.1f},{y:.1f} {tip - direction * 10:.1f},{y - 5:.1f} {tip - direction * 10:.1f},{y + 5:.1f}"
    dash = ' stroke-dasharray="7 4"' if message.reply else ""
    kind = "message reply" if message.reply else "message"
    text = _text_lines(lines, (start + end) / 2, y - 6 - LINE * (len(lines) - 1), fill="#16202e")
    return (
        f'<g id="{element_id}" class="{kind}">{text}'
        f'<line x1="{start:.1f}" y1="{y:.1f}" x2="{tip - direction * 9:.1f}" y2="{y:.1f}" stroke="{colour}" '
        f'stroke-width="2"{dash}/><polygon points="{head}" fill="{colour}"/></g>'
    )


def _note(element_id: str, lines: list[str], y: float, width: int) -> str:
    height = LINE * len(lines) + 8
    text = _text_lines(lines, width / 2, y + LINE, fill="#16202e", style="italic")
    return (
        f'<g id="{element_id}" class="note"><rect x="{MARGIN}" y="{y:.1f}" width="{width - 2 * MARGIN}" '
        f'height="{height}" rx="4" fill="#fffbe6" stroke="#c9b458"/>{text}</g>'
    )


def _text_lines(
    lines: list[str], x: float, y: float, *, fill: str = "#16202e", weight: str = "", style: str = ""
) -> str:
    extra = (f' font-weight="{weight}"' if weight else "") + (f' font-style="{style}"' if style else "")
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{y + LINE * index:.1f}">{escape(line)}</tspan>' for index, line in enumerate(lines)
    )
    halo = 'stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
    return f'<text text-anchor="middle" fill="{fill}" {halo}{extra}>{spans}</text>'
