"""CloudTrail-shaped events for every STS call and every request the world decides (§6 of iam-reference.md).

Owns the event shape of §6.4, the ``userIdentity`` element by caller type (§6.2), AssumeRole's request
parameters and response elements (§6.3, never a secret key) and the second copy a cross-account AssumeRole
writes in the role's account. Events are appended to ``world.events``; deciding anything is not this
module's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from .dates import format_iso
from .errors import EngineError

if TYPE_CHECKING:
    from .evaluate import Decision
    from .world import World
    from .world_model import Identity, Session

EVENT_VERSION: Final = "1.09"  # §6.1 (1.08–1.11 in use today, H)
USER_AGENT: Final = "iamtutor"
DEFAULT_REGION: Final = "us-east-1"  # IAM and STS global endpoint calls report us-east-1 (§3.2, H)
DEFAULT_SOURCE_IP: Final = "AWS Internal"
# Read-only API verbs (CloudTrail's readOnly flag, §6.1; our approximation by verb, M).
_READ_ONLY_PREFIXES: Final = ("get", "list", "describe", "head", "batchget", "query", "scan", "lookup", "select")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def cloudtrail_time(moment: datetime) -> str:
    """CloudTrail's human form of a credential expiration: ``Oct 2, 2019, 11:12:29 PM`` (§6.4, H)."""
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}, {hour}:{moment:%M:%S} {half}"


