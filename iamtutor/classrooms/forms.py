"""The classroom pages' forms, one section per area. Each form checks its input and words every refusal for
the page; the domain modules (``clock``, ``students``…) do the work."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from . import clock, log, students

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
