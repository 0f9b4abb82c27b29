"""The labs' forms: starting a lab, asking for a hint, answering a detective lab's questions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .attempts import MAX_ANSWER
from .models import Task


class StartForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Replace what is in my sandbox with this lab's world"),
        error_messages={"required": _("Tick the box to confirm: the lab replaces your sandbox's contents.")},
    )
    keep_copy = forms.BooleanField(
        label=_("Keep a copy of my current world so that I can put it back after the lab"),
        required=False,
        initial=True,
    )


class HintForm(forms.Form):
    rung = forms.TypedChoiceField(choices=[(str(n), n) for n in Task.RUNGS], coerce=int)


class AnswersForm(forms.Form):
    """One text field per question of a detective lab, named ``answer-<task key>``."""

    def __init__(self, tasks: list[Task], *args, initial_answers: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for task in tasks:
            if task.takes_answer:
                self.fields[f"answer-{task.key}"] = forms.CharField(
                    label=task.text,
                    max_length=MAX_ANSWER,
                    required=False,
                    initial=(initial_answers or {}).get(task.key, ""),
                )

    def answers(self) -> dict[str, str]:
        """The answers sent (a question left out of the request keeps its earlier answer)."""
        return {name.removeprefix("answer-"): value for name, value in self.cleaned_data.items() if name in self.data}
