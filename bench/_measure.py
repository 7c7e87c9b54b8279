"""Shared helpers for the benchmarks: machine facts, the scale web, a measured run of a command
(wall time, peak RSS of its process tree, CPU of the process and of its children), a measured
``provtrack`` run into a fresh store, results files."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]
_TICK = os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    load = os.getloadavg()
    return {
        "uname": " ".join(platform.uname()),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average_at_start": [round(x, 2) for x in load],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _tree(pid: int) -> list[int]:
    pids = [pid]
    index = 0
    while index < len(pids):
        for task in Path(f"/proc/{pids[index]}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            pids.extend(int(c) for c in children)
        index += 1
    return pids


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_self(pid: int) -> float | None:
    """User + system CPU seconds of the process itself (not its children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


class PeakRss:
    """Samples a process (and separately its whole tree) every 0.2 s; keeps the peaks.

    It also keeps the process's own CPU time at its last sample: the crawler's share of a run
    (the rest of the run's CPU, from ``wait4``, is its media workers')."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_main = 0
        self.peak_tree = 0
        self.cpu_main = 0.0
        self.cpu_total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_main = max(self.peak_main, _rss(self.pid))
            cpu = _cpu_self(self.pid)
            if cpu is not None:
                self.cpu_main = max(self.cpu_main, cpu)
            self.peak_tree = max(self.peak_tree, sum(_rss(p) for p in _tree(self.pid)))
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()


def run_measured(
    cmd: list[str], **kwargs: Any
) -> tuple[subprocess.CompletedProcess[str], float, PeakRss]:
    """Run a command, timing it and sampling its peak RSS."""
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )
    sampler = PeakRss(proc.pid)
    # the pipes are drained by threads so that the process is reaped here, with its rusage
    chunks: dict[str, list[str]] = {"out": [], "err": []}
    readers = [
        threading.Thread(target=lambda s=stream, k=key: chunks[k].append(s.read()), daemon=True)
        for key, stream in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    sampler.stop()
    elapsed = time.monotonic() - started
    # the process and every descendant it waited for (media workers, a server it ran)
    sampler.cpu_total = usage.ru_utime + usage.ru_stime
    out, err = "".join(chunks["out"]), "".join(chunks["err"])
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), elapsed, sampler


def serve_scale_web(scale: int) -> tuple[subprocess.Popen[str], str]:
    """Start ``demoweb serve --scale N`` on a free port; return it and its proxy URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "demoweb", "serve", "--port", "0", "--scale", str(scale)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    return proc, line.rsplit(" ", 1)[1]


def load_now() -> list[float]:
    """The load average now (recorded beside every figure: the machine is shared)."""
    return [round(x, 2) for x in os.getloadavg()]


def provtrack_run(
    cmd: list[str], out: Path, what: str, extra: dict[str, str] | None = None
) -> tuple[dict[str, Any], float, PeakRss]:
    """Run a ``provtrack`` command that fills the store in ``out``; its figures, time and sampler.

    The figures every crawl and audit benchmark reports: image decisions and evidence entries
    from the store (plus ``extra``: name -> a ``SELECT`` of one number), WARC size, wall
    seconds, peak RSS of the process and of its tree, CPU seconds of the process and of its
    media workers, and the load average before and after. ``out`` is removed afterwards.
    """
    load_before = load_now()
    result, elapsed, rss = run_measured(cmd, cwd=REPO)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed: {result.stderr[-2000:]}")
    with sqlite3.connect(out / "provtrack.db") as db:
        decisions = dict(
            db.execute("SELECT decision, count(*) FROM image GROUP BY decision").fetchall()
        )
        figures: dict[str, Any] = {
            "decisions": decisions,
            "evidence_entries": db.execute("SELECT count(*) FROM evidence_entry").fetchone()[0],
        }
        for name, query in (extra or {}).items():
            figures[name] = db.execute(query).fetchone()[0]
    warc_bytes = sum(p.stat().st_size for p in (out / "warc").glob("*.warc.gz"))
    shutil.rmtree(out, ignore_errors=True)
    figures.update(
        {
            "warc_mb": round(warc_bytes / 2**20, 1),
            "seconds": round(elapsed, 1),
            "peak_rss_mb": round(rss.peak_main / 2**20, 1),
            "peak_rss_with_workers_mb": round(rss.peak_tree / 2**20, 1),
            "cpu_seconds_main": round(rss.cpu_main, 1),
            "cpu_seconds_workers": round(max(0.0, rss.cpu_total - rss.cpu_main), 1),
            "load_average": [load_before, load_now()],
        }
    )
    return figures, elapsed, rss


def write_results(name: str, data: dict[str, Any]) -> Path:
    """Write a benchmark's results next to the others."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
