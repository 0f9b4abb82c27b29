"""Session durations (§5.3): AssumeRole*'s default, the role's ``MaxSessionDuration`` and the one-hour cap of
role chaining (checked after authorization, ⚠ F20), and GetSessionToken's ranges for users and root.
"""

from __future__ import annotations

from typing import Final

from .. import names
from ..errors import ParameterError
from ..world_model import Role

DEFAULT_DURATION: Final = 3600  # AssumeRole* default (§5.3, H)
CHAINING_LIMIT: Final = 3600  # role chaining caps sessions at 1 h (§5.3, D-TERMS, H)
SESSION_TOKEN_DURATION: Final = {"user": (900, 129_600, 43_200), "root": (900, 3600, 3600)}  # (min, max, default)
MSG_CHAINING: Final = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
)
MSG_MAX_DURATION: Final = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."


def session_duration(role: Role, requested: object, *, chained: bool, service: str | None) -> int:
    """Step 4 of §5.2 (after authorization, ⚠ F20): MaxSessionDuration, then the role-chaining cap."""
    seconds = DEFAULT_DURATION if requested is None else int(requested)  # type: ignore[call-overload]
    if service is not None:
        return seconds  # MaxSessionDuration does not limit service sessions (§5.3, D-QUOTA, H)
    if chained and seconds > CHAINING_LIMIT:
        raise ParameterError(MSG_CHAINING, parameter="DurationSeconds", rule="role_chaining_cap")
    if seconds > role.max_session_duration:
        raise ParameterError(MSG_MAX_DURATION, parameter="DurationSeconds", rule="max_session_duration")
    return seconds


def duration_problems(value: object, low: int, high: int) -> list[str]:
    """The validation failure of ``DurationSeconds`` outside ``low``–``high`` or not a whole number, if any."""
    if isinstance(value, bool) or not isinstance(value, int):
        return [names.constraint_failure("durationSeconds", names.NOT_A_NUMBER, str(value)[:100])]
    if value < low:
        return [names.constraint_failure("durationSeconds", names.MIN_VALUE.format(n=low), value)]
    if value > high:
        return [names.constraint_failure("durationSeconds", names.MAX_VALUE.format(n=high), value)]
    return []
