"""Where the audit's main-process memory goes, row by row (issue 13: peak RSS flat 10k -> 50k).

Run from the repository root:
``python -m bench.audit_timeline [--images 25000] [--every 2] [--marks 5000 10000 ...]
[--tracemalloc 0] [--out bench/results/audit_timeline.json]``.

It serves the scale web, writes ``bench.audit``'s parquet manifest of its first N image URLs and
runs ``provtrack audit`` of it *in this process* (the CLI's own command function), with a
sampler thread beside it. Every ``--every`` seconds: rows stored so far (the run's own counter),
VmRSS and VmHWM, ``sqlite3_memory_used()`` (ctypes, the library Python's ``sqlite3`` links),
glibc ``mallinfo2`` (arena, in use, free, mmapped), ``sys.getallocatedblocks()`` and, with
``--tracemalloc N`` (frames), tracemalloc's traced size. At each row mark: ``gc.get_objects()``
counts by type (the types that grew since the last mark) and, with tracemalloc, the top
allocation diffs since the last mark. The end-of-run passes are marked too (the spider's close,
the subject pass). Figures go to a JSON file; nothing of the run is kept.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import gc
import json
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench._measure import RESULTS, load_now, machine, serve_scale_web


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libc() -> Any:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    return libc


def _sqlite_used() -> Any:
    lib = ctypes.CDLL("libsqlite3.so.0")  # the one _sqlite3 links (already loaded: same handle)
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return lib.sqlite3_memory_used


def _status() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")):
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0]) * 1024
    return out


MB = 2**20


class Timeline:
    """The sampler thread (module docstring)."""

    def __init__(self, every: float, marks: list[int], top: int) -> None:
        self.every = every
        self.marks = sorted(marks)
        self.top = top
        self.ctx: Any = None
        self.samples: list[dict[str, Any]] = []
        self.mark_reports: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self._libc = _libc()
        self._sqlite = _sqlite_used()
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._types: collections.Counter[str] | None = None
        self._snapshot: tracemalloc.Snapshot | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="timeline")

    def rows(self) -> int:
        if self.ctx is None:
            return 0
        return int(self.ctx.counters.get("rows", 0))

    def sample(self, label: str | None = None) -> dict[str, Any]:
        status = _status()
        info = self._libc.mallinfo2()
        row: dict[str, Any] = {
            "t": round(time.monotonic() - self._started, 1),
            "rows": self.rows(),
            "rss_mb": round(status["VmRSS"] / MB, 1),
            "hwm_mb": round(status["VmHWM"] / MB, 1),
            "anon_mb": round(status.get("RssAnon", 0) / MB, 1),
            "sqlite_mb": round(self._sqlite() / MB, 2),
            "malloc_arena_mb": round(info.arena / MB, 1),
            "malloc_used_mb": round(info.uordblks / MB, 1),
            "malloc_free_mb": round(info.fordblks / MB, 1),
            "malloc_mmap_mb": round(info.hblkhd / MB, 1),
            "py_blocks": sys.getallocatedblocks(),
        }
        if tracemalloc.is_tracing():
            row["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / MB, 1)
            row["tracemalloc_own_mb"] = round(tracemalloc.get_tracemalloc_memory() / MB, 1)
        if label:
            row["label"] = label
        self.samples.append(row)
        return row

    def event(self, label: str) -> None:
        row = self.sample(label)
        self.events.append(row)
        print(f"timeline {label}: {row}", flush=True)

    def mark(self, label: str) -> None:
        """Object counts by type (and tracemalloc's diff) against the last mark."""
        gc.collect()
        counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
        report: dict[str, Any] = {"label": label, "sample": self.sample(f"mark {label}")}
        report["objects"] = sum(counts.values())
        if self._types is not None:
            grown = counts.copy()
            grown.subtract(self._types)
            report["types_grown"] = [
                (name, n, counts[name]) for name, n in grown.most_common(self.top) if n > 0
            ]
        report["types_top"] = counts.most_common(self.top)
        self._types = counts
        if tracemalloc.is_tracing():
            snap = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)]
            )
            if self._snapshot is not None:
                diffs = snap.compare_to(self._snapshot, "traceback")
                report["tracemalloc_grown"] = [
                    {
                        "kb": round(d.size_diff / 1024, 1),
                        "count": d.count_diff,
                        "where": [f"{f.filename}:{f.lineno}" for f in d.traceback][-6:],
                    }
                    for d in diffs[: self.top]
                ]
            self._snapshot = snap
        self.mark_reports.append(report)
        print(f"timeline mark {label}: {report['sample']}", flush=True)

    def _run(self) -> None:
        pending = list(self.marks)
        while not self._stop.wait(self.every):
            self.sample()
            if pending and self.rows() >= pending[0]:
                self.mark(str(pending.pop(0)))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _instrument(timeline: Timeline) -> None:
    """Capture the run's context (its row counter) and mark the end-of-run passes."""
    import crawler.lifecycle as lifecycle

    opened = lifecycle.open_context

    def open_context(crawler: Any) -> Any:
        timeline.ctx = opened(crawler)
        return timeline.ctx

    lifecycle.open_context = open_context  # type: ignore[assignment]

    closed = lifecycle.RunLifecycle.spider_closed

    def spider_closed(self: Any, reason: str) -> None:
        timeline.event("spider_closed start")
        closed(self, reason)
        timeline.event("spider_closed end")

    lifecycle.RunLifecycle.spider_closed = spider_closed  # type: ignore[method-assign]

    refine = lifecycle.refine_subjects

    def refine_subjects(*args: Any, **kwargs: Any) -> Any:
        timeline.event("refine_subjects start")
        try:
            return refine(*args, **kwargs)
        finally:
            timeline.event("refine_subjects end")

    lifecycle.refine_subjects = refine_subjects


def main() -> None:
    """Serve the scale web, audit N of its image URLs in this process, sample, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=25_000)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--marks", type=int, nargs="*", default=None)
    parser.add_argument("--tracemalloc", type=int, default=0, help="frames (0: off)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=RESULTS / "audit_timeline.json")
    args = parser.parse_args()
    from bench.audit import _manifest

    marks = args.marks if args.marks is not None else [args.images * k // 10 for k in (2, 4, 6, 8)]
    measured_on = machine()
    server, proxy = serve_scale_web(args.images)
    work = Path(tempfile.mkdtemp(prefix="provtrack-bench-timeline-"))
    timeline = Timeline(args.every, marks, args.top)
    try:
        manifest = _manifest(args.images, work / "manifest.parquet")
        from provtrack.cli.audit import audit

        _instrument(timeline)
        if args.tracemalloc:
            tracemalloc.start(args.tracemalloc)
        timeline.start()
        timeline.event("start")
        started = time.monotonic()
        audit(
            [manifest],
            out=work / "audit",
            url_col="URL",
            caption_col="TEXT",
            key_col="key",
            proxy=proxy,
        )
        elapsed = time.monotonic() - started
        timeline.event("after audit")
        timeline.mark("end")
        timeline.stop()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    samples = [s for s in timeline.samples if s["rows"] > 0]
    results = {
        "benchmark": "audit_timeline",
        "command": "python -m bench.audit_timeline " + " ".join(sys.argv[1:]),
        "machine": measured_on,
        "load_average_at_end": load_now(),
        "images": args.images,
        "seconds": round(elapsed, 1),
        "peak_rss_mb": max(s["hwm_mb"] for s in timeline.samples),
        "peak_while_rows_mb": max((s["rss_mb"] for s in samples if "label" not in s), default=0),
        "events": timeline.events,
        "marks": timeline.mark_reports,
        "samples": timeline.samples,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
