"""What a whole run recorded, counted from the store: the summary of a resumed crawl.

A crawl counts what it yields; a resumed crawl yields only what its earlier part had not
recorded (and fetches pages again), so its own counts describe neither part. The store holds
one row per page and image of the run, whichever process wrote it: counting those gives the
summary of the whole run, in the same keys the crawl's live counts use.
"""

from __future__ import annotations

from collections import Counter

from sqlmodel import col, func, select

from provenance.store.db import Store
from provenance.store.models import Image, Page


def run_tallies(store: Store, run_id: str) -> tuple[dict[str, int], dict[str, int]]:
    """``(counts, skipped_by)`` of every page and image the run recorded.

    ``counts`` has ``pages_<decision>``, ``images_<decision>`` and ``images_with_faces``
    (a resumed audit's ``rows`` stays the rows this process read: what the resume added);
    ``skipped_by`` counts, per reason kind, the images
    it made the crawl skip (or, in reproduce mode, that the crawl overrode), once per image.
    """
    counts: Counter[str] = Counter()
    skipped_by: Counter[str] = Counter()
    with store.session() as session:
        pages = select(Page.decision, func.count()).where(Page.run_id == run_id)
        for decision, n in session.exec(pages.group_by(Page.decision)).all():
            counts[f"pages_{decision}"] += int(n)
        images = select(
            Image.decision, Image.reasons, Image.overridden, col(Image.face_count)
        ).where(Image.run_id == run_id)
        for decision, reasons, overridden, faces in session.exec(images).yield_per(2000):
            counts[f"images_{decision}"] += 1
            if faces:
                counts["images_with_faces"] += 1
            for kind in {str(r.get("kind")) for r in (*(reasons or []), *(overridden or []))}:
                skipped_by[kind] += 1
    return dict(counts), dict(skipped_by)
