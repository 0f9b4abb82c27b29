"""Roles in the sandbox: list, create, the role page, the trust-policy editor, permissions and deletion.

Each action is tried as a plain form post and as an htmx request; strangers get 404 everywhere; the engine's
wording (IAM's) reaches the page. Facts cited from iam-reference.md §1.9 (quotas) and §1.6 (principals).
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from iamtutor.engine import World
from iamtutor.sandbox import roles as logic
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import ConcurrentChange, SandboxWorld, changing
from tests.factories import SandboxFactory

pytestmark = pytest.mark.django_db
ME, PARTNER = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{ME}:user/alice"
HTMX = {"HX-Request": "true"}


def trust(principal: dict, **extra) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def stored_role(sandbox: Sandbox, name: str, account_id: str = ME) -> dict | None:
    document = sandbox.accounts.get(account_id=account_id).document
    return next((r for r in document["RoleDetailList"] if r["RoleName"] == name), None)


def url(name: str, sandbox: Sandbox, *args) -> str:
    return reverse(f"sandbox:{name}", args=[sandbox.pk, *args])


def role_urls(sandbox: Sandbox, name: str = "ReportsReader") -> dict[str, str]:
    return {
        n: url(n, sandbox, ME, name)
        for n in (
            "role",
            "role_trust",
            "role_delete",
            "role_inline",
            "role_inline_delete",
            "role_attach",
            "role_detach",
            "role_boundary_remove",
        )
    }


def trust_form(client, sandbox: Sandbox, name: str = "ReportsReader") -> dict:
    """The trust form's fields as the role page rendered them (the version the edit starts from)."""
    page = client.get(url("role", sandbox, ME, name)).content.decode()
    version = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
    return {"version": version, "kind": "trust", "account": ME}


# ---- who may see what ------------------------------------------------------------------------------------------


GET_PAGES = ["roles", "role_new", "role_validate"]
ROLE_GET_PAGES = ["role", "role_inline", "role_attach"]


@pytest.mark.parametrize("name", GET_PAGES + ROLE_GET_PAGES)
def test_the_owner_sees_every_page(alice_client, alice_sandbox, name):
    args = [ME, "ReportsReader"] if name in ROLE_GET_PAGES else []
    assert alice_client.get(url(name, alice_sandbox, *args)).status_code == 200


def test_an_anonymous_owner_works_with_their_session(client):
    client.post(reverse("sandbox:create"))
    sandbox = Sandbox.objects.get()
    assert client.get(url("roles", sandbox)).status_code == 200
    response = client.post(url("role_new", sandbox), new_role(name="Anon"))
    assert response.status_code == 302 and stored_role(sandbox, "Anon")


def test_a_stranger_gets_404_on_every_url_and_changes_nothing(mallory_client, alice_sandbox):
    for name in GET_PAGES:
        assert mallory_client.get(url(name, alice_sandbox)).status_code == 404
    assert mallory_client.post(url("role_new", alice_sandbox), {"name": "X"}).status_code == 404
    assert mallory_client.post(url("role_validate", alice_sandbox), {"document": "{}"}).status_code == 404
    for target in role_urls(alice_sandbox).values():
        assert mallory_client.get(target).status_code in (404, 405)
        assert mallory_client.post(target, {"with_policies": "yes", "policy_name": "ReadReports"}).status_code == 404
    assert stored_role(alice_sandbox, "ReportsReader")["RolePolicyList"]


def test_an_unknown_role_is_404(alice_client, alice_sandbox):
    assert alice_client.get(url("role", alice_sandbox, ME, "NoSuchRole")).status_code == 404
    assert alice_client.get(url("role", alice_sandbox, "999999999999", "ReportsReader")).status_code == 404


# ---- the list --------------------------------------------------------------------------------------------------


def test_the_list_shows_the_roles_of_both_accounts_with_their_paths(alice_client, alice_sandbox):
    with changing(alice_sandbox) as loaded:
        loaded.world.create_role(PARTNER, "Auditor", trust({"AWS": f"arn:aws:iam::{ME}:root"}))
    page = alice_client.get(url("roles", alice_sandbox)).content.decode()
    assert "ReportsReader" in page and "Auditor" in page and "/service-role/" in page
    assert url("role", alice_sandbox, ME, "ReportBuilderRole") in page


