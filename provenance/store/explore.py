"""Read-only queries behind the investigator's desk: ``show``, ``serve`` and Datasette.

Every query here only reads; the web explorer opens the store read-only as well. Queries
take plain values and return plain rows or ids, so the views stay free of SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from provenance.store import Store
from provenance.store.models import (
    Evaluation,
    HostSnapshot,
    Image,
    ImageOccurrence,
    ImageVerdict,
    Page,
    SignalRecord,
    VerdictOutcome,
)


def image_ids_for(store: Store, url_or_sha256: str) -> list[int]:
    """Ids of every image record (any run) of an image URL or of bytes with that sha256,
    oldest run first."""
    value = url_or_sha256.strip()
    with store.session() as s:
        rows = s.exec(
            select(col(Image.id))
            .where(or_(col(Image.url) == value, col(Image.sha256) == value.lower()))
            .order_by(col(Image.fetched_at), col(Image.id))
        ).all()
    return [int(i) for i in rows if i is not None]


FACETS = (
    "host",
    "run",
    "mode",
    "decision",
    "signal",
    "jurisdiction",
    "verdict",
    "faces",
    "minors",
    "purged",
)
"""The explorer's facets, in the order shown."""


@dataclass(frozen=True, slots=True)
class ImageRow:
    """One image record as the explorer lists it, with the values of every facet."""

    id: int
    url: str
    host: str
    run_id: str
    mode: str
    decision: str
    faces: str
    minors: str
    purged: str
    signals: frozenset[str]
    jurisdictions: frozenset[str]
    verdicts: frozenset[str]

    def values(self, facet: str) -> frozenset[str]:
        """The facet's values for this row (several for signals, jurisdictions, verdicts)."""
        single = {
            "host": self.host,
            "run": self.run_id,
            "mode": self.mode,
            "decision": self.decision,
            "faces": self.faces,
            "minors": self.minors,
            "purged": self.purged,
        }
        if facet in single:
            return frozenset({single[facet]})
        return {"signal": self.signals, "jurisdiction": self.jurisdictions}.get(
            facet, self.verdicts
        )


def _latest_evaluations(session: Session) -> list[str]:
    rows = session.exec(select(Evaluation).where(col(Evaluation.status) == "finished")).all()
    latest: dict[str, tuple[datetime, str]] = {}
    for e in rows:
        stamp = e.finished_at or e.started_at
        for run in e.runs:
            if run not in latest or stamp.replace(tzinfo=None) > latest[run][0].replace(
                tzinfo=None
            ):
                latest[run] = (stamp, e.id)
    return sorted({e for _, e in latest.values()})


