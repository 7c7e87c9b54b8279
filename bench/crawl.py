"""Crawl throughput with full provenance against a plain Scrapy ImagesPipeline crawl (issue 7).

Run from the repository root: ``python -m bench.crawl [--images 50000] [--small 10000]``.

Both crawls fetch the same procedural demo web (``demoweb serve --scale N``: ~1,000 images per
host, 40 to a page, real-photo JPEGs of 15-20 KB, one in four with a face, 10 % with
``X-Robots-Tag: noimageai``) through the same loopback proxy with the same concurrency, one
after the other in the same run:

- baseline: Scrapy + ``ImagesPipeline`` (files on disk, MD5), nothing else;
- provtrack: ``provtrack crawl`` in compliant mode with everything on: robots.txt/ai.txt/
  tdmrep.json/terms per host, every page and image signal, the gate, WARC, SQLite with the
  evidence chain, sha256, pHash/dHash/PDQ and crop pHashes, EXIF/XMP/IPTC/C2PA, faces,
  jurisdiction.

Reported: images per second for each, their ratio, and provtrack's peak RSS (main process,
and main plus its media workers) at ``--small`` and ``--images`` images, to show it is flat.
Targets: ratio >= 0.5, >= 100 images/s, peak RSS < 500 MB, RSS at 10k vs 50k within 10 %.
"""

from __future__ import annotations

import argparse
import json
import shutil
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

PER_HOST = 1000


def _seeds(images: int) -> list[str]:
    hosts = -(-images // PER_HOST)
    return [f"http://bulk-{h:03d}.example/" for h in range(hosts)]


def baseline(images: int, proxy: str, concurrency: int, work: Path) -> dict[str, Any]:
    """The plain Scrapy ImagesPipeline crawl."""
    store = work / "baseline"
    cmd = [
        sys.executable,
        "-m",
        "bench.crawl_baseline",
        "--proxy",
        proxy,
        "--store",
        str(store),
        "--concurrency",
        str(concurrency),
        *_seeds(images),
    ]
    load_before = load_now()
    result, elapsed, rss = run_measured(cmd, cwd=REPO)
    if result.returncode != 0:
        raise SystemExit(f"baseline crawl failed: {result.stderr[-2000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    shutil.rmtree(store, ignore_errors=True)
    return {
        "images": figures["images"],
        "seconds": round(elapsed, 1),
        "images_per_second": round(figures["images"] / elapsed, 1),
        "peak_rss_mb": round(rss.peak_main / 2**20, 1),
        "cpu_ms_per_image": round(1000 * rss.cpu_total / max(1, figures["images"]), 2),
        "load_average": [load_before, load_now()],
    }


def provtrack(images: int, proxy: str, concurrency: int, work: Path) -> dict[str, Any]:
    """provtrack's compliant crawl with full provenance."""
    out = work / f"provtrack-{images}"
    cmd = [
        str(Path(sys.executable).parent / "provtrack"),
        "crawl",
        *_seeds(images),
        "--out",
        str(out),
        "--proxy",
        proxy,
        "--render",
        "never",
        "--concurrency",
        str(concurrency),
        "--max-images",
        str(images * 2),
        "--max-pages",
        str(images),
    ]
    figures, elapsed, _ = provtrack_run(cmd, out, "provtrack crawl")
    reached = sum(figures["decisions"].values())
    return {
        "images": reached,
        **figures,
        "images_per_second": round(reached / elapsed, 1),
        "cpu_ms_per_image_main": round(1000 * figures["cpu_seconds_main"] / max(1, reached), 2),
        "cpu_ms_per_image_workers": round(
            1000 * figures["cpu_seconds_workers"] / max(1, reached), 2
        ),
    }


def main() -> None:
    """Run both crawls at both sizes and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    measured_on = machine()  # the load average before the crawls, not after
    server, proxy = serve_scale_web(args.images)
    work = Path(tempfile.mkdtemp(prefix="provtrack-bench-"))
    try:
        base = baseline(args.images, proxy, args.concurrency, work)
        print(f"baseline: {base}", flush=True)
        small = provtrack(args.small, proxy, args.concurrency, work)
        print(f"provtrack {args.small}: {small}", flush=True)
        large = provtrack(args.images, proxy, args.concurrency, work)
        print(f"provtrack {args.images}: {large}", flush=True)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    ratio = large["images_per_second"] / base["images_per_second"]
    growth = large["peak_rss_mb"] / small["peak_rss_mb"] - 1
    results = {
        "benchmark": "crawl",
        "command": "python -m bench.crawl " + " ".join(sys.argv[1:]),
        "machine": measured_on,
        "load_average_at_end": load_now(),
        "baseline_imagespipeline": base,
        f"provtrack_{args.small}": small,
        f"provtrack_{args.images}": large,
        "ratio_vs_baseline": round(ratio, 2),
        "rss_growth_small_to_large": round(growth, 3),
        "targets": {
            "ratio >= 0.5": ratio >= 0.5,
            "images/s >= 100": large["images_per_second"] >= 100,
            "peak RSS < 500 MB": large["peak_rss_mb"] < 500,
            "RSS flat within 10 %": abs(growth) <= 0.10,
        },
    }
    path = write_results("crawl", results)
    print(json.dumps(results, indent=2))
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
