"""Unique ids and credentials in the shapes AWS issues them.

Owns the unique-ID prefixes of D-IDS (``AIDA`` users, ``AROA`` roles, ``ASIA`` temporary keys…) and the
generation of ids, access keys, secrets, session tokens, instance ids and event ids. Ids are random
(``secrets``) unless the ``IdSource`` is seeded, which makes a simulation repeatable for tests.
"""

from __future__ import annotations

import base64
import random
import secrets
import uuid
from typing import Final

# Unique-ID prefixes by entity kind (§1.9, D-IDS, H).
UNIQUE_ID_PREFIXES: Final[dict[str, str]] = {
    "user": "AIDA",
    "role": "AROA",
    "group": "AGPA",
    "policy": "ANPA",
    "instance_profile": "AIPA",
    "access_key": "AKIA",  # long-term access key of an IAM user
    "session_key": "ASIA",  # temporary (STS) access key
}

# AWS unique ids and access key ids use the base32 alphabet (A–Z, 2–7): 21 and 20 characters (D-IDS, M).
_UNIQUE_ID_LENGTH: Final = 21
_ACCESS_KEY_ID_LENGTH: Final = 20
# Secret access keys are 40 characters of base64 text (API-STS examples, M).
_SECRET_LENGTH: Final = 40
# Session tokens have no fixed length (API-STS, H); ours are long enough to look the part.
_TOKEN_LENGTH: Final = 356


class IdSource:
    """Makes ids and credentials; random by default, repeatable when built with ``seed``.

    Everything is drawn as whole random byte strings and then encoded (base32, base64, hex), which costs
    one call per id instead of one per character.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._rng: random.Random | None = None if seed is None else random.Random(seed)

    def _bytes(self, count: int) -> bytes:
        return secrets.token_bytes(count) if self._rng is None else self._rng.randbytes(count)

    def _base32(self, length: int) -> str:
        return base64.b32encode(self._bytes((length * 5 + 7) // 8)).decode("ascii")[:length]

    def _base64(self, length: int) -> str:
        return base64.b64encode(self._bytes((length * 3 + 3) // 4)).decode("ascii")[:length]

    def unique_id(self, kind: str) -> str:
        """A unique id for ``kind`` (a key of ``UNIQUE_ID_PREFIXES``), e.g. ``AROA`` + 17 characters."""
        prefix = UNIQUE_ID_PREFIXES[kind]
        return prefix + self._base32(_UNIQUE_ID_LENGTH - len(prefix))

    def access_key_id(self, *, temporary: bool) -> str:
        """A 20-character access key id: ``ASIA…`` for temporary credentials, ``AKIA…`` otherwise."""
        prefix = UNIQUE_ID_PREFIXES["session_key" if temporary else "access_key"]
        return prefix + self._base32(_ACCESS_KEY_ID_LENGTH - len(prefix))

    def secret_access_key(self) -> str:
        """A 40-character secret access key."""
        return self._base64(_SECRET_LENGTH)

    def session_token(self) -> str:
        """An opaque session token (base64-looking text of no documented length)."""
        return "IQoJb3JpZ2luX2Vj" + self._base64(_TOKEN_LENGTH)

    def instance_id(self) -> str:
        """An EC2 instance id: ``i-`` and 17 hexadecimal digits."""
        return "i-" + self._bytes(9).hex()[:17]

    def event_id(self) -> str:
        """A UUID-shaped id for CloudTrail ``eventID`` / ``requestID`` / ``sharedEventID``."""
        return event_id_text(self.event_id_bytes())

    def event_id_bytes(self) -> bytes:
        """The 16 random bytes behind an ``event_id``, drawn now and spelled later by ``event_id_text``
        (so a lazily written audit event draws its ids in the same order as an eager one)."""
        return self._bytes(16)


def event_id_text(raw: bytes) -> str:
    """The UUID text of 16 bytes from ``IdSource.event_id_bytes``."""
    return str(uuid.UUID(bytes=raw, version=4))
