"""Anonymous progress is purged after 30 idle days; signed-in learners' progress is kept."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lessons.models import Learner

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_idle_anonymous_learners(alice, capsys):
    idle, fresh, owned = Learner.objects.create(), Learner.objects.create(), Learner.objects.create(user=alice)
    Learner.objects.filter(pk__in=[idle.pk, owned.pk]).update(last_active=timezone.now() - timedelta(days=31))
    call_command("purge_learners", "--dry-run")
    assert Learner.objects.count() == 3 and "1 anonymous learner(s)" in capsys.readouterr().out
    call_command("purge_learners")
    assert set(Learner.objects.values_list("pk", flat=True)) == {fresh.pk, owned.pk}


def test_purge_refuses_a_nonsense_window():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_learners", "--days", "0")
