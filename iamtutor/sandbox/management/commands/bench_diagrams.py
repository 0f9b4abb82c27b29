"""``manage.py bench_diagrams``: how long the access diagram of a 500-principal world takes to draw.

The world (400 users and 100 roles over three accounts, with trust policies naming users, whole accounts,
other accounts with an ExternalId, MFA, services and an OIDC provider) is built directly through the engine,
so nothing touches the database. Each stage is timed: the engine's graph, its DOT, the render uncached
(median of 3; the cache entry is dropped first) and cached (median of 20), for the view the page opens with
(collapsed, since the world is large) and for the whole uncollapsed graph. Targets (issue 5): under 2 s
uncached and under 10 ms cached.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand

from iamtutor import engine
from iamtutor.engine import World
from iamtutor.lib import graphviz as renderer
from iamtutor.sandbox import diagrams
from iamtutor.sandbox.worlds import starting_world

UNCACHED_MS, CACHED_MS = 2000, 10
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
ASSUME_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
READ_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}],
}


def big_world(users: int = 400, roles: int = 100) -> World:
    """The starting world grown to ``users`` users and ``roles`` roles over three accounts."""
    data = starting_world()
    data["clock"] = "2025-01-01T00:00:00Z"
    world = World.from_dict(data)
    world.add_account(ACCOUNTS[2], "third")
    for n in range(users):
        account = ACCOUNTS[n % 3]
        name = f"user{n:03}"
        world.create_user(account, name)
        if n % 2 == 0:
            world.put_inline_policy(f"arn:aws:iam::{account}:user/{name}", "AssumeRoles", ASSUME_ANY)
    for n in range(roles):
        account = ACCOUNTS[n % 3]
        world.create_role(account, f"role{n:03}", _trust(n, account))
        world.put_inline_policy(f"arn:aws:iam::{account}:role/role{n:03}", "Read", READ_S3)
    return world


def _trust(n: int, account: str) -> dict:
    """Trust policies that vary the way real ones do: a user, the account, another account, a service."""
    other = ACCOUNTS[(ACCOUNTS.index(account) + 1) % 3]
    principals = [
        {"AWS": f"arn:aws:iam::{account}:user/user{3 * (n % 130) + ACCOUNTS.index(account):03}"},
        {"AWS": f"arn:aws:iam::{account}:root"},
        {"AWS": f"arn:aws:iam::{other}:root"},
        {"Service": "ec2.amazonaws.com"},
    ]
    statement: dict = {"Effect": "Allow", "Principal": principals[n % 4], "Action": "sts:AssumeRole"}
    if n % 4 == 2:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{n}"}}
    elif n % 8 == 1:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _median_ms(runs: int, work: Callable[[], object], before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Command(BaseCommand):
    help = "Time the access diagram (graph, DOT, render uncached and cached) of a 500-principal world."

    def handle(self, *args, **options):
        world = big_world()
        graph = engine
        active = renderer.renderer()
        self.stdout.write(f"renderer: {active.name} ({active.detail})")
        principals = sum(len(a.users) + len(a.roles) for a in world.accounts.values())
        self.stdout.write(f"world: {principals} users and roles in {len(world.accounts)} accounts")
        views = {
            "page default (collapsed)": {"collapse": diagrams.default_collapse(world)},
            "role page (role001, depth 1)": {"focus": "arn:aws:iam::222222222222:role/role001", "depth": 1},
            "services collapsed": {"collapse": tuple(diagrams.services(world))},
            "whole graph": {},
        }
        for label, arguments in views.items():
            self._bench(label, world, graph, arguments)

    def _bench(self, label: str, world: World, graph, arguments: dict) -> None:
        found = graph.access_graph(world, **arguments)
        if len(found.nodes) > diagrams.MAX_DRAWN_NODES or len(found.edges) > diagrams.MAX_DRAWN_EDGES:
            self.stdout.write(
                f"{label}: {len(found.nodes)} nodes, {len(found.edges)} edges — past the drawing limit "
                f"({diagrams.MAX_DRAWN_NODES} nodes / {diagrams.MAX_DRAWN_EDGES} edges): the page shows "
                "the table and asks for a focus or a collapse"
            )
            return
        dot = graph.to_dot(found)
        expected = graph.expected_svg_ids(found)
        graph_ms = _median_ms(3, lambda: graph.access_graph(world, **arguments))
        dot_ms = _median_ms(3, lambda: graph.to_dot(found))
        try:
            uncached = _median_ms(3, lambda: renderer.render_checked(dot, expected), lambda: renderer.forget(dot))
            cached = _median_ms(20, lambda: renderer.render_checked(dot, expected))
        except renderer.RenderError as err:
            self.stdout.write(f"{label}: {len(found.nodes)} nodes, {len(found.edges)} edges — not drawn: {err.reason}")
            return
        self.stdout.write(f"{label}: {len(found.nodes)} nodes, {len(found.edges)} edges")
        self.stdout.write(f"  graph {graph_ms:.0f} ms, DOT {dot_ms:.0f} ms")
        self._line("render uncached (median of 3)", uncached, UNCACHED_MS)
        self._line("graph + DOT + render uncached", graph_ms + dot_ms + uncached, UNCACHED_MS)
        self._line("render cached (median of 20)", cached, CACHED_MS)

    def _line(self, what: str, ms: float, target: int) -> None:
        self.stdout.write(f"  {what}: {ms:.2f} ms (target < {target} ms: {'yes' if ms < target else 'NO'})")
