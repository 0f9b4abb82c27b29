"""Session policies (§5.1, §5.2 step 5): the inline ``Policy`` and managed ``PolicyArns`` of an AssumeRole*
call parsed into session documents, and the packed-size check (``PackedPolicySize``, ``PackedPolicyTooLarge``).

Owns the packing model (see ``PACKED_ALLOTTED_BYTES``) and the compact JSON form of a policy document that
CloudTrail and the size checks use. Validating the parameters' shape is ``validation.py``'s.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Final

from ..errors import PolicyError, StsError
from ..world import World
from ..world_model import Document, Role, make_document, split_iam_arn

# Packed size: AWS packs session policies and tags into a binary format of undisclosed size (§1.9, API-STS, H).
# We model it as zlib-compressed policy text plus raw tag text against 1,024 bytes: an approximation (L)
# that keeps a 2,048-character policy under the limit and 50 long tags far over it.
PACKED_ALLOTTED_BYTES: Final = 1024
MSG_PACKED_POLICY: Final = "Packed policy consumes {n}% of allotted space, please use smaller policy."  # §5.2 (M)
MSG_PACKED_TAGS: Final = "Packed size of session tags consumes {n}% of allotted space."  # OBS (M)


def parse_session_policies(
    world: World, role: Role, policy: object, arns: list[str], pairs: list[tuple[str, str]]
) -> tuple[list[Document], int]:
    """Step 5 of §5.2: parse the session policy and managed ARNs, then the packed-size check."""
    docs = []
    if policy is not None:
        docs.append(make_document(policy, "session", "session policy", "policy", check_size=False, parameter="Policy"))
    for arn in arns:
        managed = world.managed_policy(arn, role.account)
        parts = split_iam_arn(arn)
        if managed is None or parts is None or parts[1] not in ("aws", role.account):
            raise PolicyError(
                f"Policy {arn} does not exist or is not attachable.", json_path="policyArns", parameter="PolicyArns"
            )
        docs.append(
            make_document(
                managed.document().source(), "session", arn, "policyArns", check_size=False, parameter="PolicyArns"
            )
        )
    size = packed_policy_size(docs[0].source() if policy is not None else None, arns, pairs)
    return docs, size


def packed_policy_size(policy: object, arns: list[str], tags: list[tuple[str, str]]) -> int:
    """``PackedPolicySize``: the percent of the packed space a session policy, ARNs and tags use.

    Raises ``StsError`` ``PackedPolicyTooLarge`` over 100 % (§1.9, API-STS, H for the code; our packing
    model is an approximation, see ``PACKED_ALLOTTED_BYTES``). Transitive keys do not count (§5.5, H).
    """
    if policy is None and not arns and not tags:
        return 0
    text = (compact(policy) if policy is not None else "") + "".join(arns)
    policy_bytes = len(zlib.compress(text.encode(), 9)) if text else 0
    tag_bytes = sum(len(k.encode()) + len(v.encode()) + 2 for k, v in tags)
    percent = math.ceil(100 * (policy_bytes + tag_bytes) / PACKED_ALLOTTED_BYTES)
    if percent > 100:
        too_many_tags = tag_bytes > PACKED_ALLOTTED_BYTES
        message = MSG_PACKED_TAGS if too_many_tags else MSG_PACKED_POLICY
        raise StsError(
            message.format(n=percent),
            code="PackedPolicyTooLarge",
            http_status=400,
            parameter="Tags" if too_many_tags else "Policy",
        )
    return percent


def compact(document: object) -> str:
    """A policy document as compact JSON text (whitespace outside strings removed)."""
    if isinstance(document, str):
        try:
            return json.dumps(json.loads(document), separators=(",", ":"))
        except (ValueError, RecursionError):
            return document
    try:
        return json.dumps(document, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise PolicyError("Syntax errors in policy.", json_path="policy", parameter="Policy") from None
