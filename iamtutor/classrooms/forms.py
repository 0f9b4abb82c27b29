"""The classroom pages' forms, one section per area (``# ---- <area> ----``). Each checks its input and says,
in words, what is wrong and where; the change itself is made by the area's module (``changes``, ``guardrails``…).
Engine errors become form errors through the sandbox's one adapter (``iamtutor.sandbox.forms``)."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from iamtutor.engine import EngineError, parse_policy
from iamtutor.labs.models import Lab
from iamtutor.sandbox.forms import PolicyDocumentField, engine_validation_error
from lessons.models import Confidence

from . import answers, assignments, clock, guardrails, joining, log, students
from .models import Classroom, Enrollment, Guardrail, Section, StaffMember, VoteAnswer

# ---- core ----------------------------------------------------------------------------------------------------------

NAME_MESSAGES = {
    "required": _("Give the classroom a name."),
    "max_length": _("A classroom name is at most %(limit_value)d characters (this one has %(show_value)d)."),
}


class ClassroomForm(forms.ModelForm):
    """A new classroom: its name, description and clock."""

    class Meta:
        model = Classroom
        fields = ["name", "description", "clock_mode"]
        labels = {"name": _("Name"), "description": _("Description (optional)"), "clock_mode": _("Clock")}
        help_texts = {
            "name": _("What students see, for example “IAM roles, autumn term”. At most 100 characters."),
            "description": _("Shown to everyone in the classroom. At most 2,000 characters."),
            "clock_mode": _(
                "With one clock for the class you can fast-forward or pause everyone's clock together, "
                "for example to watch credentials expire. Self-paced leaves each student their own clock."
            ),
        }
        error_messages = {
            "name": NAME_MESSAGES,
            "description": {
                "max_length": _("The description is at most %(limit_value)d characters (this one has %(show_value)d).")
            },
            "clock_mode": {
                "required": _("Choose how the clock runs."),
                "invalid_choice": _("Choose how the clock runs."),
            },
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "clock_mode": forms.RadioSelect,
        }


class SettingsForm(ClassroomForm):
    """A classroom's settings: the new classroom's fields and the seat limit."""

    seat_limit = forms.IntegerField(
        label=_("Seat limit (optional)"),
        required=False,
        min_value=1,
        max_value=10_000,
        help_text=_("The most students who may join; leave it empty for no limit. Students already in the class stay."),
        error_messages={
            "invalid": _("Write the seat limit as a whole number, or leave it empty."),
            "min_value": _("The seat limit is at least 1 (leave it empty for no limit)."),
            "max_value": _("The seat limit is at most %(limit_value)s."),
        },
        widget=forms.NumberInput(attrs={"class": "short-input"}),
    )

    class Meta(ClassroomForm.Meta):
        fields = [*ClassroomForm.Meta.fields, "seat_limit"]


class StateForm(forms.Form):
    """A step of the lifecycle: the state to go to, why (for the staff log), and for archiving a confirmation."""

    to = forms.ChoiceField(choices=Classroom.STATES, error_messages={"invalid_choice": _("Choose a state.")})
    reason = forms.CharField(
        label=_("Why (optional)"),
        help_text=_("Kept in the staff log with the change."),
        max_length=500,
        required=False,
        error_messages={
            "max_length": _("Keep the reason to %(limit_value)d characters (this one has %(show_value)d).")
        },
    )
    confirm = forms.BooleanField(
        label=_("I understand that an archived classroom can never be opened again."), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("to") == Classroom.ARCHIVED and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm that you want to archive the classroom."))
        return data


class SectionForm(forms.Form):
    """A section's name, unique in its classroom whatever the case."""

    name = forms.CharField(
        label=_("Section name"),
        max_length=64,
        help_text=_("For example “Monday” or “Group B”. At most 64 characters."),
        error_messages={
            "required": _("Give the section a name."),
            "max_length": _("A section name is at most %(limit_value)d characters (this one has %(show_value)d)."),
        },
    )

    def __init__(self, *args, classroom: Classroom, section=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.classroom, self.section = classroom, section
        if section is not None:  # a rename form sits in a table row, without room for help
            self.fields["name"].help_text = ""

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        clash = self.classroom.sections.filter(name__iexact=name)
        if self.section is not None:
            clash = clash.exclude(pk=self.section.pk)
        if clash.exists():
            raise ValidationError(_("There is already a section called “%(name)s”."), params={"name": name})
        return name


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(error_messages={"required": _("Tick the box to confirm.")})


class SectionDeleteForm(ConfirmForm):
    """The confirmation of a section's deletion, carrying how many assigned labs the page said go with it."""

    assignments = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1_000_000,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("The page was altered: load it again.")},
    )


