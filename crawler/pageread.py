"""Reading a page's DOM off the reactor when it is large, so other downloads keep flowing.

A page with 50,000 links takes lxml, the link walk and the signal reader most of a second of
CPU; run on the reactor thread, every other download, policy fetch and image analysis of the
crawl waits that long. Pages above :data:`THREAD_BYTES` are therefore read in a worker thread
(``asyncio.to_thread``): lxml parses without the GIL for long stretches and the interpreter
switches threads every few milliseconds, so the reactor keeps answering while it runs. Small
pages, nearly all of them, are read inline (a thread hop costs more than they do).
"""

from __future__ import annotations

import asyncio

from scrapy.http import TextResponse

from crawler.extract import PageExtract, extract_page
from crawler.policyread import read_headers
from provenance.signals.page import PageSignals, page_signals

THREAD_BYTES = 256 * 1024
"""Pages at least this large are read in a worker thread (setting PROVTRACK_PAGE_THREAD_BYTES;
a negative value reads every page inline, as before)."""


def _read(url: str, html: str, headers: dict[str, list[str]]) -> tuple[PageExtract, PageSignals]:
    return extract_page(url, html), page_signals(url, html, headers)


async def read_page_facts(
    response: TextResponse, threshold: int = THREAD_BYTES
) -> tuple[PageExtract, PageSignals, bool]:
    """The page's links and facts and its signals and images; and whether a thread read them."""
    headers = read_headers(response)
    if threshold < 0 or len(response.body) < threshold:
        return (*_read(response.url, response.text, headers), False)

    # the body is decoded in the thread too: a large page's decode is part of the cost
    def work() -> tuple[PageExtract, PageSignals]:
        return _read(response.url, response.text, headers)

    page, signals = await asyncio.to_thread(work)
    return page, signals, True
