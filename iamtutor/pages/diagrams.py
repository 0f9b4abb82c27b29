"""The home page's mental-model diagram: DOT source and the same facts as a table."""

from __future__ import annotations

# (from, to, label): the lesson's mental model — who asks, what a role hands out, what it reaches.
MENTAL_MODEL_EDGES: tuple[tuple[str, str, str], ...] = (
    ("A person or workload", "IAM role", "asks to assume (trust policy decides)"),
    ("AWS service (EC2, Lambda)", "IAM role", "assumes on your behalf"),
    ("IAM role", "Temporary credentials", "STS issues, valid 15 min to 12 h"),
    ("Temporary credentials", "AWS resources", "every call checked against the role's permissions"),
)


def mental_model_dot() -> str:
    nodes = dict.fromkeys(name for edge in MENTAL_MODEL_EDGES for name in edge[:2])
    lines = [
        "digraph mental_model {",
        '  graph [rankdir=TB, bgcolor="transparent", fontname="Helvetica", pad="0.2"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef4ff", color="#2f5fb3", fontname="Helvetica"];',
        '  edge [color="#555555", fontname="Helvetica", fontsize=11];',
    ]
    ids = {name: f"n{index}" for index, name in enumerate(nodes)}
    lines += [f'  {ids[name]} [label="{_escape(name)}"];' for name in nodes]
    lines += [f'  {ids[a]} -> {ids[b]} [label="{_escape(label)}"];' for a, b, label in MENTAL_MODEL_EDGES]
    lines.append("}")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
