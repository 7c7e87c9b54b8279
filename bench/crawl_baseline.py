"""The baseline crawl for bench.crawl: plain Scrapy with its ImagesPipeline, nothing else.

Same web, same proxy, same concurrency as provtrack's crawl; it follows the same links and
downloads the same images, storing them as files the way ImagesPipeline does (MD5 checksum,
SHA1-named file). No robots.txt, no signals, no WARC, no hashes, no faces, no database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class BaselineSpider(scrapy.Spider):
    """Follows links within the seeds' hosts and yields every <img> for ImagesPipeline."""

    name = "baseline"

    def __init__(self, seeds: list[str], proxy: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seeds = seeds
        self.proxy = proxy
        self.hosts = {s.split("/")[2] for s in seeds}

    async def start(self) -> Any:
        for seed in self.seeds:
            yield scrapy.Request(seed, meta={"proxy": self.proxy})

    def parse(self, response: Any) -> Any:
        images = [response.urljoin(u) for u in response.css("img::attr(src)").getall()]
        if images:
            yield {"image_urls": images}
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if url.split("/")[2] in self.hosts:
                yield scrapy.Request(url, meta={"proxy": self.proxy})


def main() -> None:
    """Run the baseline crawl and print its figures as JSON on the last line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("seeds", nargs="+")
    args = parser.parse_args()
    # ImagesPipeline builds its own requests: the proxy reaches them through the environment,
    # which HttpProxyMiddleware reads when it is created
    os.environ["http_proxy"] = args.proxy
    process = CrawlerProcess(
        {
            "ITEM_PIPELINES": {"scrapy.pipelines.images.ImagesPipeline": 1},
            "IMAGES_STORE": args.store,
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
            "ROBOTSTXT_OBEY": False,
            # the proxy for ImagesPipeline's own requests (it builds them without our meta)
            "HTTPPROXY_ENABLED": True,
        },
        install_root_handler=False,
    )
    started = time.monotonic()
    crawler = process.create_crawler(BaselineSpider)
    process.crawl(crawler, seeds=args.seeds, proxy=args.proxy)
    process.start()
    elapsed = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats else {}
    images = int(stats.get("file_count", 0))
    print(json.dumps({"images": images, "seconds": elapsed}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
