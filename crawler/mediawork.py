"""Image analysis as plain functions of bytes, so they can run in worker processes.

The media pipeline sends an image's bytes to a process pool and gets back the JSON-ready
facts; only picklable, top-level functions can cross that boundary.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from provenance.signals.model import Signal


def worker_init() -> None:
    """One OpenCV thread per media worker: the pool already has a worker per core, and
    OpenCV's own threads would only contend with the other workers and the crawler.

    The face detector is loaded here, before the first image, with the worker's stderr
    silenced: LiteRT prints an INFO line when a process creates its first interpreter, which
    would land in the middle of the crawl's progress display. The worker is single-threaded
    at this point, so nothing else is writing to stderr."""
    import cv2

    from provenance.media.faces import default_detector

    cv2.setNumThreads(1)
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        default_detector()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def analyze_to_dict(
    body: bytes, content_type: str | None, url: str, detect_faces: bool = True
) -> dict[str, Any]:
    """Every media fact of one image as plain data, with the embedded signals under
    ``"_signals"`` (computed here, in the worker, from the facts object it already has).

    ``detect_faces=False`` leaves the face detector out (the ``faces`` section says so), for
    an image whose record cannot keep faces (see ``MediaPipeline``)."""
    from provenance.media import analyze, signals

    facts = analyze(body, content_type=content_type, detect_faces=detect_faces)
    out = facts.to_dict()
    out["_signals"] = [s.to_dict() for s in signals(facts, url)]
    return out


def embedded_signals(media: dict[str, Any]) -> list[Signal]:
    """The opt-out signals written inside the file (IPTC data mining, C2PA training-mining)."""
    return [Signal.from_dict(d) for d in media.pop("_signals", [])]
