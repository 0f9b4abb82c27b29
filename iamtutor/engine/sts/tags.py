"""Session tags, transitive tags and source identity across a role chain (§5.5, §5.2 step 5): the transitive
tags a calling session passes on, the source identity that sticks once set, and the refusal to set an
inherited transitive key again. Validating the ``Tags`` and ``TransitiveTagKeys`` parameters is
``validation.py``'s.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from ..errors import ParameterError, StsError
from ..evaluate import Request
from ..world_model import Session
from .trust import bare_denial

# ⚠ F17: the code and text for re-sending an inherited transitive tag key are undocumented (ours).
MSG_TRANSITIVE_AGAIN: Final = (
    "The tag key {key} was passed as a transitive tag by the calling session and "
    "cannot be set again in this role chain."
)


def inherited_transitive(session: Session | None) -> list[tuple[str, str]]:
    """Transitive tags a calling role session passes on to the next hop (§5.5, D-TAGS, H)."""
    if session is None:
        return []
    keys = {k.lower() for k in session.transitive_tag_keys}
    return [(k, v) for k, v in session.tags if k.lower() in keys]


def effective_source_identity(session: Session | None, requested: object) -> str | None:
    """A source identity once set stays for the whole chain (§5.2 step 5, D-CT, H)."""
    if session is not None and session.source_identity is not None:
        return session.source_identity
    return requested if isinstance(requested, str) else None


def check_sticky_source_identity(request: Request, session: Session | None, requested: object) -> None:
    """A different SourceIdentity than the calling session's is refused (§5.2 step 5, D-CT, H)."""
    if (
        session is not None
        and session.source_identity is not None
        and requested is not None
        and requested != session.source_identity
    ):
        raise StsError(bare_denial(replace(request, action="sts:SetSourceIdentity")), code="AccessDenied")


def check_transitive_again(pairs: list[tuple[str, str]], inherited: list[tuple[str, str]]) -> None:
    """A session tag may not repeat an inherited transitive key (§5.5, D-TAGS, H; ⚠ F17 for the error)."""
    inherited_keys = {k.lower(): k for k, _ in inherited}
    for key, _ in pairs:
        if key.lower() in inherited_keys:
            raise ParameterError(
                MSG_TRANSITIVE_AGAIN.format(key=inherited_keys[key.lower()]),
                parameter="Tags",
                rule="transitive_tag_again",
            )


def keys_of(pairs: list[tuple[str, str]]) -> list[str]:
    """The keys of tag pairs, in order."""
    return [k for k, _ in pairs]


def merge_keys(inherited: list[str], new: list[str]) -> list[str]:
    """``inherited`` keys, then the ``new`` ones not among them (tag keys ignore case)."""
    seen = {k.lower() for k in inherited}
    return inherited + [k for k in new if k.lower() not in seen]