def test_the_list_of_50_roles_takes_a_bounded_number_of_queries(
    alice_client, alice_sandbox, django_assert_max_num_queries
):
    with changing(alice_sandbox) as loaded:
        for i in range(50):
            loaded.world.create_role(ME, f"Role{i:02}", trust({"AWS": ALICE}))
    with django_assert_max_num_queries(6):
        page = alice_client.get(url("roles", alice_sandbox)).content.decode()
    assert "Role49" in page


# ---- create ----------------------------------------------------------------------------------------------------


def new_role(**changes) -> dict:
    return {
        "account": ME,
        "name": "Deployer",
        "path": "/",
        "description": "",
        "max_session_duration": "3600",
        "tags": "",
        "document": trust({"AWS": ALICE}),
        **changes,
    }


def test_creating_a_role_with_every_setting(alice_client, alice_sandbox):
    response = alice_client.post(
        url("role_new", alice_sandbox),
        new_role(path="/ci/", description="Deploys the site", max_session_duration="7200", tags="team=web\nstage=prod"),
    )
    assert response.url == url("role", alice_sandbox, ME, "Deployer")
    role = stored_role(alice_sandbox, "Deployer")
    assert role["Arn"] == f"arn:aws:iam::{ME}:role/ci/Deployer" and role["MaxSessionDuration"] == 7200
    assert role["Tags"] == [{"Key": "team", "Value": "web"}, {"Key": "stage", "Value": "prod"}]
    assert role["Description"] == "Deploys the site"


def test_creating_with_htmx_sends_the_browser_to_the_new_role(alice_client, alice_sandbox):
    response = alice_client.post(url("role_new", alice_sandbox), new_role(), headers=HTMX)
    assert response["HX-Redirect"] == url("role", alice_sandbox, ME, "Deployer")


def test_a_name_with_markup_is_refused_in_iams_words_and_escaped(alice_client, alice_sandbox):
    response = alice_client.post(url("role_new", alice_sandbox), new_role(name="<script>alert(1)</script>"))
    page = response.content.decode()
    assert "at &#x27;roleName&#x27; failed to satisfy constraint" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert 'id="id_name_error"' in page and stored_role(alice_sandbox, "Deployer") is None


def test_a_description_with_markup_is_stored_and_shown_escaped(alice_client, alice_sandbox):
    alice_client.post(url("role_new", alice_sandbox), new_role(description="<script>alert(1)</script>"))
    for page in (
        alice_client.get(url("role", alice_sandbox, ME, "Deployer")).content.decode(),
        alice_client.get(url("roles", alice_sandbox)).content.decode(),
    ):
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"max_session_duration": "100"}, "max_session_duration", "greater than or equal to 3600"),
        ({"max_session_duration": "50000"}, "max_session_duration", "less than or equal to 43200"),
        ({"path": "no-slashes"}, "path", "at &#x27;path&#x27;"),
        ({"tags": "<x>=1"}, "tags", "tags.1.member.key"),
        ({"name": "ReportsReader"}, None, "Role with name ReportsReader already exists."),
    ],
)
def test_iams_rules_are_the_engines_and_land_on_their_field(alice_client, alice_sandbox, changes, field, words):
    page = alice_client.post(url("role_new", alice_sandbox), new_role(**changes)).content.decode()
    assert words in page
    if field:
        assert f'id="id_{field}_error"' in page
    assert stored_role(alice_sandbox, "Deployer") is None


def test_a_trust_policy_naming_a_missing_user_is_an_invalid_principal(alice_client, alice_sandbox):
    text = trust({"AWS": f"arn:aws:iam::{ME}:user/zed"})
    page = alice_client.post(url("role_new", alice_sandbox), new_role(document=text)).content.decode()
    assert "Invalid principal in policy: &quot;AWS&quot;:&quot;arn:aws:iam::111111111111:user/zed&quot;" in page
    assert "user/zed" in page.split('<textarea name="document"', 1)[1]  # what was typed is kept


