# ruff: noqa: S603, S607 (a benchmark starting our own servers and tools found on PATH, with our own arguments)
"""Pages under load, side by side with a plain Django project (issue 13's measurement).

Serves a one-view Django project (what ``startproject`` gives, answering "Hello") and one or more IAM Tutor
source trees, each under gunicorn with the same number of workers, DEBUG off, PostgreSQL and Redis; then
runs ``wrk -c32 -d10s`` against the plain view and each page, round after round, the trees alternating, and
prints for each page its requests per second, its share of the plain ceiling measured in the same round,
its 90th-percentile latency, and the CPU time its gunicorn workers spent per request (medians over the
rounds). On a busy machine the first three swing with the other load; the CPU per request barely does.

    scripts/bench-pages-wrk.sh                                # this tree only, 3 rounds
    scripts/bench-pages-wrk.sh --rounds 5 before=/tmp/old .   # another checkout beside this one

Every tree gets its own throwaway PostgreSQL database (``bench_pages_<label>``, dropped and made again)
and Redis database (from ``--redis-db``, flushed), its lessons loaded and one anonymous learner whose
browser session owns a sandbox holding one STS session; wrk sends the cookies a browser would send back on
every page: that session's and the CSRF cookie (without it, every page would mint a new CSRF secret and set it).
Servers listen on 127.0.0.1 only and are stopped at the end. Needs wrk (``apt-get install wrk``), psql and
redis-cli, and a Python with the project's dependencies (``--python``, default this repo's .venv).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = {
    "lesson index": "/lessons/",
    "lesson part (deep dive)": "/lessons/deep-dive/",
    "sandbox overview": "/sandbox/{sandbox}/",
    "sandbox roles": "/sandbox/{sandbox}/roles/",
    "sandbox credentials": "/sandbox/{sandbox}/credentials/",
}
SETUP = """
from importlib import import_module
from django.conf import settings
from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.worlds import create_sandbox, run_change
sandbox = create_sandbox()
role = "arn:aws:iam::111111111111:role/ReportsReader"
request = AssumeRoleRequest(role, "bench", duration_seconds=3600)
assert run_change(sandbox, lambda world: assume_role(world, "arn:aws:iam::111111111111:user/alice", request)).ok
session = import_module(settings.SESSION_ENGINE).SessionStore()
session["sandbox_id"] = str(sandbox.pk)
session.save()
from django.middleware.csrf import _get_new_csrf_string
cookies = f"{settings.SESSION_COOKIE_NAME}={session.session_key};{settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"
print("BENCH", cookies, sandbox.pk)
"""
HELLO_VIEW = """
from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("Hello")


