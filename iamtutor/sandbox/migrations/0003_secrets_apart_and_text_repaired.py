"""Data already stored before the fixes of 0002: secrets move out of account documents, text no database can
store is repaired, and a sandbox left without accounts (an import that failed halfway) gets its starting world.

- Each access key's ``SecretAccessKey`` moves from the account document to ``AccessKeySecret``.
- NUL characters and lone surrogates (SQLite stored them; PostgreSQL could not) become U+FFFD in account
  documents, compute sections, sessions and audit events, so every page can render them.
- A sandbox with no account at all gets the starting world's accounts back (its sessions and events go).
"""

import json
import re
from pathlib import Path

from django.db import migrations, models

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
SEED_FILE = Path(__file__).resolve().parent.parent / "seed" / "starting-world.json"


def repaired(value):
    """``value`` with every unstorable character of its keys and strings replaced by U+FFFD (no recursion)."""
    root = [value]
    stack = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = UNSTORABLE.sub("\ufffd", item)
        elif isinstance(item, list):
            stack.extend((item, i) for i in range(len(item)))
        elif isinstance(item, dict):
            fixed = {UNSTORABLE.sub("\ufffd", k) if isinstance(k, str) else k: v for k, v in item.items()}
            item.clear()
            item.update(fixed)
            stack.extend((item, k) for k in item)
    return root[0]


def secrets_apart(document, secrets):
    """Moves the document's access keys' secrets into ``secrets`` (key id → secret); True if any moved."""
    moved = False
    for user in document.get("UserDetailList") or []:
        for key in user.get("AccessKeys") or []:
            if isinstance(key, dict) and "SecretAccessKey" in key:
                secret = key.pop("SecretAccessKey")
                if isinstance(secret, str) and secret and isinstance(key.get("AccessKeyId"), str):
                    secrets[key["AccessKeyId"]] = secret
                moved = True
    return moved


def forward(apps, schema_editor):
    Sandbox = apps.get_model("sandbox", "Sandbox")
    SandboxAccount = apps.get_model("sandbox", "SandboxAccount")
    AccessKeySecret = apps.get_model("sandbox", "AccessKeySecret")
    for account in SandboxAccount.objects.order_by("pk").iterator(chunk_size=200):
        before = json.dumps([account.document, account.compute])
        secrets = {}
        moved = secrets_apart(account.document, secrets)
        account.document, account.compute = repaired(account.document), repaired(account.compute)
        if moved or json.dumps([account.document, account.compute]) != before:
            account.save(update_fields=["document", "compute"])
            # A new revision: what was drawn from the old text (render caches keyed by revision) is not reused.
            Sandbox.objects.filter(pk=account.sandbox_id).update(revision=models.F("revision") + 1)
        for key_id, secret in secrets.items():
            AccessKeySecret.objects.update_or_create(
                sandbox_id=account.sandbox_id, access_key_id=key_id, defaults={"secret": secret}
            )
    for name in ("StsSession", "AuditEvent"):
        for row in apps.get_model("sandbox", name).objects.order_by("pk").iterator(chunk_size=500):
            if UNSTORABLE.search(json.dumps(row.data, ensure_ascii=False)):
                row.data = repaired(row.data)
                row.save(update_fields=["data"])
    restore_empty_sandboxes(apps)


def restore_empty_sandboxes(apps):
    Sandbox = apps.get_model("sandbox", "Sandbox")
    SandboxAccount = apps.get_model("sandbox", "SandboxAccount")
    empty = Sandbox.objects.filter(accounts__isnull=True)
    if not empty.exists():
        return
    seed = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    for sandbox in empty.iterator():
        apps.get_model("sandbox", "StsSession").objects.filter(sandbox=sandbox).delete()
        apps.get_model("sandbox", "AuditEvent").objects.filter(sandbox=sandbox).delete()
        for position, (account_id, document) in enumerate(seed["world"]["accounts"].items()):
            document = dict(document)
            SandboxAccount.objects.create(
                sandbox=sandbox,
                account_id=account_id,
                alias=document.pop("alias", "") or "",
                is_learners=position == 0,
                document=document,
                compute=seed["compute"].get(account_id, {}),
                position=position,
            )
        Sandbox.objects.filter(pk=sandbox.pk).update(revision=sandbox.revision + 1, clock_offset=0)


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0002_access_key_secrets")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
