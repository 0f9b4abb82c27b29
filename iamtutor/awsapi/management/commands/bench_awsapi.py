"""``manage.py bench_awsapi``: the endpoint under gunicorn against moto's server, side by side in one run.

Several concurrent boto3 clients (threads, one client and one learner's sandbox each) call AssumeRole and
GetCallerIdentity against ``/aws/`` served by gunicorn on this database, then the same clients against
``moto_server`` (the ``bench`` extra: ``pip install 'moto[server]'``). Prints calls per second and the p95
latency of each, and the CPU time each server spent per call (user and system time of its processes, from
``/proc``, over the timed calls: on a machine shared with other work the one figure that does not depend on
what else runs) beside the clients' own CPU per call (boto3 signing and parsing, in this process). The
bench's learners and sandboxes are deleted afterwards; the per-key rate limit is off in the gunicorn it starts.
Keep runs short on a shared machine (the defaults take well under a minute).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, closing

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from iamtutor.sandbox.worlds import changing, create_sandbox

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ReportsReader"
PREFIX = "bench-awsapi-"


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"{what} stopped at start-up (exit {process.returncode}).")
        with closing(socket.socket()) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise CommandError(f"{what} did not listen on port {port} within {timeout:.0f} s.")


def _client(service: str, url: str, key: tuple[str, str]):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        config=Config(retries={"max_attempts": 1}, max_pool_connections=4),
    )


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process ``pid`` and its children still running (gunicorn's workers);
    0 where ``/proc`` cannot tell (not Linux)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    pids = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:  # a thread may end meanwhile (moto serves each request on a thread of its own)
            with open(f"/proc/{pid}/task/{task}/children") as children:
                pids += [int(child) for child in children.read().split()]
        except OSError:
            continue
    for one in pids:
        try:
            with open(f"/proc/{one}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _measure(clients: list, call, count: int, pid: int | None = None) -> tuple[float, float, int, float, float]:
    """(calls per second, p95 ms, failures, server CPU ms per call, client CPU ms per call) of ``count`` calls
    on each client, all clients at once; the server's CPU is process ``pid``'s and its children's."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    start_line = threading.Barrier(len(clients) + 1)

    def work(client) -> None:
        mine = []
        for _ in range(3):  # warm the connection and the server's caches
            call(client)
        start_line.wait()
        for _ in range(count):
            began = time.perf_counter()
            try:
                call(client)
            except Exception:
                with lock:
                    failures[0] += 1
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    start_line.wait()
    began, server, client = time.perf_counter(), _cpu_seconds(pid) if pid else 0.0, time.process_time()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    server = (_cpu_seconds(pid) - server) if pid else 0.0
    client = time.process_time() - client
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) >= 20 else max(latencies) * 1000
    calls = len(latencies)
    return calls / elapsed, p95, failures[0], server * 1000 / calls, client * 1000 / calls


class Command(BaseCommand):
    help = "AssumeRole and GetCallerIdentity calls/s and p95: the endpoint under gunicorn beside moto_server."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clients", type=int, default=4, help="concurrent boto3 clients (default 4)")
        parser.add_argument("--calls", type=int, default=100, help="calls per client and operation (default 100)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
        parser.add_argument("--no-moto", action="store_true", help="measure the endpoint only")

    def handle(self, *args, clients: int, calls: int, workers: int, no_moto: bool, **options) -> None:
        keys = self._learners(clients)
        rows = []
        try:
            with ExitStack() as stack:
                site, site_pid = self._start(stack, "gunicorn", workers)
                moto = None if no_moto else self._start(stack, "moto", workers)
                rows += self._run(
                    "IAM Tutor /aws/ (gunicorn)", f"http://127.0.0.1:{site}/aws/", keys, calls, False, site_pid
                )
                if moto:
                    rows += self._run("moto_server", f"http://127.0.0.1:{moto[0]}", keys, calls, True, moto[1])
        finally:
            get_user_model().objects.filter(username__startswith=PREFIX).delete()
        self.stdout.write(f"{clients} concurrent boto3 clients, {calls} calls each per operation")
        self.stdout.write(
            f"{'server':30} {'operation':18} {'calls/s':>9} {'p95 ms':>8} {'failed':>7} "
            f"{'server CPU ms/call':>18} {'client CPU ms/call':>18}"
        )
        for server, operation, rate, p95, failed, server_cpu, client_cpu in rows:
            self.stdout.write(
                f"{server:30} {operation:18} {rate:9.1f} {p95:8.1f} {failed:7d} {server_cpu:18.2f} {client_cpu:18.2f}"
            )

    def _learners(self, count: int) -> list[tuple[str, str]]:
        """One learner per client, each with a sandbox and alice's access key in it."""
        users = get_user_model()
        users.objects.filter(username__startswith=PREFIX).delete()
        keys = []
        for i in range(count):
            sandbox = create_sandbox(owner=users.objects.create_user(username=f"{PREFIX}{i}"))
            with changing(sandbox) as loaded:
                key = loaded.world.create_access_key(f"arn:aws:iam::{ACCOUNT}:user/alice")
            keys.append((key.id, key.secret))
        return keys

    def _start(self, stack: ExitStack, what: str, workers: int) -> tuple[int, int]:
        port = _free_port()
        env = {**os.environ, "AWSAPI_RATE_PER_SECOND": "0"}
        if what == "gunicorn":
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "iamtutor.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ]
        else:
            try:
                import moto.server  # noqa: F401
            except ImportError:
                raise CommandError(
                    "moto's server is not installed: pip install 'moto[server]' (or use --no-moto)."
                ) from None
            command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        stack.callback(process.wait, 10)
        stack.callback(process.terminate)
        _wait(port, process, what)
        return port, process.pid

    def _run(self, server: str, url: str, keys, calls: int, moto: bool, pid: int) -> list[tuple]:
        sts = [_client("sts", url, key) for key in keys]
        if moto:  # moto needs the role to exist; it evaluates no trust policy
            trust = (
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},'
                '"Action":"sts:AssumeRole"}]}'
            )
            _client("iam", url, keys[0]).create_role(RoleName="ReportsReader", AssumeRolePolicyDocument=trust)
        rows = []
        for name, call in (
            ("GetCallerIdentity", lambda client: client.get_caller_identity()),
            ("AssumeRole", lambda client: client.assume_role(RoleArn=ROLE, RoleSessionName="bench")),
        ):
            rows.append((server, name, *_measure(sts, call, calls, pid)))
        return rows
