"""Reading every content file of ``lessons/content/`` into plain rows, checked, before anything is stored.

Per language (``content/<language>/``): the lesson Markdown (``content.py``), ``annotations.yaml``,
``predictions.yaml``, ``myths.yaml``, ``questions.yaml``, ``cards.yaml`` and ``diagrams.yaml``; shared by all
languages: ``content/scenarios/*.json`` (worlds the engine runs). Each step's "Try it" is a lab
(``content/labs/``, read by ``iamtutor/labs/loader.py``). The schema is ``lessons/content/README.md``. Every
problem raises ``ContentError`` naming the file and line. Answers that are IAM/STS facts are computed
by the engine while reading (``computed.py``, ``questions.py``): an answer the file states that the engine does
not reach is such a problem. ``Content.computed`` lists every answer the engine computed. Storing the rows is
``store.py``'s job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation

from . import computed, step_diagrams
from .annotate import Annotations, document_paths, parse_path
from .content import CONTENT_DIR, ContentError, LessonSource, read_lesson
from .questions import normalise_question
from .yamlfile import Located, line_of, load_json, load_yaml, read_options, text

SHARED_FOLDERS = {"scenarios", "labs"}  # labs/ is read by iamtutor/labs/loader.py


@dataclass
class Content:
    """Everything one load stores, as rows of model fields; ``lesson`` values are lesson slugs or steps."""

    lessons: list[LessonSource] = field(default_factory=list)
    examples: list[dict] = field(default_factory=list)
    predictions: list[dict] = field(default_factory=list)
    myths: list[dict] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)
    cards: list[dict] = field(default_factory=list)
    diagrams: list[dict] = field(default_factory=list)
    computed: list[dict] = field(default_factory=list)  # {file, key, where}: every answer the engine computed


def read_content(root: Path = CONTENT_DIR) -> Content:
    """Reads and checks every content file under ``root``; raises ``ContentError`` on the first problem."""
    content = Content()
    scenarios = _read_scenarios(root / "scenarios")
    for language_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in SHARED_FOLDERS):
        with translation.override(language_dir.name):
            _read_language(language_dir, language_dir.name, scenarios, content)
    return content


def _read_language(folder: Path, language: str, scenarios: dict, content: Content) -> None:
    annotations, lines = _read_annotations(folder / "annotations.yaml")
    lessons = [read_lesson(path, language, annotations) for path in sorted(folder.glob("*.md"))]
    _check_unique(lessons)
    _check_annotations(folder / "annotations.yaml", annotations, lines, lessons)
    steps = {lesson.step: lesson.slug for lesson in lessons if lesson.step is not None}
    slugs = {lesson.slug for lesson in lessons}
    content.lessons += lessons
    for lesson in lessons:
        for order, example in enumerate(lesson.examples):
            content.examples.append(
                {
                    "language": language,
                    "key": example.key,
                    "order": lesson.order * 100 + order,
                    "lesson": lesson.slug,
                    "kind": example.kind,
                    "document": example.document,
                }
            )
    where = _Where(steps, slugs, scenarios, computed.Runs(scenarios))
    # diagrams first: a scenario that misses its expectations is reported where a step draws it
    content.diagrams += _read_items(folder / "diagrams.yaml", language, where, _diagram)
    content.predictions += _read_items(folder / "predictions.yaml", language, where, _prediction)
    content.myths += _read_items(folder / "myths.yaml", language, where, _myth)
    content.questions += _read_items(folder / "questions.yaml", language, where, normalise_question)
    content.cards += _read_items(folder / "cards.yaml", language, where, _card)
    known = {row["key"] for row in content.predictions if row["language"] == language}
    _check_lesson_predictions(folder, lessons, known)
    content.computed += where.computed


@dataclass(frozen=True)
class _Where:
    """What items may refer to: step numbers, lesson slugs and scenario files."""

    steps: dict
    slugs: set
    scenarios: dict
    runs: computed.Runs
    computed: list = field(default_factory=list)

    def lesson(self, path: Path, item: Located) -> str | None:
        if item.get("lesson") is not None:
            if item["lesson"] not in self.slugs:
                raise ContentError(path, line_of(item), f"no lesson has the slug {item['lesson']!r}")
            return item["lesson"]
        if isinstance(item.get("step"), str):  # a section such as 'under-the-hood' rather than a step number
            if item["step"] not in self.slugs:
                raise ContentError(path, line_of(item), f"no lesson has the slug {item['step']!r}")
            return item["step"]
        if item.get("step") is not None:
            if item["step"] not in self.steps:
                raise ContentError(path, line_of(item), f"there is no step {item['step']!r}")
            return self.steps[item["step"]]
        return None

    def scenario(self, path: Path, item: Located) -> tuple[str, dict | None]:
        name = item.get("scenario") or ""
        if name and name not in self.scenarios:
            raise ContentError(path, line_of(item), f"the scenario {name!r} is not in lessons/content/scenarios/")
        return name, self.scenarios.get(name)


def _read_items(path: Path, language: str, where: _Where, build) -> list[dict]:
    if not path.exists():
        return []
    data = load_yaml(path)
    if isinstance(data, dict) and data and all(isinstance(value, dict) for value in data.values()):
        data = [_with_id(key, value) for key, value in data.items()]  # a mapping of id -> item
    if not isinstance(data, list):
        raise ContentError(path, 1, "the file must be a list of items, each starting with '- id: …'")
    rows, seen = [], {}
    for order, item in enumerate(data):
        if not isinstance(item, dict):
            raise ContentError(path, 1, f"item {order + 1} must be a mapping of 'field: value' lines")
        key = text(path, item, "id")
        if key in seen:
            raise ContentError(path, line_of(item), f"the id {key!r} is already used on line {seen[key]}")
        seen[key] = line_of(item)
        row = build(path, item, where)
        if row.get("computed_by"):
            where.computed.append({"file": path.name, "key": key, "where": row["computed_by"]})
        row.pop("computed_by", None)
        rows.append({"language": language, "key": key, "order": order, "lesson": where.lesson(path, item), **row})
    return rows


def _with_id(key: str, value: Located) -> Located:
    item = Located({"id": key, **value})
    item.line = line_of(value)
    return item


def _prediction(path: Path, item: Located, where: _Where) -> dict:
    options = read_options(path, item, answer=item.get("answer"))
    if not any(option["correct"] for option in options):
        raise ContentError(path, line_of(item), "the prediction names no right answer ('answer: <option id>')")
    name, scenario = where.scenario(path, item)
    block = computed.block_of(path, item)
    if name and block is None:
        raise ContentError(path, line_of(item), f"say how {name!r} decides the answer in 'computed' (README.md)")
    where_from = ""
    if block is not None:
        found, where_from = computed.value(path, item, block, where.runs, default_scenario=name)
        right = computed.option(path, item, block, found, where_from, {option["key"] for option in options})
        stated = sorted(option["key"] for option in options if option["correct"])
        if stated != [right]:
            raise computed.disagree(path, item, found, where_from, right, ", ".join(stated))
    return {
        "computed_by": where_from,
        "prompt": text(path, item, "prompt", aliases=("question",)),
        "options": options,
        "reveal": text(path, item, "reveal", required=False, aliases=("explanation",)),
        "scenario_name": name,
        "scenario": scenario,
    }


def _myth(path: Path, item: Located, where: _Where) -> dict:
    name, scenario = where.scenario(path, item)
    # `true:` as a YAML key reads as the boolean True, so accept that spelling too
    stated = next((item[k] for k in ("claim_is_true", "true", True) if item.get(k) is not None), None)
    if stated is not None and not isinstance(stated, bool):
        raise ContentError(path, line_of(item), "the field 'claim_is_true' must be true or false")
    truth, where_from = bool(stated), ""
    block = computed.block_of(path, item)
    if block is not None:
        found, where_from = computed.value(path, item, block, where.runs, default_scenario=name)
        truth = computed.option(path, item, block, found, where_from, {"true", "false"}) == "true"
        if stated is not None and stated != truth:
            raise computed.disagree(path, item, found, where_from, truth, stated)
    return {
        "computed_by": where_from,
        "misconception": text(path, item, "misconception"),
        "claim": text(path, item, "statement", aliases=("claim", "belief")),
        "claim_is_true": truth,
        "reality": text(path, item, "reality"),
        "why": text(path, item, "why_it_matters", required=False, aliases=("why",)),
        "scenario_name": name,
        "scenario": scenario,
    }


def _card(path: Path, item: Located, where: _Where) -> dict:
    """A card; ``answers`` (optional) lists the short answers a learner may type for it."""
    answers = item.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str | int) and str(a).strip() for a in answers):
        raise ContentError(path, line_of(item), "'answers' is a list of short answers, each a non-empty text")
    return {"front": text(path, item, "front"), "back": text(path, item, "back"), "answers": [str(a) for a in answers]}


def _diagram(path: Path, item: Located, where: _Where) -> dict:
    if item.get("draw") is not None:
        return _step_diagram(path, item, where)
    nodes, edges = item.get("nodes") or [], item.get("edges")
    if not isinstance(edges, list) or not edges:
        raise ContentError(path, line_of(item), "a diagram needs a list of edges, each {from, to, label}")
    node_rows = [_node(path, item, node) for node in nodes or []]
    known = {node["id"] for node in node_rows}
    edge_rows = []
    for edge in edges:
        if not isinstance(edge, dict):
            raise ContentError(path, line_of(item), f"an edge must be {{from, to, label}}, not {edge!r}")
        row = {
            "from": text(path, edge, "from"),
            "to": text(path, edge, "to"),
            "label": text(path, edge, "label", required=False),
        }
        for end in (row["from"], row["to"]):
            if end not in known:
                node_rows.append({"id": end, "label": end})
                known.add(end)
        edge_rows.append(row)
    direction = text(path, item, "direction", required=False, aliases=("rankdir",)) or "TB"
    if direction not in {"TB", "LR", "BT", "RL"}:
        raise ContentError(path, line_of(item), "the field 'direction' must be TB, LR, BT or RL")
    caption = text(path, item, "text_alternative", required=False, aliases=("caption", "description"))
    return {
        "title": text(path, item, "title"),
        "caption": caption,
        "direction": direction,
        "nodes": node_rows,
        "edges": edge_rows,
        "kind": "",
        "scenario_name": "",
        "scenario": None,
        "spec": {},
    }


def _step_diagram(path: Path, item: Located, where: _Where) -> dict:
    """A diagram the engine computes from a scenario (``step_diagrams.py``), drawn once here to prove it runs."""
    kind, title = text(path, item, "draw"), text(path, item, "title")
    name, scenario = where.scenario(path, item)
    if scenario is None:
        raise ContentError(
            path, line_of(item), "a diagram with 'draw' needs a 'scenario' from lessons/content/scenarios/"
        )
    spec = {field: item[field] for field in step_diagrams.SPEC_FIELDS.get(kind, ()) if item.get(field) is not None}
    try:
        step_diagrams.picture(text(path, item, "id"), title, kind, scenario, spec)
    except step_diagrams.DiagramProblem as problem:
        raise ContentError(path, line_of(item), f"the diagram cannot be drawn from {name}: {problem.message}") from None
    caption = text(path, item, "caption", required=False, aliases=("text_alternative", "description"))
    return {
        "title": title,
        "caption": caption,
        "direction": "LR",
        "nodes": [],
        "edges": [],
        "kind": kind,
        "scenario_name": name,
        "scenario": scenario,
        "spec": spec,
    }


def _node(path: Path, item: Located, node: object) -> dict:
    if isinstance(node, str):
        return {"id": node, "label": node}
    if not isinstance(node, dict):
        raise ContentError(path, line_of(item), f"a node must be a name or {{id, label}}, not {node!r}")
    key = text(path, node, "id")
    return {
        "id": key,
        "label": text(path, node, "label", required=False) or key,
        "kind": text(path, node, "kind", required=False),
    }


def _read_scenarios(folder: Path) -> dict[str, dict]:
    scenarios = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        data = load_json(path)
        if not isinstance(data, dict):
            raise ContentError(path, 1, "a scenario is a JSON object with a world and steps")
        scenarios[path.name] = data
    return scenarios


def _read_annotations(path: Path) -> tuple[Annotations, dict[str, int]]:
    """``annotations.yaml``: example id → {path → explanation}; also the line each example's notes start on."""
    if not path.exists():
        return Annotations(), {}
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise ContentError(path, 1, "annotations are a mapping: example id → {path: explanation}")
    per_example = {}
    for key, notes in data.items():
        if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
            raise ContentError(path, line_of(notes), "each annotation is 'path: explanation in plain words'")
        parsed = {str(k): parse_path(str(k)) for k in notes}
        bad = next((k for k, p in parsed.items() if p is None), None)
        if bad is not None:
            raise ContentError(path, line_of(notes), f"{bad!r} is not a path such as Statement[0].Principal.AWS")
        per_example[str(key)] = {parsed[str(k)]: v.strip() for k, v in notes.items()}
    return Annotations(per_example=per_example), {str(key): line_of(notes) for key, notes in data.items()}


