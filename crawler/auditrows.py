"""A dataset's rows as the audit requests them: one request per image URL, every row that
lists it kept as a dataset entry, and the rows that cannot be audited kept with their problem.

Split from :mod:`crawler.audit` (the spider) so that what a row becomes is read in one place:
the URL as a client requests it (IRIs percent-encoded, IDN hosts in punycode), the dataset's
own spelling kept in the entry's ``local.dataset_url``, and the page an image was found on only
where that page can itself be audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from provenance.dataset.manifest import ManifestRow, audited_url, url_problem
from provenance.records import DatasetEntryRecord

__all__ = ["Wanted", "entry_for", "group_rows"]


@dataclass(slots=True)
class Wanted:
    """One image URL to audit and the dataset entries that list it."""

    url: str
    entries: list[DatasetEntryRecord]
    page_url: str | None = None
    caption: str | None = None
    alt: str | None = None
    local: dict[str, Any] = field(default_factory=dict)


def entry_for(row: ManifestRow, problem: str | None = None) -> DatasetEntryRecord:
    """The dataset entry of one manifest row."""
    return DatasetEntryRecord(
        source=row.source,
        row=row.row,
        url=row.url,
        key=row.key,
        caption=row.caption,
        page_url=row.page_url,
        problem=problem,
    )


def group_rows(
    rows: Iterable[tuple[ManifestRow, dict[str, Any]]],
) -> tuple[list[Wanted], list[DatasetEntryRecord]]:
    """Rows of one chunk grouped by image URL (one request per URL); the rows that cannot be
    audited come back as entries with their problem."""
    wanted: dict[str, Wanted] = {}
    refused: list[DatasetEntryRecord] = []
    for row, local in rows:
        problem = url_problem(row.url)
        if problem is not None:
            refused.append(entry_for(row, problem))
            continue
        url = audited_url(row.url)
        entry = entry_for(row)
        entry.url = url
        if local:
            entry.local = dict(local)
        if url != row.url:
            entry.local["dataset_url"] = row.url
        page = row.page_url if row.page_url and url_problem(row.page_url) is None else None
        page = audited_url(page) if page else None
        if url in wanted:
            item = wanted[url]
            item.entries.append(entry)
            item.page_url = item.page_url or page
            item.caption = item.caption or row.caption
        else:
            wanted[url] = Wanted(url, [entry], page, row.caption)
    return list(wanted.values()), refused
