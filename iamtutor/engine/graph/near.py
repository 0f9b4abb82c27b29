"""Which roles a focused graph needs: a cheap search from the focus before any edge is evaluated.

Owns the graph of candidate pairs (a trust naming a principal, an Allow that could reach a resource, a
session) and the breadth-first search over it, working out each role's trust plan only when the search
reaches it. A superset of the true neighbourhood: cutting the built graph down to the focus is
``reshape.py``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Edge, Node
from .reach import Reach
from .trust import Plan, candidate_keys, trust_statements

if TYPE_CHECKING:
    from .builder import Builder


class Near:
    """Breadth-first search from the focus over candidate pairs (a trust naming a principal, an Allow that could
    reach a resource, a session): cheap to find, and a superset of the edges the evaluator will grant.

    ``plans`` keeps the trust plans worked out on the way, for the build to reuse."""

    def __init__(self, builder: Builder, resources: list[Node], session_edges: list[Edge]) -> None:
        self.builder, self.resources = builder, resources
        self.role_of = {role.arn: (role, principal) for role, principal in builder.roles}
        self.plans: dict[str, Plan] = {}
        self.links: dict[str, set[str]] = {}
        for edge in session_edges:
            self._link(edge.source, edge.target)
        self.reach: dict[str, set[str]] = {}
        self.position = {p.node.id: i for i, p in enumerate(builder.principals)}
        self.trusting: tuple[dict[str, set[str]], set[str]] | None = None
        self.keys_of: dict[int, list[str]] = {}
        for key, positions in builder.index.items():
            for position in positions:
                self.keys_of.setdefault(position, []).append(key)

    def roles(self, focus: str, depth: int) -> tuple[set[str] | None, set[str] | None]:
        """(roles whose edges to compute, node ids near enough), or (None, None) to compute everything."""
        if focus not in self.builder.nodes:
            return None, None  # e.g. a folded account: known only once the whole graph is built
        seen, frontier = {focus}, {focus}
        for _ in range(depth):
            frontier = {n for f in frontier for n in self._neighbours(f)} - seen
            seen |= frontier
        return {n for n in seen if n in self.role_of}, seen

    def plan(self, arn: str) -> Plan:
        """The role's trust plan, worked out once."""
        if arn not in self.plans:
            self.plans[arn] = self.builder.trust.plan(self.role_of[arn][0])
        return self.plans[arn]

    def _link(self, a: str, b: str) -> None:
        self.links.setdefault(a, set()).add(b)
        self.links.setdefault(b, set()).add(a)

    def _neighbours(self, node_id: str) -> set[str]:
        found = set(self.links.get(node_id, ()))
        principals = self.builder.principals
        if node_id in self.role_of:
            found |= {principals[position].node.id for position, _ in self.plan(node_id)}
            found |= self._targets(node_id)
        elif node_id.startswith("resource:"):
            found |= {arn for arn in self.role_of if node_id in self._targets(arn)}
        position = self.position.get(node_id)
        if position is not None:
            found |= self._roles_naming(position)
        return found

    def _roles_naming(self, position: int) -> set[str]:
        """The roles whose trust plan holds the principal at ``position`` (the reverse of ``plan``)."""
        by_key, everyone = self._trusting_index()
        principal = self.builder.principals[position]
        found = set()
        named_by = set(everyone)
        for key in self.keys_of.get(position, ()):
            named_by |= by_key.get(key, set())
        candidates = sorted(named_by)
        self.builder.meter.paired(len(candidates))
        for arn in candidates:
            role = self.role_of[arn][0]
            if arn in self.plans:
                if any(p == position for p, _ in self.plans[arn]):
                    found.add(arn)
            elif self.builder.trust.named(trust_statements(role), principal, role):
                found.add(arn)
        return found

    def _trusting_index(self) -> tuple[dict[str, set[str]], set[str]]:
        """(principal index key → roles whose trust names it, roles whose trust names anyone): the candidates
        ``TrustEdges.plan`` would look at, turned round."""
        if self.trusting is None:
            by_key: dict[str, set[str]] = {}
            everyone: set[str] = set()
            for role, _ in self.builder.roles:
                keys = candidate_keys(trust_statements(role))
                if keys is None:
                    everyone.add(role.arn)
                    continue
                for key in keys:
                    by_key.setdefault(key, set()).add(role.arn)
            self.trusting = (by_key, everyone)
        return self.trusting

    def _targets(self, arn: str) -> set[str]:
        """The resources a role's statements could reach (and its "any resource" node)."""
        if arn not in self.reach:
            role, principal = self.role_of[arn]
            reach = Reach(self.builder, role, principal, self.resources)
            found = {r.id for r in reach.candidates() if reach.granting(r)}
            if reach.reaches_anything():
                found.add(f"resource:*:{role.account}")
            self.reach[arn] = found
        return self.reach[arn]
