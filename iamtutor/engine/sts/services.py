"""Sessions that AWS services start for a caller (§5.11): an EC2 instance with an instance profile and a
Lambda function with an execution role. The caller needs its own action and ``iam:PassRole`` on the
role; then the service assumes the role like any ``AssumeRole`` caller.
"""

from __future__ import annotations

import re
from typing import Final

from ..errors import ParameterError, StsError
from ..evaluate import evaluate
from ..explain import access_denied_message
from ..world import World
from ..world_model import Role, check_text
from .assume import assume_role
from .requests import AssumeRoleRequest

MSG_LAMBDA_TRUST: Final = "The role defined for the function cannot be assumed by Lambda."  # §5.11 (M)


def launch_instance(
    world: World,
    caller_ref: object,
    instance_profile: object,
    *,
    instance_id: object = None,
    context: object = None,
    session_id: object = None,
) -> dict:
    """RunInstances with an instance profile: ``ec2:RunInstances`` and ``iam:PassRole`` for the caller,
    then EC2 assumes the role in a session named after the instance (§5.11, D-PASS, D-EC2, H).

    Returns the AssumeRole result plus ``instance_id``. Raises ``StsError`` ``UnauthorizedOperation`` when
    the caller may not launch or pass the role (EC2 encodes the detail; we show it), ``AccessDenied`` when
    the role does not trust EC2, and ``IamError`` NoSuchEntity for an unknown profile.
    """
    role, _ = world.instance_profile(instance_profile)
    instance = instance_id if isinstance(instance_id, str) else world.ids.instance_id()
    if not re.fullmatch(r"i-[0-9a-f]{8,17}", instance):
        raise ParameterError(f"{instance} is not an instance id such as i-0123456789abcdef0.", parameter="InstanceId")
    instance_arn = f"arn:{world.partition}:ec2:us-east-1:{role.account}:instance/{instance}"
    _pass_role(
        world,
        caller_ref,
        role,
        "ec2.amazonaws.com",
        ("ec2:RunInstances", instance_arn),
        context,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation. ",
    )
    result = assume_role(
        world,
        "service:ec2.amazonaws.com",
        AssumeRoleRequest(role.arn, instance, context=context),  # type: ignore[arg-type]
        session_id=session_id,  # type: ignore[arg-type]
    )
    result["instance_id"] = instance
    return result


def lambda_execution_session(
    world: World,
    caller_ref: object,
    function_name: object,
    role_arn: object,
    *,
    context: object = None,
    session_id: object = None,
) -> dict:
    """CreateFunction with an execution role, then Lambda's own session of that role (§5.11, D-PASS, H).

    The caller needs ``lambda:CreateFunction`` and ``iam:PassRole``; a role whose trust policy does not
    trust ``lambda.amazonaws.com`` is refused with ``InvalidParameterValueException`` (M). The session is
    named after the function. Returns the AssumeRole result.
    """
    role = world.role(role_arn)
    name = check_text("role_session_name", function_name, "functionName")
    function_arn = f"arn:{world.partition}:lambda:us-east-1:{role.account}:function:{name}"
    _pass_role(
        world,
        caller_ref,
        role,
        "lambda.amazonaws.com",
        ("lambda:CreateFunction", function_arn),
        context,
        "AccessDeniedException",
        "",
    )
    # Lambda says which account it acts for. The function's ARN is not a documented key of this AssumeRole: Lambda
    # documents aws:SourceArn for the function's own resource policy (who may invoke it) and injects the function's
    # ARN only into the credentials' later calls (lambda:SourceFunctionArn), so a trust policy that requires
    # aws:SourceArn locks the function out. Guard an execution role with aws:SourceAccount (issue 14; Lambda's
    # "Using source function ARN": https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html).
    service_context = {"aws:SourceAccount": role.account}
    try:
        return assume_role(
            world,
            "service:lambda.amazonaws.com",
            AssumeRoleRequest(role.arn, name, context=service_context),
            session_id=session_id,  # type: ignore[arg-type]
        )
    except StsError as err:
        raise StsError(MSG_LAMBDA_TRUST, code="InvalidParameterValueException", http_status=400) from err


def _pass_role(
    world: World,
    caller_ref: object,
    role: Role,
    service: str,
    launch: tuple[str, str],
    context: object,
    code: str,
    prefix: str,
) -> None:
    """The caller's own action plus ``iam:PassRole`` on the role (no CloudTrail event of its own, §5.11)."""
    action, resource = launch
    decision = world.request(caller_ref, action, resource, context)
    if not decision.allowed:
        raise StsError(prefix + decision.reason, code=code)
    ident = world.identify(caller_ref)
    extra = {"iam:PassedToService": service, "iam:AssociatedResourceArn": resource}
    request = world.build_request(ident, "iam:PassRole", role.arn, context, extra=extra)
    passed = evaluate(request)
    if not passed.allowed:
        raise StsError(prefix + access_denied_message(passed, request), code=code)
