"""Buffered hand-over of crawler records to the store, in batches, with their evidence entries.

Records are written in the order they are produced; a batch is one transaction, so a crawl
killed mid-way loses at most the records of the batches in flight, and those are redone on
resume (writes are idempotent on each record's natural key).

With ``background=True`` (the crawler's setting) a full batch is handed to
:class:`~provenance.store.writer.BackgroundWriter` and the reactor goes on while it is
written; :meth:`RecordSink.flush` still returns only once everything queued is in the store,
so its callers (a host's policy documents, the end of the run) see what they flushed.
With ``process_db`` (``PROVTRACK_WRITER_PROCESS``) the records themselves go to
:class:`~crawler.writer.ProcessWriter`, which maps and writes them in a process of its own.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from provenance.store import Store
from provenance.store.db import WriteResult
from provenance.store.mapping import Record, row_mapper
from provenance.store.writer import BackgroundWriter

if TYPE_CHECKING:
    from crawler.writer import ProcessWriter


class RecordSink:
    """Collects records and writes them in batches of ``flush_every`` or every ``max_age`` s."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        *,
        flush_every: int = 200,
        max_age: float = 2.0,
        before_flush: Callable[[], None] | None = None,
        background: bool = False,
        process_db: str | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ):
        self.store = store
        # the first write that failed, and who is told (the crawl stops: rows past a failed
        # batch are never written, so going on would fetch what can no longer be recorded)
        self.failure: BaseException | None = None
        self.on_failure = on_failure
        self.before_flush = before_flush
        self.run_id = run_id
        self.flush_every = max(1, flush_every)
        self.max_age = max_age
        # rows (mapped here), or the records themselves when a writer process maps them
        self._rows: list[Any] = []
        self._oldest: float | None = None
        self.written = 0
        self._writer: BackgroundWriter | ProcessWriter | None = None
        self._maps_here = process_db is None
        if process_db is not None:
            from crawler.writer import ProcessWriter

            self._writer = ProcessWriter(process_db, run_id, on_written=self._count)
        elif background:
            self._writer = BackgroundWriter(store, on_written=self._count)

    def _count(self, result: WriteResult) -> None:
        self.written += result.inserted

    def add(self, record: Record) -> None:
        """Queue one record (and its signal rows); flush when the batch is full or old."""
        mapper = row_mapper(record)  # a record of no known type fails here, not later
        if self._maps_here:
            self._rows.append(mapper(self.run_id, record))
        else:  # pickled now: the record as it is when added, whatever happens to it later
            self._rows.append(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        if self._oldest is None:
            self._oldest = time.monotonic()
        if len(self._rows) >= self.flush_every or time.monotonic() - self._oldest > self.max_age:
            self._submit()

    def _submit(self) -> None:
        """Write the queued rows: on the background writer when there is one."""
        if not self._rows:
            return
        rows, self._rows, self._oldest = self._rows, [], None
        if self.before_flush is not None:
            self.before_flush()  # the WARC records these rows point at reach the disk first
        try:
            if self._writer is not None:
                self._writer.submit(rows)
            else:
                self._count(self.store.write(rows))
        except Exception as err:
            self.record_failure(err)
            raise

    def record_failure(self, err: BaseException) -> None:
        """Keep the first failure and tell ``on_failure`` (once)."""
        if self.failure is None:
            self.failure = err
            if self.on_failure is not None:
                self.on_failure(err)

    def flush(self) -> None:
        """Write everything queued and wait until it is in the store."""
        self._submit()
        if self._writer is not None:
            try:
                self._writer.drain()
            except Exception as err:
                self.record_failure(err)
                raise

    def close(self) -> None:
        """Flush, then stop the background writer (if any); the writer is stopped even when
        the flush failed, so no thread outlives the crawl."""
        try:
            self.flush()
        finally:
            if self._writer is not None:
                try:
                    self._writer.close()
                except Exception as err:
                    self.record_failure(err)
                    raise
