"""The engine's one family of errors.

Every failure the engine reports is an ``EngineError`` carrying AWS's error code, a message worded like
AWS's, and, where a document or world file is at fault, the JSON path and line/column of the fault.
Nothing else escapes the engine: callers catch ``EngineError`` and show ``code`` and ``message``.
"""

from __future__ import annotations

import re
from typing import Any, Final

# NUL and unpaired surrogates: a message echoing them could be neither stored (PostgreSQL) nor sent (UTF-8).
_UNPRINTABLE = re.compile("[\x00\ud800-\udfff]")


def _printable(message: str) -> str:
    """``message`` with NUL and unpaired surrogates written as ``\\u0000`` escapes."""
    if not isinstance(message, str) or _UNPRINTABLE.search(message) is None:
        return message
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", message)


# The rules an error may name in ``EngineError.rule``: the cases that share a code and a parameter.
RULES: Final = frozenset(
    {
        "role_chaining_cap",  # DurationSeconds over the 1-hour cap of a chained session
        "max_session_duration",  # DurationSeconds over the role's MaxSessionDuration
        "transitive_tag_again",  # a session tag the calling session passed on transitively, set again
        "token_audience",  # a web identity token whose aud is none of the provider's client ids
    }
)


class EngineError(Exception):
    """Base of every error the engine raises.

    ``code`` is AWS's error code (``MalformedPolicyDocument``, ``AccessDenied``, ``ExpiredToken``…),
    ``message`` the human text without the code, ``json_path`` a JSONPath-like location such as
    ``$.Statement[0].Resource`` (or ``accounts.111111111111.RoleDetailList[0]`` in world files),
    ``line``/``column`` 1-based positions in the source text when known, ``http_status`` the HTTP
    status AWS answers with, and ``parameter`` the AWS API parameter the error is about (``RoleName``,
    ``AssumeRolePolicyDocument``, ``DurationSeconds``…) when it is about one, so an interface can put the
    error next to the field that holds it without reading the message. Where one parameter can fail by
    several rules (``DurationSeconds`` past the role's MaxSessionDuration or past role chaining's one hour),
    ``rule`` names which, with a stable id from ``RULES``, so an interface can explain it without parsing
    prose. ``rule`` is the engine's own and not part of AWS's wire error, so ``to_dict`` leaves it out.
    """

    default_code = "InternalFailure"
    default_status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        json_path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        http_status: int | None = None,
        parameter: str | None = None,
        rule: str | None = None,
    ) -> None:
        message = _printable(message)
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.json_path = _printable(json_path) if json_path else json_path
        self.line = line
        self.column = column
        self.http_status = http_status or self.default_status
        self.parameter = parameter
        if rule is not None and rule not in RULES:
            raise ValueError(f"unknown error rule {rule!r}")  # a programming error in the engine, caught by tests
        self.rule = rule

    @property
    def location(self) -> str:
        """``"line 3, column 5 ($.Statement[0].Effect)"`` or ``""`` when the error has no location."""
        return format_location(self.json_path, self.line, self.column)

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: code and message, plus path/line/column and parameter when known."""
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.json_path is not None:
            data["path"] = self.json_path
        if self.line is not None:
            data["line"] = self.line
            data["column"] = self.column
        if self.parameter is not None:
            data["parameter"] = self.parameter
        return data

    def __str__(self) -> str:
        where = self.location
        return f"{self.code}: {self.message}" + (f" (at {where})" if where else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, path={self.json_path!r})"


class PolicyError(EngineError):
    """A policy document IAM would refuse: ``MalformedPolicyDocument`` or ``LimitExceeded``."""

    default_code = "MalformedPolicyDocument"


class ParameterError(EngineError):
    """A request parameter that fails AWS's model constraints (code ``ValidationError``, HTTP 400)."""

    default_code = "ValidationError"


class StsError(EngineError):
    """An STS call that fails: ``AccessDenied``, ``ExpiredToken``, ``PackedPolicyTooLarge``…

    An authorization failure also carries the ``decision`` and the ``request`` that was evaluated, so an
    interface can explain in plain words which check failed (``explain(err.decision, err.request)``).
    """

    default_code = "AccessDenied"
    default_status = 403

    def __init__(self, message: str, *, decision: Any = None, request: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.decision = decision
        self.request = request


class IamError(EngineError):
    """An IAM change the world refuses: ``NoSuchEntity``, ``EntityAlreadyExists``, ``LimitExceeded``…"""

    default_code = "ValidationError"


class WorldError(EngineError):
    """A world or scenario file that breaks the world format; ``json_path`` names the place."""

    default_code = "InvalidWorld"


def format_location(json_path: str | None, line: int | None, column: int | None) -> str:
    """Formats a location for messages: ``line 3, column 5 ($.Statement[0])``, or ``""`` if unknown."""
    parts = []
    if line is not None:
        parts.append(f"line {line}, column {column}" if column is not None else f"line {line}")
    if json_path:
        parts.append(f"({json_path})" if parts else json_path)
    return " ".join(parts)
