"""Sign-up form: a user name, an email address for password resets, and a password twice."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _


class SignUpForm(UserCreationForm):
    """Never says whether an email address is registered: sign-up goes on the same way either way.

    An address that already belongs to an account is not copied onto the new one (password resets go to
    one account per address); ``email_owner`` then names the existing account, so the view can tell the
    address's owner by email instead of telling whoever typed it.
    """

    email = forms.EmailField(
        label=_("Email"),
        help_text=_("Only used to reset your password if you forget it. We send a short note to it now."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    email_owner: User | None = None

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        self.email_owner = User.objects.filter(email__iexact=user.email).order_by("pk").first()
        if self.email_owner is not None:
            user.email = ""
        if commit:
            user.save()
        return user
