"""Fixtures over the report that ``provtrack demo`` writes at the end of its run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DemoCrawl


@pytest.fixture(scope="session")
def report_dir(demo_crawl: DemoCrawl) -> Path:
    """The demo's report folder (``OUT/report``)."""
    return demo_crawl.out / "report"


@pytest.fixture(scope="session")
def report_json(report_dir: Path) -> dict[str, Any]:
    """The demo's JSON report."""
    data: dict[str, Any] = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def trails(report_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's image trails by URL."""
    return {t["url"]: t for t in report_json["images"]}
