"""Bounded work per request (issue 13): the diagram page and the role page's neighbourhood of a sandbox at the
quota limit — or of a hostile one, every role trusting every other — answer within the access graph's work
budget, asserted on the work counted (evaluations, candidate pairs, edges), never on wall time; past the budget
they answer with counts and a role picker, never a timeout or a huge page. An unchanged sandbox costs no graph
work: the second view comes from the cache, lifetimes brought up to date."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from iamtutor.engine import AssumeRoleRequest, Budget, Work, World, assume_role, revoke_sessions
from iamtutor.sandbox import diagrams, graph_cache
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.quotas import BY_NAME, SandboxQuotaExceeded
from iamtutor.sandbox.worlds import SandboxWorld, changing, read_world_file, replace_contents

pytestmark = pytest.mark.django_db

ME = "111111111111"
ALICE, READER = f"arn:aws:iam::{ME}:user/alice", f"arn:aws:iam::{ME}:role/ReportsReader"
ASSUME_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
MAX_PAGE_BYTES = 1_000_000  # the review saw 17 MB answers; a bounded page stays well under this


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def counts_decide(monkeypatch):
    """The site's budget with its time cap out of the way: the cap is a backstop for a loaded machine (this one
    often is), and these tests are about the counts, which are the same on any machine."""
    assert diagrams.BUDGET.seconds is not None  # the site's budget has a time cap…
    monkeypatch.setattr(diagrams, "BUDGET", replace(diagrams.BUDGET, seconds=None))  # …not in the way here


def _limit(name: str) -> int:
    return BY_NAME[name].limit


def _accounts() -> list[str]:
    return [f"{111111111111 + n:012d}" for n in range(_limit("accounts"))]


def _trust(principal: object) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }


@functools.cache
def at_the_limit() -> str:
    """A world holding every sandbox quota's limit, spread over the most accounts, built to make the most work:
    every role trusts everyone (``"*"``) and every user and role may assume any role."""
    accounts = _accounts()
    share = {name: _limit(name) // len(accounts) for name in ("roles", "users", "resources", "groups", "policies")}
    providers = {kind: _limit(f"{kind}_providers") // len(accounts) for kind in ("oidc", "saml")}
    data = {}
    for account in accounts:
        roles = [
            {
                "RoleName": f"r{n:03d}",
                "AssumeRolePolicyDocument": _trust("*" if n % 2 else {"AWS": account}),
                "RolePolicyList": [{"PolicyName": "any", "PolicyDocument": ASSUME_ANY}],
                "InstanceProfileList": [{"InstanceProfileName": f"r{n:03d}"}],
            }
            for n in range(share["roles"])
        ]
        users = [
            {"UserName": f"u{n:03d}", "UserPolicyList": [{"PolicyName": "any", "PolicyDocument": ASSUME_ANY}]}
            for n in range(share["users"])
        ]
        data[account] = {
            "RoleDetailList": roles,
            "UserDetailList": users,
            "GroupDetailList": [{"GroupName": f"g{n:03d}"} for n in range(share["groups"])],
            "Policies": [
                {
                    "PolicyName": f"p{n:03d}",
                    "Arn": f"arn:aws:iam::{account}:policy/p{n:03d}",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": ASSUME_ANY}],
                }
                for n in range(share["policies"])
            ],
            "resources": [{"arn": f"arn:aws:s3:::b-{account}-{n:03d}"} for n in range(share["resources"])],
            "identity_providers": [
                {"type": "oidc", "arn": f"arn:aws:iam::{account}:oidc-provider/o{n}.example.com", "audiences": ["x"]}
                for n in range(providers["oidc"])
            ]
            + [{"type": "saml", "arn": f"arn:aws:iam::{account}:saml-provider/s{n}"} for n in range(providers["saml"])],
        }
    return json.dumps({"accounts": data})


@functools.cache
def everyone_trusts_everyone() -> str:
    """The world of the review: 1,000 roles in one account, each trusting the account, each allowed any role."""
    roles = [
        {
            "RoleName": f"r{n:04d}",
            "AssumeRolePolicyDocument": _trust({"AWS": ME}),
            "RolePolicyList": [{"PolicyName": "any", "PolicyDocument": ASSUME_ANY}],
        }
        for n in range(1_000)
    ]
    return json.dumps({"accounts": {ME: {"RoleDetailList": roles}}})


@functools.cache
def a_large_class_world() -> str:
    """At the role, user and resource limits, but shaped as people write policies: each role trusts three named
    users (a third trust their whole account) and reads one bucket."""
    data = {}
    for account in _accounts():
        users, roles = _limit("users") // 10, _limit("roles") // 10
        role_list = []
        for n in range(roles):
            named = [f"arn:aws:iam::{account}:user/u{(n * 7 + k) % users:03d}" for k in range(3)]
            bucket = f"arn:aws:s3:::b-{account}-{n % 100:03d}"
            read = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{bucket}/*"}],
            }
            role_list.append(
                {
                    "RoleName": f"r{n:03d}",
                    "AssumeRolePolicyDocument": _trust({"AWS": account} if n % 3 == 0 else {"AWS": named}),
                    "RolePolicyList": [{"PolicyName": "read", "PolicyDocument": read}],
                }
            )
        user_list = [
            {
                "UserName": f"u{n:03d}",
                "UserPolicyList": [{"PolicyName": "any", "PolicyDocument": ASSUME_ANY}] if n % 2 else [],
            }
            for n in range(users)
        ]
        resources = [{"arn": f"arn:aws:s3:::b-{account}-{n:03d}"} for n in range(_limit("resources") // 10)]
        data[account] = {"RoleDetailList": role_list, "UserDetailList": user_list, "resources": resources}
    return json.dumps({"accounts": data})


def _import(sandbox: Sandbox, text: str) -> None:
    staged = read_world_file(text.encode())
    replace_contents(sandbox, staged["world"], staged["compute"], staged["secrets"])


def _within_budget(work: Work) -> bool:
    budget = diagrams.BUDGET
    return work.evaluations <= budget.evaluations and work.pairs <= budget.pairs and work.edges <= budget.edges


def _page(client, sandbox, **query):
    response = client.get(reverse("sandbox:diagrams", args=[sandbox.pk]), query)
    assert response.status_code == 200 and len(response.content) < MAX_PAGE_BYTES, len(response.content)
    return response


def _role_fragment(client, sandbox, account: str, name: str):
    response = client.get(reverse("sandbox:role_diagram", args=[sandbox.pk, account, name]))
    assert response.status_code == 200 and len(response.content) < MAX_PAGE_BYTES, len(response.content)
    return response


# ---- a sandbox at the quota limit -----------------------------------------------------------------------------


def test_the_world_at_the_limit_is_exactly_at_every_quota():
    staged = read_world_file(at_the_limit().encode())
    assert len(staged["world"]["accounts"]) == _limit("accounts")
    over = json.loads(at_the_limit())
    over["accounts"][ME]["RoleDetailList"].append({"RoleName": "one-more", "AssumeRolePolicyDocument": _trust("*")})
    with pytest.raises(SandboxQuotaExceeded, match="This world has 1,001 roles across 10 accounts"):
        read_world_file(json.dumps(over).encode())


def test_at_the_quota_limit_the_diagram_page_answers_within_the_budget(alice_client, alice_sandbox):
    _import(alice_sandbox, at_the_limit())
    response = _page(alice_client, alice_sandbox)
    drawing = response.context["drawing"]
    assert _within_budget(drawing.work) and drawing.work.stopped is not None  # it stopped at the budget
    assert drawing.too_large and drawing.svg is None and drawing.summary_kind == "nodes"
    page = response.content.decode()
    assert "Too large to draw: focus on one role" in page and 'name="focus"' in page
    assert "Draw around this role" in page and f'value="arn:aws:iam::{ME}:role/r007"' in page
    holds = {(row["account"], row["kind"]): row["count"] for row in drawing.summary}
    assert holds[(f"account {ME}", "roles")] == _limit("roles") // _limit("accounts")


def test_at_the_quota_limit_the_role_page_answers_within_the_budget(alice_client, alice_sandbox):
    _import(alice_sandbox, at_the_limit())
    page = alice_client.get(reverse("sandbox:role", args=[alice_sandbox.pk, ME, "r000"]))
    assert page.status_code == 200 and len(page.content) < MAX_PAGE_BYTES
    drawing = _role_fragment(alice_client, alice_sandbox, ME, "r000").context["drawing"]
    assert _within_budget(drawing.work)
    assert drawing.too_large or drawing.svg  # either drawn, or counted: never a timeout


def test_at_the_quota_limit_a_picked_role_is_answered_within_the_budget(alice_client, alice_sandbox):
    _import(alice_sandbox, at_the_limit())
    _page(alice_client, alice_sandbox)  # the whole graph stopped at its budget, and is kept so
    picked = _page(alice_client, alice_sandbox, focus=f"arn:aws:iam::{ME}:role/r002", depth=1)
    assert _within_budget(picked.context["drawing"].work)


def test_in_a_large_class_world_the_role_page_draws_the_role_at_once_within_the_budget(alice_client, alice_sandbox):
    _import(alice_sandbox, a_large_class_world())
    _clock_at(alice_sandbox, timezone.now())  # a graph that reads the clock is kept for one clock minute
    first = _role_fragment(alice_client, alice_sandbox, ME, "r004").context["drawing"]
    assert _within_budget(first.work) and not first.too_large and first.svg  # drawn on the first view
    page = _page(alice_client, alice_sandbox).context["drawing"]
    assert _within_budget(page.work) and page.too_large  # the whole sandbox: counted, with the picker
    again = _role_fragment(alice_client, alice_sandbox, ME, "r004").context["drawing"]
    assert again.work == Work() and again.svg == first.svg


def test_a_thousand_roles_trusting_each_other_get_the_fallback_within_the_budget(alice_client, alice_sandbox):
    _import(alice_sandbox, everyone_trusts_everyone())
    _clock_at(alice_sandbox, timezone.now())  # a graph that reads the clock is kept for one clock minute
    first = _page(alice_client, alice_sandbox).context["drawing"]
    assert first.too_large and _within_budget(first.work) and first.work.evaluations < diagrams.BUDGET.evaluations
    role = _role_fragment(alice_client, alice_sandbox, ME, "r0500").context["drawing"]
    assert role.too_large and _within_budget(role.work)
    again = _page(alice_client, alice_sandbox).context["drawing"]
    assert again.too_large and again.work == Work()  # the stopped build is kept: no second run at the budget


def test_more_arrows_than_a_table_should_list_are_counted_by_account_and_kind(alice_client, alice_sandbox, monkeypatch):
    monkeypatch.setattr(diagrams, "MAX_TABLE_ROWS", 3)
    monkeypatch.setattr(diagrams, "MAX_DRAWN_EDGES", 3)
    drawing = _page(alice_client, alice_sandbox, depth=1).context["drawing"]
    assert drawing.summary_kind == "edges" and drawing.rows == [] and drawing.edges > 3
    assert sum(row["count"] for row in drawing.summary) >= drawing.edges


def test_a_dot_or_svg_past_its_size_is_not_drawn_and_the_table_stays(alice_client, alice_sandbox, monkeypatch):
    monkeypatch.setattr(diagrams, "MAX_DOT_BYTES", 100)
    drawing = _page(alice_client, alice_sandbox, depth=1).context["drawing"]
    assert drawing.svg is None and drawing.rows and not drawing.too_large
    monkeypatch.setattr(diagrams, "MAX_DOT_BYTES", 512 * 1024)
    monkeypatch.setattr(diagrams, "MAX_SVG_BYTES", 100)
    response = _page(alice_client, alice_sandbox, depth=2)
    assert response.context["drawing"].svg is None and "too large to show" in response.content.decode()


# ---- an unchanged sandbox costs no graph work ------------------------------------------------------------------


def test_the_second_view_costs_no_graph_evaluation(alice_client, alice_sandbox):
    first = _page(alice_client, alice_sandbox).context["drawing"]
    assert first.work.evaluations > 0
    second = _page(alice_client, alice_sandbox).context["drawing"]
    assert second.work == Work() and second.rows == first.rows and second.svg == first.svg
    role = _role_fragment(alice_client, alice_sandbox, ME, "ReportsReader").context["drawing"]
    assert role.work == Work()  # the role page's neighbourhood is cut from the same kept graph


def test_a_change_is_a_new_revision_and_a_new_graph(alice_client, alice_sandbox):
    _page(alice_client, alice_sandbox)
    with changing(alice_sandbox) as loaded:
        loaded.world.create_user(ME, "newcomer")
    alice_sandbox.refresh_from_db()
    drawing = _page(alice_client, alice_sandbox).context["drawing"]
    assert drawing.work.evaluations > 0 and "newcomer" in {row["from"] for row in drawing.rows} | {"newcomer"}


def _clock_at(sandbox: Sandbox, moment) -> None:
    """Stops the sandbox clock at ``moment`` (as a paused class does), so lifetimes do not drift while a test runs."""
    Sandbox.objects.filter(pk=sandbox.pk).update(clock_frozen_at=moment)
    sandbox.refresh_from_db()


def test_lifetimes_are_drawn_from_the_kept_graph_at_view_time(alice_client, alice_sandbox):
    start = timezone.now().replace(microsecond=0)
    _clock_at(alice_sandbox, start)
    with changing(alice_sandbox) as loaded:
        assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "morning", duration_seconds=1800))
    alice_sandbox.refresh_from_db()
    first = _page(alice_client, alice_sandbox, depth=1).context["drawing"]
    assert any("30 min left" in row["from"] for row in first.rows if row["kind"] == "session_of")
    _clock_at(alice_sandbox, start + timedelta(minutes=10))  # the clock moves: not a new revision
    later = _page(alice_client, alice_sandbox, depth=1).context["drawing"]
    assert later.work == Work()
    assert any("20 min left" in row["from"] for row in later.rows if row["kind"] == "session_of")
    _clock_at(alice_sandbox, start + timedelta(minutes=31))
    expired = _page(alice_client, alice_sandbox, depth=1).context["drawing"]
    assert expired.work == Work() and not [row for row in expired.rows if row["kind"] == "session_of"]


def test_a_graph_that_reads_the_clock_is_kept_one_minute_of_sandbox_time(alice_client, alice_sandbox):
    start = timezone.now().replace(microsecond=0)
    _clock_at(alice_sandbox, start)
    with changing(alice_sandbox) as loaded:
        revoke_sessions(loaded.world, READER)  # AWSRevokeOlderSessions reads aws:TokenIssueTime
    alice_sandbox.refresh_from_db()
    assert _page(alice_client, alice_sandbox).context["drawing"].work.clock
    _clock_at(alice_sandbox, start + timedelta(seconds=30))
    assert _page(alice_client, alice_sandbox).context["drawing"].work == Work()
    _clock_at(alice_sandbox, start + timedelta(seconds=90))
    assert _page(alice_client, alice_sandbox).context["drawing"].work.evaluations > 0


def test_going_back_in_time_builds_the_graph_again(alice_client, alice_sandbox):
    start = timezone.now().replace(microsecond=0)
    _clock_at(alice_sandbox, start + timedelta(hours=1))
    _page(alice_client, alice_sandbox)
    _clock_at(alice_sandbox, start)  # "back to real time"
    assert _page(alice_client, alice_sandbox).context["drawing"].work.evaluations > 0


def test_every_entry_has_a_lifetime_and_a_size_bound(alice_sandbox, monkeypatch):
    calls = []
    real = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, value, timeout=None: calls.append((key, timeout)) or real(key, value, timeout)
    )
    loaded = SandboxWorld.load(alice_sandbox)
    graph_cache.view(loaded, {}, focus=None, depth=1, collapse=(), budget=diagrams.BUDGET)
    assert calls and all(timeout == graph_cache.GRAPH_SECONDS for _, timeout in calls)
    calls.clear()
    cache.clear()
    monkeypatch.setattr(graph_cache, "MAX_ENTRY_BYTES", 10)
    _, work = graph_cache.view(loaded, {}, focus=None, depth=1, collapse=(), budget=diagrams.BUDGET)
    assert not calls and work.evaluations > 0  # too large to keep: built, not kept


def test_a_classrooms_organization_is_part_of_the_key(alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    assert graph_cache._organization(loaded.world) == "-"
    scp = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    org = {
        "id": "o-exampleorgid",
        "management_account": ME,
        "scps": [{"name": "All", "targets": [ME], "document": scp}],
    }
    world = World.from_dict({"accounts": {ME: {}}, "organization": org})
    other = dict(
        org,
        scps=[
            {
                "name": "All",
                "targets": [ME],
                "document": {**scp, "Statement": [{**scp["Statement"][0], "Action": "s3:*"}]},
            }
        ],
    )
    assert graph_cache._organization(world) != graph_cache._organization(
        World.from_dict({"accounts": {ME: {}}, "organization": other})
    )


def test_a_smaller_budget_is_honoured_by_the_page(alice_client, alice_sandbox, monkeypatch):
    monkeypatch.setattr(diagrams, "BUDGET", Budget(evaluations=2))
    drawing = _page(alice_client, alice_sandbox).context["drawing"]
    assert drawing.too_large and drawing.work.evaluations <= 2 and drawing.work.stopped == "evaluations"


def test_the_time_cap_stops_a_slow_build_and_it_is_retried_sooner(alice_client, alice_sandbox, monkeypatch):
    monkeypatch.setattr(diagrams, "BUDGET", Budget(seconds=0.0))  # a machine too loaded for any work
    timeouts = []
    real = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, value, timeout=None: timeouts.append(timeout) or real(key, value, timeout)
    )
    drawing = _page(alice_client, alice_sandbox).context["drawing"]
    assert drawing.too_large and drawing.work.stopped == "time" and "seconds of work" in drawing.problem
    assert timeouts == [graph_cache.STOPPED_ON_TIME_SECONDS]
