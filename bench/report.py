"""Report and evaluation at scale: 100,000 image records (issue 7).

Run from the repository root: ``python -m bench.report [--records 100000]``.

1. ``provtrack demo`` crawls the demo web into a fresh store (both modes, evaluated).
2. The store's image records, with their occurrences and image signals, are replicated under
   new URLs until the reproduce run holds ``--records`` image records (SQL copies; the
   evidence chain is not extended, the report does not read it).
3. Timed, in the same run:

   - ``provtrack evaluate`` over all records, end to end (interpreter start, pack loading,
     reading, judging, storing and chaining every verdict; peak RSS sampled). Target: at
     least 20,000 records/s;
   - ``evaluate_store`` in this process over the same records (a re-evaluation: what
     evaluation costs once the packs are loaded), with its breakdown;
   - the same in-process evaluation after every copy's facts were made to differ (the fetch
     day and face count vary with the record), so that the facts memo rarely hits: the case
     of a real crawl whose records share less than copies do;
   - ``provtrack report --format all`` (default trail cap). Target: under 30 s.

   The baseline is the same report on the demo's own ~190 records, as a per-record ratio.
"""

from __future__ import annotations

import argparse
import json
import os
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
# ``python -m provtrack`` from the repository root runs this checkout's code (the venv's
# ``provtrack`` script would import whichever checkout the venv was installed from)
PROVTRACK = [sys.executable, "-m", "provtrack"]


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


def _vary(db_path: Path) -> None:
    """Make the copies' facts differ: the fetch day and the face count vary with the record."""
    db = sqlite3.connect(db_path)
    with db:
        db.execute(
            "UPDATE image SET fetched_at = datetime(fetched_at, '+' || (id % 366) || ' days'), "
            "face_count = CASE WHEN face_count IS NULL THEN NULL ELSE id % 5 END"
        )
    db.close()


def _in_process(db_path: Path) -> dict[str, Any]:
    """``evaluate_store`` over every record, in this process, with its breakdown."""
    from policies import load_packs
    from provenance.evaluation import evaluate_store
    from provenance.store import open_store

    packs = load_packs()
    store = open_store(str(db_path))
    started = time.perf_counter()
    summary = evaluate_store(store, packs)
    seconds = time.perf_counter() - started
    store.engine.dispose()
    return {
        "records": summary.records,
        "verdict_rows": summary.verdicts,
        "distinct_outcomes": summary.outcomes,
        "seconds": round(seconds, 2),
        "records_per_second": round(summary.records / seconds),
        "breakdown_seconds": summary.seconds,
    }


def main() -> None:
    """Build the large store, time evaluation and the report, record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    started_machine = machine()
    work = Path(tempfile.mkdtemp(prefix="provtrack-bench-report-"))
    try:
        out = work / "demo"
        _cli("demo", "--out", str(out))
        db_path = out / "provtrack.db"
        baseline_records = (
            sqlite3.connect(db_path).execute("SELECT count(*) FROM image").fetchone()[0]
        )
        base_seconds = _cli("report", "--out", str(out), "--format", "all")
        total = replicate(db_path, args.records)
        records = sqlite3.connect(db_path).execute("SELECT count(*) FROM image").fetchone()[0]
        result, evaluate_seconds, evaluate_rss = run_measured(
            [*PROVTRACK, "evaluate", "--out", str(out)], cwd=REPO
        )
        if result.returncode != 0:
            raise SystemExit(result.stderr[-2000:])
        in_process = _in_process(db_path)
        result, report_seconds, report_rss = run_measured(
            [*PROVTRACK, "report", "--out", str(out), "--format", "all"], cwd=REPO
        )
        if result.returncode != 0:
            raise SystemExit(result.stderr[-2000:])
        summary_line = result.stdout.strip().splitlines()[-1].split(" → ")[0]
        sizes = {
            p.name: round(p.stat().st_size / 2**20, 1) for p in (out / "report").glob("report.*")
        }
        pages = [p.stat().st_size for p in (out / "report").glob("report-trails-*.html")]
        trail_pages = {
            "pages": len(pages),
            "total_mb": round(sum(pages) / 2**20, 1),
            "largest_mb": round(max(pages, default=0) / 2**20, 2),
        }
        trails = len(json.loads((out / "report" / "report.json").read_text())["images"])
        _vary(db_path)
        varied = _in_process(db_path)
        store_mb = round(db_path.stat().st_size / 2**20)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_record = report_seconds / records
    base_per_record = base_seconds / baseline_records
    end_to_end = records / evaluate_seconds
    results = {
        "benchmark": "report",
        "command": "python -m bench.report " + " ".join(sys.argv[1:]),
        "machine": started_machine,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "records": records,
        "reproduce_run_records": total,
        "store_mb_after_evaluations": store_mb,
        "evaluate": {
            "seconds": round(evaluate_seconds, 1),
            "records_per_second_end_to_end": round(end_to_end),
            "peak_rss_mb": round(evaluate_rss.peak_main / 2**20, 1),
            "note": "provtrack evaluate as a user runs it: interpreter start, pack loading, "
            "reading, judging, storing and chaining every verdict",
        },
        "evaluate_in_process": in_process,
        "evaluate_in_process_distinct_facts": {
            **varied,
            "note": "each record's fetch day and face count varied, so copies no longer share "
            "their facts",
        },
        "report_all_formats": {
            "seconds": round(report_seconds, 1),
            "peak_rss_mb": round(report_rss.peak_main / 2**20, 1),
            "file_sizes_mb": sizes,
            "html_trail_pages": trail_pages,
            "evidence_trails_shown": trails,
            "summary": summary_line,
        },
        "baseline_demo_report": {"records": baseline_records, "seconds": round(base_seconds, 2)},
        "per_record_ratio_vs_demo": round(per_record / base_per_record, 3),
        "targets": {
            "evaluation >= 20,000 records/s (provtrack evaluate, end to end)": end_to_end >= 20_000,
            "evaluation >= 20,000 records/s (evaluate_store, packs loaded)": in_process[
                "records_per_second"
            ]
            >= 20_000,
            "report of 100,000 records under 30 s": report_seconds < 30 and records >= 100_000,
        },
    }
    path = write_results("report", results)
    print(json.dumps(results, indent=1))
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
