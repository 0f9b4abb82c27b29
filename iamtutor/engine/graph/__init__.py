"""Access diagrams: who can assume which role, what each role can reach, and why one request was decided.

The access graph of a world — every edge decided by ``evaluate`` on requests built by ``World.build_request``
as STS builds them, never by reading policy JSON for the answer — its DOT text (built with the ``graphviz``
package, every label escaped) and text alternative, the evaluation flowchart of one decision, and a generic
drawing for hand-made diagrams such as the lessons', and a scenario replayed with its world kept (``replay``)
for diagrams of what a scenario did. The work of one graph is bounded (``Budget``): past it
the answer is every node and no edge, with the summaries to show instead. A whole graph can be kept and cut
into any view (``cut_graph``) and brought to a later instant (``at_time``) without evaluating anything.
Rendering DOT to SVG, caching and pages are the site's.
"""

from .access import DEFAULT_BUDGET, access_graph, cut_graph
from .budget import Budget, Work
from .diagram import diagram_dot, diagram_edges, diagram_svg_ids
from .dot import to_dot
from .flowchart import decision_dot
from .ids import edge_ids, expected_svg_ids, node_svg_id
from .lifetimes import at_time
from .model import AccessGraph, Cluster, Edge, Node
from .replay import CHAINING_SECONDS, Replay, ReplayedStep, replay
from .table import edge_label, edge_summary, edge_table, node_summary

__all__ = [
    "CHAINING_SECONDS",
    "DEFAULT_BUDGET",
    "AccessGraph",
    "Budget",
    "Cluster",
    "Edge",
    "Node",
    "Replay",
    "ReplayedStep",
    "Work",
    "access_graph",
    "at_time",
    "cut_graph",
    "decision_dot",
    "diagram_dot",
    "diagram_edges",
    "diagram_svg_ids",
    "edge_ids",
    "edge_label",
    "edge_summary",
    "edge_table",
    "expected_svg_ids",
    "node_summary",
    "node_svg_id",
    "replay",
    "to_dot",
]
