"""provtrack as a Scrapy add-on: the engine behind every way in.

A Scrapy project switches provtrack on with plain settings only::

    ADDONS = {"crawler.addon.ProvtrackAddon": 0}
    PROVTRACK_MODE = "compliant"            # or "reproduce" (allowed hosts only)
    PROVTRACK_OUT = "provtrack-out"         # WARC files, default store
    PROVTRACK_STORE = "postgresql://..."    # optional: path or URL of the store

``provtrack crawl`` and ``provtrack audit`` are clients of the same add-on: they pass the same
settings (:meth:`crawler.config.CrawlConfig.to_settings`). The add-on owns the run
(:mod:`crawler.lifecycle`), gates every request the spider makes, whoever makes it
(:mod:`crawler.traffic` for a project's own spider and its ``ImagesPipeline``/``FilesPipeline``),
and replaces Scrapy's robots middleware, which treats an unreachable robots.txt as allow-all.

What a provenance crawl needs it sets at a priority that wins over the project's; where the
project asks for something else explicitly (another User-Agent, a larger size cap, an HTTP
cache that would answer requests without fetching them), it refuses to start with one line
naming the setting (:func:`conflicts`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.settings import SETTINGS_PRIORITIES

from crawler.config import USER_AGENT_TOKEN, CrawlConfig, new_run_id
from provenance import __version__
from provenance.errors import ConfigError

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

USER_AGENT = (
    f"{USER_AGENT_TOKEN}/{__version__} (+https://github.com/provtrack/provtrack; "
    "consent and provenance research crawler)"
)

DOWNLOADER_MIDDLEWARES = {
    # provtrack's gate decides robots.txt (fail closed, RFC 9309); Scrapy's is replaced
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    # before Scrapy's offsite filter (50): a forbidden address is refused as such, first
    "crawler.safety.AddressGuardMiddleware": 40,
    # a project's own requests (and its media pipelines'): marked for the gate, then recorded
    "crawler.traffic.TrafficMiddleware": 90,
    "crawler.gate.OptOutGateMiddleware": 100,
    # policy documents: download cut and bounded gzip, before Scrapy's decompression (590)
    "crawler.policyfetch.PolicyBodyMiddleware": 595,
    # just outside Scrapy's redirect middleware (600): a redirect loop is recorded too
    "crawler.traffic.RedirectLimitMiddleware": 601,
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
EXTENSIONS = {
    # the run's lifecycle first: it opens the crawl's context (crawler.provtrack) that every
    # other component takes in its from_crawler (crawler/context.py)
    "crawler.lifecycle.RunLifecycle": 0,
    # the opt-out registry, read from the store once (the gate, the pipelines and the capture
    # ask it)
    "crawler.optouts.OptOutRegistry": 1,
    # the after-download opt-out check (response headers, embedded signals): one for every
    # path that records a downloaded image
    "crawler.afterdownload.AfterDownloadCheck": 2,
}

_PROJECT = SETTINGS_PRIORITIES["project"]


@dataclass(frozen=True, slots=True)
class Owned:
    """A Scrapy setting provtrack must hold, and how a project's own value may differ."""

    name: str
    hint: str  # what to set instead, for the refusal line
    replaceable: bool = False  # a project's value is overridden silently (same intent)


def _owned_values(config: CrawlConfig) -> dict[str, tuple[Any, Owned]]:
    return {
        "USER_AGENT": (
            config.user_agent or USER_AGENT,
            Owned("USER_AGENT", f"keep the {USER_AGENT_TOKEN!r} token"),
        ),
        "DOWNLOAD_MAXSIZE": (
            config.max_image_bytes,
            Owned("DOWNLOAD_MAXSIZE", "set PROVTRACK_MAX_BYTES instead"),
        ),
        "DOWNLOAD_TIMEOUT": (
            config.download_timeout,
            Owned("DOWNLOAD_TIMEOUT", "set PROVTRACK_DOWNLOAD_TIMEOUT instead"),
        ),
        "HTTPCACHE_ENABLED": (
            False,
            Owned("HTTPCACHE_ENABLED", "a cache answers without fetching: records would lie"),
        ),
        "COOKIES_ENABLED": (False, Owned("COOKIES_ENABLED", "provtrack crawls logged out")),
        "REDIRECT_MAX_TIMES": (5, Owned("REDIRECT_MAX_TIMES", "provtrack caps redirects at 5")),
        # a crawler fetching hostile pages must not run a remote-control server (stack-notes)
        "TELNETCONSOLE_ENABLED": (False, Owned("TELNETCONSOLE_ENABLED", "never on a crawler")),
        "REMOTE_CONTROL_ENABLED": (False, Owned("REMOTE_CONTROL_ENABLED", "never on a crawler")),
        # our gate obeys robots.txt, failing closed: the project's wish is kept, not its engine
        "ROBOTSTXT_OBEY": (False, Owned("ROBOTSTXT_OBEY", "", replaceable=True)),
        # every HTTPS peer is verified (Scrapy verifies none by default): a record that says
        # what a host served must know it was that host (crawler/tls.py)
        "DOWNLOADER_CLIENTCONTEXTFACTORY": (
            "crawler.tls.VerifyingContextFactory",
            Owned(
                "DOWNLOADER_CLIENTCONTEXTFACTORY",
                "provtrack verifies every certificate; trust a CA with PROVTRACK_CA_CERTS",
            ),
        ),
    }


