"""Scrapy settings for one ``provtrack crawl``/``audit``, built from its :class:`CrawlConfig`.

They are what a project's ``settings.py`` would hold: ``ADDONS`` and plain ``PROVTRACK_*``
values (the add-on sets what a provenance crawl must hold: User-Agent, caps, timeouts), plus
the tuning of provtrack's own spider (concurrency, rendering, a shared frontier).
"""

from __future__ import annotations

from typing import Any

from crawler.addon import USER_AGENT
from crawler.config import CrawlConfig
from crawler.politeness import politeness_settings
from crawler.render import playwright_settings

__all__ = ["SPIDER_MIDDLEWARES_OFF", "USER_AGENT", "build_settings"]

# Scrapy's spider middlewares that provtrack's own spiders do not need. Each one wraps every
# request and record a response yields in one more async-generator layer, on the crawler's
# CPU. DepthMiddleware only copies a depth into request.meta and its stats (DEPTH_LIMIT is 0:
# the spider keeps and caps its own depth, meta "provtrack_depth"); MetaCopyDetection only
# warns a spider's author that a request copied Scrapy's internal meta keys (ours build
# theirs from scratch). HttpError, Referer (the Referer header every request sends) and
# UrlLength (a filter) stay. A project's own spider under the add-on keeps all of them.
SPIDER_MIDDLEWARES_OFF: dict[str, None] = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}


def build_settings(config: CrawlConfig) -> dict[str, Any]:
    """Settings for an embedded crawl (no ``startproject`` app): the add-on does the rest."""
    settings: dict[str, Any] = {
        "ADDONS": {"crawler.addon.ProvtrackAddon": 0},
        **config.to_settings(),
        "CONCURRENT_REQUESTS": config.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency,
        # items are processed per response, and Scrapy starts this many worker tasks (plus
        # one filling their queue) for every response's output. Only an image response's one
        # record waits for anything (the media workers); a page's records pass the pipelines
        # without waiting, so one worker loses no parallelism and saves ~7 tasks a response
        "CONCURRENT_ITEMS": 1,
        "RETRY_TIMES": 1,
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(config.log_file) if config.log_file else None,
        "LOG_FILE_APPEND": True,
        "HTTPERROR_ALLOW_ALL": False,
        "DEPTH_LIMIT": 0,
        "REFERER_ENABLED": True,
        "STATS_DUMP": False,
        "DUPEFILTER_CLASS": "crawler.dupefilter.RedirectAwareDupeFilter",
        "SPIDER_MIDDLEWARES": SPIDER_MIDDLEWARES_OFF,
    }
    if config.render != "never":
        from crawler.tls import spki_pins

        cas = [*config.ca_certs, *([config.demo_ca] if config.demo_ca else [])]
        settings.update(
            playwright_settings(
                config.browser_path, config.proxy, config.download_timeout, spki_pins(cas)
            )
        )
    if config.frontier:
        settings.update(
            {
                "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
                "DUPEFILTER_CLASS": "crawler.dupefilter.RedisRedirectAwareDupeFilter",
                "SCHEDULER_PERSIST": True,
                "REDIS_URL": config.frontier,
                "SCHEDULER_QUEUE_KEY": f"provtrack:{config.run_id}:requests",
                "SCHEDULER_DUPEFILTER_KEY": f"provtrack:{config.run_id}:dupefilter",
            }
        )
    # per-host concurrency and AutoThrottle off the demo web; Crawl-delay everywhere
    settings.update(politeness_settings(config))
    settings.update(config.extra_settings)
    return settings
