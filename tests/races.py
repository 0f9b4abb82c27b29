"""What the race tests share: running work in threads released at once, and the PostgreSQL-only mark.

Races need real transactions and row locks; SQLite serialises writers, so these tests run only on PostgreSQL
(``DATABASE_URL=postgres://…``; CI runs the suite there too).
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# For a whole module: ``pytestmark = POSTGRES_ONLY``; for one test, ``@postgres_only``.
POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def postgres_only(test):
    """Marks one race test: it needs PostgreSQL and real transactions."""
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


def together(work, count: int = 5) -> list:
    """Runs ``work(i)`` in ``count`` threads released at once; returns the results (exceptions included)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # the test reports it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