def _check_annotations(path: Path, annotations: Annotations, lines: dict, lessons: list[LessonSource]) -> None:
    """Every annotated example exists, and every annotated path exists in it."""
    examples = {example.key: example for lesson in lessons for example in lesson.examples}
    for key, notes in annotations.per_example.items():
        if key not in examples:
            raise ContentError(path, lines[key], f"no lesson has a policy example with the id {key!r}")
        missing = set(notes) - document_paths(json.loads(examples[key].document))
        if missing:
            raise ContentError(path, lines[key], f"the example {key!r} has no element {sorted(map(str, missing))[0]}")


def _check_unique(lessons: list[LessonSource]) -> None:
    seen: dict[str, str] = {}
    for lesson in lessons:
        if lesson.slug in seen:
            message = f"this file and {seen[lesson.slug]} both use the slug {lesson.slug!r}"
            raise ContentError(Path(lesson.path), 2, message)
        seen[lesson.slug] = lesson.path


def _check_lesson_predictions(folder: Path, lessons: list[LessonSource], keys: set[str]) -> None:
    for lesson in lessons:
        if lesson.prediction and lesson.prediction not in keys:
            raise ContentError(
                folder / Path(lesson.path).name, 2, f"the prediction {lesson.prediction!r} is not in predictions.yaml"
            )
