"""Forms shared by the sandbox pages, and the one place engine errors become form errors (STYLE 7)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from iamtutor.engine import EngineError, parse_policy

MAX_DOCUMENT_CHARS = 131_072  # IAM's own request limit for a policy document (API-IAM)


def engine_validation_error(err: EngineError) -> ValidationError:
    """An engine error as a Django ``ValidationError`` that keeps AWS's code and the fault's location."""
    where = []
    if err.line is not None:
        where.append(f"line {err.line}, column {err.column}")
    if err.json_path:
        where.append(err.json_path)
    message = f"{err.code}: {err.message}" + (f" ({'; '.join(where)})" if where else "")
    return ValidationError(
        message, code=err.code, params={"line": err.line, "column": err.column, "path": err.json_path}
    )


class PolicyDocumentField(forms.CharField):
    """A policy document typed as JSON text, validated by the engine as the given ``kind``.

    A document longer than IAM's request limit is refused with AWS's wording before the engine reads it.
    """

    widget = forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "autocomplete": "off", "class": "code"})

    def __init__(self, *, kind: str, managed: bool = False, **kwargs) -> None:
        self.kind, self.managed = kind, managed
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if len(value) > MAX_DOCUMENT_CHARS:
            member = "policy" if self.kind == "session" else "policyDocument"
            raise ValidationError(
                f"ValidationError: 1 validation error detected: Value at '{member}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_DOCUMENT_CHARS}",
                code="ValidationError",
            )
        try:
            parse_policy(value, self.kind, managed=self.managed)
        except EngineError as err:
            raise engine_validation_error(err) from None


class ClockForm(forms.Form):
    MINUTES = (5, 15, 60)
    action = forms.ChoiceField(choices=[("forward", _("Fast-forward")), ("reset", _("Back to real time"))])
    minutes = forms.TypedChoiceField(choices=[(m, m) for m in MINUTES], coerce=int, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "forward" and not data.get("minutes"):
            raise ValidationError(_("Choose how far to fast-forward: 5, 15 or 60 minutes."), code="minutes")
        return data


class ImportForm(forms.Form):
    MAX_BYTES = 2 * 1024 * 1024
    file = forms.FileField(
        label=_("World file"),
        help_text=_(
            "A sandbox export, or the output of `aws iam get-account-authorization-details` (JSON, up to 2 MB)."
        ),
    )
    account_id = forms.RegexField(
        regex=r"^\d{12}$",
        required=False,
        label=_("Account id (for authorization details)"),
        help_text=_("Which account the authorization details belong to; 111111111111 if left empty."),
        error_messages={"invalid": _("An account id is exactly 12 digits.")},
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s bytes; the limit is 2 MB."), code="too_large", params={"size": upload.size}
            )
        return upload
