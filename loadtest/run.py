"""``make loadtest``: a class of learners against the site as it is deployed, on this machine only.

1. a throwaway PostgreSQL database (dropped and created) and a private Redis server (or a Redis database, emptied);
2. migrate, load the lessons and labs, collect static files, build the class (``setup_class``);
3. gunicorn on 127.0.0.1 with production settings (DEBUG off, a random SECRET_KEY, behind a TLS proxy);
4. Locust, headless, bounded in users and time, while ``monitor`` samples CPU and memory;
5. gunicorn and Redis stopped, the database dropped; the report printed and saved.

Every knob is an environment variable (or the option of the same name): ``LOAD_USERS`` (300), ``LOAD_SPAWN_RATE``
(2 a second), ``LOAD_TIME`` (5m), ``LOAD_WORKERS`` (2), ``LOAD_GUNICORN_ARGS``, ``LOAD_PORT`` (8765),
``LOAD_DATABASE`` (iamtutor_load), ``LOAD_POSTGRES`` (loopback only), ``LOAD_REDIS`` (a loopback Redis database
instead of a private ``redis-server`` on ``LOAD_REDIS_PORT``, 6390),
``LOAD_P95_MS`` (300), ``LOAD_STRICT`` (exit 1 when the goal is missed), ``LOAD_KEEP`` (keep the database).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from . import report
from .monitor import Monitor

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Options:
    users: int
    spawn_rate: float
    time: str
    workers: int
    gunicorn_args: str
    port: int
    database: str
    postgres: str
    redis: str
    redis_port: int
    p95_ms: float
    strict: bool
    keep: bool
    out: Path


def _env_bool(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise SystemExit(f"{name} must be true or false, not {value!r}.")


def parse_options(argv: list[str] | None = None) -> Options:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="A class of learners against gunicorn, PostgreSQL and Redis.")
    parser.add_argument("--users", type=int, default=int(env("LOAD_USERS", "300")), help="learners (300)")
    parser.add_argument("--spawn-rate", type=float, default=float(env("LOAD_SPAWN_RATE", "2")), help="a second")
    parser.add_argument("--time", default=env("LOAD_TIME", "5m"), help="run time, Locust's format: 5m, 90s")
    parser.add_argument("--workers", type=int, default=int(env("LOAD_WORKERS", "2")), help="gunicorn workers")
    parser.add_argument("--gunicorn-args", default=env("LOAD_GUNICORN_ARGS", ""), help="more gunicorn options")
    parser.add_argument("--port", type=int, default=int(env("LOAD_PORT", "8765")))
    parser.add_argument("--database", default=env("LOAD_DATABASE", "iamtutor_load"))
    parser.add_argument("--postgres", default=env("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=env("LOAD_REDIS", ""), help="a loopback Redis database (emptied)")
    parser.add_argument("--redis-port", type=int, default=int(env("LOAD_REDIS_PORT", "6390")), help="private Redis")
    parser.add_argument("--p95-ms", type=float, default=float(env("LOAD_P95_MS", "300")))
    parser.add_argument("--strict", action="store_true", default=_env_bool("LOAD_STRICT"), help="exit 1 if missed")
    parser.add_argument("--keep", action="store_true", default=_env_bool("LOAD_KEEP"), help="keep the database")
    parser.add_argument("--out", type=Path, default=Path(env("LOAD_OUT", "") or _default_out()))
    args = parser.parse_args(argv)
    options = Options(**vars(args))
    _check(options, parser)
    return options


def _default_out() -> Path:
    return ROOT / "loadtest" / "results" / datetime.now().strftime("%Y%m%d-%H%M%S")


def _check(options: Options, parser: argparse.ArgumentParser) -> None:
    if options.users < 1 or options.workers < 1 or options.spawn_rate <= 0:
        parser.error("users, workers and the spawn rate must be positive")
    if "load" not in options.database or not options.database.replace("_", "").isalnum():
        parser.error(
            "the database is dropped and created: its name must be letters, digits and _ and contain 'load' "
            f"({options.database!r})"
        )
    for url in (options.postgres, options.redis):
        host = urlsplit(url).hostname or ""
        if url and not _loopback(host):
            parser.error(f"{url} is not on this machine: the load test uses loopback servers only")
    if options.redis and not urlsplit(options.redis).path.strip("/").isdigit():
        parser.error(f"LOAD_REDIS must name a database number (it is emptied): {options.redis}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---- the servers ---------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database(options: Options) -> Iterator[str]:
    """Drops and creates ``options.database``; drops it again afterwards unless ``keep``."""
    import psycopg

    def admin(statement: str) -> None:
        with psycopg.connect(f"{options.postgres}/postgres", autocommit=True) as connection:
            connection.execute(statement)

    admin(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{options.database}"')
    try:
        yield f"{options.postgres}/{options.database}"
    finally:
        if not options.keep:
            admin(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')


@contextlib.contextmanager
def class_redis(options: Options) -> Iterator[tuple[str, int]]:
    """The Redis the class uses, as (URL, server pid or 0). By default a private ``redis-server`` on 127.0.0.1,
    started for the run and stopped after it: a test suite elsewhere on the machine empties its Redis databases
    as it goes (one emptied a shared one mid-run, logging the whole class out). With ``LOAD_REDIS`` set, that
    database of a loopback server, emptied before and after."""
    server = shutil.which("redis-server")
    if options.redis or server is None:
        url = options.redis or "redis://127.0.0.1:6379/14"
        with _emptied(url, keep=options.keep):
            yield url, 0
        return
    if not _port_free(options.redis_port):
        raise SystemExit(f"127.0.0.1:{options.redis_port} is in use: set LOAD_REDIS_PORT to a free port.")
    command = [server, "--bind", "127.0.0.1", "--port", str(options.redis_port), "--save", "", "--appendonly", "no"]
    with (options.out / "redis.log").open("w") as log:
        process = subprocess.Popen(command, cwd=options.out, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        url = f"redis://127.0.0.1:{options.redis_port}/0"
        _wait_redis(url, process)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_redis(url: str, process: subprocess.Popen, timeout: float = 20) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(redis.RedisError):
            if redis.Redis.from_url(url).ping():
                return
        time.sleep(0.2)
    raise SystemExit("redis-server did not start; see redis.log in the results folder.")


@contextlib.contextmanager
def _emptied(url: str, keep: bool) -> Iterator[None]:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield
    finally:
        if not keep:
            client.flushdb()


def redis_figures(url: str) -> str:
    """The keys the class left in its Redis database and their memory (``MEMORY USAGE``, sampled exactly)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = total = 0
    lasting: Counter[str] = Counter()  # kinds of key kept without a lifetime (there should be none)
    for key in client.scan_iter(count=1000):
        keys += 1
        total += client.memory_usage(key, samples=0) or 0
        if client.ttl(key) == -1:
            lasting[_key_kind(key)] += 1
    expiring = client.info("keyspace").get(f"db{urlsplit(url).path.strip('/') or 0}", {}).get("expires", 0)
    policy = client.config_get("maxmemory-policy").get("maxmemory-policy", "?")
    used = client.info("memory").get("used_memory", 0)
    return (
        f"Redis: {keys} keys ({expiring} with a lifetime) holding {total / 1024:,.0f} KiB in this class's "
        f"database; the server uses {used / 1024 / 1024:.1f} MiB in all; eviction policy {policy}."
        + (
            f" Kept without a lifetime: {', '.join(f'{n} {kind}' for kind, n in lasting.most_common(5))}."
            if lasting
            else ""
        )
    )