def _compatible(name: str, value: Any, wanted: Any) -> bool:
    if name == "USER_AGENT":
        return USER_AGENT_TOKEN in str(value or "").lower()
    if name == "DOWNLOAD_MAXSIZE":
        # a smaller cap is stricter and allowed; 0 means no cap
        return bool(value) and int(value) <= int(wanted)
    if isinstance(wanted, bool):
        return str(value).lower() in (str(wanted).lower(), str(int(wanted)))
    try:
        return float(value) == float(wanted)
    except (TypeError, ValueError):
        return bool(value == wanted)


def conflicts(settings: BaseSettings, config: CrawlConfig) -> list[str]:
    """One line per project setting that contradicts what provtrack must hold."""
    lines = []
    for name, (wanted, owned) in _owned_values(config).items():
        priority = settings.getpriority(name) or 0
        if owned.replaceable or priority < _PROJECT:
            continue
        if not _compatible(name, settings.get(name), wanted):
            lines.append(
                f"provtrack refuses to start: {name}={settings.get(name)!r} in the project's "
                f"settings conflicts with provtrack ({owned.hint})"
            )
    mws = settings.getdict("DOWNLOADER_MIDDLEWARES")
    robots = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
    if mws.get(robots) is not None:
        lines.append(
            f"provtrack refuses to start: DOWNLOADER_MIDDLEWARES enables {robots}, which "
            "provtrack's gate replaces (remove it)"
        )
    return lines


class ProvtrackAddon:
    """Adds provtrack's components and the settings a provenance crawl needs (module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        """Merge provtrack's components and settings into the project's, or refuse."""
        if not settings.get("PROVTRACK_RUN_ID"):
            # one id for every component of this crawl, visible in the settings dump
            mode = str(settings.get("PROVTRACK_MODE") or "compliant").lower()
            settings.set("PROVTRACK_RUN_ID", new_run_id(mode), priority="addon")
        config = CrawlConfig.from_settings(settings)
        config.validate_common()
        refused = conflicts(settings, config)
        if refused:
            for line in refused:
                logger.error(line)
            raise ConfigError(refused[0])
        for name, (wanted, _owned) in _owned_values(config).items():
            # at the priority the value already has (or addon's): a project's compatible
            # value stays, a default loses
            priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
            if name == "USER_AGENT" and priority >= _PROJECT:
                continue  # the project's own UA, carrying provtrack's token
            if name == "DOWNLOAD_MAXSIZE" and priority >= _PROJECT:
                continue  # the project's stricter cap
            settings.set(name, wanted, priority=priority)
        settings.set("DOWNLOAD_WARNSIZE", 0, priority="addon")
        # a media pipeline's image that redirects is followed hop by hop, each hop gated, as
        # provtrack's own crawl does (a project that turned it off keeps its choice)
        settings.set("MEDIA_ALLOW_REDIRECTS", True, priority="addon")
        settings["DOWNLOADER_MIDDLEWARES"].update(DOWNLOADER_MIDDLEWARES)
        settings["ITEM_PIPELINES"].update(ITEM_PIPELINES)
        settings["EXTENSIONS"].update(EXTENSIONS)
        if settings.get("DUPEFILTER_CLASS") == "scrapy.dupefilters.RFPDupeFilter":
            # a redirect loop's second hop must end in an error, not vanish unrecorded
            settings.set(
                "DUPEFILTER_CLASS", "crawler.dupefilter.RedirectAwareDupeFilter", priority="addon"
            )
        # connections use the addresses the guard checked (crawler/resolver.py); the guard
        # also installs it on the reactor if the process started with another resolver
        settings.set("TWISTED_DNS_RESOLVER", "crawler.resolver.GuardedResolver", priority="addon")
