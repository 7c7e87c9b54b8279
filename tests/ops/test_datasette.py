"""The store as Datasette expects it: ``datasette provtrack.db`` (the real tool, its JSON API)
shows foreign-key links, every table and column described, and the canned queries answer the
manifest's truth."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

from provenance.store.datasette import store_metadata
from tests.conftest import DemoCrawl


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def datasette_url(evaluated_copy: Path) -> Iterator[str]:
    """``datasette -i OUT/provtrack.db`` as a user starts it (immutable: read-only)."""
    exe = shutil.which("datasette") or str(Path(sys.executable).with_name("datasette"))
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "-i", str(evaluated_copy / "provtrack.db"), "--port", str(port), "-h", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/-/versions.json", timeout=2).read()
                break
            except OSError as err:
                if proc.poll() is not None:
                    message = proc.stderr.read().decode() if proc.stderr else ""
                    raise AssertionError(message) from err
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def test_every_table_and_column_is_described() -> None:
    meta = store_metadata()
    for table in SQLModel.metadata.sorted_tables:
        described = meta["tables"].get(table.name)
        assert described, f"table {table.name} has no description"
        assert described["description"]
        missing = {c.name for c in table.columns} - set(described["columns"])
        assert not missing, f"{table.name}: columns without description {sorted(missing)}"
        extra = set(described["columns"]) - {c.name for c in table.columns}
        assert not extra, f"{table.name}: described columns that do not exist {sorted(extra)}"
    assert set(meta["tables"]) == {t.name for t in SQLModel.metadata.sorted_tables}


def test_datasette_shows_links_descriptions_and_no_legacy_table(datasette_url: str) -> None:
    tables = {t["name"]: t for t in _get(f"{datasette_url}/provtrack.json")["tables"]}
    assert "verdict" not in tables, "the empty legacy verdict table is dropped"
    assert "image_verdict" in tables
    outgoing = {
        (fk["column"], fk["other_table"])
        for fk in tables["image_verdict"]["foreign_keys"]["outgoing"]
    }
    assert outgoing == {
        ("image_id", "image"),
        ("evaluation", "evaluation"),
        ("outcome_id", "verdict_outcome"),
    }
    incoming = {fk["other_table"] for fk in tables["crawl_run"]["foreign_keys"]["incoming"]}
    assert {"image", "page", "signal", "host_snapshot", "image_occurrence"} <= incoming
    # a verdict row links to its image, labelled by the image's URL column
    rows = _get(f"{datasette_url}/provtrack/image_verdict.json?_labels=on&_shape=objects&_size=5")
    row = rows["rows"][0]
    assert isinstance(row["image_id"], dict)
    assert set(row["image_id"]) == {"value", "label"}
    meta = _get(f"{datasette_url}/-/metadata.json")
    described = meta["databases"]["provtrack"]["tables"]["image"]
    assert described["columns"]["response_headers"].startswith("JSON of the response headers")


def test_canned_queries_answer_the_manifest(datasette_url: str, demo_crawl: DemoCrawl) -> None:
    manifest = demo_crawl.manifest
    skipped_by_host: dict[str, set[str]] = {}
    for image in manifest["images"]:
        if image["expect"]["compliant"]["decision"] == "skip":
            skipped_by_host.setdefault(image["host"], set()).add(image["url"])
    host = max(skipped_by_host, key=lambda h: len(skipped_by_host[h]))
    answer = _get(
        f"{datasette_url}/provtrack/skipped_and_why.json?host={host}&_shape=objects&_size=max"
    )
    rows = answer["rows"]
    compliant = {r["url"] for r in rows if "compliant" in r["run_id"]}
    assert compliant == skipped_by_host[host]
    assert all(r["kind"] and r["evidence"] is not None for r in rows)

    took = _get(
        f"{datasette_url}/provtrack/reproduce_took_compliant_left.json?_shape=objects&_size=max"
    )["rows"]
    expected = {
        i["url"]
        for i in manifest["images"]
        if i["expect"]["reproduce"]["decision"] == "collect"
        and i["expect"]["compliant"]["decision"] in ("skip", "unseen")
    }
    assert {r["url"] for r in took} == expected

    per = _get(
        f"{datasette_url}/provtrack/images_per_jurisdiction_and_verdict.json?_shape=objects"
    )["rows"]
    assert {r["jurisdiction"] for r in per} >= {"CA", "EU"}
    assert all(r["images"] > 0 for r in per)
