"""What the labs' pages show: the labs grouped by lesson step, and one lab's page context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from iamtutor.sandbox.models import Sandbox

from .attempts import current_attempt, is_current, task_rows
from .forms import AnswersForm
from .models import Attempt, Lab


@dataclass
class Group:
    """The labs of one lesson step (or of the expert zone)."""

    key: str  # "step-3" or "expert": the section's anchor
    title: str
    labs: list[Lab] = field(default_factory=list)


def groups(labs: Iterable[Lab], mode: str = "") -> list[Group]:
    """Labs by the steps they cover, steps 1–7 then the expert zone; a lab covering two appears under both.
    ``mode`` keeps only the labs of one mode (guided, break-in, detective)."""
    sections = {n: Group(f"step-{n}", _("Step %(n)s") % {"n": n}) for n in range(1, 8)}
    sections["expert"] = Group("expert", _("Expert zone"))
    for lab in labs:
        if mode and lab.mode != mode:
            continue
        for step in lab.steps:
            if step in sections:
                sections[step].labs.append(lab)
    return [group for group in sections.values() if group.labs]


def lab_context(lab: Lab, sandbox: Sandbox | None, *, attempt: Attempt | None = None, checked: bool = False) -> dict:
    """Everything the lab page and its fragments show, for the learner who owns ``sandbox``."""
    attempt = attempt or current_attempt(sandbox, lab)
    tasks = list(lab.tasks.all())
    rows = task_rows(tasks, attempt)
    questions = any(task.takes_answer for task in tasks)
    return {
        "lab": lab,
        "sandbox": sandbox,
        "attempt": attempt,
        "in_sandbox": attempt is not None and is_current(attempt),
        "rows": rows,
        "checked": checked,
        "passed_count": sum(row.status == "passed" for row in rows),
        "answers_form": AnswersForm(tasks, initial_answers=attempt.answers if attempt else {}) if questions else None,
    }
