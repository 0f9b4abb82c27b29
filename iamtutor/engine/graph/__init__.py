"""Access diagrams: who can assume which role, what each role can reach, and why one request was decided.

The access graph of a world — every edge decided by ``evaluate`` on requests built by ``World.build_request``
as STS builds them, never by reading policy JSON for the answer — its DOT text (built with the ``graphviz``
package, every label escaped) and text alternative, the evaluation flowchart of one decision, and a generic
drawing for hand-made diagrams such as the lessons'. Rendering DOT to SVG, caching and pages are the site's.
"""

from .access import access_graph
from .diagram import diagram_dot, diagram_edges, diagram_svg_ids
from .dot import to_dot
from .flowchart import decision_dot
from .ids import edge_ids, expected_svg_ids, node_svg_id
from .model import AccessGraph, Cluster, Edge, Node
from .table import edge_label, edge_table

__all__ = [
    "AccessGraph",
    "Cluster",
    "Edge",
    "Node",
    "access_graph",
    "decision_dot",
    "diagram_dot",
    "diagram_edges",
    "diagram_svg_ids",
    "edge_ids",
    "edge_label",
    "edge_table",
    "expected_svg_ids",
    "node_svg_id",
    "to_dot",
]
