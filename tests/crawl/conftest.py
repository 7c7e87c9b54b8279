"""The whole demo web, crawled once per session by ``provtrack demo`` in both modes."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provenance.export.records import ExportView
from provenance.store import Store, open_store
from provenance.store.models import CrawlRun
from tests.conftest import run_cli


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