def test_the_roles_per_account_quota_is_shown(alice_client, alice_sandbox):
    account = alice_sandbox.accounts.get(account_id=ME)
    account.document["quotas"] = {"RolesPerAccount": 5}
    account.save()
    page = alice_client.post(url("role_new", alice_sandbox), new_role()).content.decode()
    assert "Cannot exceed quota for RolesPerAccount: 5" in page and 'role="alert"' in page


def test_inserting_a_template_without_javascript_keeps_the_previous_text(alice_client, alice_sandbox):
    response = alice_client.post(url("role_new", alice_sandbox), new_role(document="my draft", insert="ec2"))
    page = response.content.decode()
    editor = page.split('<textarea name="document"', 1)[1].split("</textarea>", 1)[0]
    assert "ec2.amazonaws.com" in editor and "my draft" not in editor
    assert "The text you had before" in page and "my draft" in page
    assert stored_role(alice_sandbox, "Deployer") is None


@pytest.mark.parametrize("account_id", [ME, PARTNER])
def test_every_template_is_a_complete_trust_policy_the_engine_accepts(alice_sandbox, account_id):
    loaded = SandboxWorld.load(alice_sandbox)
    templates = logic.trust_templates(loaded.accounts, account_id)
    assert set(templates) == set(logic.TEMPLATE_LABELS)
    for key, text in templates.items():
        loaded.world.create_role(account_id, f"From-{key}", text)
        assert not logic.editor_report(text, "trust", account_id, loaded.world).problems
    assert account_id in templates["account"] and "token.actions.githubusercontent.com:sub" in templates["github"]


# ---- the trust-policy editor -------------------------------------------------------------------------------------


def test_saving_a_trust_policy_with_a_plain_post(alice_client, alice_sandbox):
    data = trust_form(alice_client, alice_sandbox) | {"document": trust({"AWS": f"arn:aws:iam::{ME}:user/bob"})}
    response = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data)
    assert response.status_code == 302
    assert "user/bob" in stored_role(alice_sandbox, "ReportsReader")["AssumeRolePolicyDocument"]
    page = alice_client.get(response.url).content.decode()
    assert "The trust policy was saved." in page and "The user bob in this account" in page


def test_saving_a_trust_policy_with_htmx_returns_the_fragment(alice_client, alice_sandbox):
    data = trust_form(alice_client, alice_sandbox) | {"document": trust({"Service": "ec2.amazonaws.com"})}
    page = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data, headers=HTMX).content.decode()
    assert 'id="role-trust"' in page and "<html" not in page and "The trust policy was saved." in page
    assert "The AWS service ec2.amazonaws.com" in page


def test_a_syntax_error_is_shown_with_line_and_column_and_the_text_is_kept(alice_client, alice_sandbox):
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Alow", "Principal": {"AWS": "*"},'
        ' "Action": "sts:AssumeRole"}]\n}'
    )
    data = trust_form(alice_client, alice_sandbox) | {"document": text}
    page = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data).content.decode()
    assert "MalformedPolicyDocument" in page and "line 3, column 28" in page and 'role="alert"' in page
    assert "&quot;Alow&quot;" in page
    assert "user/alice" in json.dumps(stored_role(alice_sandbox, "ReportsReader")["AssumeRolePolicyDocument"])


def test_a_trust_policy_over_2048_characters_is_refused_by_the_quota(alice_client, alice_sandbox):
    # §1.9 D-QUOTA: a role trust policy holds at most 2,048 characters, whitespace not counted.
    text = trust({"AWS": ALICE}, Sid="S" * 100)
    text = text.replace('"S' + "S" * 99 + '"', '"' + "S" * (100 + 2049 - len(re.sub(r"\s", "", text))) + '"')
    assert len(re.sub(r"\s", "", text)) == 2049
    data = trust_form(alice_client, alice_sandbox) | {"document": text}
    page = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data).content.decode()
    assert "LimitExceeded" in page and "ACLSizePerRole: 2048" in page and 'id="id_document_error"' in page


