"""Settings come from the environment, reject values they do not understand, and are production-safe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!Jq2#v9LmP0sR4tW8yZ1bC3dF5gH6jK8nM0pQ2rS4uV6wX8zA",
    "ALLOWED_HOSTS": "iamtutor.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://iamtutor.example.com",
}
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
    "'origins': settings.CSRF_TRUSTED_ORIGINS, 'db': settings.DATABASES['default']['ENGINE'], "
    "'db_name': str(settings.DATABASES['default']['NAME']), 'cache': settings.CACHES['default']['BACKEND'], "
    "'renders': settings.CACHES['renders']['BACKEND'], 'worlds': settings.CACHES['worlds']['BACKEND'], "
    "'renders_prefix': settings.CACHES['renders'].get('KEY_PREFIX', ''), "
    "'sessions': settings.SESSION_ENGINE, 'hsts': getattr(settings, 'SECURE_HSTS_SECONDS', 0), "
    "'secure_cookies': getattr(settings, 'SESSION_COOKIE_SECURE', False), 'axes': settings.AXES_HANDLER}))"
)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "REDIS_URL",
            "RENDER_CACHE_URL",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean["DJANGO_SETTINGS_MODULE"] = "iamtutor.settings"
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _settings(env: dict[str, str]) -> dict:
    done = _run(["-c", PROBE], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_defaults_are_sqlite_and_local_memory_cache():
    values = _settings({"DEBUG": "true"})
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["db_name"].endswith("db.sqlite3")
    assert values["cache"].endswith("LocMemCache")
    assert values["sessions"] == "django.contrib.sessions.backends.db"
    assert values["renders"] == values["worlds"] == "iamtutor.lib.caches.BoundedLocMemCache"


def test_database_url_and_redis_url_move_data_cache_sessions_and_rate_limits():
    values = _settings(
        {
            "DEBUG": "true",
            "DATABASE_URL": "postgres://u@db.internal:5432/iamtutor",
            "REDIS_URL": "redis://cache.internal:6379/1",
        }
    )
    assert values["db"] == "django.db.backends.postgresql"
    assert values["cache"] == "iamtutor.lib.caches.RedisCache"  # Django's, reusing its Redis client
    assert values["sessions"] == "django.contrib.sessions.backends.cache"
    assert values["axes"] == "iamtutor.accounts.throttle.CacheHandler"
    # Renders stay out of the sessions' Redis: in each process's memory unless a Redis of their own is named.
    assert values["renders"] == values["worlds"] == "iamtutor.lib.caches.BoundedLocMemCache"


def test_render_cache_url_moves_renders_to_a_redis_of_their_own_never_the_sessions_one():
    env = {"DEBUG": "true", "REDIS_URL": "redis://cache.internal:6379/0"}
    values = _settings({**env, "RENDER_CACHE_URL": "redis://renders.internal:6379/0"})
    assert values["renders"] == "iamtutor.lib.caches.BoundedRedisCache"
    assert values["worlds"] == "iamtutor.lib.caches.BoundedLocMemCache"  # parsed worlds never leave the process
    from iamtutor.settings import code_digest  # a release that changes the code gets keys of its own

    assert values["renders_prefix"] == f"iamtutor-renders-{code_digest(ROOT)}" and len(code_digest(ROOT)) == 12
    done = _run(["-c", PROBE], {**env, "RENDER_CACHE_URL": "redis://cache.internal:6379/0"})
    assert done.returncode != 0 and "RENDER_CACHE_URL must not be REDIS_URL" in done.stderr


def test_hosts_and_origins_are_comma_separated_lists():
    values = _settings({**PRODUCTION_ENV, "ALLOWED_HOSTS": " a.example.com, b.example.com ,"})
    assert values["hosts"] == ["a.example.com", "b.example.com"]
    assert values["origins"] == ["https://iamtutor.example.com"]


def test_production_turns_on_hsts_and_secure_cookies():
    values = _settings(PRODUCTION_ENV)
    assert values["debug"] is False
    assert values["hsts"] >= 31_536_000
    assert values["secure_cookies"] is True


def test_without_a_secret_key_production_refuses_to_start_and_says_why():
    done = _run(["-c", PROBE], {"DEBUG": "false"})
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr
    assert "Traceback" in done.stderr  # Django's own startup error; the message names the fix


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "k" * 50 + "\n")
    done = _run(
        ["-c", "import django; from django.conf import settings; django.setup(); print(settings.SECRET_KEY)"],
        {"DEBUG": "false", "SECRET_KEY_FILE": str(secret)},
    )
    assert done.stdout.strip() == "from-a-file-" + "k" * 50


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"DEBUG": "true", "DB_CONN_MAX_AGE": "ten"}, "DB_CONN_MAX_AGE must be a whole number"),
        ({"DEBUG": "true", "REDIS_URL": "http://cache:6379"}, "REDIS_URL must start with redis://"),
        ({"DEBUG": "true", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL is not a database URL"),
    ],
)
def test_values_that_are_not_understood_stop_the_site_with_the_variable_named(env, message):
    done = _run(["-c", PROBE], env)
    assert done.returncode != 0
    assert message in done.stderr


def test_check_deploy_is_clean_with_production_variables():
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be 0 or more"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be 1 or more"),
        ({"LOGIN_ADDRESS_FAILURE_LIMIT": "0"}, "LOGIN_ADDRESS_FAILURE_LIMIT must be 1 or more"),
    ],
)
def test_throttling_values_that_would_switch_it_off_or_mislead_it_are_refused(env, message):
    done = _run(["-c", PROBE], {"DEBUG": "true", **env})
    assert done.returncode != 0
    assert message in done.stderr


def test_log_in_throttling_counts_by_the_address_the_trusted_proxies_report():
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "from django.test import RequestFactory; from axes.helpers import get_client_ip_address; "
        "r = RequestFactory().get('/', REMOTE_ADDR='10.0.0.2', HTTP_X_FORWARDED_FOR='192.0.2.1, 203.0.113.5'); "
        "print(get_client_ip_address(r))"
    )
    assert _run(["-c", probe], {"DEBUG": "true", "TRUSTED_PROXY_COUNT": "1"}).stdout.strip() == "203.0.113.5"
    assert _run(["-c", probe], {"DEBUG": "true"}).stdout.strip() == "10.0.0.2"


def test_every_variable_the_settings_read_is_documented_in_the_readme():
    import re

    source = (ROOT / "iamtutor" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    names = set(re.findall(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z_]+)"', source))
    assert {"TRUSTED_PROXY_COUNT", "LOGIN_ADDRESS_FAILURE_LIMIT", "MAX_UPLOAD_BYTES"} <= names
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
