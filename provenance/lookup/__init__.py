"""Near-duplicate lookup: from a photo to every collected image that is the same photograph.

Whole-image perceptual hashes only (PDQ and imagehash pHash): the same picture re-posted,
resized, re-encoded, lightly cropped or mirrored. Never face embeddings, never matching a
person across different photographs (ARCHITECTURE.md, ethics line).

- :class:`HashIndex` holds the stored hashes and answers :meth:`HashIndex.query` and
  :meth:`HashIndex.query_variants` exactly (same answers as a scan), with distances.
- :func:`hashes_of` turns a query image into hash sets for the image and its mirror (and
  optionally PDQ's eight dihedral variants).
"""

from __future__ import annotations

from provenance.lookup.images import DIHEDRAL_VARIANTS, hashes_of
from provenance.lookup.index import (
    PDQ_MIN_QUALITY,
    PDQ_THRESHOLD,
    PHASH_THRESHOLD,
    HashEntry,
    HashIndex,
    Match,
    QueryHashes,
)

__all__ = [
    "DIHEDRAL_VARIANTS",
    "PDQ_MIN_QUALITY",
    "PDQ_THRESHOLD",
    "PHASH_THRESHOLD",
    "HashEntry",
    "HashIndex",
    "Match",
    "QueryHashes",
    "hashes_of",
]
