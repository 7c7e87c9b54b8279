"""Politeness as site owners expect it: who is asking, how often, how many at once.

- **User agent**: the default names provtrack, its version and its URL; ``--user-agent``
  replaces it, but must keep the ``provtrack`` product token (robots.txt groups are read for
  that token: a name robots.txt does not know would make every provtrack group silently stop
  applying) and must carry a contact (an ``http(s)://`` URL or an e-mail address), so a site
  owner can reach whoever runs the crawl.
- **Crawl-delay**: the value of robots.txt's group for provtrack is honoured per host (the
  downloader slot of that host waits that long between requests, AutoThrottle never goes
  below it) and recorded (robots snapshot ``parsed.crawl_delay``, stats).
- **Concurrency**: a crawl that touches any host outside the demo web runs with
  :data:`PER_HOST` concurrent requests per host and AutoThrottle on; the demo web (loopback,
  ours) keeps full speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.httpobj import urlparse_cached

from crawler.config import CrawlConfig

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response

PER_HOST = 2
"""Concurrent requests per host when the crawl leaves the demo web."""
MAX_CRAWL_DELAY = 120.0
"""Longest Crawl-delay honoured as written; a larger one is honoured at this value, and said."""
_DELAYS = "_provtrack_crawl_delays"


def leaves_demo_web(config: CrawlConfig) -> bool:
    """Whether the crawl may touch a host that is not on the demo web (by name: the handshake
    that proves the proxy is the demo web binds reproduce mode, crawler/config.py)."""
    return any(not config.matches_demo_pattern(host) for host in config.scope_hosts)


def politeness_settings(config: CrawlConfig) -> dict[str, Any]:
    """Per-host concurrency and AutoThrottle for crawls that leave the demo web; Crawl-delay
    (through :class:`CrawlDelayThrottle`) everywhere."""
    settings: dict[str, Any] = {
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "crawler.politeness.CrawlDelayThrottle": 0,
        }
    }
    if leaves_demo_web(config):
        settings.update(
            {
                "CONCURRENT_REQUESTS_PER_DOMAIN": min(PER_HOST, config.concurrency),
                "AUTOTHROTTLE_ENABLED": True,
                "AUTOTHROTTLE_START_DELAY": 1.0,
                "AUTOTHROTTLE_MAX_DELAY": 60.0,
                "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
            }
        )
    return settings


def crawl_delays(crawler: Crawler) -> dict[str, float]:
    """The Crawl-delay honoured for each host of this crawl (host -> seconds)."""
    delays: dict[str, float] | None = getattr(crawler, _DELAYS, None)
    if delays is None:
        delays = {}
        setattr(crawler, _DELAYS, delays)
    return delays


def honour_crawl_delay(crawler: Crawler, host: str, delay: float | None) -> float | None:
    """Make the host's downloader slot wait ``delay`` seconds between requests; return the
    delay honoured (capped at :data:`MAX_CRAWL_DELAY`), or None when there is none."""
    if delay is None or delay <= 0:
        return None
    honoured = min(float(delay), MAX_CRAWL_DELAY)
    crawl_delays(crawler)[host] = honoured
    assert crawler.engine is not None
    downloader = crawler.engine.downloader
    # a slot made later (or again, after Scrapy collects an idle one) starts with it ...
    downloader.per_slot_settings.setdefault(host, {}).update({"delay": honoured, "jitter": 0})
    # ... and the slot the policy fetches already made waits from now on
    if (slot := downloader.slots.get(host)) is not None:
        slot.delay = max(slot.delay, honoured)
    crawler.stats.set_value(f"provtrack/crawl_delay/{host}", honoured)
    return honoured


class CrawlDelayThrottle(AutoThrottle):
    """AutoThrottle that never sets a host's delay below its robots.txt Crawl-delay.

    Enabled in place of Scrapy's AutoThrottle (same ``AUTOTHROTTLE_*`` settings; off unless
    ``AUTOTHROTTLE_ENABLED``), because AutoThrottle would otherwise lower a Crawl-delay of
    10 s to whatever the server's latency suggests.
    """

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, response)
        request = response.request
        host = (urlparse_cached(request).hostname or "") if request is not None else ""
        floor = crawl_delays(self.crawler).get(host)
        if floor is not None and slot.delay < floor:
            slot.delay = floor
