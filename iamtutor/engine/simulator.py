"""The IAM policy simulator's two questions, answered by the evaluator without recording an event (a
simulation is not a request): what a principal's own policies decide (SimulatePrincipalPolicy), and what
given identity policies alone decide (SimulateCustomPolicy). Building requests is ``world_request.py``'s;
the decision is ``evaluate.py``'s; the API's shapes are the AWS-compatible endpoint's.
"""

from __future__ import annotations

from .checks.calls import _role_session
from .errors import IamError
from .evaluate import Decision, Request, evaluate
from .policy import Policy
from .world import World
from .world_model import split_iam_arn


def simulate_principal_policy(
    world: World, source_arn: object, action: str, resource: str, context: object = None
) -> Decision:
    """The decision for the user or role ``source_arn`` doing ``action`` on ``resource``, with every policy
    that applies to it: identity policies (a user's groups' too), boundary, SCPs and resource policies. A role
    is asked as a fresh session of it with no session policy, since only sessions of a role make requests.

    Raises ``IamError`` NoSuchEntity for a user or role the world's own accounts do not hold, InvalidInput
    for any other ARN (a group is simulated through one of its users), ``ParameterError`` for a malformed
    action, resource or context.
    """
    parts = split_iam_arn(source_arn)
    kind = parts[2] if parts else ""
    if kind not in ("user", "role"):
        raise IamError(
            f"PolicySourceArn must be the ARN of an IAM user or role of this sandbox, not {str(source_arn)[:200]}.",
            code="InvalidInput",
            http_status=400,
            parameter="PolicySourceArn",
        )
    entity, _ = world.principal_entity(source_arn)
    ident = _role_session(world, entity.arn) if kind == "role" else world.identify(entity.arn)
    return evaluate(world.build_request(ident, action, resource, context))


def simulate_custom_policy(
    world: World,
    caller_ref: object,
    policies: tuple[Policy, ...],
    action: str,
    resource: str,
    context: object = None,
) -> Decision:
    """The decision the identity ``policies`` alone give ``caller_ref`` (whose context keys the request
    carries) for ``action`` on ``resource``: as AWS's SimulateCustomPolicy, no boundary, session policy, SCP
    or resource policy takes part. Raises ``StsError`` for unknown credentials, ``ParameterError`` for a
    malformed action, resource or context."""
    built = world.build_request(world.identify(caller_ref), action, resource, context)
    return evaluate(
        Request(built.caller, built.action, built.resource, built.resource_account, built.context, policies)
    )
