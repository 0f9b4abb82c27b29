"""Who is calling: the ``Caller`` value every evaluation and STS call starts from.

Owns the shape of a principal as the evaluator sees it (type, ARNs, account, ids). Building callers
from a world (users, sessions, services) is ``world.py``'s job; matching them against a policy's
``Principal`` element is ``matching.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CallerType = Literal["root", "user", "assumed_role", "federated_user", "service", "web_identity", "anonymous"]


@dataclass(frozen=True, slots=True)
class Caller:
    """A principal making a request.

    ``arn`` is the ARN AWS prints in messages: the user ARN, the root ARN, the *session* ARN
    (``arn:aws:sts::A:assumed-role/Role/session``) for role sessions, the federated-user ARN, the
    service name (``ec2.amazonaws.com``) for service principals, or the provider ARN for a web identity
    before its session exists. ``role_arn`` is the IAM role ARN (with path) of a role session;
    ``user_arn`` the IAM user behind a federated-user session; ``unique_id`` the ``AIDA…``/``AROA…:name``
    value of ``aws:userid``.
    """

    type: CallerType
    arn: str
    account: str | None
    role_arn: str | None = None
    user_arn: str | None = None
    service: str | None = None
    provider: str | None = None
    unique_id: str | None = None
    session_name: str | None = None
    has_boundary: bool = False

    @property
    def is_session(self) -> bool:
        """True for role sessions (AssumeRole*, EC2/Lambda credentials)."""
        return self.type == "assumed_role"
