"""The classroom pages' forms, one section per area. Each checks its input and says, in words, what is wrong
and where; the change itself is made by the area's module (``changes``, ``membership``…)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Classroom, StaffMember

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
