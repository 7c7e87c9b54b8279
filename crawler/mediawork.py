"""Image analysis as plain functions of bytes, so they can run in worker processes.

The media pipeline sends an image's bytes to a process pool and gets back the JSON-ready
facts; only picklable, top-level functions can cross that boundary.

A worker ends with the crawler that started it, however the crawler ends: a crawler killed
with SIGKILL runs no shutdown code, and its pool's workers would otherwise wait for work
forever. On Linux the kernel sends the worker SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``); everywhere, a thread of the worker watches its parent's pid
and ends the worker when the parent is gone (the worker is then adopted by another process).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from typing import Any

from provenance.signals.model import Signal

PR_SET_PDEATHSIG = 1
PARENT_POLL_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_SECONDS)
        if os.getppid() != parent:
            os._exit(0)  # no cleanup to run: the parent that would read our results is gone


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (the crawler) ends, SIGKILL included.

    Both ways are armed: the kernel's parent-death signal (Linux) and a watching thread
    (anywhere, and a second line if the signal is not delivered, e.g. when the thread that
    spawned the worker is not the one that dies). A parent already gone ends the worker now.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watching thread still ends the worker
    if os.getppid() != parent:
        os._exit(0)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def worker_init(parent: int | None = None) -> None:
    """Tie the worker's life to the crawler's (:func:`die_with_parent`), then load.

    One OpenCV thread per media worker: the pool already has a worker per core, and
    OpenCV's own threads would only contend with the other workers and the crawler.

    The face detector is loaded here, before the first image, with the worker's stderr
    silenced: LiteRT prints an INFO line when a process creates its first interpreter, which
    would land in the middle of the crawl's progress display. The worker is single-threaded
    at this point, so nothing else is writing to stderr."""
    if parent is not None:
        die_with_parent(parent)
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
