"""The explorer's lookup indexes, kept in memory and refreshed when the store changes.

``provtrack serve`` writes nothing (no index cache in the output folder), so it holds the hash
index (:func:`provenance.matching.store_index`) and the keypoint index
(:func:`provenance.reposts.keypoint_index`) itself. A crawl, an evaluation or a purge may write
to the store while the explorer runs; every write appends to the evidence chain, so each
request compares the chain's last sequence number with the one the indexes were built at and
rebuilds when it grew: the hash index in full (it is immutable, and fast to build), the
keypoint index incrementally (only images it has not described are read from the WARC).
A purged image leaves the hash index at once; in the keypoint index it may stay, but without
its bytes it is never confirmed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from provenance.lookup.keypoints import KeypointIndex
from provenance.matching import PhotoIndex, store_index
from provenance.reposts import PixelSource, keypoint_index
from provenance.store import Store
from provenance.store.queries.images import chain_seq


@dataclass(frozen=True, slots=True)
class Indexes:
    """Both indexes, as of one position of the evidence chain."""

    photos: PhotoIndex
    keypoints: KeypointIndex
    chain_seq: int


class LiveIndexes:
    """Indexes of ``store`` built on first use and rebuilt when its evidence chain grows."""

    def __init__(self, store: Store, pixels: PixelSource) -> None:
        self.store = store
        self.pixels = pixels
        self._current: Indexes | None = None
        self._lock = threading.Lock()
        self.rebuilds = 0

    def current(self) -> Indexes:
        """The indexes for the store as it is now (rebuilt first if it changed)."""
        seq = chain_seq(self.store)
        with self._lock:
            known = self._current
            if known is not None and known.chain_seq == seq:
                return known
            base = known.keypoints if known is not None else None
            photos = store_index(self.store)
            keypoints = keypoint_index(self.store, self.pixels, base=base)
            self._current = Indexes(photos, keypoints, photos.chain_seq)
            self.rebuilds += 1
            return self._current
