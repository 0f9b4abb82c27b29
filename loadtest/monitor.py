"""CPU and memory of the processes under test, sampled from ``/proc`` while the load runs: the gunicorn
master and each worker, PostgreSQL's and Redis's processes, Locust itself, and the whole machine.

CPU is read as the kernel's tick counters (``utime + stime``), so a process's share over a window is exact,
not a sample of instantaneous ``ps`` figures; memory is the resident set (``VmRSS``), kept at its peak.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds so far) of ``pid``, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def _cpu_stalled() -> float | None:
    """Seconds that some runnable task waited for a core since boot (Linux pressure stall information), or None."""
    try:
        for line in Path("/proc/pressure/cpu").read_text().splitlines():
            if line.startswith("some "):
                return int(line.rsplit("total=", 1)[1]) / 1_000_000
    except (OSError, ValueError, IndexError):
        return None
    return None


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


@dataclass
class Usage:
    """What one group of processes used between ``start`` and the last sample."""

    cpu_seconds: float = 0.0
    peak_rss_kib: int = 0
    processes: int = 0


@dataclass
class Monitor:
    """Samples every ``interval`` seconds on a thread until ``stop``. ``gunicorn`` is the master's pid, ``locust``
    Locust's (set once it runs), ``redis`` the run's private Redis server's (0: every Redis server counts).
    PostgreSQL's backends serving ``database`` are told apart from the rest of the server (background writers,
    other databases); a shared server's figures include whatever else uses it."""

    gunicorn: int
    database: str
    redis: int = 0
    locust: int = 0
    interval: float = 2.0
    _first: dict[int, tuple[str, float]] = field(default_factory=dict)
    _last: dict[int, tuple[str, float]] = field(default_factory=dict)
    _peak: dict[int, int] = field(default_factory=dict)
    _worker_peak_sum: int = 0
    _machine: list[tuple[float, float]] = field(default_factory=list)
    _stalled: list[tuple[float, float | None]] = field(default_factory=list)
    _timeline: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    started: float = 0.0
    ended: float = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        self.ended = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _group(self, pid: int, name: str, parent: int) -> str | None:
        if pid == self.gunicorn:
            return "gunicorn master"
        if parent == self.gunicorn:
            return "gunicorn workers"
        if pid == self.locust:
            return "Locust"
        if name.startswith("postgres"):
            ours = f" {self.database} " in _cmdline(pid)
            return "PostgreSQL (this database)" if ours else "PostgreSQL (rest of the server)"
        if name.startswith("redis-server") and (not self.redis or pid == self.redis):
            return "Redis"
        return None

    def _sample(self) -> None:
        worker_rss = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            stat = _stat(pid)
            if stat is None or (group := self._group(pid, stat[0], stat[1])) is None:
                continue
            self._first.setdefault(pid, (group, stat[2]))
            self._last[pid] = (group, stat[2])
            rss = _rss_kib(pid)
            self._peak[pid] = max(self._peak.get(pid, 0), rss)
            worker_rss += rss if group == "gunicorn workers" else 0
        self._worker_peak_sum = max(self._worker_peak_sum, worker_rss)
        self._machine.append(_machine_busy())
        self._stalled.append((time.monotonic(), _cpu_stalled()))
        self._timeline.append((time.time(), {group: usage.cpu_seconds for group, usage in self.usage().items()}))

    def usage(self) -> dict[str, Usage]:
        """CPU seconds, peak resident memory and process count per group, over the sampled window."""
        groups: dict[str, Usage] = {}
        for pid, (group, cpu) in self._last.items():
            usage = groups.setdefault(group, Usage())
            usage.cpu_seconds += cpu - self._first[pid][1]
            usage.peak_rss_kib = max(usage.peak_rss_kib, self._peak.get(pid, 0))
            usage.processes += 1
        return groups

    def cpu_between(self, start: float, end: float) -> tuple[float, dict[str, float]]:
        """CPU seconds per group between two wall-clock times (``time.time()``), measured between the first and
        the last sample inside them; returns that span in seconds too."""
        inside = [(at, cpu) for at, cpu in self._timeline if start <= at <= end]
        if len(inside) < 2:
            return 0.0, {}
        (first_at, first), (last_at, last) = inside[0], inside[-1]
        return last_at - first_at, {group: seconds - first.get(group, 0.0) for group, seconds in last.items()}

    @property
    def worker_peak_total_kib(self) -> int:
        """The largest sum of all workers' resident memory seen in one sample."""
        return self._worker_peak_sum

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def cpu_pressure(self) -> float | None:
        """The share of the window in which some runnable task waited for a core (0–1): how crowded the cores
        were, whoever crowded them. None where the kernel does not say."""
        (start, first), (end, last) = self._stalled[0], self._stalled[-1]
        if first is None or last is None or end <= start:
            return None
        return (last - first) / (end - start)

    def machine_busy_share(self) -> float:
        """How busy the machine's cores were over the window, 0–1 (every process, ours or not)."""
        if len(self._machine) < 2:
            return 0.0
        (busy0, total0), (busy1, total1) = self._machine[0], self._machine[-1]
        return (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
