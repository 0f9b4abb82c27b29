"""The adapter's one change runner: what it saves, what it refuses, and where a refusal lands on a form.

Engine errors name the AWS request parameter they are about (``err.parameter``); each form maps parameters to
its fields, so no error text is read to place an error.
"""

from __future__ import annotations

import json

import pytest

from iamtutor.engine import EngineError, IamError, ParameterError, PolicyError
from iamtutor.sandbox.forms import RoleForm, TrustForm, UserForm, field_for
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import CONCURRENT_CHANGE_MESSAGE, ConcurrentChange, SandboxWorld, run_change

pytestmark = pytest.mark.django_db
ME = "111111111111"
TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ME}, "Action": "sts:AssumeRole"}]}
)


def refuse(err: EngineError):
    def change(world):
        world.create_role(ME, "Half", TRUST)  # a change made before the refusal must not be saved
        raise err

    return change


def role_names(sandbox: Sandbox) -> set[str]:
    return {role["RoleName"] for role in sandbox.accounts.get(account_id=ME).roles()}


def role_form(sandbox: Sandbox) -> RoleForm:
    form = RoleForm({}, accounts=list(sandbox.accounts.all()))
    form.is_valid()
    form.errors.clear()
    return form


@pytest.mark.parametrize(
    ("parameter", "field"),
    [
        ("RoleName", "name"),
        ("Path", "path"),
        ("Description", "description"),
        ("MaxSessionDuration", "max_session_duration"),
        ("Tags", "tags"),
        ("AssumeRolePolicyDocument", "document"),
        ("DurationSeconds", None),  # a parameter the form does not send: the form as a whole
    ],
)
def test_a_refusal_lands_on_the_field_of_its_parameter(alice_sandbox, parameter, field):
    form = role_form(alice_sandbox)
    change = run_change(alice_sandbox, refuse(ParameterError("refused", parameter=parameter)), form=form)
    assert not change.ok and change.error.parameter == parameter
    assert form.errors[field or "__all__"] == ["ValidationError: refused"]


def test_the_text_of_an_error_does_not_decide_its_field():
    form = TrustForm({})
    misleading = ParameterError("1 validation error detected: Value at 'roleName' failed", parameter="Tags")
    assert field_for(form, misleading) is None
    assert field_for(role_form_without_db(), misleading) == "tags"


def role_form_without_db() -> RoleForm:
    return RoleForm({}, accounts=[])


def test_a_policy_error_without_a_parameter_belongs_to_the_document():
    assert field_for(role_form_without_db(), PolicyError("Syntax errors in policy.")) == "document"
    assert field_for(TrustForm({}), IamError("Cannot exceed quota for ACLSizePerRole: 2048")) == "document"
    assert field_for(UserForm([], {}), IamError("The user with name x cannot be found.")) is None


def test_the_engines_own_name_check_carries_its_parameter(alice_sandbox):
    # IAM role names: 1–64 of [\w+=,.@-] (iam-reference §1.9, API-IAM)
    form = role_form(alice_sandbox)
    change = run_change(alice_sandbox, lambda world: world.create_role(ME, "no spaces", TRUST), form=form)
    assert change.error.parameter == "RoleName" and "at 'roleName'" in change.error.message
    assert "name" in form.errors
    tags = run_change(
        alice_sandbox, lambda world: world.create_role(ME, "Ok", TRUST, tags=[{"Key": "<x>", "Value": ""}])
    )
    assert tags.error.parameter == "Tags" and tags.error.to_dict()["parameter"] == "Tags"


def test_a_refused_change_saves_nothing(alice_sandbox):
    revision = alice_sandbox.revision
    change = run_change(alice_sandbox, refuse(IamError("refused", code="LimitExceeded")))
    assert change.error.code == "LimitExceeded" and "Half" not in role_names(alice_sandbox)
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.revision == revision


def test_an_audited_refusal_saves_the_world_with_its_event(alice_sandbox):
    def denied(world):
        world.request(f"arn:aws:iam::{ME}:user/alice", "s3:DeleteBucket", "arn:aws:s3:::nothing-here")
        raise EngineError("refused after the request", code="AccessDenied")

    change = run_change(alice_sandbox, denied, audit_refusals=True)
    assert change.error.code == "AccessDenied"
    assert alice_sandbox.events.filter(event_name="DeleteBucket").exists()


def test_a_change_that_succeeds_is_saved_and_returns_its_value(alice_sandbox):
    change = run_change(alice_sandbox, lambda world: world.create_role(ME, "Fresh", TRUST))
    assert change.ok and change.value.name == "Fresh" and "Fresh" in role_names(alice_sandbox)


def test_a_concurrent_save_is_one_outcome_with_one_wording(alice_sandbox, monkeypatch):
    def someone_else_saved(self):
        raise ConcurrentChange

    monkeypatch.setattr(SandboxWorld, "save", someone_else_saved)
    form = role_form(alice_sandbox)
    change = run_change(alice_sandbox, lambda world: world.create_role(ME, "Lost", TRUST), form=form)
    assert change.conflict is not None and not change.ok
    assert form.errors["__all__"] == [str(CONCURRENT_CHANGE_MESSAGE)]


def test_a_conflict_that_carries_the_stored_text_is_left_to_the_page(alice_sandbox):
    form = TrustForm({})
    form.is_valid()
    form.errors.clear()

    def stale(world):
        raise ConcurrentChange(stored="{}")

    change = run_change(alice_sandbox, stale, form=form)
    assert change.conflict.stored == "{}" and not form.errors