def user_identity(world: World, ident: Identity | None) -> dict[str, Any]:
    """The ``userIdentity`` element for a caller (§6.2, CloudTrail UG, H; web identity format M)."""
    if ident is None:
        return {"type": "Unknown"}
    caller = ident.caller
    if caller.type == "service":
        return {"type": "AWSService", "invokedBy": caller.service}
    if caller.type == "anonymous":
        return {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
    if caller.type == "web_identity":
        return {"type": "WebIdentityUser", "principalId": caller.arn, "identityProvider": caller.provider}
    if caller.type == "root":
        data = {"type": "Root", "principalId": caller.account, "arn": caller.arn, "accountId": caller.account}
    elif caller.type == "assumed_role":
        data = {"type": "AssumedRole", "principalId": caller.unique_id, "arn": caller.arn, "accountId": caller.account}
    else:
        data = {"type": "IAMUser", "principalId": caller.unique_id, "arn": caller.arn, "accountId": caller.account}
        if ident.user is not None:
            data["userName"] = ident.user.name
    if ident.access_key_id:
        data["accessKeyId"] = ident.access_key_id
    if ident.session is not None:
        data["sessionContext"] = _session_context(world, ident.session)
    return data


def _session_context(world: World, session: Session) -> dict[str, Any]:
    context: dict[str, Any] = {
        "attributes": {
            "creationDate": format_iso(session.issued_at),
            "mfaAuthenticated": "true" if session.mfa_authenticated else "false",
        }
    }
    if session.kind == "assumed_role":
        name = (session.role_arn or "").rsplit("/", 1)[-1]
        context["sessionIssuer"] = {
            "type": "Role",
            "principalId": session.role_id,
            "arn": session.role_arn,
            "accountId": session.account,
            "userName": name,
        }
    if session.source_identity is not None:
        context["sourceIdentity"] = session.source_identity
    if session.federated_provider is not None:
        context["webIdFederationData"] = {"federatedProvider": session.federated_provider, "attributes": {}}
    return context


def _base_event(world: World, ident: Identity | None, source: str, name: str, context: object) -> dict[str, Any]:
    ctx = {k.lower(): v for k, v in context.items()} if isinstance(context, Mapping) else {}
    region = ctx.get("aws:requestedregion")
    source_ip = ctx.get("aws:sourceip")
    if ident is not None and ident.caller.type == "service":
        source_ip = ident.caller.service
    return {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(world, ident),
        "eventTime": format_iso(world.clock.now()),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region if isinstance(region, str) else DEFAULT_REGION,
        "sourceIPAddress": source_ip if isinstance(source_ip, str) else DEFAULT_SOURCE_IP,
        "userAgent": USER_AGENT,
        "requestParameters": None,
        "responseElements": None,
        "requestID": world.ids.event_id(),
        "eventID": world.ids.event_id(),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "eventCategory": "Management",
        "recipientAccountId": ident.caller.account if ident is not None else None,
    }


def _add_error(event: dict[str, Any], error: EngineError | None) -> None:
    if error is not None:
        event["errorCode"] = error.code
        event["errorMessage"] = error.message
        event["responseElements"] = None


def record_sts(
    world: World,
    event_name: str,
    ident: Identity | None,
    parameters: Mapping[str, Any] | None,
    *,
    response: Mapping[str, Any] | None = None,
    error: EngineError | None = None,
    role: tuple[str, str] | None = None,
    context: object = None,
) -> None:
    """Records an STS call (``AssumeRole``, ``GetCallerIdentity``…), success or failure (§6.3, D-CT, H).

    ``parameters`` become ``requestParameters``; ``response`` the ``responseElements`` (callers pass no
    secret key); ``role`` is ``(role ARN, role account)`` for the AssumeRole family, which adds
    ``resources`` and, across accounts, a second copy in the role's account with the same ``sharedEventID``
    whose ``userIdentity`` is ``AWSAccount``.
    """
    event = _base_event(world, ident, "sts.amazonaws.com", event_name, context)
    event["requestParameters"] = dict(parameters) if parameters else None
    event["responseElements"] = dict(response) if response else None
    _add_error(event, error)
    if role is not None:
        event["resources"] = [{"ARN": role[0], "accountId": role[1], "type": "AWS::IAM::Role"}]
    caller_account = ident.caller.account if ident is not None else None
    if role is not None and caller_account is not None and caller_account != role[1]:
        event["sharedEventID"] = world.ids.event_id()
        copy = dict(
            event,
            eventID=world.ids.event_id(),
            recipientAccountId=role[1],
            userIdentity={
                "type": "AWSAccount",
                "principalId": event["userIdentity"].get("principalId"),
                "accountId": caller_account,
            },
        )
        world.record_event(event)
        world.record_event(copy)
        return
    if event["recipientAccountId"] is None and role is not None:
        event["recipientAccountId"] = role[1]
    world.record_event(event)


def record_request(
    world: World,
    ident: Identity | None,
    action: str,
    resource: str,
    context: object,
    *,
    decision: Decision | None = None,
    error: EngineError | None = None,
) -> None:
    """Records one API request the world decided (allowed or denied) or refused (expired/unknown keys).

    A deny becomes ``errorCode: AccessDenied`` with AWS's message; ``eventCategory`` is ``Data`` for
    S3 object-level and Lambda invoke calls, as CloudTrail files them (D-CT, M).
    """
    service, _, name = action.partition(":")
    event = _base_event(world, ident, f"{service.lower()}.amazonaws.com", name, context)
    event["readOnly"] = name.lower().startswith(_READ_ONLY_PREFIXES)
    if _is_data_event(service.lower(), name.lower(), resource):
        event["managementEvent"] = False
        event["eventCategory"] = "Data"
    if resource != "*":
        account = resource.split(":")[4] if resource.count(":") >= 5 else ""
        event["resources"] = [{"ARN": resource, "accountId": account or event["recipientAccountId"]}]
    if decision is not None and not decision.allowed:
        event["errorCode"] = "AccessDenied"
        event["errorMessage"] = decision.reason
    _add_error(event, error)
    world.record_event(event)


def _is_data_event(service: str, name: str, resource: str) -> bool:
    if service == "s3":
        return "/" in resource and not name.startswith(("createbucket", "deletebucket", "listbucket"))
    return service == "lambda" and name == "invokefunction"
