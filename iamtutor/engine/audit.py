"""CloudTrail-shaped events for every STS call and every request the world decides (§6 of iam-reference.md).

Owns the event shape of §6.4, the ``userIdentity`` element by caller type (§6.2), AssumeRole's request
parameters and response elements (§6.3, never a secret key) and the second copy a cross-account AssumeRole
writes in the role's account. Events are appended to ``world.events``; deciding anything is not this
module's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, overload

from .dates import format_iso
from .errors import EngineError
from .ids import event_id_text

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


def _origin(ident: Identity | None, context: object) -> tuple[str, str]:
    """(``awsRegion``, ``sourceIPAddress``) of a call: from the request context, a service's own name."""
    region = source_ip = None
    if context and (type(context) is dict or isinstance(context, Mapping)):
        for key, value in context.items():
            lowered = key.lower() if isinstance(key, str) else key
            if lowered == "aws:requestedregion":
                region = value
            elif lowered == "aws:sourceip":
                source_ip = value
    if ident is not None and ident.caller.type == "service":
        source_ip = ident.caller.service
    return (
        region if isinstance(region, str) else DEFAULT_REGION,
        source_ip if isinstance(source_ip, str) else DEFAULT_SOURCE_IP,
    )


def _base_event(world: World, ident: Identity | None, source: str, name: str, context: object) -> dict[str, Any]:
    region, source_ip = _origin(ident, context)
    request_id, event_id = world.ids.event_id_bytes(), world.ids.event_id_bytes()
    return _event(world, ident, world.clock.now(), source, name, region, source_ip, request_id, event_id)


def _event(
    world: World,
    ident: Identity | None,
    time: datetime,
    source: str,
    name: str,
    region: str,
    source_ip: str,
    request_id: bytes,
    event_id: bytes,
) -> dict[str, Any]:
    return {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(world, ident),
        "eventTime": format_iso(time),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": USER_AGENT,
        "requestParameters": None,
        "responseElements": None,
        "requestID": event_id_text(request_id),
        "eventID": event_id_text(event_id),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "eventCategory": "Management",
        "recipientAccountId": ident.caller.account if ident is not None else None,
    }


def repeat_event(event: dict[str, Any], time: datetime, request_id: bytes, event_id: bytes) -> dict[str, Any]:
    """The same call made again at ``time``: a copy of ``event`` with its own time, request id and event id
    (CloudTrail gives every event a unique eventID, and every request its requestID; §6.1, H)."""
    return {
        **event,
        "eventTime": format_iso(time),
        "requestID": event_id_text(request_id),
        "eventID": event_id_text(event_id),
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
    S3 object-level and Lambda invoke calls, as CloudTrail files them (D-CT, M). The event is stored as the
    facts it is made of and rendered into its CloudTrail shape when first read (``EventLog``), so deciding
    a request does not pay for formatting an event nobody may read. Of the decision it keeps only the
    denial message, so the ``Decision``, its ``Request`` and their context are freed with the caller's
    last reference instead of living as long as the event.
    """
    region, source_ip = _origin(ident, context)
    ids = world.ids
    denial = decision.reason if decision is not None and not decision.allowed else None
    world.record_event(
        _PendingRequest(
            world,
            ident,
            action,
            resource,
            region,
            source_ip,
            world.clock.now(),
            ids.event_id_bytes(),
            ids.event_id_bytes(),
            denial,
            error,
        )
    )


class _PendingRequest:
    """The facts of one request event, rendered by ``EventLog`` when read."""

    __slots__ = ("action", "denial", "error", "event_id", "ident", "region", "request_id", "resource", "source_ip",
                 "time", "world")  # fmt: skip

    def __init__(
        self,
        world: World,
        ident: Identity | None,
        action: str,
        resource: str,
        region: str,
        source_ip: str,
        time: datetime,
        request_id: bytes,
        event_id: bytes,
        denial: str | None,
        error: EngineError | None,
    ) -> None:
        self.world, self.ident, self.action, self.resource = world, ident, action, resource
        self.region, self.source_ip, self.time = region, source_ip, time
        self.request_id, self.event_id, self.denial, self.error = request_id, event_id, denial, error

    def render(self) -> dict[str, Any]:
        action, resource, denial = self.action, self.resource, self.denial
        service, _, name = action.partition(":")
        source = f"{service.lower()}.amazonaws.com"
        event = _event(
            self.world, self.ident, self.time, source, name, self.region, self.source_ip, self.request_id, self.event_id
        )
        event["readOnly"] = name.lower().startswith(_READ_ONLY_PREFIXES)
        if _is_data_event(service.lower(), name.lower(), resource):
            event["managementEvent"] = False
            event["eventCategory"] = "Data"
        if resource != "*":
            account = resource.split(":")[4] if resource.count(":") >= 5 else ""
            event["resources"] = [{"ARN": resource, "accountId": account or event["recipientAccountId"]}]
        if denial is not None:
            event["errorCode"] = "AccessDenied"
            event["errorMessage"] = denial
        _add_error(event, self.error)
        return event


class EventLog(Sequence[dict[str, Any]]):
    """A world's CloudTrail events, oldest first: plain dicts, some stored as pending facts until first read.

    Reading (indexing, slicing, iterating) always gives the rendered dicts, each rendered once. ``trim``
    drops the oldest events cheaply: they leave the log at once but are freed in batches.
    """

    __slots__ = ("_items", "_start")

    def __init__(self, events: Iterable[dict[str, Any]] = ()) -> None:
        self._items: list[Any] = list(events)
        self._start = 0  # events before this index are dropped, waiting to be freed by ``trim``

    def append(self, event: dict[str, Any] | _PendingRequest) -> None:
        """Adds an event (a dict, or the pending facts of a request event)."""
        self._items.append(event)

    def trim(self, limit: int) -> None:
        """Keeps the newest ``limit`` events. The list is compacted only once as many events as it keeps
        have been dropped, so trimming after every append costs O(1) amortised, not a shift of the list."""
        start = len(self._items) - limit
        if start > self._start:
            self._start = start
            if start >= limit:
                del self._items[:start]
                self._start = 0

    def __len__(self) -> int:
        return len(self._items) - self._start

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._rendered(i) for i in range(*index.indices(len(self)))]
        return self._rendered(index)

    def __delitem__(self, index: int | slice) -> None:
        self._compact()
        del self._items[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self._rendered(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventLog | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EventLog({list(self)!r})"

    def _compact(self) -> None:
        if self._start:
            del self._items[: self._start]
            self._start = 0

    def _rendered(self, index: int) -> dict[str, Any]:
        """The event at ``index`` (of the events kept; negative counts from the end), rendered."""
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("event index out of range")
        index += self._start
        item = self._items[index]
        if isinstance(item, _PendingRequest):
            item = self._items[index] = item.render()
        return item


def _is_data_event(service: str, name: str, resource: str) -> bool:
    if service == "s3":
        return "/" in resource and not name.startswith(("createbucket", "deletebucket", "listbucket"))
    return service == "lambda" and name == "invokefunction"
