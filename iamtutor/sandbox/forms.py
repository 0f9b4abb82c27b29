"""Every form of the sandbox pages, and the one place engine errors become form errors (STYLE 7).

An engine error names the AWS request parameter it is about (``err.parameter``: ``RoleName``, ``Tags``…);
each form maps those parameters to its fields in ``parameter_fields``, so no error text is ever parsed. Forms
that edit something stored carry the ``version`` of it they were loaded with (``VersionedForm``), so a stale
tab cannot overwrite what another tab saved meanwhile.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from iamtutor.engine import EngineError, PolicyError, parse_policy
from iamtutor.engine.data import managed_policy_arn, managed_policy_names

MAX_DOCUMENT_CHARS = 131_072  # IAM's own request limit for a policy document (API-IAM)
TAG_ROWS = 3
ADVANCED = ("external_id", "mfa_serial", "mfa_code", "policy", "policy_arns", "source_identity")
REPOSITORY_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
DEFAULT_AUDIENCE = "sts.amazonaws.com"


# ---- engine errors on forms ----------------------------------------------------------------------------------------


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


def field_for(form: forms.Form, err: EngineError) -> str | None:
    """The field of ``form`` an engine error belongs to: the one its ``parameter`` maps to; a policy error
    without one belongs to the form's document; anything else to the form as a whole (``None``)."""
    mapping: dict[str, str] = getattr(form, "parameter_fields", {})
    if err.parameter is not None:
        field = mapping.get(err.parameter)
    else:
        field = getattr(form, "unplaced_field", None)
        if field is None and isinstance(err, PolicyError):
            field = mapping.get("PolicyDocument") or mapping.get("AssumeRolePolicyDocument")
    return field if field in form.fields else None


def add_engine_error(form: forms.Form, err: EngineError) -> None:
    """Reports ``err`` on ``form``, on the field of the parameter it is about (see ``field_for``)."""
    form.add_error(field_for(form, err), engine_validation_error(err))


# ---- one message per limit -----------------------------------------------------------------------------------------


def document_too_long(size: int) -> str:
    """The one wording of IAM's request limit on a policy document, with the size the learner sent."""
    return str(
        _(
            "The document is %(size)s characters long; a request may carry at most %(limit)s "
            "(IAM's limit on a policy document). Shorten it."
        )
        % {"size": f"{size:,}", "limit": MAX_DOCUMENT_CHARS}
    )


class PolicyDocumentField(forms.CharField):
    """A policy document typed as JSON text, kept exactly as typed (never stripped).

    A text over IAM's request limit is refused before the engine reads it. With ``kind``, the engine
    validates the document as that kind when the form is cleaned (STS parameters); without it, the engine
    validates it when the change is made, so its error arrives through ``add_engine_error``.
    """

    widget = forms.Textarea(
        attrs={"rows": 16, "spellcheck": "false", "autocomplete": "off", "class": "code", "data-policy-editor": ""}
    )

    def __init__(self, *, kind: str | None = None, managed: bool = False, **kwargs) -> None:
        self.kind, self.managed = kind, managed
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if len(value) > MAX_DOCUMENT_CHARS:
            raise ValidationError(document_too_long(len(value)), code="RequestTooLarge")
        if self.kind is None:
            return
        try:
            parse_policy(value, self.kind, managed=self.managed)
        except EngineError as err:
            raise engine_validation_error(err) from None


MISSING_VERSION = _("This form did not say which version of the text it edits. Reload the page and save again.")


class VersionedForm(forms.Form):
    """A form that edits something stored: ``version`` is the fingerprint of it the page was loaded with."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=64, error_messages={"required": MISSING_VERSION})


REQUEST_BOUND = 1000  # caps what a form accepts; IAM's own limits (64 for a name…) are the engine's to word


def iam_name_field(label: str) -> forms.CharField:
    """A role or user name: IAM's rules and their wording come from the engine when the change is made."""
    return forms.CharField(
        label=label, max_length=REQUEST_BOUND, help_text=_("Up to 64 letters, digits and + = , . @ _ -")
    )


def iam_path_field(help_text: str, *, required: bool = True) -> forms.CharField:
    """An IAM path (``/`` or ``/a/b/``): checked by the engine when the change is made."""
    return forms.CharField(
        label=_("Path"), initial="/", max_length=REQUEST_BOUND, required=required, help_text=help_text
    )


def _account_choices(accounts) -> list[tuple[str, str]]:
    return [(a.account_id, f"{a.account_id} {a.alias}".strip()) for a in accounts]


# ---- roles and customer managed policies ---------------------------------------------------------------------------