class StaffRoleForm(forms.Form):
    """A staff member's role and, for a teaching assistant, the sections they look after."""

    role = forms.ChoiceField(
        label=_("Role"),
        choices=StaffMember.ROLES,
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose a role from the list.")},
    )
    sections = forms.ModelMultipleChoiceField(
        label=_("Sections (teaching assistants only)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A teaching assistant sees and resets only the students of these sections."),
        error_messages={
            "invalid_choice": _("Choose sections of this classroom."),
            "invalid_pk_value": _("Choose sections of this classroom."),
        },
    )

    def __init__(self, *args, classroom: Classroom, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.classroom = classroom
        self.fields["sections"].queryset = classroom.sections.all()

    def clean(self):
        data = super().clean()
        if data.get("role") == StaffMember.TA and not data.get("sections"):
            if not self.classroom.sections.exists():
                self.add_error("sections", _("Add a section first: a teaching assistant looks after sections."))
            else:
                self.add_error("sections", _("Choose at least one section for a teaching assistant."))
        return data


class StaffAddForm(StaffRoleForm):
    """Someone with an account on this site, found by username or email, joining the staff."""

    who = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        help_text=_("They need an account on this site first."),
        error_messages={
            "required": _("Give the username or email of the person to add."),
            "max_length": _("A username or email is at most %(limit_value)d characters."),
        },
    )
    field_order = ["who", "role", "sections"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, label) for role, label in StaffMember.ROLES if role != StaffMember.OWNER]
        self.fields["who"].widget.attrs.update(autocomplete="off", spellcheck="false", autocapitalize="none")

    def clean_who(self):
        who = self.cleaned_data["who"]
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(username=who).first()
        if user is None:
            matches = (
                list(users.filter(email__iexact=who)[:2])
                if "@" in who
                else list(users.filter(username__iexact=who)[:2])
            )
            if len(matches) > 1:
                raise ValidationError(
                    _("Several accounts match “%(who)s”: give the exact username."), params={"who": who}
                )
            user = matches[0] if matches else None
        if user is None:
            raise ValidationError(
                _("No account has the username or email “%(who)s”. Ask them to sign up first."), params={"who": who}
            )
        if StaffMember.objects.filter(classroom=self.classroom, user=user).exists():
            raise ValidationError(
                _("%(name)s is already on the staff: change their role in the list instead."),
                params={"name": user.username},
            )
        return user


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


# ---- joining and roster ----

NOT_A_CODE = _("That is not a join code: a join code has 8 letters and digits, like ABCD-EFGH.")
MAX_SEATS = 10_000


class JoinCodeForm(forms.Form):
    """The code a student types to join. Case, spaces and dashes do not matter; the cleaned value is the
    code as stored (``joining.normalise_code``)."""

    code = forms.CharField(
        label=_("Join code"),
        help_text=_("Your instructor gives it to you. It looks like ABCD-EFGH."),
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "maxlength": joining.MAX_TYPED,
                "class": "short-input",
            }
        ),
    )

    def clean_code(self) -> str:
        value = joining.normalise_code(self.cleaned_data["code"])
        if value is None:
            raise forms.ValidationError(NOT_A_CODE, code="not_a_code")
        return value


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class JoinKeyForm(forms.Form):
    """Turns a join code or link on or off and sets its expiry. A new expiry must lie ahead; one already
    set may stay as it is (so that other changes can be saved after it passed)."""

    enabled = forms.BooleanField(label=_("Students can join with it"), required=False)
    expires_at = forms.DateTimeField(
        label=_("Stops working at (UTC)"),
        help_text=_("Leave empty to keep it working until you turn it off or make a new one."),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=DateTimeLocalInput(),
    )

    def __init__(self, *args, key=None, **kwargs):
        self.key = key
        if key is not None:
            kwargs.setdefault("initial", {"enabled": key.enabled, "expires_at": key.expires_at})
        super().__init__(*args, **kwargs)

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        current = self.key.expires_at if self.key is not None else None
        unchanged = current is not None and value is not None and abs((value - current).total_seconds()) < 60
        if value is not None and value <= timezone.now() and not unchanged:
            raise forms.ValidationError(_("Pick a moment in the future, or leave it empty for no expiry."), code="past")
        return current if unchanged else value


class SeatLimitForm(forms.Form):
    seat_limit = forms.IntegerField(
        label=_("Seat limit"),
        help_text=_("The most students who may join. Leave empty for no limit. Staff who enrol do not count."),
        required=False,
        min_value=1,
        max_value=MAX_SEATS,
        widget=forms.NumberInput(attrs={"class": "short-input"}),
    )


