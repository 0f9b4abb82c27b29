"""Hostile policy documents through every editor of the sandbox (issue "Nothing lost"): deep nesting, huge
numbers, NUL and lone surrogates, invalid UTF-8 and an oversized text are each refused with a message, never a
server error, and the sandbox is left exactly as it was."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from iamtutor.sandbox.models import Sandbox

pytestmark = pytest.mark.django_db
ME = "111111111111"
ROLE = "ReportsReader"


def _allow(action: str) -> str:
    # Text, not json.dumps: some cases must reach the server exactly as written (escapes, raw NUL).
    return '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "' + action + '", "Resource": "*"}]}'


VALID = _allow("s3:Get*")
HOSTILE_DOCUMENTS = {
    "deep nesting": "[" * 10_000,
    "deep objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "5,000-digit number": '{"Version": "2012-10-17", "Statement": [], "X": ' + "9" * 5_000 + "}",
    "NUL escaped": _allow("s3:Get\\u0000"),
    "lone surrogate escaped": _allow("s3:Get\\ud800"),
    "raw NUL": _allow("s3:Get\x00"),
    "oversized": '{"Version": "2012-10-17", "Statement": [], "X": "' + "a" * 200_000 + '"}',
    "not JSON": "Allow everything please",
}


def _url(name: str, sandbox: Sandbox, *args) -> str:
    return reverse(f"sandbox:{name}", args=[sandbox.pk, *args])


def _version(client, page_url: str) -> str:
    page = client.get(page_url).content.decode()
    return re.search(r'name="version" value="([^"]*)"', page).group(1)


def _editors(client, sandbox: Sandbox) -> dict[str, tuple[str, dict]]:
    """Each editor that takes a policy document: its URL and its other fields, as its page renders them."""
    role_page = _url("role", sandbox, ME, ROLE)
    client.post(
        _url("policy_new", sandbox),
        {
            "account": ME,
            "policy_name": "Hostile",
            "path": "/",
            "description": "",
            "document": VALID,
        },
    )
    policy_page = _url("policy", sandbox, ME, "Hostile")
    return {
        "trust editor": (_url("role_trust", sandbox, ME, ROLE), {"version": _version(client, role_page)}),
        "inline policy": (_url("role_inline", sandbox, ME, ROLE), {"policy_name": "Hostile", "version": ""}),
        "new role": (
            _url("role_new", sandbox),
            {"account": ME, "name": "HostileRole", "path": "/", "description": "", "max_session_duration": 3600},
        ),
        "managed policy version": (policy_page, {"version": _version(client, policy_page)}),
        "new managed policy": (
            _url("policy_new", sandbox),
            {"account": ME, "policy_name": "Hostile2", "path": "/", "description": ""},
        ),
        "session policy": (
            _url("assume", sandbox),
            {
                "identity": f"user:arn:aws:iam::{ME}:user/alice",
                "role": f"arn:aws:iam::{ME}:role/{ROLE}",
                "session_name": "hostile",
            },
        ),
    }


def _contents(sandbox: Sandbox) -> list:
    return [(a.account_id, a.document) for a in sandbox.accounts.order_by("position")]


@pytest.mark.parametrize("document", HOSTILE_DOCUMENTS.values(), ids=HOSTILE_DOCUMENTS.keys())
def test_every_editor_refuses_a_hostile_document_and_keeps_the_sandbox(alice_client, alice_sandbox, document):
    editors = _editors(alice_client, alice_sandbox)
    before = _contents(alice_sandbox)
    for name, (url, fields) in editors.items():
        field = "policy" if name == "session policy" else "document"
        response = alice_client.post(url, {**fields, field: document})
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
        page = response.content.decode()
        assert 'class="errorlist' in page or 'role="alert"' in page, f"{name}: no message shown"
        assert _contents(alice_sandbox) == before, f"{name} changed the sandbox"


def test_every_editor_accepts_a_valid_document(alice_client, alice_sandbox):
    """The refusals above are the documents' doing: the same fields with a valid document are accepted."""
    for name, (url, fields) in _editors(alice_client, alice_sandbox).items():
        if name == "session policy":
            page = alice_client.post(url, {**fields, "policy": VALID}).content.decode()
            assert "STS issued temporary credentials" in page, name
        else:
            trust = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "%s"}, '
            trust += '"Action": "sts:AssumeRole"}]}'
            document = trust % ME if name in ("trust editor", "new role") else VALID
            response = alice_client.post(url, {**fields, "document": document})
            assert response.status_code == 302, f"{name}: {response.status_code}"
