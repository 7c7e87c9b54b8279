"""A page with 50,000 links must not stall the crawl (issue 10, item 8).

Run from the repository root: ``python -m bench.bigpage [--links 50000] [--rounds 3]``.

One loopback site (served by the demo web's proxy with a web of its own): the home page links
``/big`` (``--links`` links to another host, out of scope, as a link farm or a huge forum index
is) and 60 small pages with 4 JPEGs each. The same ``provtrack crawl`` runs twice per round,
in separate processes, one after the other: with large pages read in a worker thread (the
default) and with every page read on the reactor (``PROVTRACK_PAGE_THREAD_BYTES=-1``, how it
was). An extension in the crawl measures:

- ``reactor_stall_ms``: the longest a 10 ms timer on the reactor came late (how long nothing
  else the crawl does could run);
- ``response_gap_ms``: the longest time between two downloaded responses after the first;
- the crawl's wall time and its responses.

The figures are medians over the rounds; the ratio inline/thread is what counts (load cancels).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import machine, write_results

REPO = Path(__file__).resolve().parents[1]
HOST = "bigpage.example"
PAGES = 60
PER_PAGE = 4


def _jpeg(index: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), ((index * 37) % 256, (index * 91) % 256, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, comment=f"bigpage {index}".encode())
    return buffer.getvalue()


def build_web(links: int) -> Any:
    """The bench site as a demo-web ``Web`` (routes only: no manifest needed)."""
    from demoweb.spec import Response as Canned
    from demoweb.spec import Web, html_response

    text = "text/plain; charset=utf-8"
    routes = {"/robots.txt": Canned(200, (("Content-Type", text),), b"User-agent: *\nAllow: /\n")}
    nav = "".join(f'<li><a href="/p/{i}">page {i}</a></li>' for i in range(PAGES))
    routes["/"] = html_response(
        f'<!DOCTYPE html><html lang="en"><title>bench</title><body><a href="/big">big</a>'
        f"<ul>{nav}</ul></body></html>"
    )
    farm = "".join(
        f'<li><a href="http://elsewhere.example/t/{i}">thread {i} of the index</a></li>'
        for i in range(links)
    )
    routes["/big"] = html_response(
        f'<!DOCTYPE html><html lang="en"><title>index</title><body><ul>{farm}</ul></body></html>'
    )
    for page in range(PAGES):
        imgs = "".join(
            f'<img src="/img/{page * PER_PAGE + k}.jpg" alt="photo {k}">' for k in range(PER_PAGE)
        )
        routes[f"/p/{page}"] = html_response(
            f'<!DOCTYPE html><html lang="en"><title>p{page}</title><body>{imgs}</body></html>'
        )
        for k in range(PER_PAGE):
            index = page * PER_PAGE + k
            routes[f"/img/{index}.jpg"] = Canned(
                200, (("Content-Type", "image/jpeg"),), _jpeg(index)
            )
    return Web(hosts={}, routes={HOST: routes})


class StallMeter:
    """Crawl extension: reactor lateness of a 10 ms timer and gaps between responses."""

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.crawler = crawler
        self.stall = 0.0
        self.gap = 0.0
        self.responses = 0
        self._last: float | None = None
        self._expected = 0.0
        self._call: Any = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response, signal=signals.response_received)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StallMeter:
        return cls(crawler)

    def opened(self, spider: Any) -> None:
        from twisted.internet import task

        self._expected = time.monotonic() + 0.01
        self._call = task.LoopingCall(self._tick)
        self._call.start(0.01, now=False)

    def _tick(self) -> None:
        now = time.monotonic()
        late = now - self._expected
        self._expected = now + 0.01
        if late > self.stall:
            self.stall = late
            self._publish()

    def response(self, response: Any, request: Any, spider: Any) -> None:
        now = time.monotonic()
        if self._last is not None:
            self.gap = max(self.gap, now - self._last)
        self._last = now
        self.responses += 1
        self._publish()

    def _publish(self) -> None:
        # kept current: the runner copies the stats when the spider closes
        stats = self.crawler.stats
        stats.set_value("bench/reactor_stall_ms", round(self.stall * 1000, 1))
        stats.set_value("bench/response_gap_ms", round(self.gap * 1000, 1))
        stats.set_value("bench/responses", self.responses)

    def closed(self, spider: Any, reason: str) -> None:
        if self._call is not None and self._call.running:
            self._call.stop()


def crawl_once(variant: str, proxy: str, out: Path) -> dict[str, Any]:
    """One crawl in this process (a reactor runs once per process): its figures."""
    from crawler.config import CrawlConfig
    from crawler.runner import run_crawls

    extra: dict[str, object] = {"EXTENSIONS": {"bench.bigpage.StallMeter": 500}}
    if variant == "inline":
        extra["PROVTRACK_PAGE_THREAD_BYTES"] = -1
    config = CrawlConfig(
        seeds=[f"http://{HOST}/"],
        out_dir=out,
        proxy=proxy,
        max_pages=PAGES + 10,
        render="never",
        extra_settings=extra,
    )
    started = time.monotonic()
    (summary,) = run_crawls([config])
    stats = summary.stats
    return {
        "variant": variant,
        "wall_s": round(time.monotonic() - started, 2),
        "reactor_stall_ms": stats.get("bench/reactor_stall_ms"),
        "response_gap_ms": stats.get("bench/response_gap_ms"),
        "responses": stats.get("bench/responses"),
        "read_in_thread": stats.get("provtrack/pages/read_in_thread", 0),
        "images_collected": summary.counts.get("images_collected", 0),
        "pages_fetched": summary.counts.get("pages_fetched", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["thread", "inline"], help=argparse.SUPPRESS)
    parser.add_argument("--proxy", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(crawl_once(args.child, args.proxy, Path(args.out))))
        return

    from demoweb.server import DemoWeb

    facts = machine()
    web = DemoWeb()
    web._web = build_web(args.links)  # the bench's own site, served by the demo web's proxy
    runs: dict[str, list[dict[str, Any]]] = {"thread": [], "inline": []}
    with web, tempfile.TemporaryDirectory(prefix="bench-bigpage-") as tmp:
        for round_no in range(args.rounds):
            for variant in ("thread", "inline"):
                out = Path(tmp) / f"{variant}-{round_no}"
                done = subprocess.run(
                    [sys.executable, "-m", "bench.bigpage", "--child", variant,
                     "--proxy", web.url, "--out", str(out)],
                    capture_output=True, text=True, cwd=REPO, check=True, timeout=900,
                )  # fmt: skip
                result = json.loads(done.stdout.strip().splitlines()[-1])
                runs[variant].append(result)
                print(json.dumps(result), flush=True)

    def median(variant: str, key: str) -> float:
        return float(statistics.median(float(r[key]) for r in runs[variant]))

    summary = {
        key: {
            "thread": median("thread", key),
            "inline": median("inline", key),
            "inline_over_thread": round(median("inline", key) / max(median("thread", key), 0.1), 2),
        }
        for key in ("reactor_stall_ms", "response_gap_ms", "wall_s")
    }
    facts["load_average_at_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    results = {"links": args.links, "rounds": args.rounds, "summary": summary, "runs": runs}
    write_results("bigpage", {"machine": facts, **results})
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