class StudentMoveForm(forms.Form):
    """The section to move a student to: one of the classroom's, or none."""

    section = forms.ModelChoiceField(
        queryset=Section.objects.none(), required=False, empty_label=_("No section"), label=_("Section")
    )

    def __init__(self, *args, classroom=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = classroom.sections.all()
        self.fields["section"].error_messages["invalid_choice"] = _("Pick one of this classroom's sections.")


class StudentRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Kept in the staff log; the student sees it among what staff did to their account."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# ---- clock, students, log ----

REASON_HELP = _("Recorded in the staff log, which the student can read too.")


def _reason(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Reason") if required else _("Reason (optional)"),
        required=required,
        max_length=500,
        help_text=REASON_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say why: the reason goes into the staff log.")},
    )


class ClockActionForm(forms.Form):
    """Pause, resume, or back to real time: the action is the form's submit button."""

    kind = ""

    def change(self) -> clock.ClockChange:
        return clock.ClockChange(self.kind)


class PauseForm(ClockActionForm):
    kind = clock.PAUSE


class ResumeForm(ClockActionForm):
    kind = clock.RESUME


class RealTimeForm(ClockActionForm):
    kind = clock.REAL_TIME


class ForwardForm(ClockActionForm):
    PRESETS = (5, 15, 60)
    MAX_MINUTES = 7 * 24 * 60
    kind = clock.FORWARD
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=1,
        max_value=MAX_MINUTES,
        help_text=_("A whole number of minutes, up to 10080 (one week)."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Say how many minutes to fast-forward."),
            "invalid": _("Minutes are a whole number, such as 15."),
            "min_value": _("Fast-forward by at least 1 minute."),
            "max_value": _("Fast-forward by at most 10080 minutes (one week) at a time."),
        },
    )

    def change(self) -> clock.ClockChange:
        return clock.ClockChange(self.kind, minutes=self.cleaned_data["minutes"])


class JumpForm(ClockActionForm):
    kind = clock.JUMP
    at = forms.CharField(
        label=_("Class time to jump to (UTC)"),
        max_length=40,
        help_text=_("Any time from now on, in UTC, such as 2026-05-04T14:30 or 2026-05-04T14:30:00Z."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "60"}),
        error_messages={"required": _("Choose the class time to jump to.")},
    )

    def clean_at(self):
        text = self.cleaned_data["at"].strip()
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            raise ValidationError(
                _("“%(text)s” is not a date and time. Write it like 2026-05-04T14:30 (UTC)."),
                code="invalid",
                params={"text": text[:40]},
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.UTC)
        return moment

    def change(self) -> clock.ClockChange:
        return clock.ClockChange(self.kind, at=self.cleaned_data["at"])


CLOCK_FORMS: dict[str, type[ClockActionForm]] = {
    form.kind: form for form in (ForwardForm, PauseForm, ResumeForm, JumpForm, RealTimeForm)
}


class ResetForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand: their roles, users, policies, keys and sessions go back to the starting account. "
            "A snapshot is taken first, so the reset can be undone."
        ),
        error_messages={"required": _("Tick the box to confirm the reset.")},
    )
    reason = _reason(required=True)


class UndoForm(forms.Form):
    reason = _reason(required=True)


class ExtensionForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Extra time, in minutes"),
        min_value=0,
        max_value=students.MAX_EXTENSION_MINUTES,
        help_text=_(
            "Their clock runs this far behind the class clock, so their sessions last that much longer. "
            "0 takes the extra time away."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Say how many minutes of extra time to give (0 for none)."),
            "invalid": _("Minutes are a whole number, such as 10."),
            "min_value": _("Extra time cannot be negative: 0 takes it away."),
            "max_value": _("Extra time is at most 1440 minutes (one day)."),
        },
    )
    reason = _reason(required=False)


