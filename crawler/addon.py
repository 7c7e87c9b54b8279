"""provtrack as a Scrapy add-on: one line in ``ADDONS`` switches every component on.

Our CLI and someone else's Scrapy project enable provtrack the same way::

    ADDONS = {"crawler.addon.ProvtrackAddon": 0}
    PROVTRACK_CONFIG = CrawlConfig(seeds=[...], out_dir=Path("out"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from crawler.config import CrawlConfig

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

DOWNLOADER_MIDDLEWARES = {
    "crawler.safety.AddressGuardMiddleware": 50,
    "crawler.gate.OptOutGateMiddleware": 100,
    # archive audits only: the archive answers what the gate lets through
    "crawler.replay.ArchiveReplayMiddleware": 900,
    # next to the downloader: sees every hop and the body as served
    "crawler.capture.WarcCaptureMiddleware": 950,
    # closest to the downloader: the address a response came from, checked before capture
    "crawler.safety.PeerCheckMiddleware": 990,
}
ITEM_PIPELINES = {
    "crawler.pipelines.MediaPipeline": 100,
    # audit runs only: a dataset's local copies against what the URL serves now
    "crawler.auditpipe.AuditPipeline": 150,
    "crawler.pipelines.JurisdictionPipeline": 200,
    "crawler.pipelines.StorePipeline": 900,
}


class ProvtrackAddon:
    """Adds provtrack's middlewares and pipelines and the settings a provenance crawl needs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not isinstance(crawler.settings.get("PROVTRACK_CONFIG"), CrawlConfig):
            raise NotConfigured("PROVTRACK_CONFIG is not set to a CrawlConfig")
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        """Merge provtrack's components into the project's, at addon priority."""
        settings["DOWNLOADER_MIDDLEWARES"].update(DOWNLOADER_MIDDLEWARES)
        settings["ITEM_PIPELINES"].update(ITEM_PIPELINES)
        # Our gate replaces Scrapy's fail-open robots middleware; an unreadable robots.txt
        # must mean "disallow", not "allow everything".
        settings.set("ROBOTSTXT_OBEY", False, priority="addon")
        # A crawler fetching hostile pages must not run a remote-control server (stack-notes).
        settings.set("REMOTE_CONTROL_ENABLED", False, priority="addon")
        settings.set("TELNETCONSOLE_ENABLED", False, priority="addon")
        settings.set("REDIRECT_MAX_TIMES", 5, priority="addon")
        settings.set("COOKIES_ENABLED", False, priority="addon")
        # connections use the addresses the guard checked (crawler/resolver.py); the guard
        # also installs it on the reactor if the process started with another resolver
        settings.set("TWISTED_DNS_RESOLVER", "crawler.resolver.GuardedResolver", priority="addon")
