"""Shared helpers for the benchmarks: machine facts, peak RSS of a process tree, results files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


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


class PeakRss:
    """Samples a process (and separately its whole tree) every 0.2 s; keeps the peaks."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_main = 0
        self.peak_tree = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_main = max(self.peak_main, _rss(self.pid))
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
    out, err = proc.communicate()
    sampler.stop()
    elapsed = time.monotonic() - started
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), elapsed, sampler


def write_results(name: str, data: dict[str, Any]) -> Path:
    """Write a benchmark's results next to the others."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