def test_two_tabs_the_second_save_is_refused_with_both_versions(alice_client, alice_sandbox):
    started = trust_form(alice_client, alice_sandbox)
    first = trust({"AWS": f"arn:aws:iam::{ME}:user/bob"})
    alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), started | {"document": first})
    mine = trust({"Service": "ec2.amazonaws.com"})
    page = alice_client.post(
        url("role_trust", alice_sandbox, ME, "ReportsReader"), started | {"document": mine}
    ).content.decode()
    assert (
        "changed in another tab or window" in page
        and "Your version (not saved)" in page
        and "The version stored now" in page
    )
    assert "user/bob" in page and "ec2.amazonaws.com" in page
    assert stored_role(alice_sandbox, "ReportsReader")["AssumeRolePolicyDocument"] == first
    # Having seen both, saving again replaces the stored version on purpose.
    version = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
    alice_client.post(
        url("role_trust", alice_sandbox, ME, "ReportsReader"), started | {"version": version, "document": mine}
    )
    assert stored_role(alice_sandbox, "ReportsReader")["AssumeRolePolicyDocument"] == mine


def test_a_concurrent_save_of_the_sandbox_asks_to_try_again_and_keeps_the_text(
    alice_client, alice_sandbox, monkeypatch
):
    data = trust_form(alice_client, alice_sandbox) | {"document": trust({"Service": "ec2.amazonaws.com"})}

    def someone_else_saved(self):
        raise ConcurrentChange

    monkeypatch.setattr(SandboxWorld, "save", someone_else_saved)
    page = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data).content.decode()
    assert "changed in another tab or window" in page and "ec2.amazonaws.com" in page


def test_inserting_a_template_into_the_trust_editor_without_javascript(alice_client, alice_sandbox):
    data = trust_form(alice_client, alice_sandbox) | {"document": "half-typed", "insert": "github"}
    page = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data).content.decode()
    assert "oidc-provider/token.actions.githubusercontent.com" in page and "half-typed" in page
    assert "user/alice" in json.dumps(stored_role(alice_sandbox, "ReportsReader")["AssumeRolePolicyDocument"])


def test_live_validation_lists_every_problem_with_its_line(alice_client, alice_sandbox):
    text = (
        '{\n "Version": "2012-10-17",\n "Statement": [{"Effect": "Alow", "Principal": {"AWS": "*"},'
        ' "Action": "sts:AssumeRole", "Resource": "*"}]\n}'
    )
    page = alice_client.post(
        url("role_validate", alice_sandbox), {"document": text, "kind": "trust", "account": ME}, headers=HTMX
    ).content.decode()
    assert "<html" not in page and "2 problems" in page
    assert page.count('data-line="3"') == 2 and "Has prohibited field Resource" in page


def test_live_validation_shows_findings_as_warnings_linked_to_their_lesson(alice_client, alice_sandbox):
    from lessons.models import Lesson

    Lesson.objects.create(
        slug="step-5-cross-account",
        order=5,
        title="Cross-account",
        summary="s",
        body_html="",
        source_path="x",
        source_hash="x",
    )
    text = trust({"AWS": f"arn:aws:iam::{PARTNER}:root"})
    page = alice_client.post(
        url("role_validate", alice_sandbox), {"document": text, "kind": "trust", "account": ME}, headers=HTMX
    ).content.decode()
    assert "IAM would accept this document." in page and "without an external ID" in page
    assert reverse("lessons:detail", args=["step-5-cross-account"]) in page


def test_live_validation_reports_principals_that_do_not_exist(alice_client, alice_sandbox):
    text = trust({"AWS": f"arn:aws:iam::{ME}:user/zed"})
    page = alice_client.post(
        url("role_validate", alice_sandbox), {"document": text, "kind": "trust", "account": ME}, headers=HTMX
    ).content.decode()
    assert "Invalid principal in policy" in page


def test_validation_without_htmx_is_a_page_of_its_own(alice_client, alice_sandbox):
    page = alice_client.post(url("role_validate", alice_sandbox), {"document": "{", "kind": "trust"}).content.decode()
    assert "<h1>" in page and "MalformedPolicyDocument" in page


@pytest.mark.parametrize("text", ["[" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000])
def test_deeply_nested_json_is_a_located_problem_not_a_crash(alice_client, alice_sandbox, text):
    page = alice_client.post(
        url("role_validate", alice_sandbox), {"document": text, "kind": "trust"}, headers=HTMX
    ).content.decode()
    assert "MalformedPolicyDocument" in page
    data = trust_form(alice_client, alice_sandbox) | {"document": text}
    response = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data)
    assert response.status_code == 200 and "MalformedPolicyDocument" in response.content.decode()


