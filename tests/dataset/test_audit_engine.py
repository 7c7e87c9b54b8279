"""An audit runs on the crawl's engine: the opt-out registry first, resume, several processes
sharing a Redis frontier and a PostgreSQL store (one killed), verify over its evidence."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from provenance.store import open_store
from provenance.store.models import DatasetEntry, Image
from provenance.verify import verify
from tests.conftest import PROVTRACK, REDIS_URL, REPO, DemoWebProcess, run_cli
from tests.dataset.conftest import audit, mismatches


def _urls(manifest: dict[str, Any]) -> list[str]:
    return [i["url"] for i in manifest["images"]]


def test_the_optout_registry_comes_first_and_a_resume_audits_only_what_is_missing(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    out = tmp_path / "out"
    registry = [u for u in _urls(manifest) if u.startswith("http://commonsgallery.org/")]
    urls = [u for u in _urls(manifest) if u not in registry] + registry
    path = tmp_path / "urls.txt"
    half = len(urls) // 2
    assert half <= len(urls) - len(registry)
    # the first run reads half the manifest, as if it had been killed there
    path.write_text("\n".join(urls[:half]) + "\n")
    run_id = f"audit-{uuid.uuid4().hex[:6]}"
    run_cli("audit", str(path), "--out", str(out), *demoweb.proxy_args, "--run-id", run_id)
    # meanwhile the gallery asks not to be collected: the rest of the audit honours it first
    run_cli("optout", "add", "--host", "commonsgallery.org", "--out", str(out))
    path.write_text("\n".join(urls) + "\n")
    result = audit(out, str(path), *demoweb.proxy_args, "--resume", "--run-id", run_id)
    read = re.search(r"dataset rows read\s*│\s*(\d+)", result.stdout)
    assert read is not None
    assert int(read.group(1)) == len(urls) - half  # the resume read only the missing rows
    with sqlite3.connect(out / "provtrack.db") as db:
        rows = db.execute(
            "select row, count(*) from dataset_entry where run_id = ? group by row", (run_id,)
        ).fetchall()
        fetched = dict(
            db.execute(
                "select url, count(*) from image where run_id = ? group by url", (run_id,)
            ).fetchall()
        )
    assert sorted(r for r, _ in rows) == list(range(len(urls)))
    assert all(n == 1 for _, n in rows)
    assert all(n == 1 for n in fetched.values())
    # and requested none of the first run's images again: one exchange per image URL
    requested: Counter[str] = Counter()
    for warc in (out / "warc").glob("*.warc.gz"):
        with warc.open("rb") as fh:
            for record in ArchiveIterator(fh):
                target = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type != "response" or target not in fetched:
                    continue
                if not record.http_headers.get_statuscode().startswith("3"):  # not a redirect hop
                    requested[target] += 1
    assert requested
    assert max(requested.values()) == 1, requested.most_common(3)
    for url in registry:
        record = result.records[url]
        assert record["decision"] == "skipped"
        assert {r["kind"] for r in record["reasons"]} == {"optout-registry"}
    others = {u: "url_only" for u in urls if u not in registry}
    problems = mismatches(result.records, manifest, others)
    assert not problems, "\n".join(problems)
    report = verify(open_store(str(out / "provtrack.db")), out / "warc")
    assert report.ok, report.problems[:3]


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
def test_two_processes_share_a_frontier_and_postgresql_and_survive_a_kill(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any], pg_url: str
) -> None:
    urls = _urls(manifest)
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(urls) + "\n")
    run_id = f"dist-audit-{uuid.uuid4().hex[:6]}"
    _flush_redis(run_id)
    common = [
        "audit",
        str(path),
        "--db",
        pg_url,
        *demoweb.proxy_args,
        "--frontier",
        REDIS_URL,
        "--run-id",
        run_id,
        "--chunk-rows",
        "8",
    ]

    def start(folder: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*PROVTRACK, *common, "--out", str(tmp_path / folder)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    store = open_store(pg_url)
    first, second = start("a"), start("b")
    deadline = time.monotonic() + 180
    while store.count(DatasetEntry, run_id=run_id) < 20:
        if first.poll() is not None or time.monotonic() > deadline:
            pytest.fail("the first audit finished (or stalled) before it could be killed")
        time.sleep(0.2)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert second.wait(timeout=600) == 0

    entries = store.all(DatasetEntry, run_id=run_id)
    assert Counter(e.row for e in entries) == Counter(range(len(urls)))
    images = store.all(Image, run_id=run_id)
    assert max(Counter(i.url for i in images).values()) == 1
    run_cli("export", "--db", pg_url, "--out", str(tmp_path / "b"), "--format", "jsonl")
    lines = (tmp_path / "b" / "export" / "records.jsonl").read_text().splitlines()
    records = {r["image_url"]: r for r in map(json.loads, lines) if r["run_id"] == run_id}
    problems = mismatches(records, manifest, dict.fromkeys(urls, "url_only"))
    assert not problems, "\n".join(problems)