urlpatterns = [path("", hello)]
"""


@dataclass
class Server:
    label: str
    port: int
    process: subprocess.Popen
    cookie: str = ""
    sandbox: str = ""
    results: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)


def main() -> int:
    args = _arguments()
    for tool in ("wrk", "psql", "redis-cli"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (Debian: apt-get install wrk postgresql-client redis-tools).")
    trees = [_tree(spec) for spec in args.trees or ["current=."]]
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    servers: list[Server] = []
    try:
        servers.append(_hello(args, work))
        for n, (label, path) in enumerate(trees):
            servers.append(_iamtutor(args, work, label, path, args.redis_db + n, args.port + 1 + n))
        for server in servers:
            _wait(server, "/" if server.label == "plain" else "/lessons/")
        for round_ in range(1, args.rounds + 1):
            print(f"round {round_}/{args.rounds}", file=sys.stderr)
            _measure(args, servers[0], {"plain": "/"})
            for server in servers[1:]:
                _measure(args, server, {name: url.format(sandbox=server.sandbox) for name, url in PAGES.items()})
        _report(args, servers)
    finally:
        for server in servers:
            server.process.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="*", help="label=path of each IAM Tutor tree (default: current=.)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every page (default 3; medians)")
    parser.add_argument("--duration", default="10s", help="wrk -d (default 10s)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument("--port", type=int, default=8710, help="first port; the plain project's (default 8710)")
    parser.add_argument("--redis-db", type=int, default=10, help="first Redis database to use (default 10)")
    parser.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"), help="Python to serve with")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server URL (no database)")
    return parser.parse_args()


def _tree(spec: str) -> tuple[str, Path]:
    label, _, path = spec.rpartition("=")
    label = label or Path(path).resolve().name
    if not re.fullmatch(r"[a-z0-9_]+", label):
        sys.exit(f"A tree's label is lower-case letters, digits and _: {label!r}.")
    return label, Path(path).resolve()


def _hello(args: argparse.Namespace, work: Path) -> Server:
    """The plain ceiling: ``startproject hello`` with one view, DEBUG off, served as the site is."""
    admin = Path(args.python).parent / "django-admin"
    subprocess.run([str(admin), "startproject", "hello", str(work / "hello")], check=True)
    (work / "hello" / "hello" / "urls.py").write_text(HELLO_VIEW)
    with (work / "hello" / "hello" / "settings.py").open("a") as settings:
        settings.write('\nDEBUG = False\nALLOWED_HOSTS = ["127.0.0.1"]\n')
    return Server("plain", args.port, _gunicorn(args, work / "hello", "hello.wsgi", args.port, os.environ.copy()))


def _iamtutor(args: argparse.Namespace, work: Path, label: str, tree: Path, redis_db: int, port: int) -> Server:
    database = f"bench_pages_{label}"
    for sql in (f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", args.postgres + "/postgres", "-q", "-c", sql], check=True)
    subprocess.run(["redis-cli", "-u", f"{args.redis}/{redis_db}", "flushdb"], check=True, capture_output=True)
    env = os.environ.copy() | {
        "DEBUG": "false",
        "SECRET_KEY": "bench-pages-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{args.postgres}/{database}",
        "REDIS_URL": f"{args.redis}/{redis_db}",
        "STATIC_ROOT": str(work / f"static-{label}"),
        "LOG_LEVEL": "WARNING",
    }
    manage = [args.python, "manage.py"]
    for command in (["migrate", "--noinput", "-v", "0"], ["load_lessons"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run(manage + command, cwd=tree, env=env, check=True, capture_output=True)
    done = subprocess.run([*manage, "shell", "-c", SETUP], cwd=tree, env=env, check=True, capture_output=True)
    _, cookie, sandbox = next(line for line in done.stdout.decode().splitlines() if line.startswith("BENCH")).split()
    process = _gunicorn(args, tree, "iamtutor.wsgi", port, env)
    return Server(label, port, process, cookie=cookie, sandbox=sandbox)


def _gunicorn(args: argparse.Namespace, cwd: Path, app: str, port: int, env: dict) -> subprocess.Popen:
    command = [args.python, "-m", "gunicorn", app, "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen([*command, "--log-level", "warning"], cwd=cwd, env=env)


def _wait(server: Server, path: str) -> None:
    for _ in range(100):
        try:
            _get(server, path)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{server.label} did not answer on port {server.port}.")


def _get(server: Server, path: str) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}")
    if server.cookie:
        request.add_header("Cookie", server.cookie.replace(";", "; "))
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server on 127.0.0.1)
        if response.status != 200:
            sys.exit(f"{server.label} answered {response.status} for {path}.")
        return response.read()


def _measure(args: argparse.Namespace, server: Server, pages: dict[str, str]) -> None:
    for name, path in pages.items():
        for _ in range(5):
            _get(server, path)  # warm: templates compiled, connections open, caches filled
        command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}", "--latency"]
        if server.cookie:
            command += ["-H", "Cookie: " + server.cookie.replace(";", "; ")]
        cpu_before = _workers_cpu(server)
        output = subprocess.run(
            [*command, f"http://127.0.0.1:{server.port}{path}"], check=True, capture_output=True, text=True
        ).stdout
        cpu = _workers_cpu(server) - cpu_before
        if "Non-2xx" in output or "Socket errors" in output:
            print(f"warning: {server.label} {name}: {_line(output, 'Non-2xx|Socket errors')}", file=sys.stderr)
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        p90 = _milliseconds(re.search(r"^\s+90%\s+(\S+)", output, re.MULTILINE).group(1))
        done = int(re.search(r"(\d+) requests in", output).group(1))
        per_request = cpu / max(done, 1) * 1000
        server.results.setdefault(name, []).append((rate, p90, per_request))
        print(
            f"  {server.label:<10} {name:<26} {rate:>8.0f} req/s  p90 {p90:>6.1f} ms  "
            f"worker CPU {per_request:.2f} ms/request",
            file=sys.stderr,
        )


def _workers_cpu(server: Server) -> float:
    """CPU seconds used so far by the server's gunicorn workers (Linux /proc): the work per request, which
    other load on the machine does not inflate the way it inflates latency."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid:  # a worker: its parent is the gunicorn master
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _line(output: str, pattern: str) -> str:
    return next((line.strip() for line in output.splitlines() if re.search(pattern, line)), "")


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def _report(args: argparse.Namespace, servers: list[Server]) -> None:
    plain = [rate for rate, _p90, _cpu in servers[0].results["plain"]]
    plain_cpu = statistics.median(cpu for _r, _p, cpu in servers[0].results["plain"])
    print(
        f"\nwrk -c{args.connections} -d{args.duration}, gunicorn --workers {args.workers}, {args.rounds} round(s); "
        f"plain Django ceiling: median {statistics.median(plain):.0f} req/s (rounds: "
        + ", ".join(f"{rate:.0f}" for rate in plain)
        + f"), its workers' CPU {plain_cpu:.2f} ms/request\n"
    )
    print("| tree | page | req/s | share of the plain ceiling | p90 | worker CPU per request |")
    print("|---|---|---|---|---|---|")
    for server in servers[1:]:
        for name, runs in server.results.items():
            rate = statistics.median(r for r, _p, _c in runs)
            share = statistics.median(r / ceiling for (r, _p, _c), ceiling in zip(runs, plain, strict=True))
            p90 = statistics.median(p for _r, p, _c in runs)
            cpu = statistics.median(c for _r, _p, c in runs)
            print(f"| {server.label} | {name} | {rate:.0f} | {share:.2f}× | {p90:.0f} ms | {cpu:.2f} ms |")


if __name__ == "__main__":
    sys.exit(main())
