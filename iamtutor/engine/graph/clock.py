"""Whether a policy's answers can change as the clock moves: the test behind caching an access graph.

Owns the context keys that carry the time (``aws:CurrentTime``, ``aws:EpochTime``, and the token's issue time
and MFA age, which a fresh session takes from the clock). A policy that reads none of them gives the same
answers at any instant; what a graph does with that is the caller's.
"""

from __future__ import annotations

from typing import Final

from ..policy import Policy

TIME_KEYS: Final = frozenset({"aws:currenttime", "aws:epochtime", "aws:tokenissuetime", "aws:multifactorauthage"})


def reads_clock(policy: Policy) -> bool:
    """True when a condition or policy variable of ``policy`` reads the time (or what it reads cannot be told)."""
    found = policy.cache.get("reads_clock")
    if found is None:
        from .sharing import policy_reads  # sharing imports the model, which imports this module's importer

        keys = policy_reads(policy)
        found = policy.cache["reads_clock"] = keys is None or not TIME_KEYS.isdisjoint(keys)
    return found
