"""Writers exclude each other: a purge, an opt-out or a resume refuses while a crawl is alive.

The lock is real: a crawl subprocess against the demo web holds its SQLite store while the
test runs ``optout add``, ``purge`` and ``crawl --resume`` against it (each refused with exit
7, no WARC file touched); after the crawl ends the opt-out runs and ``verify`` passes. The
lock's own cases use a holder in another process (killed with SIGKILL to leave a stale lock)
and, on PostgreSQL, advisory locks on two connections.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.errors import BusyError
from provenance.store.lock import lock_path, lock_store
from tests.conftest import (
    PROVTRACK,
    REPO,
    DemoWebProcess,
    run_cli,
    start_demoweb,
    stop_process,
)

_HOLDER = """
import sys, time
from provenance.store.lock import lock_store
lock = lock_store(sys.argv[1], exclusive=sys.argv[2] == "alone", command="crawl (test)",
                  run_id="run-held")
print("held", flush=True)
time.sleep(120)
"""


def _hold(url: str, how: str = "shared") -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url, how],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_live_holder_is_named_and_a_dead_ones_lock_is_broken(tmp_path: Path) -> None:
    db = str(tmp_path / "provtrack.db")
    holder = _hold(db)
    try:
        with pytest.raises(BusyError) as refused:
            lock_store(db, exclusive=True, command="purge")
        message = str(refused.value)
        assert message.startswith("purge refused: crawl (test) (pid ")
        assert f"pid {holder.pid} " in message
        assert "run run-held" in message
        assert refused.value.exit_code == 7
        # crawls share the store
        with lock_store(db, exclusive=False, command="crawl (second)"):
            pass
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    # the kernel dropped the dead holder's lock; its line in the lock file is stale
    assert f'"pid": {holder.pid}' in lock_path(tmp_path / "provtrack.db").read_text()
    with lock_store(db, exclusive=True, command="purge") as lock:
        assert [h.pid for h in lock.broken] == [holder.pid]
    assert lock_path(tmp_path / "provtrack.db").read_text() == ""


def test_a_purge_holding_the_store_keeps_crawls_out(tmp_path: Path) -> None:
    db = str(tmp_path / "provtrack.db")
    holder = _hold(db, "alone")
    try:
        with pytest.raises(BusyError, match=r"crawl refused: crawl \(test\).*a purge is rewriting"):
            lock_store(db, exclusive=False, command="crawl")
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.postgres
def test_postgresql_advisory_locks(pg_url: str) -> None:
    shared = lock_store(pg_url, exclusive=False, command="crawl (pg)", run_id="r-pg")
    try:
        with lock_store(pg_url, exclusive=False, command="crawl (other)"):
            pass
        with pytest.raises(BusyError) as refused:
            lock_store(pg_url, exclusive=True, command="optout add")
        assert "provtrack crawl (pg) pid" in str(refused.value)
        # another schema is another store
        other = pg_url.rsplit("%3D", 1)[0] + "%3Dpublic"
        with lock_store(other, exclusive=True, command="purge"):
            pass
    finally:
        shared.release()
    with lock_store(pg_url, exclusive=True, command="optout add") as alone:
        alone.downgrade("crawl --resume")
        with lock_store(pg_url, exclusive=False, command="crawl"):
            pass


def _wait_for_images(db: Path, at_least: int, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended before the test could purge during it"
        urls: list[str] = []
        if db.exists():
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                urls = [
                    u for (u,) in conn.execute("SELECT url FROM image WHERE decision='collected'")
                ]
            except sqlite3.OperationalError:  # the schema does not exist yet
                pass
            finally:
                conn.close()
        if len(urls) >= at_least:
            return urls[0]
        time.sleep(0.3)
    pytest.fail("the crawl recorded no image in time")


def _warc_files(out: Path) -> set[str]:
    return {p.name for p in (out / "warc").glob("*.warc.gz")}


@pytest.fixture
def scale_web() -> Iterator[DemoWebProcess]:
    """The demo web with its scale hosts: a crawl of bulk-000.example lasts long enough."""
    web = start_demoweb(scale=1000)
    yield web
    stop_process(web.proc)


@pytest.mark.slow
def test_purge_during_a_live_crawl_is_refused_then_runs(
    tmp_path: Path, scale_web: DemoWebProcess
) -> None:
    out = tmp_path / "out"
    crawl = subprocess.Popen(
        [
            *PROVTRACK,
            "crawl",
            "http://bulk-000.example/",
            "--out",
            str(out),
            "--proxy",
            scale_web.url,
            "--concurrency",
            "1",
            "--render",
            "never",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = _wait_for_images(out / "provtrack.db", 5, crawl)
        files = _warc_files(out)
        for args in (
            ["optout", "add", "--url", url],
            ["purge", "--jurisdiction", "CA"],
            ["crawl", "--resume", "--proxy", scale_web.url],
        ):
            assert crawl.poll() is None, "the crawl ended before the test could purge during it"
            refused = run_cli(*args, "--out", str(out), check=False)
            assert refused.returncode == 7, (args, refused.stdout[-2000:], refused.stderr[-2000:])
            line = refused.stderr.strip().splitlines()[-1]
            assert "refused:" in line, line
            assert f"pid {crawl.pid} " in line, line
            assert files <= _warc_files(out), "no WARC file was removed"
        assert crawl.poll() is None, "the crawl was alive throughout"
        # the crawl ends as a user stops it (Ctrl-C): it records its end and lets go
        crawl.send_signal(signal.SIGINT)
        crawl.wait(timeout=300)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    done = run_cli("optout", "add", "--url", url, "--out", str(out))
    assert re.search(r"purged [1-9][0-9]* image records", done.stdout), done.stdout
    assert "pass" in run_cli("verify", "--out", str(out)).stdout


def test_a_warc_file_another_process_has_open_is_never_purged(crawl_copy: Path) -> None:
    conn = sqlite3.connect(crawl_copy / "provtrack.db")
    url, file = conn.execute(
        "SELECT url, warc_file FROM image WHERE decision='collected' ORDER BY id LIMIT 1"
    ).fetchone()
    conn.close()
    path = crawl_copy / "warc" / file
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; f = open(sys.argv[1], 'rb'); print('open', flush=True); "
            "time.sleep(120)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "open"
        refused = run_cli("optout", "add", "--url", url, "--out", str(crawl_copy), check=False)
        assert refused.returncode == 7, refused.stderr
        assert f"is open by process {reader.pid}" in refused.stderr, refused.stderr
        assert path.exists()
    finally:
        reader.kill()
        reader.wait()
    run_cli("optout", "add", "--url", url, "--out", str(crawl_copy))
    assert not path.exists()
    assert "pass" in run_cli("verify", "--out", str(crawl_copy)).stdout
