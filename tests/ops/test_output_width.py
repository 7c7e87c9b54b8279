"""Output to a pipe or a file is not cut at 80 columns: run ids and paths survive ``| tee``."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import DemoCrawl, run_cli


def test_demo_summary_keeps_every_run_id_whole(demo_crawl: DemoCrawl) -> None:
    for run in demo_crawl.runs.values():
        assert run.run_id in demo_crawl.stdout, f"{run.run_id} cut in the demo's summary"
    assert "…" not in demo_crawl.stdout


def test_tables_are_not_cut_when_piped(crawl_copy: Path) -> None:
    result = run_cli("evaluate", "--out", str(crawl_copy))
    assert "…" not in result.stdout + result.stderr
    assert str(crawl_copy / "provtrack.db") in result.stdout + result.stderr
