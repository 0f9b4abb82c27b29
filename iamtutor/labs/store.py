"""Saving what ``loader.read_labs`` read: labs and their tasks brought in line with the files by key, in one
transaction, touching only what changed. A lab whose file is gone is retired, not deleted: learners' attempts
at it stay."""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from .loader import LabSource
from .models import Lab, Task


def store(labs: list[LabSource]) -> Counter:
    """Saves ``labs`` in one transaction; returns the counts of labs added, updated, unchanged and retired."""
    counts: Counter = Counter(added=0, updated=0, unchanged=0, retired=0)
    with transaction.atomic():
        existing = {lab.key: lab for lab in Lab.objects.all()}
        _release_try_its(existing, {source.key: source.try_it for source in labs})
        for order, source in enumerate(labs):
            row = _lab_row(source, order)
            lab = existing.pop(source.key, None)
            if lab is None:
                lab = Lab.objects.create(**row)
                counts["added"] += 1
            elif any(getattr(lab, name) != value for name, value in row.items()):
                for name, value in row.items():
                    setattr(lab, name, value)
                lab.save()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            _sync_tasks(lab, source)
        for lab in existing.values():
            if not lab.retired:
                lab.retired = True
                lab.save(update_fields=["retired"])
                counts["retired"] += 1
    return counts


def _release_try_its(existing: dict[str, Lab], wanted: dict[str, int | None]) -> None:
    """Clears ``try_it`` first on every stored lab that loses or changes it (a retired lab loses it), so that a
    step's "Try it" can move from one lab to another in one load without two labs holding it at once."""
    moving = [lab for lab in existing.values() if lab.try_it is not None and lab.try_it != wanted.get(lab.key)]
    if moving:
        Lab.objects.filter(pk__in=[lab.pk for lab in moving]).update(try_it=None)
        for lab in moving:
            lab.try_it = None


def _lab_row(source: LabSource, order: int) -> dict:
    return {
        "key": source.key,
        "title": source.title,
        "steps": source.steps,
        "first_step": source.first_step,
        "mode": source.mode,
        "brief": source.brief,
        "world": source.world,
        "compute": source.compute,
        "setup": source.setup,
        "uses_trail": source.uses_trail,
        "order": order,
        "source_path": source.path,
        "source_hash": source.sha256,
        "retired": False,
        "try_it": source.try_it,
    }


def _sync_tasks(lab: Lab, source: LabSource) -> None:
    existing = {task.key: task for task in lab.tasks.all()}
    for order, task in enumerate(source.tasks):
        row = {
            "order": order,
            "text": task.text,
            "checks": task.checks,
            "hints": list(task.hints),
            "takes_answer": task.spec.takes_answer,
        }
        stored = existing.pop(task.key, None)
        if stored is None:
            Task.objects.create(lab=lab, key=task.key, **row)
        elif any(getattr(stored, name) != value for name, value in row.items()):
            for name, value in row.items():
                setattr(stored, name, value)
            stored.save()
    if existing:
        Task.objects.filter(pk__in=[task.pk for task in existing.values()]).delete()
