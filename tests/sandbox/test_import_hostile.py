"""Hostile world files through the import: every one is refused with a message naming what is wrong (and
where, when it is a place in the file), never a server error, and the sandbox keeps what it held."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from iamtutor.sandbox.models import SandboxAccount
from iamtutor.sandbox.worlds import export_data, replace_contents, starting_compute, starting_world

pytestmark = pytest.mark.django_db
ME = "111111111111"


def _export(sandbox) -> dict:
    return json.loads(json.dumps(export_data(sandbox)))


def _with_description(sandbox, description: str) -> dict:
    data = _export(sandbox)
    data["world"]["accounts"][ME]["RoleDetailList"][0]["Description"] = description
    return data


def _upload(client, sandbox, raw: bytes):
    upload = SimpleUploadedFile("world.json", raw, content_type="application/json")
    return client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": upload})


def _snapshot(sandbox) -> list:
    return list(SandboxAccount.objects.filter(sandbox=sandbox).values_list("account_id", "document", "compute"))


def _refused(client, sandbox, raw: bytes, *expected: str) -> str:
    before = _snapshot(sandbox)
    response = _upload(client, sandbox, raw)
    page = response.content.decode()
    assert response.status_code == 200 and "This file cannot be imported." in page, page[:2000]
    assert "token" not in response.context or response.context.get("token") is None
    for text in expected:
        assert text in page, (text, page[page.find("cannot be imported") :][:600])
    assert _snapshot(sandbox) == before
    return page


# ---- text a database cannot store ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escape", "words"),
    [("\\u0000", "a NUL character"), ("\\ud800", "lone surrogate (U+D800)"), ("\\udfff", "lone surrogate (U+DFFF)")],
)
def test_unstorable_text_in_a_role_description_is_refused_naming_the_place(alice_client, alice_sandbox, escape, words):
    raw = json.dumps(_with_description(alice_sandbox, "a@b")).replace("a@b", f"a{escape}b").encode()
    _refused(alice_client, alice_sandbox, raw, words, f"world.accounts.{ME}.RoleDetailList[0].Description")


@pytest.mark.parametrize(
    "place",
    ["tag value", "tag key", "policy document", "alias", "compute name", "account key"],
)
def test_unstorable_text_anywhere_in_the_file_is_refused(alice_client, alice_sandbox, place):
    data = _export(alice_sandbox)
    account = data["world"]["accounts"][ME]
    role = account["RoleDetailList"][0]
    if place == "tag value":
        role["Tags"] = [{"Key": "team", "Value": "@@"}]
    elif place == "tag key":
        role["Tags"] = [{"Key": "@@", "Value": "blue"}]
    elif place == "policy document":
        role["AssumeRolePolicyDocument"]["Statement"][0]["Sid"] = "@@"
    elif place == "alias":
        account["alias"] = "@@"
    elif place == "compute name":
        data["compute"][ME]["instances"][0]["name"] = "@@"
    else:
        data["world"]["accounts"]["@@"] = {}
    raw = json.dumps(data).replace("@@", "x\\u0000y").encode()
    _refused(alice_client, alice_sandbox, raw, "NUL character")


def test_a_staged_import_holding_a_nul_is_refused_at_confirmation_and_changes_nothing(alice_client, alice_sandbox):
    """The guard sits in replace_contents too: whatever reaches it unchecked is refused before any write."""
    world = starting_world()
    world["accounts"][ME]["RoleDetailList"][0]["Description"] = "a\x00b"
    cache.set(f"sandbox-import:{alice_sandbox.pk}:tok", {"world": world, "compute": {}, "secrets": {}}, 60)
    before = _snapshot(alice_sandbox)
    response = alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"token": "tok"})
    assert response.status_code == 200 and "NUL character" in response.content.decode()
    assert _snapshot(alice_sandbox) == before


def test_a_replacement_that_fails_halfway_leaves_the_old_contents_untouched(alice_sandbox, monkeypatch):
    from iamtutor.sandbox import worlds

    before = _snapshot(alice_sandbox)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(worlds.AccessKeySecret.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        replace_contents(alice_sandbox, starting_world(), starting_compute())
    assert _snapshot(alice_sandbox) == before


# ---- JSON that breaks parsers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 10000, "too deeply"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, "too deeply"),
        (json.dumps({"accounts": {}}).encode().replace(b"{}", b"[" * 200 + b"]" * 200), "too deeply"),
        (b'{"accounts": {}, "x": ' + b"9" * 5000 + b"}", "5000 digits"),
        (b'{"accounts": {}, "x": -' + b"9" * 40 + b"}", "40 digits"),
        (b'{"accounts": {}, "x": 1e400}', "cannot hold"),
        (b'{"accounts": {}, "x": NaN}', "NaN is not a JSON number"),
        (b'{"accounts": {}, "x": -Infinity}', "-Infinity is not a JSON number"),
        (b'{"accounts": {"\xff\xfe": {}}}', "not UTF-8 text"),
        (b"\xed\xa0\x80", "not UTF-8 text"),  # a surrogate encoded as bytes is not UTF-8
        (b"\xc3\x28", "not UTF-8 text"),
        (b" ", "not JSON text"),
        (b"{", "not JSON text"),
        (b'{"accounts": {}} trailing', "not JSON text"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_json_that_breaks_parsers_is_refused_with_a_message(alice_client, alice_sandbox, raw, expected):
    _refused(alice_client, alice_sandbox, raw, expected)


def test_nesting_within_the_limit_is_read(alice_client, alice_sandbox):
    data = _export(alice_sandbox)
    data["world"]["accounts"][ME]["RoleDetailList"][0]["Description"] = "nested fine"
    response = _upload(alice_client, alice_sandbox, json.dumps(data).encode())
    assert response.context["token"]


# ---- wrong types in every section ------------------------------------------------------------------------------


def _mutations():
    """(name, change to an export, text the message must hold)."""

    def at(*keys):
        def change(data, value):
            target = data
            for key in keys[:-1]:
                target = target[key]
            target[keys[-1]] = value

        return change

    yield "file is a list", lambda d: [d], "InvalidWorld"
    yield "file is a string", lambda d: "world", "InvalidWorld"
    yield "file is a number", lambda d: 5, "InvalidWorld"
    yield "file is null", lambda d: None, "InvalidWorld"
    yield "unknown top-level field", lambda d: {**d, "extra": 1}, "extra"
    objects = [("list", []), ("string", "x"), ("number", 1)]
    lists = [("object", {}), ("string", "x"), ("number", 1)]
    for kind, value in [*objects, ("null", None)]:
        yield f"world is a {kind}", lambda d, v=value: {**d, "world": v}, "InvalidWorld"
        yield f"accounts is a {kind}", lambda d, v=value: at("world", "accounts")(d, v) or d, "accounts"
        yield f"account is a {kind}", lambda d, v=value: at("world", "accounts", ME)(d, v) or d, ME
        yield (
            f"trust policy is a {kind}",
            lambda d, v=value: at("world", "accounts", ME, "RoleDetailList", 0, "AssumeRolePolicyDocument")(d, v) or d,
            "RoleDetailList[0]",
        )
    for kind, value in objects:
        yield f"organization is a {kind}", lambda d, v=value: at("world", "organization")(d, v) or d, "organization"
    for kind, value in lists:
        for section in ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies", "resources"):
            yield (
                f"{section} is a {kind}",
                lambda d, v=value, s=section: at("world", "accounts", ME, s)(d, v) or d,
                section,
            )
        yield f"sessions is a {kind}", lambda d, v=value: at("world", "sessions")(d, v) or d, "sessions"
    for kind, value in [("list of an empty object", [{}]), ("string", "x"), ("number", 5), ("list", [])]:
        yield f"compute is a {kind}", lambda d, v=value: {**d, "compute": v}, "compute"
        yield f"an account's compute is a {kind}", lambda d, v=value: at("compute", ME)(d, v) or d, f"compute.{ME}"
    for kind, value in [("list of an empty object", [{}]), ("string", "x"), ("number", 5), ("object", {})]:
        yield (
            f"instances is a {kind}",
            lambda d, v=value: at("compute", ME, "instances")(d, v) or d,
            f"compute.{ME}.instances",
        )
    yield "compute for an unknown account", lambda d: at("compute", "999999999999")(d, {}) or d, "999999999999"
    yield "compute has an unknown field", lambda d: at("compute", ME, "buckets")(d, []) or d, "buckets"
    yield (
        "a function without its role",
        lambda d: (
            at("compute", ME, "functions")(d, [{"name": "f", "arn": "arn:aws:lambda:us-east-1:1:function:f"}]) or d
        ),
        f"compute.{ME}.functions[0]",
    )
    yield (
        "an instance id that is a number",
        lambda d: at("compute", ME, "instances", 0, "id")(d, 7) or d,
        f"compute.{ME}.instances[0].id",
    )
    yield (
        "an instance profile that is an object",
        lambda d: at("compute", ME, "instances", 0, "instance_profile")(d, {}) or d,
        f"compute.{ME}.instances[0].instance_profile",
    )
    yield "no account at all", lambda d: at("world", "accounts")(d, {}) or d, "at least one account"


MUTATIONS = list(_mutations())


@pytest.mark.parametrize(("name", "change", "expected"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_wrong_types_in_every_section_are_refused_with_their_place(alice_client, alice_sandbox, name, change, expected):
    data = change(copy.deepcopy(_export(alice_sandbox)))
    _refused(alice_client, alice_sandbox, json.dumps(data).encode(), expected)


def test_a_refused_compute_section_leaves_the_assume_page_working(alice_client, alice_sandbox):
    data = _export(alice_sandbox)
    data["compute"] = {ME: {"functions": [{}]}}
    _refused(alice_client, alice_sandbox, json.dumps(data).encode(), "compute")
    assert alice_client.get(reverse("sandbox:assume", args=[alice_sandbox.pk])).status_code == 200


def test_a_valid_compute_section_is_imported_and_used(alice_client, alice_sandbox):
    data = _export(alice_sandbox)
    function = {
        "name": "nightly-job",
        "arn": f"arn:aws:lambda:eu-west-1:{ME}:function:nightly-job",
        "role_arn": f"arn:aws:iam::{ME}:role/service-role/ReportBuilderRole",
    }
    data["compute"][ME]["functions"].append(function)
    token = _upload(alice_client, alice_sandbox, json.dumps(data).encode()).context["token"]
    alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"token": token})
    assert alice_sandbox.accounts.get(account_id=ME).compute["functions"][-1] == function
    page = alice_client.get(reverse("sandbox:assume", args=[alice_sandbox.pk])).content.decode()
    assert "nightly-job" in page


def test_after_a_refused_import_every_page_still_answers(alice_client, alice_sandbox):
    raw = json.dumps(_with_description(alice_sandbox, "a@b")).replace("a@b", "a\\u0000b").encode()
    _refused(alice_client, alice_sandbox, raw, "NUL character")
    for name in ("overview", "roles", "users", "assume", "credentials", "audit", "policies"):
        assert alice_client.get(reverse(f"sandbox:{name}", args=[alice_sandbox.pk])).status_code == 200, name


def test_a_json_syntax_error_names_its_line_and_column(alice_client, alice_sandbox):
    page = _refused(alice_client, alice_sandbox, b'{\n  "accounts": {,\n}', "not JSON text", "line 2, column 16")
    assert "Nothing was changed" in page
