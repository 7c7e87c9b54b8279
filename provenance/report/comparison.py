"""The report's "Compliant versus Clearview-style" section: what only the reproduce crawl took.

For each image the reproduce run collected and the compliant one did not, the reasons are
the compliant run's own: its image record's skip reasons, or the page where it stopped on the
way there (a robots or terms skip at the home page hides every page behind it).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from provenance.evaluation import ImageFacts
from provenance.report.builder import (
    OPTOUT_KINDS,
    Builder,
    T,
    dedupe,
    gate_reason,
    image_key,
)
from provenance.store import Store
from provenance.store.models import CrawlRun
from provenance.store.queries.reports import unfetched_page_reasons
from provenance.vocab import Decision


@dataclass(slots=True)
class ComparisonRow:
    """One figure for both modes."""

    key: str
    label: str
    compliant: int
    reproduce: int


@dataclass(slots=True)
class TakenImage:
    """An image the reproduce crawl collected and the compliant crawl did not."""

    key: str
    url: str
    host: str
    compliant: str  # skipped | unseen | failed
    stage: str | None
    kinds: list[str]
    reasons: list[dict[str, Any]]
    reasons_from: str
    faces: int | None
    is_minor: bool | None


@dataclass(slots=True)
class Comparison:
    """What a Clearview-style crawl takes that a compliant one leaves."""

    compliant_run: str
    reproduce_run: str
    rows: list[ComparisonRow]
    taken: list[TakenImage]
    taken_by_kind: dict[str, int]
    taken_with_faces: int
    taken_minors: int
    compliant_only: list[str]
    taken_total: int = 0


class _PageStop(NamedTuple):
    url: str
    reasons: list[dict[str, Any]]


def _compliant_stops(store: Store, run_id: str) -> dict[str, _PageStop]:
    """The compliant run's pages it recorded but did not fetch, with their reasons."""
    return {
        url: _PageStop(url, json.loads(text or "[]"))
        for url, text in unfetched_page_reasons(store, run_id)
    }


def _stopped_at(
    chains: Iterable[Sequence[str]], page_urls: Iterable[str], stops: dict[str, _PageStop]
) -> list[_PageStop]:
    """The pages where the compliant crawl stopped on its way to this image.

    Walks each path from the seed to the image's pages and keeps the first page the compliant
    run recorded but did not fetch (a robots or terms skip at the home page hides every page
    behind it, which the compliant run then never recorded).
    """
    found: dict[str, _PageStop] = {}
    # a chain runs from the seed to the page; the page alone covers a record without one
    for chain in [*chains, *([u] for u in page_urls)]:
        for url in chain:
            page = stops.get(url)
            if page is not None:
                found.setdefault(page.url, page)
                break
    return list(found.values())


_FIGURES = {
    "recorded": "images found and recorded",
    "collected": "images collected (bytes kept)",
    "skipped": "images skipped for an opt-out",
    "failed": "images that failed (broken, hostile)",
    "faces": "collected images showing faces",
    "minors": "collected images of minors",
    "optout": "collected images despite an opt-out",
}


def _figures(records: dict[str, ImageFacts]) -> dict[str, int]:
    """One run's figures of :data:`_FIGURES`."""
    collected = [r for r in records.values() if r.decision == Decision.COLLECTED]
    return {
        "recorded": len(records),
        "collected": len(collected),
        "skipped": sum(r.decision == Decision.SKIPPED for r in records.values()),
        "failed": sum(r.decision == Decision.FAILED for r in records.values()),
        "faces": sum(bool(r.face_count) for r in collected),
        "minors": sum(r.is_minor is True for r in collected),
        "optout": sum(bool(r.gate_kinds) for r in collected),
    }


