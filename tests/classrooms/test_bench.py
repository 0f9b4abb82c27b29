"""``manage.py bench_classroom`` runs end to end (on tiny classrooms here: figures come from ``make bench``)
and leaves the database as it found it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from iamtutor.classrooms.management.commands import bench_classroom
from iamtutor.classrooms.models import Classroom
from iamtutor.sandbox.models import Sandbox

pytestmark = pytest.mark.django_db


def test_the_bench_prints_every_probe_at_each_size_and_rolls_back(monkeypatch, capsys):
    monkeypatch.setattr(bench_classroom, "SIZES", (3, 6))
    extra = [
        lambda bench: [
            bench_classroom.Probe(
                "classroom page", lambda s: reverse("admin:index"), personal=False, client="owner", expect=(302,)
            )
        ]
    ]
    monkeypatch.setattr(bench_classroom, "EXTRA_PROBES", extra)
    call_command("bench_classroom", "--runs", "3")
    out = capsys.readouterr().out
    assert "class 3" in out and "class 6" in out
    for name in ("overview", "roles", "credentials", "console POST", "classroom page"):
        assert f"\n{name} " in out
    assert not Classroom.objects.exists() and not Sandbox.objects.exists()