def test_a_200_kb_document_is_refused_before_the_engine(alice_client, alice_sandbox):
    text = trust({"AWS": ALICE}).replace("sts:AssumeRole", "sts:AssumeRole" + " " * 200_000)
    data = trust_form(alice_client, alice_sandbox) | {"document": text}
    page = alice_client.post(url("role_trust", alice_sandbox, ME, "ReportsReader"), data).content.decode()
    assert "a request may carry at most 131072" in page
    report = alice_client.post(url("role_validate", alice_sandbox), {"document": text}, headers=HTMX)
    assert "RequestTooLarge" in report.content.decode()


# ---- settings ----------------------------------------------------------------------------------------------------


def settings_version(client, sandbox: Sandbox, name: str = "ReportsReader") -> str:
    """The version of the role's settings the role page's settings form carries."""
    page = client.get(url("role", sandbox, ME, name)).content.decode()
    return re.search(r'name="version" value="([0-9a-f]+)" id="id_version"', page).group(1)


def test_saving_the_settings(alice_client, alice_sandbox):
    data = {"description": "New words", "max_session_duration": "43200", "tags": "owner=alice"}
    data["version"] = settings_version(alice_client, alice_sandbox)
    response = alice_client.post(url("role", alice_sandbox, ME, "ReportsReader"), data)
    assert response.status_code == 302
    role = stored_role(alice_sandbox, "ReportsReader")
    assert (role["Description"], role["MaxSessionDuration"]) == ("New words", 43200)
    assert role["Tags"] == [{"Key": "owner", "Value": "alice"}]


def test_a_stale_tab_saving_tags_does_not_erase_a_description_saved_meanwhile(alice_client, alice_sandbox):
    # Issue 10: two tabs show the settings; the first saves a description, the second (still showing the old,
    # empty description) saves tags. The second save must be refused rather than erase the description.
    role_page = url("role", alice_sandbox, ME, "ReportsReader")
    loaded_at = settings_version(alice_client, alice_sandbox)
    before = stored_role(alice_sandbox, "ReportsReader")
    first = {"description": "Saved meanwhile", "max_session_duration": "3600", "tags": "", "version": loaded_at}
    assert alice_client.post(role_page, first).status_code == 302
    stale = {"description": before.get("Description") or "", "max_session_duration": "3600"}
    page = alice_client.post(role_page, stale | {"tags": "team=web", "version": loaded_at}).content.decode()
    role = stored_role(alice_sandbox, "ReportsReader")
    assert role["Description"] == "Saved meanwhile" and not role.get("Tags")
    assert "changed in another tab or window" in page and "team=web" in page
    # Saving again from the refused page is on purpose, and goes through.
    again = re.search(r'name="version" value="([0-9a-f]+)" id="id_version"', page).group(1)
    assert alice_client.post(role_page, stale | {"tags": "team=web", "version": again}).status_code == 302
    assert stored_role(alice_sandbox, "ReportsReader")["Tags"] == [{"Key": "team", "Value": "web"}]


def test_a_stale_inline_policy_editor_is_refused_with_both_versions(alice_client, alice_sandbox):
    urls = role_urls(alice_sandbox)
    alice_client.post(urls["role_inline"], {"policy_name": "Read", "document": identity_policy("arn:aws:s3:::a/*")})
    page = alice_client.get(urls["role_inline"] + "?policy=Read").content.decode()
    loaded_at = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
    newer = {"policy_name": "Read", "document": identity_policy("arn:aws:s3:::b/*"), "version": loaded_at}
    assert alice_client.post(urls["role_inline"], newer).status_code == 302
    stale = newer | {"document": identity_policy("arn:aws:s3:::c/*")}
    page = alice_client.post(urls["role_inline"], stale).content.decode()
    assert "changed in another tab or window" in page and "arn:aws:s3:::b/*" in page
    stored = {
        p["PolicyName"]: p["PolicyDocument"] for p in stored_role(alice_sandbox, "ReportsReader")["RolePolicyList"]
    }
    assert "arn:aws:s3:::b/*" in json.dumps(stored["Read"])


