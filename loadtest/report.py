"""The load test's report: per page, from Locust's ``--csv`` statistics (the whole run) and from the samples the
locustfile kept by phase (once the whole class is in); then what the servers used.

``verdict`` says whether the run met the goal: no error, and every page's 95th percentile within the limit —
but the log-in's: its time is the password hash's (Argon2id, about a quarter of a second of CPU by design), so
it is reported, not held to a page's goal.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .monitor import Monitor


@dataclass
class PageStats:
    method: str
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


def read_locust_csv(path: Path) -> tuple[list[PageStats], PageStats | None]:
    """Every page's row of Locust's ``*_stats.csv``, and its ``Aggregated`` row."""
    pages, total = [], None
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            stats = PageStats(
                row["Type"],
                row["Name"],
                int(row["Request Count"]),
                int(row["Failure Count"]),
                float(row["Requests/s"]),
                float(row["50%"] if row["50%"] != "N/A" else 0),
                float(row["95%"] if row["95%"] != "N/A" else 0),
                float(row["99%"] if row["99%"] != "N/A" else 0),
            )
            if row["Name"] == "Aggregated":
                total = stats
            else:
                pages.append(stats)
    return pages, total


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0–1) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def read_samples(path: Path) -> dict:
    """The locustfile's samples: ``{"times": {"start": …, "class_in": …, "end": …},
    "phases": {phase: {"GET /x": [[ms, failed], …]}}}``."""
    return json.loads(path.read_text()) if path.exists() else {"times": {}, "phases": {}}


def phase_seconds(samples: dict, phase: str) -> float:
    times = samples["times"]
    start, class_in, end = times.get("start"), times.get("class_in"), times.get("end")
    if phase == "arriving" and start and class_in:
        return class_in - start
    if phase == "in class" and class_in and end:
        return end - class_in
    return 0.0


def phase_stats(samples: dict, phase: str) -> list[PageStats]:
    """Per page, from the locustfile's samples of one phase (``arriving`` or ``in class``); exact percentiles."""
    seconds = phase_seconds(samples, phase)
    rows = []
    for key, entries in sorted(samples["phases"].get(phase, {}).items(), key=lambda item: item[0].split(" ", 1)[1]):
        method, name = key.split(" ", 1)
        times = [time for time, _failed in entries]
        failures = sum(failed for _time, failed in entries)
        rps = len(entries) / seconds if seconds > 0 else 0.0
        rows.append(
            PageStats(
                method,
                name,
                len(entries),
                failures,
                rps,
                percentile(times, 0.5),
                percentile(times, 0.95),
                percentile(times, 0.99),
            )
        )
    return rows


NOT_HELD_TO_P95 = {"POST /accounts/login/"}

# gunicorn's access log as the runner asks for it: method, path, status, microseconds inside the worker.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
# A path's variable parts, in order, so requests group by page: ids, account ids, roles, steps, slugs, files.
_VARIABLE_PARTS = [
    (re.compile(r"^/static/.*"), "/static/[file]"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "[id]"),
    (re.compile(r"/roles/\d{12}/[^/]+/"), "/roles/[account]/[role]/"),
    (re.compile(r"/steps/\d+/"), "/steps/[n]/"),
    (re.compile(r"^/lessons/quiz/question/[^/]+/"), "/lessons/quiz/question/[key]/"),
    (re.compile(r"^/lessons/quiz/(?!question/)[^/]+/"), "/lessons/quiz/[lesson]/"),
]


def page_of(path: str) -> str:
    """``path`` with its variable parts named, as the locustfile names its requests."""
    for pattern, name in _VARIABLE_PARTS:
        path = pattern.sub(name, path)
    return path


def worker_times(access_log: Path) -> dict[str, list[float]]:
    """Milliseconds inside a worker per ``METHOD page``, from the access log."""
    times: dict[str, list[float]] = {}
    if not access_log.exists():
        return times
    for line in access_log.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3].isdigit():
            times.setdefault(f"{parts[0]} {page_of(parts[1])}", []).append(int(parts[3]) / 1000)
    return times


def worker_time_lines(access_log: Path) -> list[str]:
    times = worker_times(access_log)
    if not times:
        return ["(no access log)"]
    lines = [f"{'page':<58}{'requests':>9}{'p50':>7}{'p95':>7}{'p99':>7}  (ms in a worker)"]
    for key in sorted(times, key=lambda key: key.split(" ", 1)[1]):
        values = times[key]
        lines.append(
            f"{key[:57]:<58}{len(values):>9}{percentile(values, 0.5):>7.0f}{percentile(values, 0.95):>7.0f}"
            f"{percentile(values, 0.99):>7.0f}"
        )
    every = [value for values in times.values() for value in values]
    lines.append(
        f"{'all requests':<58}{len(every):>9}{percentile(every, 0.5):>7.0f}{percentile(every, 0.95):>7.0f}"
        f"{percentile(every, 0.99):>7.0f}"
    )
    return lines


