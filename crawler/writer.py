"""The store writer in a process of its own: records are mapped, inserted and chained there.

With the background thread (:mod:`provenance.store.writer`) the crawler process still spends
its own CPU on every batch: mapping records to rows, SQLAlchemy's statements, each evidence
entry's canonical JSON and hashes. The reactor thread competes with that thread for the GIL,
and on a machine with more cores than media workers the crawler process is the one part of
a crawl that cannot be spread. Here the crawler only pickles each record (when it is added,
so later changes to the object cannot reach the store) and sends each batch down a pipe; a
spawned process opens the same store and writes them with the same code (``RecordSink``'s
mappers and ``Store.write``).

Nothing about a record changes: one batch is one transaction, batches are written strictly
in submission order (one process reading one pipe), the evidence chain is appended in that
order. At most ``max_pending`` batches are unacknowledged, so a slow store slows the crawl
instead of growing memory. A failed write is never dropped: the process reports it, writes
nothing after it, and the error is raised to the crawler on its next call (``submit``,
``drain`` or ``close``); a writer process that died is an error too. The process ends with
the crawler (``kill -9`` included, :func:`crawler.mediawork.die_with_parent`): a batch in
flight is then rolled back by the database, as a killed crawl's batch always was, and redone
on resume.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from provenance.errors import StoreError
from provenance.store.db import WriteResult

_STOP = "stop"


def _serve(conn: Connection, db_url: str, run_id: str, parent: int) -> None:
    """The writer process: write each batch received, reply with its result or its error."""
    from crawler.mediawork import die_with_parent

    die_with_parent(parent)
    from provenance.store import open_store
    from provenance.store.mapping import record_rows

    failed: str | None = None
    try:
        store = open_store(db_url, create=False)
    except Exception as err:  # reported on the first batch; the crawl stops there
        failed = f"cannot open the store: {err}"
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the crawler closed its end without a stop: nothing more to write
            return
        if message == _STOP:
            conn.send(("stopped", 0, 0))
            return
        if failed is None:
            try:
                records = [pickle.loads(data) for data in message]  # noqa: S301 - our own pipe
                result = store.write([record_rows(run_id, record) for record in records])
            except Exception as err:  # kept for the crawler, never swallowed
                failed = f"{type(err).__name__}: {err}"
            else:
                conn.send(("ok", result.inserted, result.existing))
                continue
        conn.send(("error", failed, 0))  # after a failure nothing later is written


class ProcessWriter:
    """Maps and writes submitted batches of records in a spawned process, in order."""

    def __init__(
        self,
        db_url: str,
        run_id: str,
        *,
        max_pending: int = 2,
        on_written: Callable[[WriteResult], None] | None = None,
    ) -> None:
        self.on_written = on_written
        self.max_pending = max(1, max_pending)
        self._pending = 0
        self._error: str | None = None
        self._closed = False
        context = multiprocessing.get_context("spawn")  # the crawler runs threads by now
        self._conn, child = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_serve,
            args=(child, db_url, run_id, os.getpid()),
            name="provtrack-store-writer",
            daemon=True,
        )
        self._process.start()
        child.close()

    def _receive(self) -> None:
        """Wait for the oldest unacknowledged batch's reply."""
        try:
            status, first, second = self._conn.recv()
        except (EOFError, OSError) as err:
            self._pending = 0
            code = self._process.exitcode
            self._error = self._error or f"the writer process ended (exit code {code}): {err}"
            return
        self._pending -= 1
        if status == "error":
            self._error = self._error or str(first)
        elif status == "ok" and self.on_written is not None:
            self.on_written(WriteResult(int(first), int(second)))

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise StoreError(f"the store writer failed: {self._error}")

    def submit(self, batch: Sequence[Any]) -> None:
        """Send one batch of records (blocks while ``max_pending`` are unacknowledged)."""
        self._raise_if_failed()
        if self._closed:
            raise StoreError("the store writer is closed")
        while self._pending >= self.max_pending and self._error is None:
            self._receive()
        self._raise_if_failed()
        try:
            self._conn.send(list(batch))
        except (OSError, ValueError) as err:
            self._error = f"the writer process is gone: {err}"
            self._raise_if_failed()
        self._pending += 1

    def drain(self) -> None:
        """Wait until every submitted batch is written; raise if one failed."""
        while self._pending > 0:
            self._receive()
        self._raise_if_failed()

    def close(self) -> None:
        """Write what is queued, stop the process, and raise if any write failed."""
        if not self._closed:
            self._closed = True
            self.drain_quietly()
            try:
                self._conn.send(_STOP)
                self._conn.recv()
            except (EOFError, OSError, ValueError):
                pass  # already gone: its error (if any) is reported below
            self._conn.close()
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._raise_if_failed()

    def drain_quietly(self) -> None:
        """Wait for every reply without raising (close reports the error once)."""
        while self._pending > 0:
            self._receive()