class StaffLogFilterForm(forms.Form):
    """GET filters of the staff log; an invalid filter is reported and not applied."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    student = forms.TypedChoiceField(label=_("Student"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, students: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Every action")), *sorted(log.ACTIONS.items(), key=lambda i: i[1])]
        self.fields["student"].choices = [("", _("Every student")), *students]

    def filter(self, entries):
        if not self.is_valid():
            return entries
        if self.cleaned_data["action"]:
            entries = entries.filter(action=self.cleaned_data["action"])
        if self.cleaned_data["student"] is not None:
            entries = entries.filter(enrollment_id=self.cleaned_data["student"])
        return entries


# ---- votes ----

ITEM_LABEL_LENGTH = 110


class OpenVoteForm(forms.Form):
    """A new class vote: the prediction, myth or quiz question it asks, and who votes."""

    item = forms.ChoiceField(
        label=_("What the class votes on"),
        help_text=_("A prediction or myth from the lessons, or a quiz question with one right answer."),
        error_messages={
            "required": _("Choose what the class votes on."),
            "invalid_choice": _("Choose one of the listed predictions, myths or questions."),
        },
    )
    section = forms.ChoiceField(
        label=_("Who votes"),
        required=False,
        error_messages={"invalid_choice": _("Choose the whole class or one of its sections.")},
    )

    def __init__(self, *args, items: list, sections: list[Section], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {item.ident: item for item in items}
        self.sections = {str(section.pk): section for section in sections}
        groups: dict[str, list] = {}
        for item in items:
            label = f"{item.place}: {item.prompt}" if item.place else item.prompt
            if len(label) > ITEM_LABEL_LENGTH:
                label = label[: ITEM_LABEL_LENGTH - 1] + "…"
            groups.setdefault(str(answers.KINDS[item.kind]), []).append((item.ident, label))
        self.fields["item"].choices = [("", _("Choose…")), *groups.items()]
        self.fields["section"].choices = [("", _("The whole class"))] + [
            (key, section.name) for key, section in self.sections.items()
        ]

    def clean_item(self):
        return self.items[self.cleaned_data["item"]]

    def clean_section(self):
        return self.sections.get(self.cleaned_data["section"])


class VoteAnswerForm(forms.Form):
    """A student's first or second vote: an answer, how sure they are and (first vote) a one-line reason."""

    round = forms.TypedChoiceField(
        choices=VoteAnswer.ROUNDS,
        coerce=int,
        widget=forms.HiddenInput,
        error_messages={"required": _("Reload the page: this form does not say which vote it is for.")},
    )
    choice = forms.ChoiceField(
        label=_("Your answer"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer."), "invalid_choice": _("Choose one of the answers shown.")},
    )
    confidence = forms.ChoiceField(
        label=_("How sure are you?"),
        choices=Confidence.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how sure you are."), "invalid_choice": _("Say how sure you are.")},
    )
    rationale = forms.CharField(
        label=_("Why? One line (optional)"),
        required=False,
        max_length=VoteAnswer._meta.get_field("rationale").max_length,
        help_text=_("After the reveal, classmates may read it, without your name. At most 200 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "max_length": _(
                "Keep your reason to one line of at most %(limit_value)d characters (this one has %(show_value)d)."
            )
        },
    )

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("auto_id", "vote-%s")
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(choice.key, choice.text) for choice in item.choices]

    def clean_rationale(self) -> str:
        return " ".join(self.cleaned_data["rationale"].split())  # one line: newlines and runs of spaces collapse


class VoteControlForm(forms.Form):
    """Staff steering a vote: reveal, close, or hide or show one first-vote reason."""

    REVEAL, CLOSE, HIDE, SHOW = "reveal", "close", "hide", "show"
    action = forms.ChoiceField(
        choices=[(REVEAL, REVEAL), (CLOSE, CLOSE), (HIDE, HIDE), (SHOW, SHOW)],
        error_messages={
            "required": _("Choose what to do: reveal, close, or hide or show a reason."),
            "invalid_choice": _("Choose what to do: reveal, close, or hide or show a reason."),
        },
    )
    answer = forms.IntegerField(required=False, min_value=1, error_messages={"invalid": _("Choose a reason.")})

    def clean(self):
        data = super().clean()
        if data.get("action") in (self.HIDE, self.SHOW) and not data.get("answer"):
            raise ValidationError(_("Choose the reason to hide or show."), code="required")
        return data


# ---- assignments and grading ----

DATE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _moment(label, help_text) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        required=False,
        input_formats=DATE_FORMATS,
        widget=DateTimeLocalInput(),
        error_messages={"invalid": _("Give a date and time such as 2026-03-01 09:00, or leave it empty.")},
    )