def test_settings_refused_by_iams_rules_keep_the_role_and_the_text(alice_client, alice_sandbox):
    data = {"description": "Kept text", "max_session_duration": "43201", "tags": ""}
    data["version"] = settings_version(alice_client, alice_sandbox)
    page = alice_client.post(url("role", alice_sandbox, ME, "ReportsReader"), data, headers=HTMX).content.decode()
    assert 'id="role-settings"' in page and "<html" not in page
    assert "less than or equal to 43200" in page and "Kept text" in page
    assert stored_role(alice_sandbox, "ReportsReader")["MaxSessionDuration"] == 3600


# ---- permissions -------------------------------------------------------------------------------------------------


def identity_policy(resource: str = "*", padding: int = 0) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "S" * max(1, padding), "Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}
            ],
        }
    )


def test_adding_editing_and_deleting_an_inline_policy(alice_client, alice_sandbox):
    urls = role_urls(alice_sandbox)
    assert "ReadReports" in alice_client.get(urls["role_inline"] + "?policy=ReadReports").content.decode()
    alice_client.post(urls["role_inline"], {"policy_name": "Extra", "document": identity_policy()})
    names = [p["PolicyName"] for p in stored_role(alice_sandbox, "ReportsReader")["RolePolicyList"]]
    assert names == ["ReadReports", "Extra"]
    page = alice_client.post(urls["role_inline_delete"], {"policy_name": "Extra"}, headers=HTMX).content.decode()
    assert 'id="role-permissions"' in page and "The inline policy Extra was deleted." in page
    assert len(stored_role(alice_sandbox, "ReportsReader")["RolePolicyList"]) == 1


def test_the_inline_aggregate_quota_is_shown_on_the_document(alice_client, alice_sandbox):
    # §1.9 D-QUOTA: a role's inline policies together hold at most 10,240 characters.
    urls = role_urls(alice_sandbox)
    alice_client.post(urls["role_inline"], {"policy_name": "Big1", "document": identity_policy(padding=9000)})
    page = alice_client.post(
        urls["role_inline"], {"policy_name": "Big2", "document": identity_policy(padding=2000)}
    ).content.decode()
    assert "Maximum policy size of 10240 bytes exceeded for role ReportsReader" in page
    assert 'id="id_document_error"' in page


def test_searching_the_catalogue_works_as_a_plain_get_and_with_htmx(alice_client, alice_sandbox):
    attach = role_urls(alice_sandbox)["role_attach"]
    page = alice_client.get(attach, {"q": "AmazonS3Read"}).content.decode()
    assert "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in page and "<h1>" in page
    fragment = alice_client.get(attach, {"q": "ReadOnlyAcc"}, headers=HTMX).content.decode()
    assert 'id="policy-results"' in fragment and "<html" not in fragment and "ReadOnlyAccess" in fragment


def test_attaching_detaching_and_the_ten_policy_quota(alice_client, alice_sandbox):
    urls = role_urls(alice_sandbox)
    names = [
        "AmazonS3ReadOnlyAccess",
        "AmazonEC2ReadOnlyAccess",
        "AmazonDynamoDBReadOnlyAccess",
        "IAMReadOnlyAccess",
        "AmazonSQSReadOnlyAccess",
        "AmazonSNSReadOnlyAccess",
        "AWSLambda_ReadOnlyAccess",
        "ReadOnlyAccess",
        "CloudWatchReadOnlyAccess",
        "AmazonRDSReadOnlyAccess",
        "AmazonVPCReadOnlyAccess",
    ]
    for name in names[:10]:
        response = alice_client.post(urls["role_attach"], {"policy_arn": f"arn:aws:iam::aws:policy/{name}"})
        assert response.status_code == 302, response.content.decode()[-2000:]
    page = alice_client.post(urls["role_attach"], {"policy_arn": f"arn:aws:iam::aws:policy/{names[10]}"}).content
    assert "Cannot exceed quota for PoliciesPerRole: 10" in page.decode()
    alice_client.post(urls["role_detach"], {"policy_arn": f"arn:aws:iam::aws:policy/{names[0]}"})
    assert len(stored_role(alice_sandbox, "ReportsReader")["AttachedManagedPolicies"]) == 9


