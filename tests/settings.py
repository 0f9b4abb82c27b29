"""The test run's environment: the site's one settings module, imported with test-only defaults for the
variables production must set (a secret key) and plain HTTP for the test client and live server."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-that-is-long-enough-for-django-checks-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from iamtutor.settings import *  # noqa: F403

# Tests serve static files straight from static/ (no collectstatic step, no manifest).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Live-server threads must not keep connections open, or PostgreSQL cannot drop the test database afterwards.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Parallel test workers (pytest-xdist) must not share one Redis database: every test starts by clearing
# the cache, which in Redis empties the whole database — another worker's sessions included.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url: str, spread: int) -> str:
    base, _, database = url.rstrip("/").rpartition("/")
    number = (int(database) if database.isdigit() else 0) + 1 + spread * 8 + int(_worker[2:])
    return f"{base}/{number}" if database.isdigit() else f"{url.rstrip('/')}/{number}"


if _worker.startswith("gw"):
    for _spread, _alias in enumerate(("default", "renders")):
        if CACHES[_alias]["BACKEND"].endswith("RedisCache"):  # noqa: F405
            CACHES[_alias]["LOCATION"] = _worker_database(CACHES[_alias]["LOCATION"], _spread)  # noqa: F405