class _Taken:
    """Works out, for each image only the reproduce run collected, why the compliant run
    did not; images of one page share their pages and chains, so reasons are memoised."""

    def __init__(self, builder: Builder, compliant: CrawlRun, reproduce: CrawlRun) -> None:
        self.reader = builder.reader
        self.reproduce = reproduce
        self.stops = _compliant_stops(builder.store, compliant.id)
        self.unseen: dict[tuple[Any, ...], tuple[list[dict[str, Any]], str]] = {}
        self.reasons: dict[int, list[dict[str, Any]]] = {}

    def _unseen_reasons(self, url: str, rec: ImageFacts) -> tuple[list[dict[str, Any]], str]:
        """The reasons of the page where the compliant crawl stopped on the way to an image
        it never recorded (or the reproduce record's overridden signals), and their source."""
        pages = self.reader.pages.get((self.reproduce.id, url), ())
        chains = self.reader.chains.get((self.reproduce.id, url), ())
        key = (pages, chains, id(rec.overridden))
        found = self.unseen.get(key)
        if found is None:
            stopped = _stopped_at(chains, pages, self.stops)
            if stopped:
                found = (
                    [r for p in stopped for r in p.reasons],
                    "compliant page record of " + ", ".join(p.url for p in stopped),
                )
            else:
                found = (rec.overridden or [], "reproduce record (overridden signals)")
            self.unseen[key] = found
        return found

    def image(self, url: str, rec: ImageFacts, other: ImageFacts | None) -> TakenImage:
        """The taken image ``url``: ``rec`` the reproduce record, ``other`` the compliant one."""
        if other is not None:
            status = "skipped" if other.decision == Decision.SKIPPED else "failed"
            raw, source, stage = other.reasons or [], "compliant image record", other.stage
        else:
            status, stage = "unseen", None
            raw, source = self._unseen_reasons(url, rec)
        reasons = self.reasons.get(id(raw))
        if reasons is None:
            reasons = self.reasons[id(raw)] = dedupe(gate_reason(r) for r in raw)
        kinds = [k for k in OPTOUT_KINDS if any(r["kind"] == k for r in reasons)]
        if not kinds and status != "failed":
            kinds = list(rec.gate_kinds)
        return TakenImage(
            key=image_key(url),
            url=url,
            host=rec.host,
            compliant=status,
            stage=stage,
            kinds=kinds,
            reasons=reasons,
            reasons_from=source,
            faces=rec.face_count,
            is_minor=rec.is_minor,
        )


def compare(builder: Builder, compliant: CrawlRun, reproduce: CrawlRun) -> Comparison:
    """What the reproduce run collected that the compliant one did not, and both runs'
    figures (every taken image is listed; :func:`cap_taken` caps the list)."""
    comp = {r.url: r for r in builder.records[compliant.id]}
    repro = {r.url: r for r in builder.records[reproduce.id]}
    finder = _Taken(builder, compliant, reproduce)
    taken = [
        finder.image(url, rec, comp.get(url))
        for url, rec in repro.items()
        if rec.decision == Decision.COLLECTED
        and (url not in comp or comp[url].decision != Decision.COLLECTED)
    ]
    by_kind = Counter(k for t in taken for k in t.kinds)
    c, r = _figures(comp), _figures(repro)
    only = sorted(
        u
        for u, rec in comp.items()
        if rec.decision == Decision.COLLECTED
        and (u not in repro or repro[u].decision != Decision.COLLECTED)
    )
    return Comparison(
        compliant_run=compliant.id,
        reproduce_run=reproduce.id,
        rows=[ComparisonRow(k, label, c[k], r[k]) for k, label in _FIGURES.items()],
        taken=sorted(taken, key=lambda t: (t.host, t.url)),
        taken_by_kind={k: by_kind[k] for k in OPTOUT_KINDS if by_kind[k]},
        taken_with_faces=sum(bool(t.faces) for t in taken),
        taken_minors=sum(t.is_minor is True for t in taken),
        compliant_only=only,
        taken_total=len(taken),
    )


def cap_taken(
    taken: list[TakenImage], selected: set[str], max_trails: int | None
) -> list[TakenImage]:
    """At most ``max_trails`` taken images: one for every stopping signal first (preferring one
    whose evidence trail is shown), then those whose trail is shown, then one per stopping
    signal and host in turn (every kind and host stays represented)."""
    if max_trails is None or len(taken) <= max_trails:
        return taken
    each_kind: list[TakenImage] = []
    for kind in sorted({k for t in taken for k in t.kinds}):
        if len(each_kind) < max_trails and not any(kind in t.kinds for t in each_kind):
            having = [t for t in taken if kind in t.kinds]
            each_kind.append(next((t for t in having if t.url in selected), having[0]))
    kept = {t.url for t in each_kind}
    shown = (
        each_kind
        + [t for t in taken if t.url in selected and t.url not in kept][
            : max_trails - len(each_kind)
        ]
    )
    kept |= {t.url for t in shown}
    strata: dict[tuple[Any, ...], list[TakenImage]] = defaultdict(list)
    for t in sorted(taken, key=lambda t: sample_order(t.url)):
        if t.url not in kept:
            strata[(tuple(t.kinds), t.host, t.compliant)].append(t)
    picked = round_robin([strata[k] for k in sorted(strata)], max_trails - len(shown))
    return sorted([*shown, *picked], key=lambda t: (t.host, t.url))


def sample_order(url: str) -> str:
    """A stable pseudo-random order: a sample that does not favour any part of the alphabet."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def round_robin(strata: Sequence[Sequence[T]], budget: int) -> list[T]:
    """One item from each stratum in turn, in order, until ``budget`` items are taken."""
    out: list[T] = []
    depth = 0
    while len(out) < budget:
        added = False
        for items in strata:
            if depth < len(items):
                out.append(items[depth])
                added = True
                if len(out) == budget:
                    break
        if not added:
            break
        depth += 1
    return out
