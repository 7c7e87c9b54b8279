"""Where the pictured person is, and whether they are a minor, from everything said about them.

An image is often met first where little is said about the person (an avatar on a home page)
and again where more is said (the profile that reads "Lives in Montreal, QC"). The crawl
records the subject when the image is fetched, from the page it was found on; when the crawl
ends, :func:`refine_subjects` reads every page the image appeared on and records a better
answer, chained in the evidence log as a change, so nothing is overwritten silently.

The same photograph often has several URLs on one site (a thumbnail on the home page, the
full image in the article). It shows the same person, so after the per-URL pass every copy
on a host gets one subject, read from the pages of all its copies (:func:`unify_copies`).
Copies are found by the hashes the media pipeline already stores (sha256, PDQ, pHash and its
crops, :mod:`provenance.matching`'s rule); copies on other hosts are left alone, since a
re-post elsewhere says what that site says, not what the first one did.

Age cues count only when someone is pictured: an image whose face detection ran and found no
face gets no minor verdict from the page's words (the cues stay as evidence).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from provenance.jurisdiction import Candidate, detect_minor, infer_subject, subject_evidence
from provenance.jurisdiction.minors import not_pictured
from provenance.matching import PDQ_THRESHOLD, PHASH_THRESHOLD, HashSet
from provenance.media.hashes import hamming
from provenance.store import Store
from provenance.store.models import Image, ImageOccurrence
from provenance.store.queries.images import (
    hashed_image_facts,
    images_at,
    images_by_id,
    occurrences_of,
    shown_several_times,
)

NO_FACE = "no face in the image: the page's age cues describe no one pictured here"


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
    if face_count(media) == 0:
        minor = not_pictured(minor, NO_FACE)
    summary = {
        "is_minor": minor.subject_is_minor,
        "minor": minor.to_dict(),
        "alt": alts[0] if alts else None,
        "caption": captions[0] if captions else None,
        "snippets": snippets,
        "pages_read": len(texts),
    }
    return candidates, summary


def face_count(media: dict[str, Any]) -> int | None:
    """Faces the media pipeline found, or ``None`` when detection did not run."""
    faces = media.get("faces")
    count = faces.get("count") if isinstance(faces, dict) else None
    return count if isinstance(count, int) else None


def _fallback_only(candidates: Iterable[dict[str, Any]]) -> bool:
    return all(
        e.get("source") == "site-fallback" for c in candidates for e in c.get("evidence", [])
    )


def _opted_out(image: Image) -> bool:
    """An image skipped because someone asked not to be collected keeps no subject text."""
    return _opted_out_by(image.reasons)


def _opted_out_by(reasons: Sequence[dict[str, Any]] | None) -> bool:
    return any(r.get("kind") == "optout-registry" for r in reasons or ())


@dataclass(frozen=True, slots=True)
class _Copy:
    """What the copy pass keeps of one image while it groups a run's images: its id (the
    record is read again only if its group disagrees), host and subject key."""

    id: int
    host: str
    subject_key: tuple[object, ...]


def refine_subjects(store: Store, run_id: str, *, batch: int = 500) -> int:
    """Re-read the subject of every image seen on several pages; return how many changed.

    Works in batches of image URLs found by the database (``HAVING count(*) > 1``), so a crawl
    of millions of images does not load them all at its end.
    """
    several = shown_several_times(store, run_id)
    changed = 0
    for start in range(0, len(several), batch):
        urls = several[start : start + batch]
        occurrences = occurrences_of(store, run_id, urls)
        images = images_at(store, run_id, urls)
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
    return changed + unify_copies(store, run_id, batch=batch)


def same_photograph(a: HashSet, b: HashSet) -> bool:
    """Whether two stored hash sets are the same photograph (:mod:`provenance.matching`'s rule).

    Equal sha256; or PDQ within :data:`PDQ_THRESHOLD` when both are of usable quality; or any
    pHash part (whole image or a stored crop) of one within :data:`PHASH_THRESHOLD` of any part
    of the other. Mirrors are not tried: a mirrored copy on the same site is rare and a
    different raster.
    """
    if a.sha256 and a.sha256 == b.sha256:
        return True
    if a.pdq_usable and b.pdq_usable and a.pdq and b.pdq:
        if hamming(a.pdq, b.pdq) <= PDQ_THRESHOLD:
            return True
    parts_b = [h for _, h in b.parts()]
    return any(hamming(x, y) <= PHASH_THRESHOLD for _, x in a.parts() for y in parts_b)


def _chunks(hashes: HashSet) -> set[str | int]:
    """Bucket keys for candidate copies: the sha256 and the four 16-bit quarters of every pHash.

    Two pHashes within 3 bits share a quarter (pigeonhole); copies further apart in every part
    are missed by the buckets, a deliberate trade for a pass that stays near linear on a host
    with tens of thousands of images. Thumbnails and full images measure 0-2 bits apart.
    A quarter is keyed as the int ``position << 16 | value`` (a part that is not hex, never
    stored, as the string ``position:text``), the sha256 as its own (64-character) string: keys
    of a kind never meet keys of another, and none is a new string per image but the fallback.
    """
    keys: set[str | int] = {hashes.sha256} if hashes.sha256 else set()
    for _, value in hashes.parts():
        for i in range(len(value) // 4):
            quarter = value[i * 4 : i * 4 + 4]
            try:
                keys.add(i << 16 | int(quarter, 16))
            except ValueError:
                keys.add(f"{i}:{quarter}")
    return keys


def _copy_groups(rows: Sequence[tuple[_Copy, HashSet]]) -> list[list[_Copy]]:
    """Groups of two or more images that are the same photograph, among one host's ``rows``.

    Copies are looked for on one host only (the module docstring), so the pass runs host by
    host and holds one host's images at a time (:func:`unify_copies`). A bucket holds its
    members' indexes as one int until a second member joins (most buckets keep one): the
    buckets were most of the pass's memory, ~2 KB per image.
    """
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[str | int, int | list[int]] = {}
    for i, (_, hashes) in enumerate(rows):
        for key in _chunks(hashes):
            known = buckets.get(key)
            if known is None:
                buckets[key] = i
            elif isinstance(known, int):
                buckets[key] = [known, i]
            else:
                known.append(i)
    for members in buckets.values():
        if isinstance(members, int):
            continue  # one member: nothing to compare
        # Each member joins the first earlier representative it matches, so a bucket of one
        # photograph under many URLs costs one comparison per URL.
        representatives: list[int] = []
        for j in members:
            for r in representatives:
                if find(r) == find(j) or same_photograph(rows[r][1], rows[j][1]):
                    parent[find(j)] = find(r)
                    break
            else:
                representatives.append(j)
    groups: dict[int, list[_Copy]] = defaultdict(list)
    for i, (image, _) in enumerate(rows):
        groups[find(i)].append(image)
    return [g for g in groups.values() if len(g) > 1]


def _host_rows(store: Store, run_id: str) -> Iterator[list[tuple[_Copy, HashSet]]]:
    """The copy pass's rows of the run's images, one host's at a time (by host, id order)."""
    rows: list[tuple[_Copy, HashSet]] = []
    for row in hashed_image_facts(store, run_id):
        if rows and rows[-1][0].host != row.host:
            yield rows
            rows = []
        if _opted_out_by(row.reasons):
            continue
        copy = _Copy(row.id, row.host, _subject_key(row.subject, row.subject_jurisdiction))
        hashes = HashSet.from_dict(
            {
                **(row.media or {}),
                "sha256": row.sha256,
                "phash": row.phash,
                "pdq": row.pdq,
                "pdq_quality": row.pdq_quality,
            }
        )
        rows.append((copy, hashes))
    if rows:
        yield rows


def _subject_key(
    subject: dict[str, Any] | None, jurisdiction: Sequence[dict[str, Any]] | None
) -> tuple[object, ...]:
    return (
        (subject or {}).get("is_minor"),
        tuple((c.get("code"), c.get("confidence")) for c in jurisdiction or ()),
    )


def _group_media(group: Sequence[Image]) -> dict[str, Any]:
    """The media facts the group's subject is read from: the copy with the most to say.

    Embedded place metadata (GPS, XMP location) is often stripped from thumbnails, so the copy
    that kept it speaks for all; faces count if any copy's detector found one (a small
    thumbnail may hide a face the full image shows), and none only if every copy that was
    analysed found none.
    """

    def richness(image: Image) -> int:
        media = image.media or {}
        exif = media.get("exif") or {}
        return int(bool(isinstance(exif, dict) and exif.get("gps"))) + int(bool(media.get("xmp")))

    best = max(group, key=richness)
    media = dict(best.media or {})
    counts = [c for c in (face_count(i.media or {}) for i in group) if c is not None]
    if counts:
        media["faces"] = {**(media.get("faces") or {}), "count": max(counts)}
    return media


def unify_copies(store: Store, run_id: str, *, batch: int = 500) -> int:
    """Give every copy of a photograph on one host the same subject; return how many changed.

    Only groups whose copies disagree are re-read (a large crawl of distinct photos, or of one
    photo under many URLs with nothing said, costs one hash pass). The subject is read from the
    pages of every copy, and each copy's summary lists the copies it was read with.
    """
    disagreeing: list[list[_Copy]] = []
    for rows in _host_rows(store, run_id):
        found = _copy_groups(rows)
        del rows  # one host's rows at a time: dropped before the next host's are read
        disagreeing.extend(g for g in found if len({c.subject_key for c in g}) > 1)
    # in the order one pass over the whole run gave them (by each group's first image), so
    # the updates' batches and their evidence entries are the same as before
    disagreeing.sort(key=lambda group: group[0].id)
    changed = 0
    for start in range(0, len(disagreeing), batch):
        copies = disagreeing[start : start + batch]
        loaded = {i.id: i for i in images_by_id(store, [c.id for g in copies for c in g])}
        groups = [[loaded[c.id] for c in g if c.id in loaded] for g in copies]
        urls = [i.url for g in groups for i in g]
        occurrences = occurrences_of(store, run_id, urls)
        by_url: dict[str, list[ImageOccurrence]] = defaultdict(list)
        for occ in occurrences:
            by_url[occ.image_url].append(occ)
        updated: list[Image] = []
        for group in groups:
            texts = [
                (o.alt, o.context, list(o.snippets or [])) for i in group for o in by_url[i.url]
            ]
            site = [Candidate.from_dict(c) for c in group[0].site_jurisdiction]
            candidates, summary = subject_facts(_group_media(group), texts, site)
            summary["copies"] = sorted(i.url for i in group)
            for image in group:
                image.subject_jurisdiction = candidates
                image.subject = summary
                updated.append(image)
        if updated:
            store.record_changes(
                updated,
                kind="image",
                note="subject read from every copy of the same photograph on its host",
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
