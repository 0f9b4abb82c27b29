"""What one sandbox may hold: quotas guided by IAM's own, chosen for a learning site on a modest server.

Each quota names IAM's figure beside ours and why ours is what it is (README, "Sandbox quotas", shows the
table). They are counted on world-format data before the engine parses it, so a file that is far too big
costs a count, not a parse, and refused with a ``SandboxQuotaExceeded`` naming the quota, the count and
where. Changes made one at a time in the sandbox meet IAM's per-account quotas, which the engine enforces
itself (``LimitExceeded``); this module adds the sandbox-wide totals an import or a reset must respect.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from iamtutor.engine import DEFAULT_QUOTAS, WorldError

AWS_MANAGED = ":iam::aws:policy/"
_FILE_ACCOUNT = "the file's account"


@dataclass(frozen=True)
class Quota:
    """One limit on a sandbox: ``limit`` things in the whole sandbox, with IAM's own figure (``aws``, shown
    in messages) and the reason ours is what it is (``why``, shown in README)."""

    name: str
    noun: str  # plural, as in "1,200 roles"
    limit: int
    aws: str
    why: str


QUOTAS: tuple[Quota, ...] = (
    Quota(
        "accounts",
        "accounts",
        10,
        "AWS Organizations' default quota is 10 accounts per organization",
        "A lesson needs two or three accounts; each one is a box on the access diagram and rows read on every page.",
    ),
    Quota(
        "roles",
        "roles",
        1_000,
        "IAM's default quota is 1,000 roles per account",
        "IAM's default for one account, counted across the whole sandbox: every role is a target the access "
        "diagram tries each principal against.",
    ),
    Quota(
        "users",
        "users",
        1_000,
        "IAM's quota is 5,000 users per account",
        "Lower than IAM's: each user is a principal the diagram tries against every role that trusts its account, "
        "and a class needs a handful.",
    ),
    Quota(
        "groups",
        "groups",
        300,
        "IAM's default quota is 300 groups per account",
        "IAM's default, across the whole sandbox.",
    ),
    Quota(
        "policies",
        "customer managed policies",
        500,
        "IAM's default quota is 1,500 customer managed policies per account",
        "Lower than IAM's: a managed policy may hold 6,144 characters and every page reads the whole world; "
        "500 full ones are already 3 MB.",
    ),
    Quota(
        "instance_profiles",
        "instance profiles",
        1_000,
        "IAM's default quota is 1,000 instance profiles per account",
        "IAM's default, across the whole sandbox.",
    ),
    Quota(
        "oidc_providers",
        "OpenID Connect providers",
        100,
        "IAM's quota is 100 OpenID Connect providers per account",
        "IAM's figure, across the whole sandbox: each provider is a principal on the diagram.",
    ),
    Quota(
        "saml_providers",
        "SAML providers",
        100,
        "IAM's quota is 100 SAML providers per account",
        "IAM's figure, across the whole sandbox.",
    ),
    Quota(
        "resources",
        "resources",
        1_000,
        "IAM has no quota on them; S3, SQS and the others each have their own",
        "Ours: each resource is a box the diagram asks every role about.",
    ),
)
BY_NAME: dict[str, Quota] = {quota.name: quota for quota in QUOTAS}


class SandboxQuotaExceeded(WorldError):
    """A world holds more of something than a sandbox may: ``quota`` (a ``Quota``), ``count`` and where."""

    def __init__(self, quota: Quota, count: int, per_account: dict[str, int]) -> None:
        where = _where(per_account)
        message = (
            f"This world has {count:,} {quota.noun}{where}; a sandbox holds at most {quota.limit:,} ({quota.aws})."
        )
        busiest = max(per_account, key=per_account.__getitem__) if per_account else None
        path = f"accounts.{_shown(busiest)}" if busiest and busiest != _FILE_ACCOUNT else "accounts"
        super().__init__(message, code="LimitExceeded", json_path=path)
        self.quota, self.count = quota, count


def check_world_file(data: object) -> None:
    """Refuses world data holding more than a sandbox may: a sandbox export (``{"world": …}``), bare
    world-format data, or ``get-account-authorization-details`` output (one account). Data of the wrong
    shape passes untouched: the engine refuses it next, naming the place. Raises ``SandboxQuotaExceeded``,
    or ``WorldError`` for a raised IAM quota."""
    for quota, count, per_account in counted(data):
        if count > quota.limit:
            raise SandboxQuotaExceeded(quota, count, per_account)
    _check_raised_quotas(_accounts(data))


def counted(data: object) -> Iterator[tuple[Quota, int, dict[str, int]]]:
    """(quota, count in the whole world, count per account) for every quota, in ``QUOTAS`` order."""
    accounts = _accounts(data)
    per_quota: dict[str, dict[str, int]] = {quota.name: {} for quota in QUOTAS}
    for account_id, body in accounts.items():
        for name, count in _account_counts(body).items():
            if count:
                per_quota[name][account_id] = count
    per_quota["accounts"] = {}
    for quota in QUOTAS:
        if quota.name == "accounts":
            yield quota, len(accounts), {}
        else:
            yield quota, sum(per_quota[quota.name].values()), per_quota[quota.name]


def _accounts(data: object) -> Mapping[str, object]:
    if isinstance(data, Mapping) and isinstance(data.get("world"), Mapping):
        data = data["world"]
    if not isinstance(data, Mapping):
        return {}
    if "RoleDetailList" in data and "accounts" not in data:
        return {_FILE_ACCOUNT: data}  # authorization details: one account, its id given or found later
    accounts = data.get("accounts")
    return accounts if isinstance(accounts, Mapping) else {}


def _account_counts(body: object) -> dict[str, int]:
    if not isinstance(body, Mapping):
        return {}
    roles = _list(body.get("RoleDetailList"))
    providers = [p for p in _list(body.get("identity_providers")) if isinstance(p, Mapping)]
    policies = [p for p in _list(body.get("Policies")) if isinstance(p, Mapping)]
    return {
        "roles": len(roles),
        "users": len(_list(body.get("UserDetailList"))),
        "groups": len(_list(body.get("GroupDetailList"))),
        "policies": sum(1 for p in policies if AWS_MANAGED not in str(p.get("Arn", ""))),
        "instance_profiles": len(_list(body.get("instance_profiles")))
        + sum(len(_list(r.get("InstanceProfileList"))) for r in roles if isinstance(r, Mapping)),
        "oidc_providers": sum(1 for p in providers if p.get("type") == "oidc"),
        "saml_providers": sum(1 for p in providers if p.get("type") == "saml"),
        "resources": len(_list(body.get("resources"))),
    }


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _where(per_account: dict[str, int]) -> str:
    """`` in account 111111111111`` or `` (1,000 in account 111111111111, 200 in 222222222222)``."""
    if not per_account:
        return ""
    if len(per_account) == 1:
        (account_id,) = per_account
        return f" in {_account_words(account_id)}"
    ranked = sorted(per_account.items(), key=lambda item: (-item[1], item[0]))
    shown = [
        f"{count:,} in {_account_words(account_id) if i == 0 else _shown(account_id)}"
        for i, (account_id, count) in enumerate(ranked[:3])
    ]
    more = f", and more in {len(ranked) - 3} other accounts" if len(ranked) > 3 else ""
    return f" across {len(ranked)} accounts ({', '.join(shown)}{more})"


def _account_words(account_id: str) -> str:
    return account_id if account_id == _FILE_ACCOUNT else f"account {_shown(account_id)}"


def _shown(account_id: object) -> str:
    """An account id as a message shows it: the engine checks ids later, so this one may be anything."""
    text = str(account_id)
    return text if len(text) <= 40 else text[:39] + "…"


def _check_raised_quotas(accounts: Mapping[str, object]) -> None:
    """A world file may lower an account's IAM quotas (to teach LimitExceeded) but not raise them: a sandbox
    keeps IAM's defaults, as an account does until its owner asks AWS for more."""
    for account_id, body in accounts.items():
        quotas = body.get("quotas") if isinstance(body, Mapping) else None
        if not isinstance(quotas, Mapping):
            continue
        for name, value in quotas.items():
            default = DEFAULT_QUOTAS.get(name) if isinstance(name, str) else None
            if default is not None and isinstance(value, int) and not isinstance(value, bool) and value > default:
                raise WorldError(
                    f"This world raises {name} to {value:,} in {_account_words(account_id)}; a sandbox keeps "
                    f"IAM's default of {default:,} (a world file may lower a quota, not raise it).",
                    code="LimitExceeded",
                    json_path=f"accounts.{_shown(account_id)}.quotas.{name}",
                )
