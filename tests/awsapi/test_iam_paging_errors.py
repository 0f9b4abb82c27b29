"""Bad paging values, sent raw (botocore refuses some before sending): MaxItems outside 1-1000 gets AWS's
ValidationError wording; a forged, garbled, borrowed or other sandbox's Marker gets a clear refusal.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html (MaxItems, Marker)."""

from __future__ import annotations

import json
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from .conftest import add_key
from .signing import FORM, send, sign

pytestmark = pytest.mark.django_db

NS = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/"}


def _raw(client, key, action: str, **params):
    body = urlencode({"Action": action, "Version": "2010-05-08", **params}).encode()
    response = send(client, sign("POST", "/aws/", key, service="iam", body=body, headers={"Content-Type": FORM}))
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
    return response.status_code, root


def _code_and_message(root) -> tuple[str, str]:
    return root.findtext("iam:Error/iam:Code", namespaces=NS), root.findtext("iam:Error/iam:Message", namespaces=NS)


@pytest.fixture
def admin(sandbox):
    return add_key(sandbox, "admin", create=True, policy="arn:aws:iam::aws:policy/AdministratorAccess")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "0",
            "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            "1001",
            "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000",
        ),
        (
            "-5",
            "1 validation error detected: Value '-5' at 'maxItems' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        ("ten", "Value 'ten' at 'maxItems' is not a valid integer."),
    ],
)
def test_max_items_out_of_range_is_a_validation_error(client, admin, value, message):
    status, root = _raw(client, admin, "ListRoles", MaxItems=value)
    assert (status, *_code_and_message(root)) == (400, "ValidationError", message)


def test_max_items_bounds_are_accepted(client, admin):
    _status, root = _raw(client, admin, "ListRoles")
    every = len(root.findall("iam:ListRolesResult/iam:Roles/iam:member", NS))
    for value, shown in (("1", 1), ("1000", every)):
        status, root = _raw(client, admin, "ListRoles", MaxItems=value)
        assert status == 200 and len(root.findall("iam:ListRolesResult/iam:Roles/iam:member", NS)) == shown


def test_forged_garbled_and_borrowed_markers_are_refused_clearly(client, admin):
    _status, root = _raw(client, admin, "ListRoles", MaxItems="1")
    marker = root.findtext("iam:ListRolesResult/iam:Marker", namespaces=NS)
    assert root.findtext("iam:ListRolesResult/iam:IsTruncated", namespaces=NS) == "true" and marker
    status, root = _raw(client, admin, "ListRoles", MaxItems="1", Marker=marker)
    assert status == 200
    invalid = "Invalid Marker: pass back, unchanged, the Marker of your previous ListRoles response."
    for forged in (marker[:-3] + "abc", "garbage", json.dumps({"a": "ListRoles", "k": "a"}), marker.upper()):
        status, root = _raw(client, admin, "ListRoles", Marker=forged)
        assert (status, *_code_and_message(root)) == (400, "ValidationError", invalid), forged
    status, root = _raw(client, admin, "ListUsers", Marker=marker)
    assert (status, *_code_and_message(root)) == (
        400,
        "ValidationError",
        "Invalid Marker: this Marker was returned by ListRoles; send it to that call, not ListUsers.",
    )
    for hostile in ("x" * 321, "snow\u2603man", ""):
        status, root = _raw(client, admin, "ListRoles", Marker=hostile)
        code, message = _code_and_message(root)
        assert (status, code) == (400, "ValidationError") and "at 'marker' failed to satisfy constraint" in message


def test_a_marker_from_another_sandbox_is_refused(client, admin, bob):
    from iamtutor.sandbox.worlds import create_sandbox

    _status, root = _raw(client, admin, "ListRoles", MaxItems="1")
    marker = root.findtext("iam:ListRolesResult/iam:Marker", namespaces=NS)
    other = create_sandbox(owner=bob)
    stranger = add_key(other, "admin", create=True, policy="arn:aws:iam::aws:policy/AdministratorAccess")
    status, root = _raw(client, stranger, "ListRoles", Marker=marker)
    assert (status, _code_and_message(root)[0]) == (400, "ValidationError")


def test_a_low_privilege_user_is_denied_before_any_page(client, sandbox):
    bob_key = add_key(sandbox, "bob")
    status, root = _raw(client, bob_key, "ListRoles", MaxItems="5")
    assert (status, _code_and_message(root)[0]) == (403, "AccessDenied")
