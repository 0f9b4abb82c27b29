"""AWS STS over a world: AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity, GetSessionToken, revocation.

Owns the checks of §5.2 in AWS's order (validation, trust authorization, sts:TagSession and
sts:SetSourceIdentity, durations, session policy and packed size), session tags and transitive tags,
source identity, MFA, role chaining, service and instance-profile sessions and iam:PassRole, and the
result shapes of world-format.md. The decisions themselves are ``evaluate.py``'s; events are ``audit.py``'s.

One module per concern; this package re-exports the public names, so ``from iamtutor.engine.sts import
assume_role`` and ``sts.assume_role`` work as they did when STS was one module:

- ``assume.py``: AssumeRole, its checks in order and its CloudTrail ``requestParameters``
- ``web_identity.py``: AssumeRoleWithWebIdentity (provider, audience, claims as condition keys)
- ``services.py``: EC2 instance-profile and Lambda execution-role sessions, with ``iam:PassRole``
- ``session_token.py``: GetSessionToken; ``caller_identity.py``: GetCallerIdentity
- ``revocation.py``: "Revoke active sessions"
- ``requests.py``: the ``AssumeRoleRequest`` and ``WebIdentityRequest`` parameter objects
- ``validation.py``: step 1 of §5.2, every parameter failure in one ``ValidationError``
- ``trust.py``: the trust evaluation (``sts:*`` keys, ``sts:AssumeRole*`` then tagging and source identity)
- ``tags.py``: transitive tags and source identity along a role chain
- ``mfa.py``: the ``mfa`` parameter and the MFA instant of a session
- ``durations.py``: default, ``MaxSessionDuration``, role chaining, GetSessionToken ranges
- ``session_policies.py``: session policies and the packed-size check
- ``sessions.py``: issuing a role session and the result shapes
- ``call.py``: one audited call (``audit.record_sts`` whether it succeeds or fails)
"""

from .assume import MSG_ROOT_CANNOT_ASSUME, assume_role
from .caller_identity import get_caller_identity
from .durations import CHAINING_LIMIT, DEFAULT_DURATION, MSG_CHAINING, MSG_MAX_DURATION, SESSION_TOKEN_DURATION
from .mfa import MSG_BAD_MFA
from .requests import AssumeRoleRequest, WebIdentityRequest
from .revocation import revoke_sessions
from .services import MSG_LAMBDA_TRUST, lambda_execution_session, launch_instance
from .session_policies import MSG_PACKED_POLICY, MSG_PACKED_TAGS, PACKED_ALLOTTED_BYTES, packed_policy_size
from .session_token import MSG_SESSION_CREDENTIALS, get_session_token
from .tags import MSG_TRANSITIVE_AGAIN
from .validation import MAX_POLICY_ARNS, MAX_SESSION_POLICY_CHARS, MAX_TRANSITIVE_KEYS, MSG_NOT_SUBSET
from .web_identity import (
    MSG_AUDIENCE,
    MSG_NO_PROVIDER,
    MSG_WEB_DENIED,
    SOURCE_IDENTITY_CLAIM,
    TAGS_CLAIM,
    assume_role_with_web_identity,
)

__all__ = [
    "CHAINING_LIMIT",
    "DEFAULT_DURATION",
    "MAX_POLICY_ARNS",
    "MAX_SESSION_POLICY_CHARS",
    "MAX_TRANSITIVE_KEYS",
    "MSG_AUDIENCE",
    "MSG_BAD_MFA",
    "MSG_CHAINING",
    "MSG_LAMBDA_TRUST",
    "MSG_MAX_DURATION",
    "MSG_NOT_SUBSET",
    "MSG_NO_PROVIDER",
    "MSG_PACKED_POLICY",
    "MSG_PACKED_TAGS",
    "MSG_ROOT_CANNOT_ASSUME",
    "MSG_SESSION_CREDENTIALS",
    "MSG_TRANSITIVE_AGAIN",
    "MSG_WEB_DENIED",
    "PACKED_ALLOTTED_BYTES",
    "SESSION_TOKEN_DURATION",
    "SOURCE_IDENTITY_CLAIM",
    "TAGS_CLAIM",
    "AssumeRoleRequest",
    "WebIdentityRequest",
    "assume_role",
    "assume_role_with_web_identity",
    "get_caller_identity",
    "get_session_token",
    "lambda_execution_session",
    "launch_instance",
    "packed_policy_size",
    "revoke_sessions",
]
