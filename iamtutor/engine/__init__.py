"""The role engine: a pure-Python simulator of AWS IAM and STS.

The public surface the rest of the site uses; everything else in this package is internal. Policies are
parsed once into frozen data (``parse_policy``), decisions follow AWS's documented evaluation order
(``evaluate``/``World.request``), STS calls issue and check temporary credentials, and every failure is an
``EngineError`` with AWS's code and wording. No Django here: ``tests/engine/test_purity.py`` enforces it.
"""

from .audit import repeat_event
from .checks import (
    Check,
    CheckError,
    CheckOutcome,
    Trail,
    apply_steps,
    check_steps,
    parse_checks,
    rewind_for,
    run_checks,
    uses_trail,
)
from .errors import EngineError, IamError, ParameterError, PolicyError, StsError, WorldError
from .evaluate import FLOW_NODES, Decision, MatchedStatement, Request, evaluate
from .explain import access_denied_message, explain
from .findings import FINDINGS, Finding, check_policy
from .graph import (
    CHAINING_SECONDS,
    AccessGraph,
    Budget,
    Cluster,
    Edge,
    Node,
    Replay,
    ReplayedStep,
    Work,
    access_graph,
    at_time,
    cut_graph,
    decision_dot,
    diagram_dot,
    diagram_edges,
    diagram_svg_ids,
    edge_summary,
    edge_table,
    expected_svg_ids,
    node_summary,
    replay,
    to_dot,
)
from .matching import Arn, match_principal, parse_arn
from .policy import Policy, Statement, iter_policy_problems, parse_policy, policy_size
from .principals import Caller
from .refs import PolicyRef, ResolvedStatement, StatementRef, resolve_statement
from .scenario import normalise_scenario, run_scenario, run_steps
from .simulator import simulate_custom_policy, simulate_principal_policy
from .sts import (
    AssumeRoleRequest,
    WebIdentityRequest,
    assume_role,
    assume_role_with_web_identity,
    get_caller_identity,
    get_session_token,
    lambda_execution_session,
    launch_instance,
    revoke_sessions,
)
from .world import World
from .world_model import DEFAULT_QUOTAS

__all__ = [
    "CHAINING_SECONDS",
    "DEFAULT_QUOTAS",
    "FINDINGS",
    "FLOW_NODES",
    "AccessGraph",
    "Arn",
    "AssumeRoleRequest",
    "Budget",
    "Caller",
    "Check",
    "CheckError",
    "CheckOutcome",
    "Cluster",
    "Decision",
    "Edge",
    "EngineError",
    "Finding",
    "IamError",
    "MatchedStatement",
    "Node",
    "ParameterError",
    "Policy",
    "PolicyError",
    "PolicyRef",
    "Replay",
    "ReplayedStep",
    "Request",
    "ResolvedStatement",
    "Statement",
    "StatementRef",
    "StsError",
    "Trail",
    "WebIdentityRequest",
    "Work",
    "World",
    "WorldError",
    "access_denied_message",
    "access_graph",
    "apply_steps",
    "assume_role",
    "assume_role_with_web_identity",
    "at_time",
    "check_policy",
    "check_steps",
    "cut_graph",
    "decision_dot",
    "diagram_dot",
    "diagram_edges",
    "diagram_svg_ids",
    "edge_summary",
    "edge_table",
    "evaluate",
    "expected_svg_ids",
    "explain",
    "get_caller_identity",
    "get_session_token",
    "iter_policy_problems",
    "lambda_execution_session",
    "launch_instance",
    "match_principal",
    "node_summary",
    "normalise_scenario",
    "parse_arn",
    "parse_checks",
    "parse_policy",
    "policy_size",
    "repeat_event",
    "replay",
    "resolve_statement",
    "revoke_sessions",
    "rewind_for",
    "run_checks",
    "run_scenario",
    "run_steps",
    "simulate_custom_policy",
    "simulate_principal_policy",
    "to_dot",
    "uses_trail",
]
