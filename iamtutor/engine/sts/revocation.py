"""Revoking a role's sessions (§5.9): the console's "Revoke active sessions", an inline policy that denies
everything to sessions issued before now.
"""

from __future__ import annotations

from ..dates import format_iso
from ..world import World
from ..world_model import REVOKE_POLICY_NAME


def revoke_sessions(world: World, role_arn: object) -> None:
    """The console's "Revoke active sessions": writes the role inline policy ``AWSRevokeOlderSessions``
    denying everything to sessions issued before now (§5.9, D-REVOKE, H). Revoking again moves the instant.

    Raises ``IamError`` NoSuchEntity for an unknown role (or LimitExceeded if the inline quota is full).
    """
    role = world.role(role_arn)
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": format_iso(world.clock.now())}},
            }
        ],
    }
    world.put_inline_policy(role.arn, REVOKE_POLICY_NAME, document)