def _key_kind(key: bytes) -> str:
    """The key without the part that names one entry (a session key, an id, a number), to count kinds."""
    text = key.decode(errors="replace")
    return re.sub(r"[0-9a-z]{16,}$|[0-9a-f-]{32,}$|\d+$", "…", text)[:80]


def app_env(options: Options, database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings on the loopback: DEBUG off, a fresh secret, behind a TLS proxy (the load sends
    ``X-Forwarded-Proto: https``), the throwaway database and Redis."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(options.out / "static"),
        "LOG_LEVEL": "WARNING",
        "EMAIL_SMTP": "false",
        "PYTHONPATH": str(ROOT),
    }


def prepare(env: dict[str, str], options: Options) -> Path:
    """Migrates, loads lessons and labs, collects static files and builds the class; returns its credentials."""
    credentials = options.out / "class.json"
    steps = [
        ["manage.py", "migrate", "--noinput", "-v", "0"],
        ["manage.py", "load_lessons"],
        ["manage.py", "load_labs"],
        ["manage.py", "collectstatic", "--noinput", "-v", "0"],
        ["-m", "loadtest.setup_class", "--learners", str(options.users), "--out", str(credentials)],
    ]
    with (options.out / "setup.log").open("w") as log:
        for step in steps:
            _say(" ".join(step))
            done = subprocess.run(  # noqa: S603 (our own interpreter and fixed arguments)
                [sys.executable, *step], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            if done.returncode:
                raise SystemExit(f"{' '.join(step)} failed; see {options.out / 'setup.log'}")
    return credentials


@contextlib.contextmanager
def gunicorn(env: dict[str, str], options: Options) -> Iterator[subprocess.Popen]:
    if not _port_free(options.port):
        raise SystemExit(f"127.0.0.1:{options.port} is in use: set LOAD_PORT to a free port.")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "iamtutor.wsgi",
        "--workers",
        str(options.workers),
        "--bind",
        f"127.0.0.1:{options.port}",
        "--error-logfile",
        str(options.out / "gunicorn.log"),
        # Each request's time inside its worker (%(D)s, microseconds), to tell work from waiting for a worker.
        "--access-logfile",
        str(options.out / "access.log"),
        "--access-logformat",
        report.ACCESS_FORMAT,
        *shlex.split(options.gunicorn_args),
    ]
    _say(" ".join(command[2:]))
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    try:
        _wait_healthy(options.port, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _wait_healthy(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped at start-up; see its log in the results folder.")
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            if response.status == 200:  # (S310: a fixed loopback URL)
                return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s.")


def run_locust(options: Options, credentials: Path, monitor: Monitor) -> None:
    locust = Path(sys.executable).with_name("locust")
    command = [
        str(locust if locust.exists() else shutil.which("locust") or "locust"),
        "-f",
        str(ROOT / "loadtest" / "locustfile.py"),
        "--headless",
        "--users",
        str(options.users + 1),  # the class and its instructor
        "--spawn-rate",
        str(options.spawn_rate),
        "--run-time",
        options.time,
        "--stop-timeout",
        "15",
        "--host",
        f"http://127.0.0.1:{options.port}",
        "--csv",
        str(options.out / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "LOADTEST_CLASS": str(credentials),
        "LOADTEST_SAMPLES": str(options.out / "samples.json"),
        "PYTHONPATH": str(ROOT),
    }
    _say(f"locust: {options.users} learners and their instructor, {options.spawn_rate}/s, for {options.time}")
    with (options.out / "locust.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        monitor.locust = process.pid
        process.wait()


# ---- the whole run ---------------------------------------------------------------------------------------------


def _say(message: str) -> None:
    print(f"loadtest: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    with throwaway_database(options) as database_url, class_redis(options) as (redis_url, redis_pid):
        env = app_env(options, database_url, redis_url)
        credentials = prepare(env, options)
        with gunicorn(env, options) as server:
            monitor = Monitor(server.pid, options.database, redis=redis_pid)
            monitor.start()
            run_locust(options, credentials, monitor)
            monitor.stop()
            if not (options.out / "locust_stats.csv").exists():
                raise SystemExit(f"Locust did not run; see {options.out / 'locust.log'}")
            load_after = os.getloadavg()
        redis_line = redis_figures(redis_url)
    lines = _report(options, monitor, load_before, load_after, redis_line)
    text = "\n".join(lines)
    (options.out / "report.txt").write_text(text + "\n")
    print(text)
    problems = report.verdict(report.read_locust_csv(options.out / "locust_stats.csv")[0], options.p95_ms)
    return 1 if options.strict and problems else 0


def _mean_think() -> float:
    return (float(os.environ.get("LOAD_THINK_MIN", "3")) + float(os.environ.get("LOAD_THINK_MAX", "10"))) / 2


def _hash_seconds(options: Options) -> float | None:
    path = options.out / "class.json"
    return json.loads(path.read_text()).get("hash_cpu_seconds") if path.exists() else None


def _report(options: Options, monitor: Monitor, before, after, redis_line: str) -> list[str]:
    pages, total = report.read_locust_csv(options.out / "locust_stats.csv")
    samples = report.read_samples(options.out / "samples.json")
    arriving, in_class = report.phase_seconds(samples, "arriving"), report.phase_seconds(samples, "in class")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, as make finds it)
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = [
        f"IAM Tutor load test · {datetime.now():%Y-%m-%d %H:%M} · commit {commit.stdout.strip() or '?'}",
        f"{options.users} learners + 1 instructor, arriving at {options.spawn_rate}/s ({arriving:.0f} s), then "
        f"{in_class:.0f} s all in class; think time {os.environ.get('LOAD_THINK_MIN', '3')}–"
        f"{os.environ.get('LOAD_THINK_MAX', '10')} s; gunicorn {options.workers} workers {options.gunicorn_args}",
        f"Machine: {os.cpu_count()} cores, load average {before[0]:.2f} before, {after[0]:.2f} at the end "
        "(Locust runs on the same cores).",
        "",
        "Whole run (Locust's statistics):",
        *report.page_table(pages, total, options.p95_ms),
        "",
        "Once the whole class is in (exact percentiles):",
        *report.page_table(report.phase_stats(samples, "in class"), None, options.p95_ms),
        "",
        "Inside the workers (gunicorn's own clock, the whole run; a POST's redirect is its own request):",
        *report.worker_time_lines(options.out / "access.log"),
        "",
        "What the servers used during the run:",
        *report.resource_lines(monitor, options.workers),
        redis_line,
        *report.occupancy_lines(options.out / "access.log", monitor, options.workers, _hash_seconds(options)),
        *report.in_class_lines(monitor, samples, options.users, _mean_think()),
        "",
    ]
    problems = report.verdict(pages, options.p95_ms)
    goal = f"0 errors and every page's p95 ≤ {options.p95_ms:.0f} ms, the log-in's password hash aside"
    lines.append(f"Goal ({goal}): " + ("met." if not problems else "missed — " + "; ".join(problems) + "."))
    lines.append(f"Files: {options.out}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
