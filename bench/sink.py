"""The crawler's store path per image record, on the producing (reactor) thread and in all.

Run from the repository root: ``python -m bench.sink [--records 4000]``.

``RecordSink.add`` is what the crawler's StorePipeline calls for every record: map the record
to rows, and every ``flush_every`` records write the batch (bulk inserts plus one chained
evidence entry per row, with its canonical-JSON digest). Image records are built like the
scale web's: media facts from a real ``analyze()`` of a real photograph (320 px, a face),
response headers, the page, site jurisdiction candidates. The same records go through the sink
written inline (as before) and with the background writer (as the crawler runs it now), in
alternating rounds of the same run, each into a fresh SQLite store. Reported per record: the
producing thread's CPU time (``time.thread_time``: what the reactor pays) and wall time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._measure import machine, write_results
from crawler.sink import RecordSink
from provenance.records import ImageRecord
from provenance.signals.model import Signal
from provenance.store import open_store
from provenance.store.models import CrawlRun


def _records(n: int) -> list[ImageRecord]:
    import io

    from crawler.mediawork import analyze_to_dict
    from crawler.pipelines import compact_media
    from demoweb import photos

    buf = io.BytesIO()
    photos.render("grace-hopper", "original", 320).save(buf, "JPEG", quality=85)
    body = buf.getvalue()
    media = analyze_to_dict(body, "image/jpeg", "http://bulk-000.example/img/0.jpg")
    signal_dicts = media.pop("_signals")
    media = compact_media(media)
    out = []
    for i in range(n):
        url = f"http://bulk-{i // 1000:03d}.example/img/{i}.jpg"
        out.append(
            ImageRecord(
                url=url,
                host=url.split("/")[2],
                mode="compliant",
                decision="collected",
                fetched_at=datetime.now(UTC),
                http_status=200,
                content_type="image/jpeg",
                response_headers={
                    "Content-Type": ["image/jpeg"],
                    "Content-Length": [str(len(body))],
                    "Date": ["Tue, 01 Dec 2026 23:00:00 GMT"],
                },
                server_ip="127.0.0.1",
                media=dict(media),
                signals=[Signal.from_dict(s) for s in signal_dicts],
                page_url=f"http://bulk-{i // 1000:03d}.example/page/{i // 40}",
                site_jurisdiction=[
                    {"code": "US", "source": "tld", "confidence": "low", "evidence": ".example"}
                ],
                subject={"alt": "portrait", "text": None},
            )
        )
    return out


def _run(records: list[ImageRecord], background: bool, work: Path) -> dict[str, float]:
    store = open_store(str(work / f"sink-{background}-{time.monotonic_ns()}.db"))
    store.write([CrawlRun(id="bench", mode="compliant")])  # rows name their run
    sink = RecordSink(store, "bench", flush_every=200, background=background)
    t0, c0 = time.perf_counter(), time.thread_time()
    for record in records:
        sink.add(record)
    produced = time.thread_time() - c0
    sink.flush()
    wall = time.perf_counter() - t0
    sink.close()
    n = len(records)
    return {"producer_cpu_ms": produced / n * 1000, "wall_ms": wall / n * 1000}


def main() -> None:
    """Interleaved rounds of the inline and background sink over the same records."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    measured_on = machine()
    records = _records(args.records)
    results: dict[str, list[dict[str, float]]] = {"inline": [], "background": []}
    with tempfile.TemporaryDirectory(prefix="provtrack-sink-") as tmp:
        for _ in range(args.rounds):
            for label, background in (("inline", False), ("background", True)):
                results[label].append(_run(records, background, Path(tmp)))
    summary: dict[str, Any] = {
        label: {k: round(statistics.median(r[k] for r in rounds), 3) for k in rounds[0]}
        for label, rounds in results.items()
    }
    summary["producer_cpu_ratio"] = round(
        summary["background"]["producer_cpu_ms"] / summary["inline"]["producer_cpu_ms"], 3
    )
    out = {
        "benchmark": "sink",
        "records": args.records,
        "rounds": args.rounds,
        "machine": measured_on,
        **summary,
    }
    path = write_results("sink", out)
    print(out)
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
