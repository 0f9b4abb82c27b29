"""Every form of the classroom pages, one section per area (``# ---- <area> ----``). Engine errors become
form errors through the sandbox's one adapter (``iamtutor.sandbox.forms.engine_validation_error``)."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError

from iamtutor.engine import EngineError, parse_policy
from iamtutor.sandbox.forms import PolicyDocumentField, engine_validation_error

from . import guardrails
from .models import Classroom, Enrollment, Guardrail, Section

# ---- guardrails ----

MISSING_REVISION = "This form did not say which version of the guardrail it edits. Reload the page and save again."


class GuardrailForm(forms.Form):
    """An SCP or RCP and where it is attached. ``revision`` is the stored revision the page was loaded with
    (empty for a new guardrail), so that a save over someone else's change is refused, never lost."""

    name = forms.CharField(
        label="Name",
        max_length=1000,
        help_text="Up to 128 letters, digits and + = , . @ _ - (no spaces), as AWS names a policy.",
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=guardrails.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {guardrails.DESCRIPTION_MAX} characters: what it is for, in your words.",
    )
    kind = forms.ChoiceField(
        label="Type",
        choices=[
            (Guardrail.SCP, "Service control policy (SCP): limits what students' users and roles may do"),
            (Guardrail.RCP, "Resource control policy (RCP): limits what anyone may do to students' resources"),
        ],
        initial=Guardrail.SCP,
        widget=forms.RadioSelect,
    )
    document = PolicyDocumentField(
        label="Policy document (JSON)",
        help_text=f"At most {guardrails.DOCUMENT_MAX:,} characters, spaces and line breaks included.",
    )
    whole_class = forms.BooleanField(label="The whole class (the organization's root)", required=False)
    sections = forms.MultipleChoiceField(label="Sections", required=False, widget=forms.CheckboxSelectMultiple)
    students = forms.MultipleChoiceField(
        label="Students' accounts", required=False, widget=forms.CheckboxSelectMultiple
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    preset = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    reason = forms.CharField(
        label="Reason (optional, for the staff log)",
        required=False,
        max_length=500,
        help_text="Shown in the staff log beside this change.",
    )

    def __init__(
        self, *args, classroom: Classroom, editing: bool = False, keep: tuple[str, ...] = (), **kwargs
    ) -> None:
        """``editing``: the form changes a stored guardrail, so it must say which revision it edits; ``keep``
        lists account ids already attached (a removed student's), which stay selectable."""
        super().__init__(*args, **kwargs)
        self.classroom = classroom
        if editing:
            self.fields["revision"].required = True
            self.fields["revision"].error_messages["required"] = MISSING_REVISION
        sections = list(Section.objects.filter(classroom=classroom).values_list("ou_id", "name"))
        self.fields["sections"].choices = [(ou_id, name) for ou_id, name in sections]
        self.fields["students"].choices = student_choices(classroom, keep)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not guardrails.NAME_RE.fullmatch(name):
            raise ValidationError(
                "A guardrail's name is 1 to 128 letters, digits and + = , . @ _ - with no spaces "
                f"(it had {len(name):,} characters).",
                code="ValidationError",
            )
        if name.lower() in guardrails.RESERVED_NAMES:
            raise ValidationError(
                f"{name} is the name of AWS's own policy, attached everywhere in this classroom. Choose another.",
                code="DuplicatePolicyException",
            )
        return name

    def clean(self) -> dict:
        data = super().clean()
        text, kind = data.get("document"), data.get("kind")
        if text and kind:
            text = data["document"] = text.replace("\r\n", "\n")  # a browser's line breaks are not the author's
            try:
                parse_policy(text, kind)
            except EngineError as err:
                self.add_error("document", engine_validation_error(err))
        data["targets"] = (
            ([self.classroom.root_id] if data.get("whole_class") else [])
            + list(data.get("sections") or [])
            + list(data.get("students") or [])
        )
        return data

    def draft(self) -> guardrails.Draft:
        data = self.cleaned_data
        return guardrails.Draft(
            kind=data["kind"],
            name=data["name"],
            description=data.get("description") or "",
            document=data["document"],
            targets=data["targets"],
            preset=data.get("preset") if data.get("preset") in guardrails.PRESETS else "",
        )

    @staticmethod
    def initial_for(classroom: Classroom, guardrail: Guardrail) -> dict:
        targets = set(guardrail.targets)
        return {
            "name": guardrail.name,
            "description": guardrail.description,
            "kind": guardrail.kind,
            "document": guardrails.document_text(guardrail.document),
            "whole_class": classroom.root_id in targets,
            "sections": [t for t in guardrail.targets if t.startswith("ou-")],
            "students": [t for t in guardrail.targets if t.isdigit()],
            "revision": guardrail.revision,
            "preset": guardrail.preset,
        }

    @staticmethod
    def initial_from_preset(classroom: Classroom, preset: guardrails.Preset) -> dict:
        return {
            "name": preset.name,
            "description": preset.description(),
            "kind": preset.kind,
            "document": json.dumps(preset.document(classroom), indent=2),
            "whole_class": True,
            "preset": preset.key,
        }


def student_choices(classroom: Classroom, keep: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every active student's account (and the ``keep`` accounts), labelled with the student's name and section."""
    enrollments = Enrollment.objects.filter(classroom=classroom, state=Enrollment.ACTIVE).select_related(
        "user", "section"
    )
    if keep:
        enrollments = Enrollment.objects.filter(classroom=classroom).select_related("user", "section")
        enrollments = enrollments.filter(state=Enrollment.ACTIVE) | enrollments.filter(account_id__in=keep)
    choices = []
    for enrollment in enrollments.order_by("user__username"):
        where = f" · {enrollment.section.name}" if enrollment.section else ""
        removed = " · removed" if enrollment.state != Enrollment.ACTIVE else ""
        label = f"{guardrails.person(enrollment.user)} ({enrollment.account_id}){where}{removed}"
        choices.append((enrollment.account_id, label))
    return choices


class GuardrailDeleteForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages={"required": MISSING_REVISION})
    reason = forms.CharField(label="Reason (optional, for the staff log)", required=False, max_length=500)