def image_rows(store: Store) -> list[ImageRow]:
    """Every image record with its facet values: signal kinds on the image, its pages and host;
    the packs' jurisdictions and verdicts of each run's latest evaluation; faces, minors, purged.
    """
    with store.session() as s:
        images = list(s.exec(select(Image).order_by(col(Image.id))).all())
        signals = s.exec(
            select(SignalRecord.run_id, SignalRecord.subject, SignalRecord.kind).distinct()
        ).all()
        occurrences = s.exec(
            select(ImageOccurrence.run_id, ImageOccurrence.image_url, ImageOccurrence.page_url)
        ).all()
        evaluations = _latest_evaluations(s)
        verdicts = (
            s.exec(
                select(ImageVerdict.image_id, ImageVerdict.verdict, VerdictOutcome.jurisdiction)
                .join(VerdictOutcome, col(VerdictOutcome.id) == col(ImageVerdict.outcome_id))
                .where(col(ImageVerdict.evaluation).in_(evaluations))
            ).all()
            if evaluations
            else []
        )
    kinds: dict[tuple[str, str], set[str]] = {}
    for run_id, subject, kind in signals:
        kinds.setdefault((run_id, subject), set()).add(kind)
    pages: dict[tuple[str, str], set[str]] = {}
    for run_id, image_url, page_url in occurrences:
        pages.setdefault((run_id, image_url), set()).add(page_url)
    judged: dict[int, tuple[set[str], set[str]]] = {}
    for image_id, verdict, jurisdiction in verdicts:
        entry = judged.setdefault(image_id, (set(), set()))
        entry[0].add(jurisdiction)
        entry[1].add(verdict)
    out = []
    for i in images:
        assert i.id is not None
        subjects = {i.url, i.host, *pages.get((i.run_id, i.url), set())}
        found = set().union(*(kinds.get((i.run_id, x), set()) for x in subjects))
        found.update(str(r.get("kind")) for r in i.reasons if r.get("kind"))
        jurisdictions, verdict_kinds = judged.get(i.id, (set(), set()))
        out.append(
            ImageRow(
                id=i.id,
                url=i.url,
                host=i.host,
                run_id=i.run_id,
                mode=i.mode,
                decision=i.decision,
                faces="yes" if (i.face_count or 0) > 0 else "no",
                minors="yes" if (i.subject or {}).get("is_minor") else "no",
                purged="yes" if i.purged_at is not None else "no",
                signals=frozenset(found),
                jurisdictions=frozenset(jurisdictions),
                verdicts=frozenset(verdict_kinds),
            )
        )
    return out


def site_view(store: Store, host: str) -> dict[str, Any]:
    """A site: every snapshot of its documents over time (each run's fetch), and what each
    run collected, skipped or failed there."""
    with store.session() as s:
        snaps = list(
            s.exec(
                select(HostSnapshot)
                .where(col(HostSnapshot.host) == host)
                .order_by(col(HostSnapshot.fetched_at), col(HostSnapshot.kind))
            ).all()
        )
        images = list(
            s.exec(select(Image).where(col(Image.host) == host).order_by(col(Image.id))).all()
        )
        pages = list(
            s.exec(select(Page).where(col(Page.host) == host).order_by(col(Page.id))).all()
        )
    runs: dict[str, dict[str, Any]] = {}
    for p in pages:
        run = runs.setdefault(p.run_id, {"pages": {}, "images": {}, "skipped": []})
        run["pages"][p.decision] = run["pages"].get(p.decision, 0) + 1
    for i in images:
        run = runs.setdefault(i.run_id, {"pages": {}, "images": {}, "skipped": []})
        run["images"][i.decision] = run["images"].get(i.decision, 0) + 1
        if i.decision != "collected":
            run["skipped"].append(
                {
                    "id": i.id,
                    "url": i.url,
                    "decision": i.decision,
                    "reasons": [f"{r.get('kind')}={r.get('value')}" for r in i.reasons],
                }
            )
    return {
        "host": host,
        "snapshots": [
            {
                "run_id": x.run_id,
                "kind": x.kind,
                "url": x.url,
                "outcome": x.outcome,
                "http_status": x.http_status,
                "sha256": x.sha256,
                "fetched_at": x.fetched_at,
                "text": (x.parsed or {}).get("text") if x.kind == "robots" else None,
            }
            for x in snaps
        ],
        "runs": runs,
    }


def other_copies(store: Store, image_id: int, sha256: str | None) -> list[tuple[int, str, str]]:
    """Other records with the same bytes: ``(id, run id, URL)`` (the photo index adds the
    near-duplicates)."""
    if not sha256:
        return []
    with store.session() as s:
        rows = s.exec(
            select(Image.id, Image.run_id, Image.url)
            .where(col(Image.sha256) == sha256)
            .where(col(Image.id) != image_id)
            .order_by(col(Image.id))
        ).all()
    return [(int(i or 0), r, u) for i, r, u in rows]


def image_location(store: Store, image_id: int) -> Image | None:
    """The image row (for its WARC pointer and sha256), or ``None``."""
    with store.session() as s:
        return s.get(Image, image_id)
