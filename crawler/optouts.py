"""The opt-out registry as the add-on's component: read from the store once, asked by the gate.

Tombstones (:class:`provenance.optout.TombstoneSet`) say which image URLs, photographs, pages
and hosts a purge removed. The gate middleware asks before download (a tombstoned URL or host
is skipped in every mode, reproduce included), the media pipeline after it (the same photograph
under another URL), the WARC capture and the store pipeline whether a page's text may be kept.
One instance per crawl, built by Scrapy (:meth:`from_crawler`) and found by the others with
``crawler.get_extension(OptOutRegistry)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.context import context_of
from provenance.optout import TombstoneSet

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from provenance.signals.model import Signal


class OptOutRegistry:
    """Extension: this crawl's opt-out registry (module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.tombstones = TombstoneSet.load(context_of(crawler).store)
        crawler.stats.set_value("provtrack/optout/registry_entries", len(self.tombstones))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def removed_page(self, url: str) -> Signal | None:
        """The registry's signal when a purge removed this page: it is fetched for its links
        but never archived, and nothing it says about anyone is recorded."""
        return self.tombstones.check_page(url) if self.tombstones.pages else None


def registry_of(crawler: Crawler) -> OptOutRegistry:
    """The crawl's registry (the add-on always enables it; its absence is a broken setup)."""
    registry = crawler.get_extension(OptOutRegistry)
    if registry is None:
        raise RuntimeError("crawler.optouts.OptOutRegistry is not enabled (use the add-on)")
    return registry
