"""A crawl's helper processes end with it, even when it is killed with SIGKILL.

The crawl runs as users run it (``provtrack crawl`` against the demo web, two media worker
processes); once its workers are up it is killed with ``kill -9``, which no handler can
catch. Every process it had started (media workers, multiprocessing's resource tracker, the
browser driver if it had started one) must be gone shortly after: the test counts them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import PROVTRACK, REPO, DemoWebProcess


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) of every process on the machine."""
    out: dict[int, tuple[int, str, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: split after the last ")"
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (int(fields[1]), fields[0], cmdline)
    return out


def _descendants(root: int) -> dict[int, str]:
    table = _processes()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _, cmdline) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = cmdline
                frontier.append(pid)
    return found


def _alive(pids: set[int]) -> dict[int, str]:
    """The processes of ``pids`` still running (a zombie has ended; only its entry is left)."""
    table = _processes()
    return {pid: table[pid][2] for pid in pids if pid in table and table[pid][1] != "Z"}


def _start_crawl(
    out: Path, demoweb: DemoWebProcess, manifest: dict[str, Any], *options: str
) -> subprocess.Popen[bytes]:
    """A crawl of the whole demo web in a process of its own (the one the test kills)."""
    return subprocess.Popen(
        [*PROVTRACK, "crawl", *manifest["seeds"], "--out", str(out), "--proxy", demoweb.url,
         *options],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _kill_9_and_count_survivors(crawl: subprocess.Popen[bytes], family: dict[int, str]) -> None:
    """SIGKILL the crawl, then give its processes 30 s to notice; none may be left."""
    family |= _descendants(crawl.pid)
    os.kill(crawl.pid, signal.SIGKILL)
    crawl.wait(timeout=30)
    left = _alive(set(family))
    deadline = time.monotonic() + 30
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _alive(set(family))
    assert left == {}, f"{len(left)} of the crawl's {len(family)} processes outlived it: {left}"


def _leave_nothing_running(crawl: subprocess.Popen[bytes], family: dict[int, str]) -> None:
    """A failed test leaves nothing running either."""
    if crawl.poll() is None:
        crawl.kill()
        crawl.wait()
    for pid in _alive(set(family)):
        os.kill(pid, signal.SIGKILL)


def test_kill_9_of_a_crawl_leaves_no_process_behind(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    crawl = _start_crawl(tmp_path, demoweb, manifest, "--media-workers", "2")
    family: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 240
        workers: list[str] = []
        while time.monotonic() < deadline and crawl.poll() is None:
            family = _descendants(crawl.pid)
            workers = [c for c in family.values() if "multiprocessing" in c and "spawn" in c]
            if len(workers) >= 2:
                break
            time.sleep(0.5)
        assert crawl.poll() is None, "the crawl ended before its media workers started"
        assert len(workers) >= 2, family
        _kill_9_and_count_survivors(crawl, family)
    finally:
        _leave_nothing_running(crawl, family)


def test_kill_9_of_a_rendering_crawl_leaves_no_browser_behind(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    """The browser driver and every chromium process end with a crawl killed while it renders."""
    crawl = _start_crawl(tmp_path, demoweb, manifest, "--render", "always", "--media-workers", "0")
    family: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 240
        browsers: list[str] = []
        while time.monotonic() < deadline and crawl.poll() is None:
            family |= _descendants(crawl.pid)
            browsers = [c for c in family.values() if "chromium" in c and "--type=" not in c]
            if browsers and len(family) >= 4:
                break
            time.sleep(0.5)
        assert crawl.poll() is None, "the crawl ended before its browser started"
        assert browsers, family
        time.sleep(2)  # chromium's renderers and utility processes start beside it
        _kill_9_and_count_survivors(crawl, family)
    finally:
        _leave_nothing_running(crawl, family)
