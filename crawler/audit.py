"""The audit spider: another way into the same engine, for images someone else collected.

It does not crawl. It reads a dataset (manifest rows, img2dataset output rows, or the images of
a web archive) in chunks and asks, for every image URL, what a compliant collection would have
decided: the same requests a crawl makes, through the same gate (robots.txt, ai.txt,
tdmrep.json, terms, the opt-out registry), the same media pipeline and the same store.

- A row that names the page its image was found on fetches that page first (robots.txt for
  the page path counts, then the page's own signals); without a page, only what the image's
  host says about the image path counts.
- Every row becomes a dataset entry (its file, row and key) carried on the image record of its
  URL, so results join back to the dataset; a row whose URL cannot be audited (not http(s),
  empty) becomes an entry with its problem and is never fetched. An entry's ``url`` is the URL
  as requested (IRIs percent-encoded, IDN hosts in punycode), the dataset's own spelling kept
  in ``local.dataset_url`` when it differs, so the entry joins its record.
- A URL listed again (with the same page, or none) is fetched once: rows in one chunk share
  the request; a row of a later chunk whose URL was requested among the last
  :data:`RECENT_URLS` distinct ones becomes an entry on that URL's record without a request
  (except in a distributed run's closing sweep, which redoes what a dead worker lost).
- With an archive, a replay middleware answers requests from the archive's captures, so every
  fact is read as it was captured; what the archive lacks is ``not captured``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.afterdownload import Outcome, after_download_check
from crawler.auditrows import Wanted, group_rows
from crawler.config import plan_from_plain
from crawler.gate import GateSkipped
from crawler.policyread import read_headers, read_page
from crawler.spider import Item, ProvenanceSpider
from provenance.dataset.img2dataset import read_output_folder
from provenance.dataset.manifest import ManifestRow, audited_url, read_manifest
from provenance.dataset.plan import AuditPlan
from provenance.errors import InputError
from provenance.jurisdiction import infer_site, site_evidence
from provenance.records import DatasetEntryRecord, ImageRecord, OccurrenceRecord, failure
from provenance.signals._fetch import NOT_CAPTURED_ERROR
from provenance.signals.model import Signal
from provenance.signals.page import PageSignals
from provenance.store.datasets import audited_rows
from provenance.vocab import Decision, FailureReason, SkipStage

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

BACKLOG_PER_SLOT = 4  # requests queued ahead per concurrent download (memory stays flat)
PAGE_CACHE = 4096  # pages whose outcome is remembered (datasets list many images per page)
RECENT_URLS = 100_000  # (url, page) pairs remembered as requested: bounded, memory stays flat


@dataclass(slots=True)
class PageOutcome:
    """What reading a dataset row's page gave: its signals, or the reasons it was refused."""

    signals: PageSignals | None = None
    refused: list[Signal] = field(default_factory=list)


