"""Image analysis as plain functions of bytes, so they can run in worker processes.

The media pipeline sends an image's bytes to a process pool and gets back the JSON-ready
facts; only picklable, top-level functions can cross that boundary.
"""

from __future__ import annotations

from typing import Any

from provenance.signals.model import Signal


def analyze_to_dict(body: bytes, content_type: str | None) -> dict[str, Any]:
    """Every media fact of one image (see :func:`provenance.media.analyze`), as plain data."""
    from provenance.media import analyze

    return analyze(body, content_type=content_type).to_dict()


def embedded_signals(media: dict[str, Any], url: str) -> list[Signal]:
    """The opt-out signals written inside the file (IPTC data mining, C2PA training-mining)."""
    from provenance.media import MediaFacts, signals

    return signals(MediaFacts.from_dict(media), url)
