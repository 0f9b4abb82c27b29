"""Lab checks: predicates over a world and its audit trail, each one decided by the engine.

A lab task is done when its checks pass. A check is a one-key mapping in a lab file, such as
``{"can_assume": {"caller": "arn:aws:iam::111111111111:user/alice", "role": "arn:…:role/Deploy"}}``.
``parse_check`` reads it once into a frozen ``Check`` (a bad definition raises ``CheckError`` naming its JSON
path) and ``run_checks`` decides a list of them on a ``World``: one ``CheckOutcome`` each, passed or not, with
a sentence in plain words naming what the engine saw ("alice cannot assume Deploy: the trust policy of Deploy
does not allow alice (AccessDenied)"). Nothing here compares policy text. Every answer comes from an STS call,
a request decided by ``evaluate`` or the audit trail, at the world's own clock.

Checks make calls (AssumeRole for ``can_assume``…). ``run_checks`` takes away the sessions and events those
calls add before it returns, so the world is left as it was. Requests are decided without recording events.

The rest of the lab runner's engine work lives here too: ``apply_steps`` runs a lab's setup or one of its
solutions (scenario steps plus the changes scenarios cannot express, ``CHANGE_STEPS``), ``rewind_for`` puts
the clock back so that a setup ends at the world's present, and ``Trail`` reads an audit trail: which STS
call issued a session's keys, and so the chain of roles behind any event.

One module per concern; this package re-exports the public names, so ``from iamtutor.engine.checks import
run_checks`` works as it did when the checks were one module:

- ``parsing.py``: the ``Check`` model, ``CHECKS`` and reading check definitions (``parse_check``)
- ``running.py``: ``run_checks``, and taking away what the checks' calls added
- ``words.py``: names and reasons in plain words (``display_name``, why a decision denied)
- ``calls.py``: the calls checks make (AssumeRole along ``via``, a probe session of a role, one request)
- ``predicates.py``: the checks themselves, one runner per name of ``CHECKS``
- ``trail.py``: the audit trail (``Hop``, ``Chain``, ``Trail``, ``replay``, ``answer_matches``)
- ``steps.py``: setups and solutions (``check_steps``, ``rewind_for``, ``apply_steps``, ``CHANGE_STEPS``)
"""

from .parsing import (
    ANSWER_KINDS,
    CHECK_SESSION,
    CHECKS,
    DECIDERS,
    OUTSIDER_ACCOUNT,
    SERVICES,
    Check,
    CheckError,
    CheckOutcome,
    parse_check,
    parse_checks,
)
from .predicates import _RUNNERS as _RUNNERS  # private, but tests/engine/test_checks.py reads it
from .predicates import uses_trail
from .running import run_checks
from .steps import CHANGE_STEPS, apply_steps, check_steps, rewind_for
from .trail import Chain, Hop, Trail, answer_matches, replay
from .words import display_name

__all__ = [
    "ANSWER_KINDS",
    "CHANGE_STEPS",
    "CHECKS",
    "CHECK_SESSION",
    "DECIDERS",
    "OUTSIDER_ACCOUNT",
    "SERVICES",
    "Chain",
    "Check",
    "CheckError",
    "CheckOutcome",
    "Hop",
    "Trail",
    "answer_matches",
    "apply_steps",
    "check_steps",
    "display_name",
    "parse_check",
    "parse_checks",
    "replay",
    "rewind_for",
    "run_checks",
    "uses_trail",
]