ROLE_PARAMETERS = {
    "RoleName": "name",
    "Path": "path",
    "Description": "description",
    "MaxSessionDuration": "max_session_duration",
    "Tags": "tags",
    "AssumeRolePolicyDocument": "document",
}


class RoleSettingsFields(forms.Form):
    """UpdateRole and tags: IAM's limits are the engine's to check, so its wording reaches the learner."""

    parameter_fields = ROLE_PARAMETERS
    description = forms.CharField(
        label=_("Description"),
        required=False,
        strip=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    max_session_duration = forms.IntegerField(
        label=_("Maximum session duration (seconds)"),
        initial=3600,
        help_text=_("From 3,600 (one hour) to 43,200 (12 hours). Chained sessions stay capped at one hour."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "code"}),
        help_text=_("One tag per line, written key=value."),
    )


class RoleSettingsForm(RoleSettingsFields, VersionedForm):
    """The role page's settings, with the version of them the page showed."""


class RoleForm(RoleSettingsFields):
    """CreateRole: where, what it is called, and whom it trusts."""

    field_order = ["account", "name", "path", "description", "max_session_duration", "tags", "document"]
    account = forms.ChoiceField(label=_("Account"))
    name = iam_name_field(_("Role name"))
    path = iam_path_field(_("/ or a path such as /service-role/ (it becomes part of the ARN)."))
    document = PolicyDocumentField(label=_("Trust policy"))

    def __init__(self, *args, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = _account_choices(accounts)


class TrustForm(VersionedForm):
    """UpdateAssumeRolePolicy; ``version`` fingerprints the trust policy text the editor started from."""

    parameter_fields = {"AssumeRolePolicyDocument": "document", "PolicyDocument": "document"}
    unplaced_field = "document"
    document = PolicyDocumentField(label=_("Trust policy"))
    # The role page also shows the settings form: its version input keeps the plain id.
    version = forms.CharField(
        widget=forms.HiddenInput(attrs={"id": "id_trust_version"}),
        max_length=64,
        error_messages={"required": MISSING_VERSION},
    )


class InlinePolicyForm(forms.Form):
    """PutRolePolicy; when it edits a stored policy, ``version`` fingerprints the text it started from."""

    parameter_fields = {"PolicyName": "policy_name", "PolicyDocument": "document"}
    unplaced_field = "document"
    policy_name = forms.CharField(
        label=_("Policy name"),
        max_length=REQUEST_BOUND,
        help_text=_("Saving under an existing name replaces that policy."),
    )
    document = PolicyDocumentField(label=_("Permission policy"))
    version = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class AttachForm(forms.Form):
    parameter_fields = {"PolicyArn": "policy_arn"}
    policy_arn = forms.CharField(max_length=2048)


class ManagedPolicyForm(forms.Form):
    """CreatePolicy: a customer managed policy in one of the sandbox's accounts."""

    parameter_fields = {"PolicyName": "policy_name", "Path": "path", "Description": "description"}
    unplaced_field = "document"
    account = forms.ChoiceField(label=_("Account"))
    policy_name = forms.CharField(label=_("Policy name"), max_length=REQUEST_BOUND)
    path = iam_path_field(_("/ or a path such as /team/ (it becomes part of the ARN)."))
    description = forms.CharField(label=_("Description"), required=False, max_length=REQUEST_BOUND)
    document = PolicyDocumentField(label=_("Policy document"))

    def __init__(self, *args, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = _account_choices(accounts)


class PolicyVersionForm(VersionedForm):
    """CreatePolicyVersion as the new default; ``version`` is the default version id the editor showed."""

    parameter_fields = {"PolicyDocument": "document"}
    unplaced_field = "document"
    document = PolicyDocumentField(label=_("Policy document"))


class PolicyVersionDeleteForm(forms.Form):
    """DeletePolicyVersion: ``version_id`` as IAM writes version ids (``v2``; the pattern of its API reference)."""

    parameter_fields = {"VersionId": "version_id"}
    version_id = forms.RegexField(
        label=_("Version"),
        regex=r"^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$",
        max_length=40,
        error_messages={"invalid": _("A version id is v followed by its number, such as v2.")},
    )


# ---- users ---------------------------------------------------------------------------------------------------------


class UserForm(forms.Form):
    """CreateUser: IAM checks the name and path (the engine words the errors as AWS does)."""

    parameter_fields = {"UserName": "name", "Path": "path"}
    account = forms.ChoiceField(label=_("Account"))
    name = iam_name_field(_("User name"))
    path = iam_path_field(_("Starts and ends with /, for example /engineering/."), required=False)

    def __init__(self, accounts, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.account_id, str(a)) for a in accounts]


class UserPolicyForm(forms.Form):
    """One change to a user's permissions: put or delete an inline policy, attach or detach a managed one."""

    ACTIONS = ("put", "delete", "attach", "detach")
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    name = forms.CharField(label=_("Policy name"), required=False, max_length=256)
    document = PolicyDocumentField(kind="identity", label=_("Policy document (JSON)"), required=False)
    managed_name = forms.CharField(
        label=_("AWS managed policy name"),
        required=False,
        max_length=256,
        widget=forms.TextInput(attrs={"list": "managed-names", "autocomplete": "off"}),
        help_text=_("For example AmazonS3ReadOnlyAccess."),
    )
    policy = forms.CharField(
        label=_("Customer managed policy of this account"), required=False, max_length=2048, widget=forms.Select
    )

    def __init__(self, *args, customer_policies: list[dict] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].widget.choices = [(p["Arn"], p["PolicyName"]) for p in customer_policies]

    @property
    def parameter_fields(self) -> dict[str, str]:
        if self.data.get("action") in ("put", "delete"):
            return {"PolicyName": "name", "PolicyDocument": "document"}
        return {"PolicyArn": "policy"}

    @property
    def unplaced_field(self) -> str:
        return {"put": "document", "delete": "name"}.get(self.data.get("action"), "policy")

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if action in ("put", "delete") and not data.get("name"):
            self.add_error("name", _("Name the inline policy."))
        if action == "put" and not data.get("document") and "document" not in self.errors:
            self.add_error("document", _("Type the policy document."))
        if action in ("attach", "detach"):
            data["policy"] = self._policy_arn(data)
        return data

    def _policy_arn(self, data: dict) -> str:
        name = (data.get("managed_name") or "").strip()
        if not name:
            if not data.get("policy"):
                self.add_error("policy", _("Choose a managed policy."))
            return data.get("policy") or ""
        arn = name if name.startswith("arn:") else managed_policy_arn(name)
        if arn is None:
            close = ", ".join(managed_policy_names(name[:4], 5, type="iam"))
            self.add_error(
                "managed_name",
                _("No AWS managed policy is named %(name)s.") % {"name": name}
                + (" " + _("Similar names: %(names)s.") % {"names": close} if close else ""),
            )
        return arn or ""


# ---- STS, credentials, the clock, import, the audit filter ---------------------------------------------------------


class RevokeForm(forms.Form):
    parameter_fields = {"RoleName": "role_arn"}
    unplaced_field = "role_arn"
    role_arn = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role_arn"].choices = [(arn, arn) for arn in roles]


class AssumeForm(forms.Form):
    """Who calls, which role, and the STS parameters. Length caps only bound the request; the engine
    applies AWS's own limits, so its wording is what the learner reads."""

    identity = forms.CharField(label=_("Call STS as"), max_length=2200)
    launched_by = forms.ChoiceField(
        label=_("Launched or created by"),
        required=False,
        help_text=_("The user who needs ec2:RunInstances or lambda:CreateFunction, and iam:PassRole on the role."),
    )
    repository = forms.CharField(label=_("Repository (owner/name)"), required=False, max_length=201)
    ref_type = forms.ChoiceField(
        label=_("The run is for"),
        required=False,
        initial="branch",
        choices=[
            ("branch", _("a branch")),
            ("environment", _("an environment")),
            ("pull_request", _("a pull request")),
        ],
    )
    ref = forms.CharField(label=_("Branch or environment name"), required=False, max_length=255)
    audience = forms.CharField(label=_("Audience (aud)"), required=False, max_length=255, initial=DEFAULT_AUDIENCE)
    web_token = forms.CharField(
        label=_("…or paste a token from the Web identity tokens page"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "code"}),
        help_text=_("A pasted token wins over the fields above; its expiry is checked on the sandbox clock."),
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    role_arn = forms.CharField(
        label=_("…or type a role ARN"),
        required=False,
        max_length=4096,
        help_text=_("A typed ARN wins over the list. A role that does not exist gets AWS's AccessDenied."),
    )
    session_name = forms.CharField(
        label=_("Session name (RoleSessionName)"), required=False, max_length=512, strip=False
    )
    duration_seconds = forms.IntegerField(
        label=_("Duration in seconds"), required=False, help_text=_("Empty means AWS's default of 3,600 seconds.")
    )
    external_id = forms.CharField(label=_("External ID"), required=False, max_length=4096)
    mfa_serial = forms.CharField(label=_("MFA device serial number"), required=False, max_length=512)
    mfa_code = forms.CharField(label=_("MFA code"), required=False, max_length=32)
    policy = PolicyDocumentField(kind="session", label=_("Inline session policy (JSON)"), required=False)
    policy_arns = forms.CharField(
        label=_("Managed session policy ARNs, one per line"),
        required=False,
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "code"}),
    )
    source_identity = forms.CharField(label=_("Source identity"), required=False, max_length=512)

    def __init__(self, identities, sandbox, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.identities, self.sandbox = identities, sandbox
        self.fields["launched_by"].choices = [(c.value, c.label) for c in identities.users]
        self.fields["role"].choices = [("", _("— choose a role —"))] + [(c.value, c.label) for c in identities.roles]
        for row in range(TAG_ROWS):
            self.fields[f"tag_key_{row}"] = forms.CharField(label=_("Tag key"), required=False, max_length=512)
            self.fields[f"tag_value_{row}"] = forms.CharField(label=_("Tag value"), required=False, max_length=1024)
            self.fields[f"tag_transitive_{row}"] = forms.BooleanField(label=_("Transitive"), required=False)

    def advanced_open(self) -> bool:
        """Whether the "more parameters" section starts open: something in it was typed or refused."""
        names = [n for n in self.fields if n in ADVANCED or n.startswith("tag_")]
        return self.is_bound and any(self.data.get(n) or n in self.errors for n in names)

    def tag_rows(self) -> list[tuple]:
        return [(self[f"tag_key_{r}"], self[f"tag_value_{r}"], self[f"tag_transitive_{r}"]) for r in range(TAG_ROWS)]

    def clean_identity(self) -> str:
        value = self.cleaned_data["identity"]
        offered = {choice for choice, _label in self.identities.identity_choices()}
        kind, _sep, ref = value.partition(":")
        if value in offered or (kind == "session" and self.sandbox.sts_sessions.filter(session_id=ref).exists()):
            return value
        raise ValidationError(_("Choose who calls STS."), code="identity")

    def clean(self) -> dict:
        data = super().clean()
        kind = (data.get("identity") or "").partition(":")[0]
        if kind in ("ec2", "lambda") and not data.get("launched_by"):
            self.add_error("launched_by", _("Choose the user who launches it."))
        if kind in ("user", "session", "web"):
            data["role"] = (data.get("role_arn") or "").strip() or data.get("role") or ""
            if not data["role"]:
                self.add_error("role", _("Choose a role, or type its ARN."))
        if kind == "web":
            self._clean_token(data)
        data["mfa"] = self._mfa(data)
        data["tags"], data["transitive_tag_keys"] = self._tags(data)
        data["policy"] = data.get("policy") or None
        data["policy_arns"] = [line.strip() for line in (data.get("policy_arns") or "").splitlines() if line.strip()]
        return data

    def _clean_token(self, data: dict) -> None:
        if (data.get("web_token") or "").strip():
            return self._clean_pasted_token(data)
        if not REPOSITORY_RE.fullmatch(data.get("repository") or ""):
            self.add_error("repository", _("Type the repository as owner/name, for example example-org/app."))
        if data.get("ref_type") != "pull_request" and not data.get("ref"):
            self.add_error("ref", _("Type the branch or environment the workflow runs for."))
        data["ref_type"] = data.get("ref_type") or "branch"
        data["audience"] = data.get("audience") or DEFAULT_AUDIENCE

    def _clean_pasted_token(self, data: dict) -> None:
        from iamtutor.awsapi.errors import AwsError  # the endpoint's token rules, read where they are used
        from iamtutor.awsapi.webidentity import read_token

        try:
            sandbox, claims = read_token(data["web_token"].strip())
        except AwsError as err:
            self.add_error("web_token", f"{err.code}: {err.message}")
            return
        if sandbox.pk != self.sandbox.pk:
            self.add_error("web_token", _("This token was issued for another sandbox."))
            return
        data["token_claims"] = claims

    def _mfa(self, data: dict) -> dict | None:
        serial, code = data.get("mfa_serial"), data.get("mfa_code")
        if code and not serial:
            self.add_error("mfa_serial", _("Type the serial number of the MFA device the code comes from."))
        if not serial:
            return None
        return {"serial": serial, "token_code": code} if code else {"serial": serial}

    def _tags(self, data: dict) -> tuple[list[dict], list[str]]:
        tags, transitive = [], []
        for row in range(TAG_ROWS):
            key, value = data.get(f"tag_key_{row}"), data.get(f"tag_value_{row}") or ""
            if not key and (value or data.get(f"tag_transitive_{row}")):
                self.add_error(f"tag_key_{row}", _("A tag needs a key."))
            elif key:
                tags.append({"Key": key, "Value": value})
                if data.get(f"tag_transitive_{row}"):
                    transitive.append(key)
        return tags, transitive


# ---- the request console -------------------------------------------------------------------------------------------

CONTEXT_ROWS = 4  # blank key/value rows offered on a fresh form
MAX_CONTEXT_ROWS = 20  # request-size limit for the context keys of one request


class ConsoleForm(forms.Form):
    """Who asks for what: identity, action and resource (a listed one, or a typed ARN)."""

    # Where the engine's refusals belong, by the SimulatePrincipalPolicy parameter they name (forms.field_for).
    parameter_fields = {"ActionNames": "action", "ResourceArns": "target"}

    caller = forms.ChoiceField(label=_("Identity"))
    action = forms.CharField(
        label=_("Action"),
        max_length=256,
        help_text=_("A service-prefixed action such as s3:GetObject; suggestions appear as you type."),
        widget=forms.TextInput(
            attrs={
                "list": "action-options",
                "autocomplete": "off",
                "spellcheck": "false",
                "class": "code-input",
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#action-options",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    resource = forms.ChoiceField(label=_("Resource"), required=False)
    resource_arn = forms.CharField(
        label=_("Or type a resource ARN"),
        max_length=2048,
        required=False,
        help_text=_('Used instead of the list when filled in. "*" means no particular resource.'),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", "class": "code-input"}),
    )

    def __init__(self, *args, callers: list, resources: list, actions_url: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].widget.attrs["hx-get"] = actions_url
        self.fields["caller"].choices = callers
        self.fields["resource"].choices = [("", _("— choose a resource —")), *resources]

    def clean(self) -> dict:
        data = super().clean()
        data["target"] = (data.get("resource_arn") or "").strip() or data.get("resource")
        if not data["target"]:
            self.add_error("resource", ValidationError(_("Choose a resource or type its ARN."), code="required"))
        return data


class ContextRowForm(forms.Form):
    """One request context key and its value (repeat a key for a multivalued key)."""

    key = forms.CharField(
        label=_("Condition key"),
        max_length=256,
        required=False,
        widget=forms.TextInput(attrs={"list": "context-keys", "spellcheck": "false", "class": "code-input"}),
    )
    value = forms.CharField(
        label=_("Value"),
        max_length=1024,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "code-input"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("value") and not data.get("key"):
            self.add_error("key", ValidationError(_("Name the condition key this value is for."), code="required"))
        return data


ContextFormSet = forms.formset_factory(
    ContextRowForm, extra=CONTEXT_ROWS, max_num=MAX_CONTEXT_ROWS, validate_max=True, absolute_max=MAX_CONTEXT_ROWS
)


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
    file = forms.FileField(label=_("World file"))
    account_id = forms.RegexField(
        regex=r"^\d{12}$",
        required=False,
        label=_("Account id (for authorization details)"),
        help_text=_("Which account the authorization details belong to; 111111111111 if left empty."),
        error_messages={"invalid": _("An account id is exactly 12 digits.")},
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A sandbox export, or the output of `aws iam get-account-authorization-details` (JSON, up to %(limit)s)."
        ) % {"limit": filesizeformat(settings.MAX_UPLOAD_BYTES)}

    def clean_file(self):
        # The site's upload handler stops a longer stream before it is read (iamtutor/lib/limits.py); this
        # names the limit when a file just over it still arrives whole.
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s."),
                code="too_large",
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)},
            )
        return upload


class AuditFilterForm(forms.Form):
    """GET filters; every field is optional and an empty form shows everything."""

    event_name = forms.CharField(
        label=_("Event name"),
        required=False,
        max_length=128,
        help_text=_("Exact name, e.g. AssumeRole or GetObject."),
        widget=forms.TextInput(attrs={"list": "audit-event-names", "autocomplete": "off", "class": "code-input"}),
    )
    identity = forms.CharField(
        label=_("Identity"),
        required=False,
        max_length=2048,
        help_text=_("Part of the caller's ARN, e.g. user/alice or ReportsReader."),
        widget=forms.TextInput(
            attrs={"list": "audit-identities", "autocomplete": "off", "spellcheck": "false", "class": "code-input"}
        ),
    )
    errors_only = forms.BooleanField(label=_("Errors only"), required=False)

    def filter(self, events: QuerySet) -> QuerySet:
        """``events`` narrowed by the valid filters (an invalid form filters nothing)."""
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data["event_name"].strip():
            events = events.filter(event_name__iexact=data["event_name"].strip())
        if data["identity"].strip():
            events = events.filter(principal_arn__icontains=data["identity"].strip())
        if data["errors_only"]:
            events = events.exclude(error_code="")
        return events