def verdict(pages: list[PageStats], p95_limit: float) -> list[str]:
    """What keeps the run from the goal (errors, pages over the limit); empty when it met it."""
    problems = []
    errors = sum(page.failures for page in pages)
    if errors:
        problems.append(f"{errors} failed requests")
    slow = [
        f"{page.method} {page.name} ({page.p95:.0f} ms)"
        for page in pages
        if page.p95 > p95_limit and f"{page.method} {page.name}" not in NOT_HELD_TO_P95
    ]
    if slow:
        problems.append(f"p95 over {p95_limit:.0f} ms: " + ", ".join(slow))
    return problems


def page_table(pages: list[PageStats], total: PageStats | None, p95_limit: float) -> list[str]:
    lines = [f"{'page':<58}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  (ms)"]
    for page in pages:
        held = f"{page.method} {page.name}" not in NOT_HELD_TO_P95
        flag = ("  ← over" if held else "  (hash)") if page.p95 > p95_limit else ""
        lines.append(
            f"{(page.method + ' ' + page.name)[:57]:<58}{page.requests:>9}{page.failures:>7}{page.rps:>8.2f}"
            f"{page.p50:>7.0f}{page.p95:>7.0f}{page.p99:>7.0f}{flag}"
        )
    if total is not None:
        lines.append(
            f"{'all pages':<58}{total.requests:>9}{total.failures:>7}{total.rps:>8.2f}"
            f"{total.p50:>7.0f}{total.p95:>7.0f}{total.p99:>7.0f}"
        )
    return lines


def resource_lines(monitor: Monitor, workers: int) -> list[str]:
    seconds = monitor.seconds
    lines = [f"{'process group':<34}{'processes':>10}{'CPU s':>9}{'cores':>7}{'peak RSS MiB':>14}"]
    for group, usage in sorted(monitor.usage().items()):
        cores = usage.cpu_seconds / seconds if seconds else 0.0
        lines.append(
            f"{group:<34}{usage.processes:>10}{usage.cpu_seconds:>9.1f}{cores:>7.2f}{usage.peak_rss_kib / 1024:>14.0f}"
        )
    pressure = monitor.cpu_pressure()
    crowded = f"; some task waited for a core {pressure * 100:.0f}% of the time" if pressure is not None else ""
    lines.append(
        f"All {workers} workers together peaked at {monitor.worker_peak_total_kib / 1024:.0f} MiB resident; "
        f"the machine's cores were {monitor.machine_busy_share() * 100:.0f}% busy over {seconds:.0f} s "
        f"(every process on it, ours or not){crowded}."
    )
    return lines


def in_class_lines(monitor: Monitor, samples: dict, users: int, mean_think: float) -> list[str]:
    """Once the class is in: its request rate, and what the workers and the database spent on it. CPU time per
    request holds however busy the rest of the machine is; times the rate a class makes when nothing waits
    (one request per think, ``users / mean_think`` a second) it gives the cores a class needs."""
    times = samples["times"]
    if not times.get("class_in") or not times.get("end"):
        return ["The class never was all in (some learners did not log in): no steady-state figures."]
    span, cpu = monitor.cpu_between(times["class_in"], times["end"])
    requests = sum(1 for entries in samples["phases"].get("in class", {}).values() for entry in entries if entry[0] > 0)
    duration = times["end"] - times["class_in"]
    if not span or not requests:
        return ["The class was in too briefly to measure its steady state."]
    rate = requests / duration
    workers = cpu.get("gunicorn workers", 0.0) / span
    per_request = workers / rate
    full_speed = users / mean_think
    database, redis = cpu.get("PostgreSQL (this database)", 0.0) / span, cpu.get("Redis", 0.0) / span
    return [
        f"In class ({duration:.0f} s): {rate:.1f} requests/s; gunicorn workers {workers:.2f} cores "
        f"({per_request * 1000:.1f} ms of CPU a request), PostgreSQL "
        f"{database:.2f} cores, Redis {redis:.2f} cores.",
        f"When nothing waits, {users} learners thinking {mean_think:.1f} s on average make about {full_speed:.0f} "
        f"requests/s: {full_speed * per_request:.2f} cores of workers.",
    ]


def occupancy_lines(access_log: Path, monitor: Monitor, workers: int, hash_seconds: float | None) -> list[str]:
    """What limited the run: how busy the workers were (inside a request) against the CPU they got, and the share
    of their time spent checking passwords."""
    times = worker_times(access_log)
    seconds = monitor.seconds
    if not times or not seconds:
        return []
    busy = sum(sum(values) for values in times.values()) / 1000 / seconds
    login = sum(times.get("POST /accounts/login/", [])) / 1000 / seconds
    cpu = monitor.usage().get("gunicorn workers")
    cores = cpu.cpu_seconds / seconds if cpu else 0.0
    lines = [
        f"Workers busy inside a request: {busy:.2f} of {workers} on average, using {cores:.2f} cores of CPU; "
        f"log-ins took {login / busy * 100 if busy else 0:.0f}% of that busy time."
    ]
    if hash_seconds:
        lines.append(f"One log-in's password hash costs {hash_seconds:.2f} s of CPU here (Argon2id, the site's).")
    return lines
