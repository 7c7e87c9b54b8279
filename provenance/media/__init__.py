"""Per-image media facts: bytes of one downloaded image in, every fact provtrack records out.

A pure library (no Scrapy, no network). :func:`analyze` returns :class:`MediaFacts` (sha256,
sniffed format, dimensions, pHash/dHash/PDQ, EXIF with GPS, XMP with IPTC Data Mining, IPTC
IIM, C2PA with training-mining, MWG-reconciled creator/copyright, face count and boxes);
:func:`signals` turns the embedded opt-outs into shared ``Signal`` objects;
:func:`pdq_dihedral` / :func:`variant_hashes` give the hashes of the eight rotations/flips
and :func:`working_raster` the raster they come from, for near-duplicate lookup.
"""

from __future__ import annotations

from provenance.media.analyze import analyze
from provenance.media.faces import FaceDetector, FaceSettings
from provenance.media.facts import (
    DEFAULT_LIMITS,
    C2paFacts,
    ExifFacts,
    FaceFacts,
    GpsFacts,
    IptcFacts,
    MediaFacts,
    MediaLimits,
    RightsFacts,
    XmpFacts,
)
from provenance.media.hashes import (
    Hashes,
    hamming,
    min_pdq_distance,
    pdq_dihedral,
    variant_hashes,
    working_raster,
)
from provenance.media.signals import signals

__all__ = [
    "DEFAULT_LIMITS",
    "C2paFacts",
    "ExifFacts",
    "FaceDetector",
    "FaceFacts",
    "FaceSettings",
    "GpsFacts",
    "Hashes",
    "IptcFacts",
    "MediaFacts",
    "MediaLimits",
    "RightsFacts",
    "XmpFacts",
    "analyze",
    "hamming",
    "min_pdq_distance",
    "pdq_dihedral",
    "signals",
    "variant_hashes",
    "working_raster",
]
