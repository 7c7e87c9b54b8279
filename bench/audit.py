"""Audit throughput against img2dataset on the same URL list, through the same proxy (issue 13).

Run from the repository root: ``python -m bench.audit [--images 50000] [--small 10000]``.

The scale web (``demoweb serve --scale N``: ~1,000 images per host, real-photo JPEGs of
7-22 KB, one in four with a face, 10 % with ``X-Robots-Tag: noimageai``) serves both, one after
the other in the same run, from one parquet manifest of its image URLs:

- baseline: img2dataset 1.47 (``--output_format files``, its default 256 px resize and sha256,
  2 processes x 32 threads, ``http_proxy`` set to the demo proxy), installed in its own
  virtualenv under ``bench/work/`` (its dependencies are not provtrack's; created on first run;
  ``NO_ALBUMENTATIONS_UPDATE=1`` keeps albumentations from going to the network);
- provtrack: ``provtrack audit`` of the same manifest: robots.txt/ai.txt/tdmrep.json/terms per
  host, the gate, every image's headers and embedded signals, sha256, pHash/dHash/PDQ, crop
  pHashes, faces, jurisdiction, SQLite with the evidence chain, WARC of every exchange's
  headers (bytes not kept).

Reported: images per second for each (rows / wall time), their ratio, and provtrack's peak RSS
(main process, and with its media workers) at ``--small`` and ``--images`` rows.
Targets: ratio >= 0.5, peak RSS at 10k vs 50k within 10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._measure import (
    REPO,
    load_now,
    machine,
    provtrack_run,
    run_measured,
    serve_scale_web,
    write_results,
)

VENV = REPO / "bench" / "work" / "img2dataset-venv"
IMG2DATASET = "img2dataset==1.47.0"
PER_HOST = 1000


def _manifest(images: int, path: Path) -> Path:
    """A LAION-style parquet manifest of the scale web's first ``images`` image URLs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    urls = [f"http://bulk-{i // PER_HOST:03d}.example/img/{i}.jpg" for i in range(images)]
    table = pa.table(
        {
            "URL": urls,
            "TEXT": [f"scale image {i}" for i in range(images)],
            "key": [f"{i:09d}" for i in range(images)],
        }
    )
    pq.write_table(table, path)
    return path


def _img2dataset() -> Path:
    exe = VENV / "bin" / "img2dataset"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", IMG2DATASET], check=True)
    return exe


def baseline(manifest: Path, images: int, proxy: str, work: Path) -> dict[str, Any]:
    """img2dataset on the manifest, through the demo proxy."""
    out = work / "img2dataset"
    env = {
        **os.environ,
        "http_proxy": proxy,
        "HTTP_PROXY": proxy,
        "NO_ALBUMENTATIONS_UPDATE": "1",
    }
    cmd = [
        str(_img2dataset()),
        "--url_list",
        str(manifest),
        "--input_format",
        "parquet",
        "--url_col",
        "URL",
        "--caption_col",
        "TEXT",
        "--output_format",
        "files",
        "--output_folder",
        str(out),
        "--processes_count",
        "2",
        "--thread_count",
        "32",
        "--image_size",
        "256",
        "--timeout",
        "20",
        "--retries",
        "0",
        "--enable_wandb",
        "False",
    ]
    load_before = load_now()
    result, elapsed, rss = run_measured(cmd, cwd=work, env=env)
    if result.returncode != 0:
        raise SystemExit(f"img2dataset failed: {result.stderr[-2000:]}")
    import pyarrow.parquet as pq

    statuses: dict[str, int] = {}
    for shard in out.glob("*.parquet"):
        for status in pq.read_table(shard, columns=["status"]).column("status").to_pylist():
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    shutil.rmtree(out, ignore_errors=True)
    return {
        "rows": images,
        "statuses": statuses,
        "seconds": round(elapsed, 1),
        "images_per_second": round(images / elapsed, 1),
        "peak_rss_with_workers_mb": round(rss.peak_tree / 2**20, 1),
        "cpu_seconds": round(rss.cpu_total, 1),
        "load_average": [load_before, load_now()],
    }


def provtrack(manifest: Path, images: int, proxy: str, work: Path) -> dict[str, Any]:
    """``provtrack audit`` of the manifest."""
    out = work / f"audit-{images}"
    cmd = [
        sys.executable,
        "-m",
        "provtrack",
        "audit",
        str(manifest),
        "--url-col",
        "URL",
        "--caption-col",
        "TEXT",
        "--key-col",
        "key",
        "--out",
        str(out),
        "--proxy",
        proxy,
    ]
    extra = {
        "dataset_entries": "SELECT count(*) FROM dataset_entry",
        "images_with_faces": "SELECT count(*) FROM image WHERE face_count > 0",
    }
    figures, elapsed, _ = provtrack_run(cmd, out, "provtrack audit", extra)
    return {"rows": images, **figures, "images_per_second": round(images / elapsed, 1)}


def main() -> None:
    """Run img2dataset and both audits and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip img2dataset (its virtualenv needs the network): the RSS figures only",
    )
    args = parser.parse_args()
    measured_on = machine()  # the load average before the runs, not after
    server, proxy = serve_scale_web(args.images)
    work = Path(tempfile.mkdtemp(prefix="provtrack-bench-audit-"))
    try:
        large_manifest = _manifest(args.images, work / "large.parquet")
        small_manifest = _manifest(args.small, work / "small.parquet")
        base = None if args.no_baseline else baseline(large_manifest, args.images, proxy, work)
        print(f"img2dataset: {base}", flush=True)
        small = provtrack(small_manifest, args.small, proxy, work)
        print(f"provtrack audit {args.small}: {small}", flush=True)
        large = provtrack(large_manifest, args.images, proxy, work)
        print(f"provtrack audit {args.images}: {large}", flush=True)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    ratio = large["images_per_second"] / base["images_per_second"] if base else None
    growth = large["peak_rss_mb"] / small["peak_rss_mb"] - 1
    results = {
        "benchmark": "audit",
        "command": "python -m bench.audit " + " ".join(sys.argv[1:]),
        "machine": measured_on,
        "load_average_at_end": load_now(),
        "baseline_img2dataset": base,
        f"provtrack_audit_{args.small}": small,
        f"provtrack_audit_{args.images}": large,
        "ratio_vs_img2dataset": round(ratio, 2) if ratio is not None else None,
        "rss_growth_small_to_large": round(growth, 3),
        "targets": {
            "ratio >= 0.5": ratio >= 0.5 if ratio is not None else None,
            "RSS flat within 10 %": abs(growth) <= 0.10,
        },
    }
    # without img2dataset the figures are the RSS ones: audit.json keeps the last full run
    path = write_results("audit" if base else "audit_rss", results)
    print(json.dumps(results, indent=2))
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
