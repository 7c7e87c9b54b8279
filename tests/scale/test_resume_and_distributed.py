"""A crawl killed with SIGKILL loses nothing: resumed alone, or finished by another process.

Both tests compare the records with the session's uninterrupted crawl of the same demo web
(``demo_crawl``): the same images with the same decisions and reasons, the same pages, no
duplicated record, and ``verify`` passes over the evidence chain and the WARC files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from provenance.export.records import ExportView
from provenance.store import Store, open_store
from provenance.store.models import HostSnapshot, Image, Page, SignalRecord
from provenance.store.tallies import run_tallies
from provenance.verify import verify
from tests.conftest import PROVTRACK, REDIS_URL, REPO, DemoCrawl, DemoWebProcess, run_cli

pytestmark = pytest.mark.slow


def _outcome(records: list[dict[str, Any]]) -> dict[str, tuple[str, frozenset[str]]]:
    return {
        r["image_url"]: (
            r["decision"],
            frozenset(x["value"] if x["kind"] == "failure" else x["kind"] for x in r["reasons"]),
        )
        for r in records
    }


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*PROVTRACK, *args], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_for_images(
    store: Store, run_id: str, at_least: int, proc: subprocess.Popen[bytes]
) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the crawl finished before it could be killed; raise the threshold")
        try:
            count = store.count(Image, run_id=run_id)
        except Exception:  # the schema may not exist yet
            count = 0
        if count >= at_least:
            return count
        time.sleep(0.2)
    pytest.fail("the crawl recorded too few images in time")


def _no_duplicates(store: Store, run_id: str) -> None:
    for model, key in ((Image, "url"), (Page, "url")):
        rows = store.all(model, run_id=run_id)
        counts = Counter(getattr(r, key) for r in rows)
        assert max(counts.values()) == 1, f"duplicated {model.__name__}"
    signals = store.all(SignalRecord, run_id=run_id)
    keys = Counter(
        (s.subject, s.kind, s.value, s.source, s.evidence, s.agent, s.level) for s in signals
    )
    duplicated = [k for k, n in keys.items() if n > 1]
    assert not duplicated, duplicated[:5]
    snapshots = store.all(HostSnapshot, run_id=run_id)
    assert max(Counter((s.host, s.kind) for s in snapshots).values()) == 1


def _same_as_uninterrupted(demo_crawl: DemoCrawl, mode: str, store: Store, run_id: str) -> None:
    expected = demo_crawl.runs[mode]
    got = list(ExportView(store, run_id))
    assert _outcome(got) == _outcome(expected.records)
    pages = {p.url: p.decision for p in store.all(Page, run_id=run_id)}
    want = {p.url: p.decision for p in demo_crawl.store.all(Page, run_id=expected.run_id)}
    assert pages == want


def test_resume_after_kill(tmp_path: Path, demoweb: DemoWebProcess, demo_crawl: DemoCrawl) -> None:
    out = tmp_path / "crawl"
    run_id = f"resume-{uuid.uuid4().hex[:6]}"
    seeds = demo_crawl.manifest["seeds"]
    args = ["crawl", *seeds, "--mode", "reproduce", "--out", str(out), *demoweb.proxy_args]
    proc = _start([*args, "--run-id", run_id])
    store = None
    while store is None:
        if (out / "provtrack.db").exists():
            store = open_store(str(out / "provtrack.db"))
        time.sleep(0.1)
    killed_at = _wait_for_images(store, run_id, 30, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert store.count(Image, run_id=run_id) < len(demo_crawl.runs["reproduce"].records)

    result = run_cli("crawl", "--resume", "--out", str(out), *demoweb.proxy_args)
    assert run_id in result.stdout
    _no_duplicates(store, run_id)
    _same_as_uninterrupted(demo_crawl, "reproduce", store, run_id)
    # the resumed run's summary counts the whole run, not the part after the kill
    whole, whole_by = run_tallies(demo_crawl.store, demo_crawl.runs["reproduce"].run_id)
    run = store.get_run(run_id)
    assert run is not None
    summary = run.summary["counts"]
    keys = [k for k in whole if k.startswith(("pages_", "images_"))]
    assert {k: summary.get(k) for k in keys} == {k: whole[k] for k in keys}
    assert run.summary["skipped_by"] == whole_by
    assert f"{whole['images_collected']}" in result.stdout
    report = verify(store, out / "warc")
    assert report.ok, report.problems[:3]
    files = sorted(str(p) for p in (out / "warc").glob("*.warc.gz"))
    check = subprocess.run(
        [str(Path(PROVTRACK[0]).parent / "warcio"), "check", *files],
        capture_output=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    assert killed_at >= 30


def _flush_redis(run_id: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as err:
        pytest.fail(f"Redis is not answering at {REDIS_URL}: {err}")
    for key in client.keys(f"provtrack:{run_id}:*"):
        client.delete(key)


@pytest.mark.postgres
@pytest.mark.redis
def test_two_processes_share_one_frontier_and_survive_a_kill(
    tmp_path: Path, demoweb: DemoWebProcess, demo_crawl: DemoCrawl, pg_url: str
) -> None:
    run_id = f"dist-{uuid.uuid4().hex[:6]}"
    _flush_redis(run_id)
    seeds = demo_crawl.manifest["seeds"]
    common = [
        *seeds,
        "--mode",
        "reproduce",
        "--db",
        pg_url,
        *demoweb.proxy_args,
        "--frontier",
        REDIS_URL,
        "--run-id",
        run_id,
    ]
    store = open_store(pg_url)
    first = _start(["crawl", *common, "--out", str(tmp_path / "a")])
    second = _start(["crawl", *common, "--out", str(tmp_path / "b")])
    _wait_for_images(store, run_id, 25, first)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert second.wait(timeout=300) == 0

    _no_duplicates(store, run_id)
    _same_as_uninterrupted(demo_crawl, "reproduce", store, run_id)
    # every host's policy documents were fetched once between the two processes, except
    # those the killed process fetched but had not stored yet: the survivor fetches them again
    # (once its claim on the host expired), so it alone never fetches one twice
    per_folder: dict[str, Counter[str]] = {"a": Counter(), "b": Counter()}
    for folder, counts in per_folder.items():
        for path in (tmp_path / folder / "warc").glob("*.warc.gz"):
            from warcio.archiveiterator import ArchiveIterator

            with path.open("rb") as fh:
                try:
                    for record in ArchiveIterator(fh):
                        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                        if record.rec_type == "response" and uri.endswith("/robots.txt"):
                            counts[uri] += 1
                except Exception:  # noqa: S110 - the killed process's last record may be cut
                    pass
    robots = per_folder["a"] + per_folder["b"]
    assert robots
    # a robots.txt that refuses its server's first request is asked twice by whoever meets it
    refused_once = {
        h["robots"]["url"] for h in demo_crawl.manifest["hosts"] if h["robots"]["first_status"]
    }
    # a robots.txt another name redirects to (apex -> www) is fetched once for each name
    reached_by = Counter(
        hop["url"]
        for h in demo_crawl.manifest["hosts"]
        for alias in h["aliases"]
        for hop in alias["robots"][1:]
    )
    assert all(robots[u] <= 4 * (1 + reached_by[u]) for u in refused_once), robots
    survivor = per_folder["b"]
    over = {u: n for u, n in survivor.items() if u not in refused_once and n > 1 + reached_by[u]}
    assert not over, (over, reached_by)
    redone = {
        u: n for u, n in robots.items() if u not in refused_once and n > 2 * (1 + reached_by[u])
    }
    assert not redone, (redone, reached_by)
    with store.session() as session:
        entries = session.exec(text("SELECT count(*) FROM evidence_entry")).one()  # type: ignore[call-overload]
    assert entries[0] > 0
    report = verify(store, [tmp_path / "a" / "warc", tmp_path / "b" / "warc"])
    assert report.ok, report.problems[:3]


def test_relative_out_folder_means_the_same_store_for_every_command(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    """``--out provtrack-out`` (relative) is one folder for crawl, export and verify alike."""
    env_cwd = tmp_path
    seed = "http://commonsgallery.org/"
    for args in (
        ["crawl", seed, "--out", "rel-out", *demoweb.proxy_args, "--render", "never"],
        ["export", "--out", "rel-out"],
        ["verify", "--out", "rel-out"],
    ):
        result = subprocess.run(
            [*PROVTRACK, *args], cwd=env_cwd, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (args, result.stderr[-2000:])
    assert (tmp_path / "rel-out" / "provtrack.db").exists()
    assert not (tmp_path / "rel-out" / "rel-out").exists()
    assert (tmp_path / "rel-out" / "export" / "records.jsonl").read_text().strip()
