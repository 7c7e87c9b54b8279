"""Reading a page's DOM off the reactor when it is large, so other downloads keep flowing.

A page with 50,000 links costs lxml, the link walk, the signal reader and the jurisdiction
reader seconds of CPU; run on the reactor thread, every other download, policy fetch and
image record of the crawl waits that long (``python -m bench.bigpage`` measured the reactor
stalled 65 s at load 12). Pages above :data:`THREAD_BYTES` are therefore read in a worker thread
(``asyncio.to_thread``): lxml parses without the GIL for long stretches and the interpreter
switches threads every few milliseconds, so the reactor keeps answering while it runs. Small
pages, nearly all of them, are read inline (a thread hop costs more than they do).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from scrapy.http import TextResponse

from crawler.config import host_of
from crawler.extract import LinkRef, PageExtract, extract_page
from crawler.policyread import read_headers
from provenance.jurisdiction import site_evidence
from provenance.signals.page import PageSignals, page_signals

THREAD_BYTES = 256 * 1024
"""Pages at least this large are read in a worker thread (setting PROVTRACK_PAGE_THREAD_BYTES;
a negative value reads every page inline, as before)."""


@dataclass(slots=True)
class PageFacts:
    """Everything the spider reads from one page's HTML, computed in one go."""

    page: PageExtract
    signals: PageSignals
    evidence: list[Any]  # provenance.jurisdiction.Evidence of the site
    links: list[LinkRef]  # the page's links to hosts in the crawl's scope
    threaded: bool = False


def _read(
    response: TextResponse,
    headers: dict[str, list[str]],
    server_ip: str | None,
    scope: frozenset[str],
) -> PageFacts:
    url, html = response.url, response.text
    page = extract_page(url, html)
    return PageFacts(
        page=page,
        signals=page_signals(url, html, headers),
        evidence=site_evidence(url, response.body, headers, None, server_ip),
        links=[link for link in page.links if host_of(link.url) in scope],
    )


async def read_page_facts(
    response: TextResponse,
    scope: frozenset[str],
    server_ip: str | None = None,
    threshold: int = THREAD_BYTES,
) -> PageFacts:
    """The page's links and facts, its signals and images, its site evidence, read in a worker
    thread when the page is large."""
    headers = read_headers(response)
    if threshold < 0 or len(response.body) < threshold:
        return _read(response, headers, server_ip, scope)
    # the body is decoded in the thread too: a large page's decode is part of the cost
    facts = await asyncio.to_thread(_read, response, headers, server_ip, scope)
    facts.threaded = True
    return facts
