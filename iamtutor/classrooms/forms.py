"""Every form of the classroom pages. Each area keeps its own section below."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import joining
from .models import Section

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
