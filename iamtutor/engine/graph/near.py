"""Which roles a focused graph needs: a cheap search from the focus before any edge is evaluated.

Owns the graph of candidate pairs (a trust naming a principal, an Allow that could reach a resource, a
session) and the breadth-first search over it. A superset of the true neighbourhood: cutting the built
graph down to the focus is ``reshape.py``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Edge, Node
from .reach import Reach
from .trust import Plan

if TYPE_CHECKING:
    from .builder import Builder


class Near:
    """Breadth-first search from the focus over candidate pairs (a trust naming a principal, an Allow that could
    reach a resource, a session): cheap to find, and a superset of the edges the evaluator will grant."""

    def __init__(
        self, builder: Builder, plans: dict[str, Plan], resources: list[Node], session_edges: list[Edge]
    ) -> None:
        self.builder, self.resources = builder, resources
        self.role_of = {role.arn: (role, principal) for role, principal in builder.roles}
        self.links: dict[str, set[str]] = {}
        for arn, plan in plans.items():
            for position, _ in plan:
                self._link(arn, builder.principals[position].node.id)
        for edge in session_edges:
            self._link(edge.source, edge.target)
        self.reach: dict[str, set[str]] = {}

    def roles(self, focus: str, depth: int) -> tuple[set[str] | None, set[str] | None]:
        """(roles whose edges to compute, node ids near enough), or (None, None) to compute everything."""
        if focus not in self.builder.nodes:
            return None, None  # e.g. a folded account: known only once the whole graph is built
        seen, frontier = {focus}, {focus}
        for _ in range(depth):
            frontier = {n for f in frontier for n in self._neighbours(f)} - seen
            seen |= frontier
        return {n for n in seen if n in self.role_of}, seen

    def _link(self, a: str, b: str) -> None:
        self.links.setdefault(a, set()).add(b)
        self.links.setdefault(b, set()).add(a)

    def _neighbours(self, node_id: str) -> set[str]:
        found = set(self.links.get(node_id, ()))
        if node_id in self.role_of:
            found |= self._targets(node_id)
        elif node_id.startswith("resource:"):
            found |= {arn for arn in self.role_of if node_id in self._targets(arn)}
        return found

    def _targets(self, arn: str) -> set[str]:
        """The resources a role's statements could reach (and its "any resource" node)."""
        if arn not in self.reach:
            role, principal = self.role_of[arn]
            reach = Reach(self.builder, role, principal.ident, self.resources)
            found = {r.id for r in self.resources if reach.granting(r)}
            if reach.reaches_anything():
                found.add(f"resource:*:{role.account}")
            self.reach[arn] = found
        return self.reach[arn]
