"""One STS call: resolving the caller, running the call and recording its CloudTrail event either way
(``audit.record_sts``), with ``responseElements`` that never hold the secret key (§6.3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .. import audit
from ..errors import EngineError
from ..world import World
from ..world_model import Identity


class Call:
    """One STS call: resolves the caller, runs the call and records its CloudTrail event either way."""

    def __init__(self, world: World, event_name: str, parameters: Mapping[str, Any] | None, context: object) -> None:
        self.world = world
        self.event_name = event_name
        self.parameters = dict(parameters) if parameters is not None else None
        self.context = context
        self.ident: Identity | None = None
        self.role: tuple[str, str] | None = None

    def identify(self, ref: object) -> Identity:
        self.ident = self.world.identify(ref)
        return self.ident

    def run(self, body: Callable[[], dict]) -> dict:
        try:
            result = body()
        except EngineError as err:
            audit.record_sts(
                self.world,
                self.event_name,
                self.ident,
                self.parameters,
                error=err,
                role=self.role,
                context=self.context,
            )
            raise
        audit.record_sts(
            self.world,
            self.event_name,
            self.ident,
            self.parameters,
            response=_response(result),
            role=self.role,
            context=self.context,
        )
        return result


def _response(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """CloudTrail ``responseElements``: credentials without the secret key (§6.3, H)."""
    credentials = result.get("credentials")
    if credentials is None:
        return None
    expiration = datetime.fromisoformat(credentials["Expiration"].replace("Z", "+00:00"))
    response: dict[str, Any] = {
        "credentials": {
            "accessKeyId": credentials["AccessKeyId"],
            "sessionToken": credentials["SessionToken"],
            "expiration": audit.cloudtrail_time(expiration),
        }
    }
    user = result.get("assumed_role_user")
    if user is not None:
        response["assumedRoleUser"] = {"assumedRoleId": user["AssumedRoleId"], "arn": user["Arn"]}
        if result.get("packed_policy_size"):
            response["packedPolicySize"] = result["packed_policy_size"]
    if result.get("source_identity") is not None:
        response["sourceIdentity"] = result["source_identity"]
    return response
