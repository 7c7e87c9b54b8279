"""The after-download check: the opt-out decision on an image once its response is in.

Some opt-outs can only be read after the bytes arrive: the image response's own headers
(X-Robots-Tag, ``tdm-reservation``) and the signals embedded in the file (IPTC
``plus:DataMining``, C2PA training-mining). And an image fetched by a request that did not say it
was one (a project's spider asking for an image URL no recorded page showed) meets its host's
image rules only when its bytes show it is an image. Every path that records a downloaded image
asks this one component, with one shape:

- :meth:`AfterDownloadCheck.decide`: the pure gate's decision for the record
  (:mod:`provenance.signals.gate`, through the host's :class:`~provenance.hostpolicy.HostPolicy`),
  or None when the host's policy documents were not read;
- :meth:`AfterDownloadCheck.apply`: that decision written on the record (the signals considered;
  a skip at the ``after_download`` stage with its reasons, or in reproduce mode what was
  overridden), counted in the stats, and its :class:`Outcome` returned; what a skip keeps of
  the bytes is the caller's (the media pipeline keeps the skip's facts, an archive audit has
  no bytes).

Used by the media pipeline (provtrack's spider, a project's spider and its media pipelines),
the traffic middleware (an image no page showed) and the audit spider (an archived image
whose payload the archive lacks). One instance per crawl, an extension of the add-on, found
with :func:`after_download_check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from crawler.context import Component
from provenance.signals.scope import own_signals
from provenance.vocab import CrawlMode, Decision, SkipStage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from provenance.hostpolicy import HostPolicy
    from provenance.records import ImageRecord
    from provenance.signals.gate import GateDecision
    from provenance.signals.model import Signal


class Outcome(StrEnum):
    """What the check did to a record."""

    CLEAN = "clean"  # nothing restricts the image
    SKIPPED = "skipped"  # an opt-out forbids it: the record is a skip after download
    OVERRIDDEN = "overridden"  # reproduce mode: kept against the opt-outs it lists


class AfterDownloadCheck(Component):
    """Extension: the after-download opt-out decision (module docstring)."""

    def policy(self, url: str) -> HostPolicy | None:
        """The already-read policy of the URL's host (the gate reads every host before its
        first request goes out), or None."""
        hosts = self.ctx.hosts
        return None if hosts is None else hosts.ready_for(url)

    def decide(
        self,
        record: ImageRecord,
        embedded: Sequence[Signal] = (),
        *,
        page_unseen: bool = False,
    ) -> GateDecision | None:
        """The gate's decision on a downloaded image: its response headers and ``embedded``
        signals; with ``page_unseen`` (no recorded page showed it, so the gate did not read
        the image rules before download) the host's image rules for its URL. None: the host's
        policy was not read (unknown, never allowed: the caller fails the record)."""
        policy = self.policy(record.url)
        if policy is None:
            return None
        if page_unseen:
            return policy.image_decision_before(record.url, None)
        return policy.image_decision_after(record.url, record.response_headers, list(embedded))

    def headers_refuse(self, record: ImageRecord) -> bool:
        """Whether compliant mode skips the image on its response headers alone, whatever its
        bytes hold (embedded signals only add reasons to a refusal, never lift it): reading
        the bytes for what a skip does not keep (faces) is then wasted work."""
        if self.ctx.config.mode != CrawlMode.COMPLIANT:
            return False
        decision = self.decide(record)
        return decision is not None and not decision.allowed and bool(decision.reasons)

    def apply(self, record: ImageRecord, decision: GateDecision) -> Outcome:
        """Write the decision on the record and count it (module docstring)."""
        record.signals = own_signals(record.url, [*record.signals, *decision.considered])
        if not decision.reasons:
            return Outcome.CLEAN
        if decision.allowed:
            record.overridden = [*record.overridden, *(s.to_dict() for s in decision.reasons)]
            self.crawler.stats.inc_value("provtrack/overridden/image_after_download")
            return Outcome.OVERRIDDEN
        record.decision = Decision.SKIPPED
        record.stage = SkipStage.AFTER_DOWNLOAD
        record.reasons = [s.to_dict() for s in decision.reasons]
        for reason in decision.reasons:
            self.crawler.stats.inc_value(f"provtrack/skipped/image/{reason.kind.value}")
        return Outcome.SKIPPED


def after_download_check(crawler: Crawler) -> AfterDownloadCheck:
    """The crawl's after-download check (the add-on always enables it; its absence is a broken
    setup, never read as allowed)."""
    check = crawler.get_extension(AfterDownloadCheck)
    if check is None:
        raise RuntimeError(
            "crawler.afterdownload.AfterDownloadCheck is not enabled (use the add-on)"
        )
    return check
