"""Where the pictured person is, and whether they are a minor, from everything said about them.

An image is often met first where little is said about the person (an avatar on a home page)
and again where more is said (the profile that reads "Lives in Montreal, QC"). The crawl
records the subject when the image is fetched, from the page it was found on; when the crawl
ends, :func:`refine_subjects` reads every page the image appeared on and records a better
answer, chained in the evidence log as a change, so nothing is overwritten silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import col, func, select

from provenance.jurisdiction import Candidate, detect_minor, infer_subject, subject_evidence
from provenance.store import Store
from provenance.store.models import Image, ImageOccurrence


def subject_facts(
    media: dict[str, Any],
    texts: Sequence[tuple[str | None, str | None, Sequence[str]]],
    site: Sequence[Candidate],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Subject jurisdiction candidates and the subject summary from the image's texts.

    ``texts`` holds one ``(alt, caption, snippets)`` per page the image appears on.
    """
    exif = media.get("exif") or {}
    xmp = media.get("xmp") or {}
    gps = exif.get("gps") if isinstance(exif, dict) else None
    location = {k: xmp.get(k) for k in ("city", "state", "country", "country_code") if xmp.get(k)}
    alts = [a for a, _, _ in texts if a]
    captions = [c for _, c, _ in texts if c]
    snippets = list(dict.fromkeys(s for _, _, group in texts for s in group if s))
    evidence = subject_evidence(
        gps,
        location or None,
        " · ".join(dict.fromkeys(alts)) or None,
        " · ".join(dict.fromkeys(captions)) or None,
        snippets,
        site,
    )
    candidates = [c.to_dict() for c in infer_subject(evidence)]
    minor = detect_minor(*alts, *captions, *snippets)
    summary = {
        "is_minor": minor.subject_is_minor,
        "minor": minor.to_dict(),
        "alt": alts[0] if alts else None,
        "caption": captions[0] if captions else None,
        "snippets": snippets,
        "pages_read": len(texts),
    }
    return candidates, summary


def _fallback_only(candidates: Iterable[dict[str, Any]]) -> bool:
    return all(
        e.get("source") == "site-fallback" for c in candidates for e in c.get("evidence", [])
    )


def _opted_out(image: Image) -> bool:
    """An image skipped because someone asked not to be collected keeps no subject text."""
    return any(r.get("kind") == "optout-registry" for r in image.reasons)


def refine_subjects(store: Store, run_id: str, *, batch: int = 500) -> int:
    """Re-read the subject of every image seen on several pages; return how many changed.

    Works in batches of image URLs found by the database (``HAVING count(*) > 1``), so a crawl
    of millions of images does not load them all at its end.
    """
    with store.session() as session:
        stmt = (
            select(ImageOccurrence.image_url)
            .where(ImageOccurrence.run_id == run_id)
            .group_by(ImageOccurrence.image_url)
            .having(func.count() > 1)
        )
        several = list(session.exec(stmt).all())
    changed = 0
    for start in range(0, len(several), batch):
        urls = several[start : start + batch]
        with store.session() as session:
            occurrences = session.exec(
                select(ImageOccurrence).where(
                    ImageOccurrence.run_id == run_id, col(ImageOccurrence.image_url).in_(urls)
                )
            ).all()
            images = session.exec(
                select(Image).where(Image.run_id == run_id, col(Image.url).in_(urls))
            ).all()
        by_image: dict[str, list[ImageOccurrence]] = defaultdict(list)
        for occ in occurrences:
            by_image[occ.image_url].append(occ)
        updated = [
            image
            for image in images
            if image.purged_at is None
            and not _opted_out(image)
            and _reread(image, by_image[image.url])
        ]
        if updated:
            store.record_changes(
                updated, kind="image", note="subject re-read from every page showing it"
            )
            changed += len(updated)
    return changed


def _reread(image: Image, occurrences: list[ImageOccurrence]) -> bool:
    """Update the image's subject from all its pages; whether that says more than before."""
    texts = [(o.alt, o.context, list(o.snippets or [])) for o in occurrences]
    site = [Candidate.from_dict(c) for c in image.site_jurisdiction]
    candidates, summary = subject_facts(image.media or {}, texts, site)
    improves = _fallback_only(image.subject_jurisdiction) and not _fallback_only(candidates)
    minor_found = summary["is_minor"] is not None and image.subject.get("is_minor") is None
    if improves or minor_found:
        image.subject_jurisdiction = candidates
        image.subject = summary
        return True
    return False
