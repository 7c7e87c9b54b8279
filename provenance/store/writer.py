"""A background thread that writes batches of rows to the store, in order, one at a time.

The crawler's reactor thread produced every row and then waited for SQLite to insert it and
for the evidence chain to be hashed (about half of the crawler process's time per image in a
py-spy profile of a scale-web crawl, bench/README.md). Handing each full batch to this thread
lets the reactor go on fetching and parsing while the batch is written: SQLite's statement
execution and commit, zlib and hashlib release the GIL, so they overlap with the reactor's
Python work on the other core.

Nothing about a record changes: the batch is the same transaction ``Store.write`` always ran,
batches are written strictly in submission order (one thread, one FIFO), and the evidence
chain is appended in that order. The queue is bounded, so a store slower than the crawl
slows the crawl instead of growing memory. A failed write is never dropped: the error is
kept and raised to the producer on its next call (``submit``, ``drain`` or ``close``), and
nothing submitted after a failure is written, so the store never holds rows past a gap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import SQLModel

from provenance.errors import StoreError
from provenance.store.db import Store, WriteResult

Batch = Sequence[Sequence[SQLModel]]

_STOP = object()


class BackgroundWriter:
    """Writes submitted batches with ``store.write`` on one background thread, in order."""

    def __init__(
        self,
        store: Store,
        *,
        max_pending: int = 2,
        on_written: Callable[[WriteResult], None] | None = None,
    ) -> None:
        self.store = store
        self.on_written = on_written
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, max_pending))
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="provtrack-store-writer")
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                if self._error is None:  # after a failure nothing later is written
                    result = self.store.write(item)
                    if self.on_written is not None:
                        self.on_written(result)
            except BaseException as err:  # kept for the producer, never swallowed
                self._error = err
            finally:
                self._queue.task_done()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise StoreError(f"the store writer failed: {self._error}") from self._error

    def submit(self, batch: Batch) -> None:
        """Queue one batch (blocks while ``max_pending`` batches are waiting)."""
        self._raise_if_failed()
        if self._closed:
            raise StoreError("the store writer is closed")
        self._queue.put(list(batch))

    def drain(self) -> None:
        """Wait until every submitted batch is written; raise if one failed."""
        self._queue.join()
        self._raise_if_failed()

    def close(self) -> None:
        """Write what is queued, stop the thread, and raise if any write failed."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()
        self._raise_if_failed()
