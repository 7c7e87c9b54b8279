"""Session fixtures: the real demo web (proxy on port 0), real crawls of it, real databases.

Crawls run as ``provtrack crawl`` subprocesses (a Twisted reactor cannot restart inside one
test process, and the CLI is what users run). Each crawl of the whole demo web runs once per
session and its store is shared by every test that compares records with the manifest.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provenance.export.records import ExportView
from provenance.store import Store, open_store
from provenance.store.models import CrawlRun

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures"
PROVTRACK = [sys.executable, "-m", "provtrack"]
POSTGRES_URL = os.environ.get(
    "PROVTRACK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PROVTRACK_TEST_REDIS", "redis://127.0.0.1:6379/0")

# The stores' signing keys (provenance/store/checkpoints.py) are made in a folder of the test
# session, never in the user's ~/.config; run_cli subprocesses inherit it.
if "PROVTRACK_KEY_DIR" not in os.environ:
    _KEYS = tempfile.mkdtemp(prefix="provtrack-test-keys-")
    os.environ["PROVTRACK_KEY_DIR"] = _KEYS
    atexit.register(shutil.rmtree, _KEYS, True)


def fixtures_dir(name: str) -> Path:
    """A folder of ../shared/fixtures, or skip the test with the reason."""
    path = FIXTURES / name
    if not path.is_dir():
        pytest.skip(f"shared fixtures not present at {path}")
    return path


@dataclass
class DemoWebProcess:
    """A running ``python -m demoweb serve`` subprocess, the CA its HTTPS hosts use and its
    handshake key file."""

    proc: subprocess.Popen[str]
    url: str
    ca: Path
    key: Path | None = None

    @property
    def proxy_args(self) -> list[str]:
        """``--proxy URL --demo-ca FILE``: reach the demo web and trust its HTTPS hosts."""
        return ["--proxy", self.url, "--demo-ca", str(self.ca)]


def start_demoweb(scale: int = 0, key: Path | None = None) -> DemoWebProcess:
    """Start the demo web proxy on a free port and wait for its listening line.

    With ``key``, the demo web writes its handshake key there: crawls given it
    (``--demoweb-key`` or ``PROVTRACK_DEMOWEB_KEY``) may treat its names as demo hosts."""
    import tempfile

    ca = Path(tempfile.mkdtemp(prefix="demoweb-ca-")) / "ca.pem"
    keys = ["--key-file", str(key)] if key is not None else []
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "demoweb", "serve", "--port", "0", "--scale", str(scale)),
            *("--ca-out", str(ca)),
            *keys,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("demoweb listening on "):
        proc.kill()
        raise RuntimeError(f"demo web did not start: {line!r}")
    return DemoWebProcess(proc, line.rsplit(" ", 1)[1], ca, key)


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Terminate a subprocess and reap it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def demoweb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWebProcess]:
    """The demo web, served by its forward proxy on a free loopback port.

    Its handshake key is handed to every ``provtrack`` the tests run (the environment
    variable ``--demoweb-key`` reads): through this proxy, its names are demo hosts."""
    web = start_demoweb(key=tmp_path_factory.mktemp("demoweb-key") / "demoweb.key")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROVTRACK_DEMOWEB_KEY", str(web.key))
        yield web
    stop_process(web.proc)


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    """The demo web's ground truth."""
    from demoweb.manifest import build_manifest

    return build_manifest()


def run_cli(
    *args: str, timeout: float = 600, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``provtrack ARGS`` as users do and return the completed process."""
    result = subprocess.run(
        [*PROVTRACK, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"provtrack {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return result


@dataclass
class CrawlResult:
    """A finished crawl of the demo web: its output folder and its export records."""

    out: Path
    mode: str
    records: list[dict[str, Any]]
    stdout: str

    @property
    def by_url(self) -> dict[str, dict[str, Any]]:
        return {r["image_url"]: r for r in self.records}

    @property
    def db(self) -> str:
        return str(self.out / "provtrack.db")


def crawl_demo(
    out: Path, mode: str, proxy: str | DemoWebProcess, seeds: list[str], *extra: str
) -> CrawlResult:
    """Crawl the demo web's seeds in one mode and export the records as JSONL.

    Given the demo web process (not only its proxy URL), its CA is trusted for its HTTPS hosts.
    """
    options = ["--proxy", proxy] if isinstance(proxy, str) else ["--proxy", proxy.url]
    if isinstance(proxy, DemoWebProcess):
        options += ["--demo-ca", str(proxy.ca)]
    result = run_cli("crawl", *seeds, "--mode", mode, "--out", str(out), *options, *extra)
    run_cli("export", "--out", str(out), "--format", "jsonl")
    lines = (out / "export" / "records.jsonl").read_text().splitlines()
    return CrawlResult(out, mode, [json.loads(line) for line in lines], result.stdout)


@pytest.fixture(scope="session")
def compliant_crawl(
    tmp_path_factory: pytest.TempPathFactory, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> CrawlResult:
    """The whole demo web crawled once in compliant mode."""
    return crawl_demo(tmp_path_factory.mktemp("compliant"), "compliant", demoweb, manifest["seeds"])


@pytest.fixture(scope="session")
def reproduce_crawl(
    tmp_path_factory: pytest.TempPathFactory, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> CrawlResult:
    """The whole demo web crawled once in reproduce mode."""
    return crawl_demo(tmp_path_factory.mktemp("reproduce"), "reproduce", demoweb, manifest["seeds"])


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema on the machine's server, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    base = POSTGRES_URL.replace("postgresql://", "postgresql://", 1)
    try:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as err:
        pytest.fail(f"PostgreSQL is not answering at {POSTGRES_URL}: {err}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def have_chromium() -> bool:
    """Whether Debian's chromium is installed (scripts/run installs it)."""
    return shutil.which("chromium") is not None or Path("/usr/bin/chromium").exists()


@dataclass
class DemoRun:
    """One mode's run inside the demo's store, with its export records."""

    mode: str
    run_id: str
    view: ExportView
    records: list[dict[str, Any]]

    @property
    def by_url(self) -> dict[str, dict[str, Any]]:
        return {r["image_url"]: r for r in self.records}


@dataclass
class DemoCrawl:
    """The demo's output: store, manifest of the web it crawled, both runs, elapsed time."""

    out: Path
    store: Store
    manifest: dict[str, Any]
    runs: dict[str, DemoRun]
    seconds: float
    stdout: str


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> DemoCrawl:
    """Run ``provtrack demo`` once: serve the demo web, crawl it in both modes."""
    out = tmp_path_factory.mktemp("demo")
    started = time.monotonic()
    result = run_cli("demo", "--out", str(out), timeout=600)
    seconds = time.monotonic() - started
    manifest = json.loads((out / "demoweb-manifest.json").read_text())
    store = open_store(str(out / "provtrack.db"))
    runs: dict[str, DemoRun] = {}
    for run in store.all(CrawlRun):
        view = ExportView(store, run.id)
        runs[run.mode] = DemoRun(run.mode, run.id, view, list(view))
    return DemoCrawl(out, store, manifest, runs, seconds, result.stdout)
