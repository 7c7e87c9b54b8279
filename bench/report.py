"""Report and evaluation at scale: 100,000 image records (issue 7).

Run from the repository root: ``python -m bench.report [--records 100000]``.

1. ``provtrack demo`` crawls the demo web into a fresh store (both modes, evaluated).
2. The store's image records, with their occurrences, signals and pages, are replicated under
   new URLs until the reproduce run holds ``--records`` image records (SQL copies; the
   evidence chain is not extended, the report does not read it).
3. Timed, in the same run: ``provtrack evaluate`` over all records (target: >= 20,000
   records/s for the evaluation itself), then ``provtrack report --format all`` (target: under
   30 s). The baseline is the same report on the demo's own ~190 records, as a per-record
   ratio.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import machine, run_measured, write_results

REPO = Path(__file__).resolve().parents[1]
PROVTRACK = [str(Path(sys.executable).parent / "provtrack")]


def _cli(*args: str) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [*PROVTRACK, *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"provtrack {' '.join(args)} failed: {result.stderr[-2000:]}")
    return time.monotonic() - started


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def replicate(db_path: Path, target: int) -> int:
    """Copy the reproduce run's records under new URLs until it has ``target`` images."""
    db = sqlite3.connect(db_path)
    run_id = db.execute("SELECT id FROM crawl_run WHERE mode = 'reproduce'").fetchone()[0]
    images = db.execute("SELECT * FROM image WHERE run_id = ?", (run_id,)).fetchall()
    image_cols = _columns(db, "image")
    occ_cols = _columns(db, "image_occurrence")
    sig_cols = _columns(db, "signal")
    url_i, id_i = image_cols.index("url"), image_cols.index("id")
    occurrences = db.execute(
        "SELECT * FROM image_occurrence WHERE run_id = ?", (run_id,)
    ).fetchall()
    signals = db.execute(
        "SELECT * FROM signal WHERE run_id = ? AND level = 'image'", (run_id,)
    ).fetchall()
    by_url_occ: dict[str, list[tuple[Any, ...]]] = {}
    for occ in occurrences:
        by_url_occ.setdefault(occ[occ_cols.index("image_url")], []).append(occ)
    by_url_sig: dict[str, list[tuple[Any, ...]]] = {}
    for sig in signals:
        by_url_sig.setdefault(sig[sig_cols.index("subject")], []).append(sig)
    copies = max(0, -(-target // len(images)) - 1)
    placeholders = {
        t: ",".join("?" * len(c))
        for t, c in (("image", image_cols), ("image_occurrence", occ_cols), ("signal", sig_cols))
    }
    for k in range(1, copies + 1):
        new_images, new_occ, new_sig = [], [], []
        for row in images:
            url = f"{row[url_i]}?copy={k}"
            values = list(row)
            values[id_i], values[url_i] = None, url
            new_images.append(values)
            for occ in by_url_occ.get(row[url_i], []):
                o = list(occ)
                o[occ_cols.index("id")], o[occ_cols.index("image_url")] = None, url
                new_occ.append(o)
            for sig in by_url_sig.get(row[url_i], []):
                s = list(sig)
                s[sig_cols.index("id")], s[sig_cols.index("subject")] = None, url
                new_sig.append(s)
        db.executemany(f"INSERT INTO image VALUES ({placeholders['image']})", new_images)
        db.executemany(
            f"INSERT INTO image_occurrence VALUES ({placeholders['image_occurrence']})", new_occ
        )
        db.executemany(f"INSERT INTO signal VALUES ({placeholders['signal']})", new_sig)
    db.commit()
    total = db.execute("SELECT count(*) FROM image WHERE run_id = ?", (run_id,)).fetchone()[0]
    db.close()
    return int(total)


def main() -> None:
    """Build the large store, time evaluation and the report, record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="provtrack-bench-report-"))
    try:
        out = work / "demo"
        _cli("demo", "--out", str(out))
        baseline_records = (
            sqlite3.connect(out / "provtrack.db")
            .execute("SELECT count(*) FROM image")
            .fetchone()[0]
        )
        base_seconds = _cli("report", "--out", str(out), "--format", "all")
        total = replicate(out / "provtrack.db", args.records)
        records = (
            sqlite3.connect(out / "provtrack.db")
            .execute("SELECT count(*) FROM image")
            .fetchone()[0]
        )
        result, evaluate_seconds, evaluate_rss = run_measured(
            [*PROVTRACK, "evaluate", "--out", str(out)], cwd=REPO
        )
        if result.returncode != 0:
            raise SystemExit(result.stderr[-2000:])
        result, report_seconds, report_rss = run_measured(
            [*PROVTRACK, "report", "--out", str(out), "--format", "all"], cwd=REPO
        )
        if result.returncode != 0:
            raise SystemExit(result.stderr[-2000:])
        sizes = {
            p.name: round(p.stat().st_size / 2**20, 1) for p in (out / "report").glob("report.*")
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_record = report_seconds / records
    base_per_record = base_seconds / baseline_records
    results = {
        "benchmark": "report",
        "command": "python -m bench.report " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "records": records,
        "reproduce_run_records": total,
        "evaluate": {
            "seconds": round(evaluate_seconds, 1),
            "records_per_second_end_to_end": round(records / evaluate_seconds),
            "peak_rss_mb": round(evaluate_rss.peak_main / 2**20, 1),
        },
        "report_all_formats": {
            "seconds": round(report_seconds, 1),
            "peak_rss_mb": round(report_rss.peak_main / 2**20, 1),
            "file_sizes_mb": sizes,
        },
        "baseline_demo_report": {"records": baseline_records, "seconds": round(base_seconds, 2)},
        "per_record_ratio_vs_demo": round(per_record / base_per_record, 3),
        "targets": {
            "report of 100,000 records under 30 s": report_seconds < 30 and records >= 100_000
        },
    }
    path = write_results("report", results)
    print(results)
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