class AssignmentForm(forms.Form):
    """A lab assigned to the class or one section, with its dates (UTC). Editing changes the section and the
    dates only, and carries the ``version`` it edits."""

    lab = forms.ModelChoiceField(
        queryset=None,
        label=_("Lab"),
        empty_label=_("Choose a lab"),
        error_messages={
            "required": _("Choose the lab to assign."),
            "invalid_choice": _("Choose one of the labs in the list."),
        },
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.none(),
        required=False,
        label=_("Who"),
        empty_label=_("The whole class"),
        error_messages={"invalid_choice": _("Choose the whole class or one of this classroom's sections.")},
    )
    opens_at = _moment(
        _("Opens at (UTC, optional)"), _("Before then students see the lab's title only. Empty: open now.")
    )
    due_at = _moment(_("Due at (UTC, optional)"), _("A lab first passed after this is marked late."))
    closes_at = _moment(
        _("Closes at (UTC, optional)"),
        _("After this the lab is read-only for students: their results stay, new checks and hints do not count."),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, classroom: Classroom, assignment=None, **kwargs):
        self.assignment = assignment
        if assignment is not None:
            kwargs.setdefault(
                "initial",
                {
                    "section": assignment.section_id,
                    "opens_at": assignment.opens_at,
                    "due_at": assignment.due_at,
                    "closes_at": assignment.closes_at,
                    "version": assignments.version_of(assignment),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = classroom.sections.all()
        if assignment is not None:
            del self.fields["lab"]
        else:
            del self.fields["version"]
            self.fields["lab"].queryset = Lab.objects.filter(retired=False)
            self.fields["lab"].label_from_instance = _lab_choice

    def clean(self):
        data = super().clean()
        problem = assignments.dates_problem(data.get("opens_at"), data.get("due_at"), data.get("closes_at"))
        if problem:
            self.add_error("closes_at" if "clos" in problem else "due_at", problem)
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("section", "opens_at", "due_at", "closes_at")}


def _lab_choice(lab) -> str:
    where = "expert zone" if lab.first_step == lab.EXPERT else f"step {lab.first_step}"
    return f"{lab.title} ({where}, {lab.get_mode_display()})"


class AssignmentWorldForm(forms.Form):
    """A forked starting world, as JSON; checked against the lab (``assignments.check_world``) when the form
    is, so that every problem comes back with its line."""

    world = forms.CharField(
        label=_("Starting world (JSON, world format)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "class": "code", "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Account 111111111111 is the learner's: each student gets it as their own account. "
            "222222222222 is a partner outside the class."
        ),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, assignment, **kwargs):
        self.assignment = assignment
        self.report = None
        kwargs.setdefault(
            "initial", {"world": assignments.world_text(assignment), "version": assignments.version_of(assignment)}
        )
        super().__init__(*args, **kwargs)

    def clean_world(self) -> dict:
        text = self.cleaned_data["world"].replace("\r\n", "\n")
        if not text.strip():
            raise ValidationError(_("Type or paste a world, or use the lab's own world."), code="required")
        self.report = assignments.check_world(self.assignment, text)
        if self.report.problems:
            raise ValidationError(
                [
                    ValidationError(f"Line {line}: {message}" if line else message, code="world")
                    for line, message in self.report.problems
                ]
            )
        return self.report.world


class UnassignForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Unassign it: its grades, overrides and the dashboard's record of it go, for every student."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
    reason = _reason(required=False)


class StartAssignmentForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Replace what is in my classroom account with this lab's world. A snapshot is kept, so your instructor "
            "can put it back."
        ),
        error_messages={"required": _("Tick the box to confirm: the lab replaces your account's contents.")},
    )


class AssignmentHintForm(forms.Form):
    task = forms.ChoiceField()
    rung = forms.TypedChoiceField(choices=[(str(n), n) for n in (1, 2, 3)], coerce=int)

    def __init__(self, *args, tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.tasks = {task.key: task for task in tasks}
        self.fields["task"].choices = [(key, key) for key in self.tasks]


class OverrideForm(forms.Form):
    """Staff's score for one student on one lab, or withdrawing an override; always with a reason."""

    score = forms.IntegerField(
        label=_("Score, in percent"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short-input"}),
        help_text=_("0 to 100. It replaces the score the checks gave, in the grid and in the grades."),
        error_messages={
            "invalid": _("A score is a whole number from 0 to 100."),
            "min_value": _("A score is a whole number from 0 to 100."),
            "max_value": _("A score is a whole number from 0 to 100."),
        },
    )
    withdraw = forms.BooleanField(label=_("Withdraw the override: the checks' score counts again"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Kept in the staff log, which the student can read too."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say why: the reason goes into the staff log.")},
    )

    def clean(self):
        data = super().clean()
        if not data.get("withdraw") and data.get("score") is None and "score" not in self.errors:
            self.add_error("score", _("Give a score from 0 to 100, or tick “Withdraw the override”."))
        return data

    def score_value(self) -> int | None:
        return None if self.cleaned_data["withdraw"] else self.cleaned_data["score"]