def test_a_policy_that_does_not_exist_cannot_be_attached(alice_client, alice_sandbox):
    page = alice_client.post(
        role_urls(alice_sandbox)["role_attach"], {"policy_arn": "arn:aws:iam::aws:policy/Nope"}
    ).content.decode()
    assert "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable." in page


def test_setting_and_removing_the_permissions_boundary(alice_client, alice_sandbox):
    urls = role_urls(alice_sandbox)
    arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    alice_client.post(urls["role_attach"], {"policy_arn": arn, "as": "boundary"})
    assert stored_role(alice_sandbox, "ReportsReader")["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    page = alice_client.post(urls["role_boundary_remove"], headers=HTMX).content.decode()
    assert "The permissions boundary was removed." in page
    assert not stored_role(alice_sandbox, "ReportsReader")["PermissionsBoundary"]


# ---- delete ------------------------------------------------------------------------------------------------------


def test_deleting_a_role_with_policies_is_a_delete_conflict_explained(alice_client, alice_sandbox):
    page = alice_client.post(role_urls(alice_sandbox)["role_delete"], headers=HTMX).content.decode()
    assert "DeleteConflict: Cannot delete entity, must delete policies first." in page
    assert 'id="role-delete"' in page and "Tick the box" in page
    assert stored_role(alice_sandbox, "ReportsReader")


def test_deleting_a_role_with_its_policies(alice_client, alice_sandbox):
    response = alice_client.post(role_urls(alice_sandbox, "WebServerRole")["role_delete"], {"with_policies": "yes"})
    assert response.url == url("roles", alice_sandbox) and stored_role(alice_sandbox, "WebServerRole") is None


def test_deleting_a_role_without_policies_with_htmx(alice_client, alice_sandbox):
    with changing(alice_sandbox) as loaded:
        loaded.world.create_role(ME, "Empty", trust({"AWS": ALICE}))
    response = alice_client.post(role_urls(alice_sandbox, "Empty")["role_delete"], headers=HTMX)
    assert response["HX-Redirect"] == url("roles", alice_sandbox) and stored_role(alice_sandbox, "Empty") is None


# ---- the role page -----------------------------------------------------------------------------------------------


def test_the_role_page_says_who_can_assume_it_and_leaves_room_for_the_diagram(alice_client, alice_sandbox):
    page = alice_client.get(url("role", alice_sandbox, ME, "PartnerAudit")).content.decode()
    assert "Any user or role in account 222222222222" in page and "sts:ExternalId" in page
    assert '<section id="role-diagram"' in page
    page = alice_client.get(url("role", alice_sandbox, ME, "GitHubDeploy")).content.decode()
    assert "Identities vouched for by the provider" in page


def test_role_names_ignore_case_and_paths_show(alice_client, alice_sandbox):
    page = alice_client.get(url("role", alice_sandbox, ME, "reportbuilderrole")).content.decode()
    assert "arn:aws:iam::111111111111:role/service-role/ReportBuilderRole" in page


def test_the_role_page_takes_a_bounded_number_of_queries(alice_client, alice_sandbox, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        alice_client.get(url("role", alice_sandbox, ME, "ReportsReader"))


def test_update_role_leaves_a_refused_role_unchanged():
    world = World.from_dict({"accounts": {ME: {"RoleDetailList": []}}})
    world.create_role(ME, "R", trust({"AWS": f"arn:aws:iam::{ME}:root"}), description="old")
    arn = f"arn:aws:iam::{ME}:role/R"
    started_from = logic.settings_version("old", 3600, [])
    with pytest.raises(Exception, match="maxSessionDuration"):
        logic.update_role(world, arn, description="new", max_session_duration=1, tags=[], started_from=started_from)
    assert world.role(arn).description == "old"


def test_a_fresh_sandbox_has_a_valid_trust_policy_on_every_role():
    sandbox = SandboxFactory(owner=None)
    for account in sandbox.accounts.all():
        for role in account.document["RoleDetailList"]:
            text = logic.document_text(role["AssumeRolePolicyDocument"])
            assert logic.trust_in_words(text, account.account_id)