class AuditSpider(ProvenanceSpider):
    """Audits the image URLs of the run's :class:`AuditPlan` (see the module docstring)."""

    name = "provtrack-audit"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan: AuditPlan
        self.done: set[tuple[str, int]] = set()
        self.pages: OrderedDict[str, PageOutcome] = OrderedDict()
        self.requested: OrderedDict[tuple[str, str | None], None] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        plan = crawler.settings.get("PROVTRACK_AUDIT")
        if not plan:
            raise ValueError("an audit run needs an AuditPlan (CrawlConfig.audit)")
        spider.plan = plan_from_plain(plan)
        return spider

    def _opened(self) -> None:
        super()._opened()
        if self.ctx.config.resume:
            self.done = audited_rows(self.ctx.store, self.ctx.config.run_id)

    # -- reading the datasets ---------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for out in self._outputs():
            if isinstance(out, Request):
                await self._room()
            yield out

    def _backlog(self) -> int:
        """Requests scheduled and not yet taken by the downloader (this process's count)."""
        stats = self.crawler.stats
        pending = 0
        for suffix in ("", "/redis"):
            enqueued = stats.get_value(f"scheduler/enqueued{suffix}", 0) or 0
            dequeued = stats.get_value(f"scheduler/dequeued{suffix}", 0) or 0
            pending = max(pending, int(enqueued) - int(dequeued))
        return pending

    async def _room(self) -> None:
        """Wait while enough requests are queued: Scrapy reads start() as fast as it can while
        the downloader is busy, which would queue a whole manifest of millions of rows."""
        limit = BACKLOG_PER_SLOT * max(1, self.ctx.config.concurrency)
        while self._backlog() > limit and self.crawler.engine is not None:
            await asyncio.sleep(0.02)

    def _outputs(self) -> Iterator[Any]:
        try:
            yield from self._read()
        except InputError as err:
            # a dataset broken past its first rows: what was read is audited and kept, the
            # command then fails with the file and the reason
            self.logger.error("audit input: %s", err)
            self.crawler.stats.set_value("provtrack/audit/input_error", str(err))

    def _read(self) -> Iterator[Any]:
        plan = self.plan
        for path in plan.manifests:
            for chunk in read_manifest(
                path, plan.columns, fmt=plan.input_format, chunk_rows=plan.chunk_rows
            ):
                for out in self._chunk([(row, {}) for row in chunk]):
                    yield out
        for folder in plan.outputs:
            for rows in read_output_folder(
                folder,
                url_col=plan.columns.url,
                caption_col=plan.columns.caption or "caption",
                page_col=plan.columns.page,
                chunk_rows=plan.chunk_rows,
            ):
                for out in self._chunk([(r.row, r.local.facts()) for r in rows]):
                    yield out
        if plan.archives:
            from crawler.replay import archive_rows

            for archived in archive_rows(self.crawler, plan):
                for out in self._chunk(archived):
                    yield out

    def _chunk(self, rows: list[tuple[ManifestRow, dict[str, Any]]]) -> Iterator[Any]:
        """The requests (and refused-row entries) for one chunk of rows."""
        coordinator = self.ctx.coordinator
        # a resumed run re-reads every chunk (its rows already stored are skipped below):
        # the first run's claims would hide the rows a dead worker never finished
        if rows and coordinator is not None and not (self.ctx.config.resume or self.sweeping):
            first = rows[0][0]
            if not coordinator.claim_chunk(first.source, first.row):
                return  # another worker of this run audits these rows
        fresh = [(r, local) for r, local in rows if (r.source, r.row) not in self.done]
        wanted, refused = group_rows(fresh)
        yield from refused
        wanted, repeated = self._not_requested(wanted)
        yield from repeated
        self.crawler.stats.inc_value("provtrack/audit/rows", len(fresh))
        by_page: dict[str, list[Wanted]] = {}
        for item in wanted:
            if item.page_url is None:
                yield self._image(item, None)
            elif (known := self.pages.get(item.page_url)) is not None:
                self.pages.move_to_end(item.page_url)
                yield from self._after_page(item, known)
            else:
                by_page.setdefault(item.page_url, []).append(item)
        for page_url, items in by_page.items():
            yield Request(
                page_url,
                callback=self.audit_page,
                errback=self.audit_page_failed,
                meta={
                    "provtrack_role": "page",
                    "provtrack_depth": 0,
                    "provtrack_chain": [page_url],
                    "provtrack_seed": None,
                    "provtrack_waiting": items,
                },
                dont_filter=True,
            )

    def _not_requested(self, wanted: list[Wanted]) -> tuple[list[Wanted], list[DatasetEntryRecord]]:
        """The URLs of a chunk not requested already, and the entries of rows listing one that
        was (same page or none, no local copy to compare): stored on that URL's record."""
        if self.sweeping:
            # the sweep redoes rows a dead worker lost: the requests remembered here may be
            # among them (taken from the shared queue by that worker), so nothing is skipped
            return wanted, []
        fresh: list[Wanted] = []
        repeated: list[DatasetEntryRecord] = []
        for item in wanted:
            key = (item.url, item.page_url)
            local = any(set(e.local) - {"dataset_url"} for e in item.entries)
            if key in self.requested and not local:
                self.requested.move_to_end(key)
                self.crawler.stats.inc_value("provtrack/audit/repeated_urls", len(item.entries))
                repeated.extend(item.entries)
                continue
            self.requested[key] = None
            while len(self.requested) > RECENT_URLS:
                self.requested.popitem(last=False)
            fresh.append(item)
        return fresh, repeated

    # -- several processes: the closing sweep -----------------------------------------------

    def _on_idle(self) -> None:
        """When the shared queue is empty and every other worker is idle or dead, one worker
        reads the datasets again and audits every row no process stored (a killed worker's
        chunks); rows are idempotent, so the sweep never duplicates one."""
        coordinator = self.ctx.coordinator
        if coordinator is None or self._swept:
            return
        queue_key = str(self.crawler.settings.get("SCHEDULER_QUEUE_KEY"))
        if coordinator.queue_length(queue_key) > 0:
            raise DontCloseSpider
        coordinator.mark_idle()
        if not coordinator.all_others_idle():
            raise DontCloseSpider
        if not coordinator.claim_sweep():
            return
        self._swept = True
        self.sweeping = True
        self.done = audited_rows(self.ctx.store, self.ctx.config.run_id)
        self.crawler.stats.inc_value("provtrack/sweep")
        assert self.crawler.engine is not None
        for out in self._outputs():
            if isinstance(out, Request):
                self.crawler.engine.crawl(out)
            else:
                self.ctx.sink.add(out)
        raise DontCloseSpider

    # -- pages ------------------------------------------------------------------------------

    def _remember(self, url: str, outcome: PageOutcome) -> None:
        self.pages[url] = outcome
        self.pages.move_to_end(url)
        while len(self.pages) > PAGE_CACHE:
            self.pages.popitem(last=False)

    def _after_page(self, item: Wanted, outcome: PageOutcome) -> Iterator[Item | Request]:
        assert item.page_url is not None
        alt = None
        if outcome.signals is not None:
            # the page names it as written (an IRI); the row as requested (percent-encoded)
            alt = next(
                (c.alt for c in outcome.signals.images if audited_url(c.url) == item.url), None
            )
        yield OccurrenceRecord(
            image_url=item.url,
            page_url=item.page_url,
            alt=alt,
            context=item.caption,
            referrer_chain=[item.page_url],
        )
        yield self._image(replace(item, alt=alt), outcome)

    def audit_page(self, response: Response) -> Iterator[Item | Request]:
        """A dataset row's page: read its signals, then audit the images waiting for it."""
        waiting: list[Wanted] = response.meta.pop("provtrack_waiting", [])
        if not isinstance(response, TextResponse):
            yield self._page_record(response, Decision.FAILED, error="not an HTML page")
            outcome = PageOutcome()
        else:
            signals = read_page(response)
            record = self._page_record(response, "fetched")
            record.signals = signals.signals
            record.lang = signals.lang
            record.title = signals.title
            record.facts = {"read_status": signals.status.value, "audit": "dataset page"}
            evidence = site_evidence(
                response.url, response.body, read_headers(response), None, record.server_ip
            )
            record.site_jurisdiction = [c.to_dict() for c in infer_site(evidence)]
            if self.ctx.hosts is not None and (policy := self.ctx.hosts.ready(record.host)):
                policy.add_site_evidence(evidence)
            yield record
            outcome = PageOutcome(signals=signals)
        self._remember(response.meta.get("redirect_urls", [response.url])[0], outcome)
        for item in waiting:
            yield from self._after_page(item, outcome)

    def audit_page_failed(self, fail: Failure) -> Iterator[Item | Request]:
        """The page was refused (robots.txt, terms) or failed: its images are audited anyway,
        a refusal counting against them, a failure leaving the page's signals unread."""
        request: Request = fail.request  # type: ignore[attr-defined]
        waiting: list[Wanted] = request.meta.pop("provtrack_waiting", [])
        yield from self.page_failed(fail)
        if isinstance(fail.value, GateSkipped):
            outcome = PageOutcome(refused=list(fail.value.reasons))
        else:
            outcome = PageOutcome()
        self._remember(request.url, outcome)
        for item in waiting:
            yield from self._after_page(item, outcome)

    # -- images -----------------------------------------------------------------------------

    def _image(self, item: Wanted, page: PageOutcome | None) -> Request:
        meta: dict[str, Any] = {
            "provtrack_role": "image",
            "provtrack_page_url": item.page_url,
            "provtrack_entries": item.entries,
            "provtrack_subject": {"alt": item.alt, "caption": item.caption, "snippets": []},
        }
        if page is not None:
            meta["provtrack_page_signals"] = page.signals
            meta["provtrack_page_refused"] = page.refused
        captured = next((e.local.get("captured_at") for e in item.entries if e.local), None)
        if captured:
            # an archived image refused before its bytes are read is dated as captured too
            meta["provtrack_captured_at"] = datetime.fromisoformat(str(captured))
        return Request(
            item.url,
            callback=self.parse_image,
            errback=self.image_failed,
            meta=meta,
            dont_filter=True,
            priority=10,
        )

    def parse_image(self, response: Response) -> Iterator[Item]:
        for record in super().parse_image(response):
            if isinstance(record, ImageRecord):
                missing = response.meta.get("provtrack_payload_missing")
                if missing:
                    self._headers_only(record, str(missing))
                record.entries = list(response.meta.get("provtrack_entries", []))
                if why := response.meta.get("provtrack_headers_missing"):
                    # decided after the bytes are read (AuditPipeline): only a refusal stands
                    for entry in record.entries:
                        entry.local[HEADERS_MISSING] = str(why)
            yield record

    def image_failed(self, fail: Failure) -> Iterator[Item]:
        request: Request = fail.request  # type: ignore[attr-defined]
        for record in super().image_failed(fail):
            if isinstance(record, ImageRecord):
                record.entries = list(request.meta.get("provtrack_entries", []))
            yield record

    def _headers_only(self, record: ImageRecord, why: str) -> None:
        """An archived image whose payload the archive does not hold: its captured headers
        still decide (X-Robots-Tag, tdm-reservation); without a refusal there, what the bytes
        would have said is unknown, and the record fails ``not_captured``."""
        record.body = None
        check = after_download_check(self.crawler)
        decision = check.decide(record)
        if decision is not None and check.apply(record, decision) is Outcome.SKIPPED:
            self.crawler.stats.inc_value("provtrack/images/skipped")
            return
        fail_not_captured(self.crawler, record, why)


HEADERS_MISSING = "http_headers_not_captured"
"""An entry's ``local`` key saying its archived image has bytes but no HTTP response headers."""


def fail_not_captured(crawler: Crawler, record: ImageRecord, why: str) -> None:
    """Fail the record ``not_captured``: what its decision needs is not in the archive (the
    bytes, or for an image held as a resource record the response headers: X-Robots-Tag and
    ``tdm-reservation`` might have refused it)."""
    record.decision = Decision.FAILED
    record.stage = SkipStage.AFTER_DOWNLOAD
    record.reasons = [failure(FailureReason.NOT_CAPTURED, f"{NOT_CAPTURED_ERROR}: {why}")]
    record.error = why
    crawler.stats.inc_value("provtrack/images/failed/not_captured")
