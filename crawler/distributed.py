"""Coordination of several crawler processes that share one scrapy-redis frontier.

scrapy-redis shares the request queue and the dupefilter; what it does not do, this does,
with plain Redis keys under ``provtrack:<run id>:``:

- host locks, so each host's policy documents are fetched and snapshotted by one process
  (the others read the snapshots from the shared store);
- worker heartbeats, so a process knows when every other one has finished or died;
- the closing sweep: scrapy-redis pops a request before it is downloaded, so a killed
  process takes its in-flight requests with it. When the queue is empty and no other worker
  is alive, one process walks the crawl again from the seeds against the store and fetches
  whatever has no record yet. Records are idempotent, so the sweep never duplicates one.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

import redis

HEARTBEAT_SECONDS = 2.0
HEARTBEAT_TTL = 8
HOST_LOCK_TTL = 20


class Coordinator:
    """One process's handle on the run's shared Redis keys."""

    def __init__(self, url: str, run_id: str) -> None:
        self.client: Any = redis.Redis.from_url(url)
        self.prefix = f"provtrack:{run_id}"
        self.worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"

    def heartbeat(self) -> None:
        """Say this worker is alive (called every HEARTBEAT_SECONDS)."""
        self.client.set(f"{self.prefix}:worker:{self.worker}", "1", ex=HEARTBEAT_TTL)

    def busy(self) -> None:
        """Say this worker is working again (it took a request from the queue)."""
        self.client.delete(f"{self.prefix}:idle:{self.worker}")

    def retire(self) -> None:
        """Say this worker is done."""
        self.client.delete(f"{self.prefix}:worker:{self.worker}")

    def other_workers(self) -> list[str]:
        """Workers other than this one whose heartbeat has not expired."""
        keys = self.client.keys(f"{self.prefix}:worker:*")
        names = [k.decode().rsplit(":", 1)[-1] for k in keys]
        return [n for n in names if n != self.worker]

    def claim_host(self, host: str) -> bool:
        """Whether this worker should fetch the host's policy documents (first come)."""
        return bool(
            self.client.set(f"{self.prefix}:host:{host}", self.worker, nx=True, ex=HOST_LOCK_TTL)
        )

    def release_host(self, host: str) -> None:
        """Let another worker claim the host (the claimant failed before storing snapshots)."""
        self.client.delete(f"{self.prefix}:host:{host}")

    def mark_idle(self) -> None:
        """Say this worker has nothing in flight and the queue looked empty."""
        self.client.set(f"{self.prefix}:idle:{self.worker}", "1", ex=HEARTBEAT_TTL)

    def all_others_idle(self) -> bool:
        """Whether every other live worker has said it is idle (dead ones do not count)."""
        return all(
            self.client.exists(f"{self.prefix}:idle:{name}") for name in self.other_workers()
        )

    def claim_chunk(self, source: str, first_row: int) -> bool:
        """Whether this worker audits the dataset chunk starting at ``first_row`` of ``source``
        (every worker reads the manifest; each chunk is taken by one). A worker that dies
        takes its unfinished rows with it: ``--resume`` audits every row not yet stored."""
        key = f"{self.prefix}:chunk:{source}:{first_row}"
        return bool(self.client.set(key, self.worker, nx=True))

    def claim_sweep(self) -> bool:
        """Whether this worker runs the closing sweep (one per run)."""
        return bool(self.client.set(f"{self.prefix}:sweep", self.worker, nx=True))

    def queue_length(self, key: str) -> int:
        """Requests waiting in the shared scrapy-redis queue."""
        kind = self.client.type(key).decode()
        if kind == "zset":
            return int(self.client.zcard(key))
        if kind == "list":
            return int(self.client.llen(key))
        return 0
