"""The report's data: one plain ``ReportData`` built from the store, rendered three ways.

Everything the HTML, Markdown and JSON reports show comes from ``build_report``, which reads
the store through :class:`provenance.export.records.ExportView` (one per run) and never
re-queries what that view assembles. The JSON report is ``ReportData.to_dict()`` as it is.

JSON shape (``schema`` = ``provtrack-report/1``; keys are only ever added):

- ``schema``, ``generated_at`` (UTC ISO 8601), ``provtrack_version``, ``store`` (where the
  records were read), ``warc_dir``.
- ``runs``: ``{run_id, mode, purpose, started_at, finished_at, status, seeds, user_agent,
  evaluations, evaluated_at, records, verdicts}`` per run, reproduce first.
- ``primary_run``: the run the headline figures, charts and site verdicts lead with (the
  latest reproduce run if any: it shows what is publicly reachable).
- ``purposes``: ``{name, description, runs}``: the declared purpose profile each run was
  evaluated under (what a crawl cannot observe: why it collects, templates, notice...).
- ``packs``: ``{id, name, versions, jurisdictions}`` of every pack that gave a verdict.
- ``headline``: per run ``{run_id, mode, images, reachable, collected, skipped, failed,
  with_optout, optouts_by_kind, with_faces, faces_unknown, with_licence,
  with_subject_consent, faces_reachable_without_consent, minors, minors_with_faces}``.
  ``reachable``: the image was found on a public page and was not a failure (the policy
  facts' ``is_publicly_accessible``). ``optouts_by_kind``: images whose gate decision names
  the signal (compliant: the skip reasons; reproduce: the signals it overrode).
  ``with_licence``: a licence or a terms permission was found; ``with_subject_consent``:
  evidence that the person pictured consented (the policy facts' ``consent_evidence`` is
  ``explicit``).
- ``verdicts``: per pack ``{pack, name, versions, jurisdiction, jurisdictions, counts,
  jurisdiction_unknown, rules}``; ``counts`` maps run id → verdict → records;
  ``jurisdiction_unknown`` run id → records whose verdict was capped because no inferred
  jurisdiction placed them in or out; ``rules``: ``{id, verdict, citation, explanation,
  confidence, fired, undecided}`` with ``fired``/``undecided`` run id → records.
- ``comparison`` (``null`` without both a compliant and a reproduce run):
  ``{compliant_run, reproduce_run, rows, taken, taken_by_kind, taken_with_faces,
  taken_minors, compliant_only}``; ``rows``: ``{key, label, compliant, reproduce}``;
  ``taken``: images the reproduce run collected that the compliant one did not, each
  ``{key, url, host, compliant, stage, kinds, reasons, reasons_from, faces, is_minor}``
  (``compliant``: ``skipped``, ``unseen`` or ``failed``; ``reasons_from``: the compliant
  run's image or page record, or the reproduce record's overridden signals).
- ``sites``: per host ``{host, source_type, source_type_evidence, site_jurisdiction,
  site_jurisdiction_confidence, site_jurisdiction_evidence, robots, robots_evidence,
  terms_url, terms_outcome, terms_clauses, reachable, collected, skipped, unseen, failed,
  faces, minors, most_severe, most_severe_packs}``; ``collected`` maps mode → count.
- ``images``: per image URL ``{key, url, host, thumbnail, thumbnail_note, records}``;
  ``records`` per run: ``{run_id, mode, decision, stage, reasons, overridden, page_urls,
  page_titles, referrer_chains, seeds, alt_texts, titles, fetched_at, http_status,
  content_type, server_ip, byte_size, sha256, format, width, height, phash, dhash, pdq,
  pdq_quality, face_count, exif, xmp, c2pa, signals, site_jurisdiction,
  subject_jurisdiction, is_minor, minor_reason, consent_evidence, licence, verdicts,
  most_severe, warc_file, warc_offset, purged}``; each verdict ``{pack, pack_version,
  jurisdiction, verdict, reasons, fired, undecided, evaluation, purpose}`` with ``fired``
  ``{id, verdict, confidence}`` and ``undecided`` ``{id, would_yield, unknown_fields,
  confidence}``: a rule's citation and explanation are in ``verdicts[].rules``, once.

Every text that came from the web (URLs, alt text, titles, EXIF, terms sentences, headers)
is kept verbatim here; escaping is the renderers' job.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from policies import Pack, load_packs, profile
from provenance import __version__
from provenance.errors import NotFoundError, PolicyError
from provenance.evaluation import facts_for, host_source_types
from provenance.export.records import ExportView
from provenance.report.thumbnails import thumbnail_from_warc
from provenance.store import Store
from provenance.store.models import CrawlRun, Page

SCHEMA = "provtrack-report/1"
VERDICT_ORDER = ("violation", "requires-consent", "needs-review", "permitted")
SEVERITY = {v: len(VERDICT_ORDER) - i for i, v in enumerate(VERDICT_ORDER)}
# the compliant gate's order (demoweb/MANIFEST.md): how reasons are listed and charted
OPTOUT_KINDS = (
    "robots",
    "terms",
    "meta-robots",
    "x-robots-tag",
    "tdm-reservation",
    "ai-txt",
    "content-usage",
    "content-signal",
    "iptc-data-mining",
    "c2pa-training-mining",
)
_MODE_ORDER = {"reproduce": 0, "compliant": 1, "audit": 2}
_UNKNOWN_JURISDICTION = "jurisdiction unknown"

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class RunInfo:
    """One crawl run as the report covers it."""

    run_id: str
    mode: str
    purpose: str
    started_at: str | None
    finished_at: str | None
    status: str
    seeds: list[str]
    user_agent: str
    evaluations: list[str]
    evaluated_at: str | None
    records: int
    verdicts: int


@dataclass(slots=True)
class PurposeNote:
    """A declared purpose profile and the runs evaluated under it."""

    name: str
    description: str
    runs: list[str]


@dataclass(slots=True)
class PackInfo:
    """A policy pack that produced verdicts (versions as stored with the verdicts)."""

    id: str
    name: str
    versions: list[str]
    jurisdictions: list[str]


@dataclass(slots=True)
class Headline:
    """One run's headline figures (definitions in the module docstring)."""

    run_id: str
    mode: str
    images: int = 0
    reachable: int = 0
    collected: int = 0
    skipped: int = 0
    failed: int = 0
    with_optout: int = 0
    optouts_by_kind: dict[str, int] = field(default_factory=dict)
    with_faces: int = 0
    faces_unknown: int = 0
    with_licence: int = 0
    with_subject_consent: int = 0
    faces_reachable_without_consent: int = 0
    minors: int = 0
    minors_with_faces: int = 0


@dataclass(slots=True)
class RuleSummary:
    """One rule of a pack: how often it fired or stayed undecided, per run."""

    id: str
    verdict: str
    citation: str
    explanation: str
    confidence: str
    fired: dict[str, int] = field(default_factory=dict)
    undecided: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class PackSummary:
    """One pack's verdict counts per run and the rules behind them."""

    pack: str
    name: str
    versions: list[str]
    jurisdiction: str
    jurisdictions: list[str]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    jurisdiction_unknown: dict[str, int] = field(default_factory=dict)
    rules: list[RuleSummary] = field(default_factory=list)


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


@dataclass(slots=True)
class SiteRow:
    """One host: what it is, what it said, and what was taken from it."""

    host: str
    source_type: str
    source_type_evidence: str
    site_jurisdiction: str | None
    site_jurisdiction_confidence: float | None
    site_jurisdiction_evidence: list[str]
    robots: str
    robots_evidence: str
    terms_url: str | None
    terms_outcome: str | None
    terms_clauses: list[dict[str, Any]]
    reachable: int = 0
    collected: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    unseen: int = 0
    failed: int = 0
    faces: int = 0
    minors: int = 0
    most_severe: str | None = None
    most_severe_packs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RecordTrail:
    """One run's record of an image: the evidence trail, verdicts included."""

    run_id: str
    mode: str
    decision: str
    stage: str | None
    reasons: list[dict[str, Any]]
    overridden: list[dict[str, Any]]
    page_urls: list[str]
    page_titles: dict[str, str]
    referrer_chains: list[list[str]]
    seeds: list[str]
    alt_texts: list[str]
    titles: list[str]
    fetched_at: str | None
    http_status: int | None
    content_type: str | None
    server_ip: str | None
    byte_size: int | None
    sha256: str | None
    format: str | None
    width: int | None
    height: int | None
    phash: str | None
    dhash: str | None
    pdq: str | None
    pdq_quality: int | None
    face_count: int | None
    exif: dict[str, Any] | None
    xmp: dict[str, Any] | None
    c2pa: dict[str, Any] | None
    signals: list[dict[str, Any]]
    site_jurisdiction: list[dict[str, Any]]
    subject_jurisdiction: list[dict[str, Any]]
    is_minor: bool | None
    minor_reason: str | None
    consent_evidence: str
    licence: str | None
    verdicts: list[dict[str, Any]]
    most_severe: str | None
    warc_file: str | None
    warc_offset: int | None
    purged: bool


@dataclass(slots=True)
class ImageTrail:
    """One image URL across the runs that recorded it."""

    key: str
    url: str
    host: str
    thumbnail: str | None
    thumbnail_note: str
    records: list[RecordTrail]


@dataclass(slots=True)
class ReportData:
    """Everything a report shows; ``to_dict`` is the JSON report."""

    generated_at: str
    provtrack_version: str
    store: str
    warc_dir: str
    runs: list[RunInfo]
    primary_run: str
    purposes: list[PurposeNote]
    packs: list[PackInfo]
    headline: list[Headline]
    verdicts: list[PackSummary]
    comparison: Comparison | None
    sites: list[SiteRow]
    images: list[ImageTrail]
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the JSON report)."""
        return dataclasses.asdict(self)

    def headline_of(self, run_id: str) -> Headline:
        """The headline figures of one run."""
        return next(h for h in self.headline if h.run_id == run_id)


def render_json(data: ReportData) -> str:
    """The JSON report: ``ReportData`` as indented JSON with sorted keys."""
    return json.dumps(data.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def image_key(url: str) -> str:
    """A stable anchor id for an image URL (no web text ends up in an id)."""
    return "img-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _gate_kinds(record: dict[str, Any]) -> list[str]:
    """The opt-out kinds the gate named for this record (skip reasons or overridden)."""
    found = {r.get("kind") for r in [*record["reasons"], *record["overridden"]]}
    return [k for k in OPTOUT_KINDS if k in found]


def _most_severe(verdicts: Iterable[str]) -> str | None:
    worst: str | None = None
    for v in verdicts:
        if v in SEVERITY and (worst is None or SEVERITY[v] > SEVERITY[worst]):
            worst = v
    return worst


def _dedupe(signals: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for s in signals:
        key = json.dumps(s, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _reason(r: dict[str, Any]) -> dict[str, Any]:
    """A gate reason without the bulky ``extra`` bag, its explanation kept."""
    out = {k: r.get(k) for k in ("kind", "value", "source", "evidence", "agent", "url")}
    extra = r.get("extra") or {}
    out["detail"] = extra.get("reason") or ""
    return out


def _verdict(v: dict[str, Any]) -> dict[str, Any]:
    fired = [r for r in v["rules"] if "verdict" in r]
    undecided = [r for r in v["rules"] if "verdict" not in r]
    return {
        "pack": v["pack"],
        "pack_version": v["pack_version"],
        "jurisdiction": v["jurisdiction"],
        "verdict": v["verdict"],
        "reasons": list(v["reasons"]),
        "fired": [{k: r.get(k) for k in ("id", "verdict", "confidence")} for r in fired],
        "undecided": [
            {k: r.get(k) for k in ("id", "would_yield", "unknown_fields", "confidence")}
            for r in undecided
        ],
        "evaluation": v["evaluation"],
        "purpose": v["purpose"],
    }


class _Builder:
    """Accumulates the report from each run's export records in one pass per run."""

    def __init__(self, store: Store, runs: list[CrawlRun], progress: Progress | None) -> None:
        self.store = store
        self.runs = runs
        self.progress = progress
        self.views: dict[str, ExportView] = {}
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.source_types: dict[tuple[str, str], dict[str, str]] = {}

    def load(self) -> None:
        total = len(self.runs)
        for index, run in enumerate(self.runs):
            view = ExportView(self.store, run.id)
            self.views[run.id] = view
            self.records[run.id] = list(view)
            self.source_types.update(host_source_types(view, {}))
            if self.progress:
                self.progress("reading records", index + 1, total)


def _select_runs(store: Store, run_ids: Sequence[str] | None) -> list[CrawlRun]:
    runs = store.all(CrawlRun)
    if not runs:
        raise NotFoundError("the store has no crawl runs (run provtrack crawl first)")
    if run_ids:
        by_id = {r.id: r for r in runs}
        missing = [r for r in run_ids if r not in by_id]
        if missing:
            raise NotFoundError(f"no crawl run {', '.join(missing)} in the store")
        runs = [by_id[r] for r in dict.fromkeys(run_ids)]
    return sorted(runs, key=lambda r: (_MODE_ORDER.get(r.mode, 9), r.started_at, r.id))


def _latest(runs: Sequence[CrawlRun], mode: str) -> CrawlRun | None:
    of_mode = [r for r in runs if r.mode == mode]
    return max(of_mode, key=lambda r: (r.started_at, r.id)) if of_mode else None


def build_report(
    store: Store,
    *,
    warc_dir: Path,
    run_ids: Sequence[str] | None = None,
    store_label: str = "",
    thumbnails: bool = True,
    progress: Progress | None = None,
) -> ReportData:
    """The report's data for the given runs (all runs by default).

    Raises ``NotFoundError`` when the store has no runs, a named run does not exist, or a run
    with image records has no verdicts yet ("run provtrack evaluate first").
    """
    runs = _select_runs(store, run_ids)
    builder = _Builder(store, runs, progress)
    builder.load()
    unevaluated = [
        f"{run.id} ({len(records)} image records)"
        for run in runs
        if (records := builder.records[run.id]) and not any(r["verdicts"] for r in records)
    ]
    if unevaluated:
        raise NotFoundError(
            f"no policy verdicts for run {', '.join(unevaluated)}: run provtrack evaluate first"
        )
    run_by_id = {r.id: r for r in runs}
    facts = {
        (run_id, rec["image_id"]): facts_for(
            rec,
            builder.source_types.get((run_id, rec["host"]), {"kind": "unknown"})["kind"],
            run_by_id[run_id],
        )
        for run_id, records in builder.records.items()
        for rec in records
    }
    primary = _latest(runs, "reproduce") or runs[0]
    loaded = _builtin_packs()
    run_infos = [_run_info(run, builder.records[run.id], builder.views[run.id]) for run in runs]
    headline = [_headline(run, builder.records[run.id], facts) for run in runs]
    compliant, reproduce = _latest(runs, "compliant"), _latest(runs, "reproduce")
    comparison = (
        _comparison(builder, compliant, reproduce) if compliant is not None and reproduce else None
    )
    images = _images(builder, facts, warc_dir, thumbnails, progress)
    return ReportData(
        generated_at=_iso(datetime.now(UTC)) or "",
        provtrack_version=__version__,
        store=store_label,
        warc_dir=str(warc_dir),
        runs=run_infos,
        primary_run=primary.id,
        purposes=_purposes(runs),
        packs=_packs(builder, loaded),
        headline=headline,
        verdicts=_verdict_summaries(builder, loaded),
        comparison=comparison,
        sites=_sites(builder, primary, compliant, reproduce),
        images=images,
    )


def _builtin_packs() -> dict[str, Pack]:
    """The built-in packs by id, for names and rule order; empty if they cannot be loaded."""
    try:
        return {p.id: p for p in load_packs()}
    except PolicyError:
        return {}


def _run_info(run: CrawlRun, records: list[dict[str, Any]], view: ExportView) -> RunInfo:
    verdicts = [v for r in records for v in r["verdicts"]]
    evaluations = sorted({v["evaluation"] for v in verdicts})
    stamps = [v.evaluated_at for rows in view.verdicts.values() for v in rows]
    return RunInfo(
        run_id=run.id,
        mode=run.mode,
        purpose=run.purpose,
        started_at=_iso(run.started_at),
        finished_at=_iso(run.finished_at),
        status=run.status,
        seeds=list(run.seeds),
        user_agent=run.user_agent,
        evaluations=evaluations,
        evaluated_at=_iso(max(stamps)) if stamps else None,
        records=len(records),
        verdicts=len(verdicts),
    )


def _purposes(runs: Sequence[CrawlRun]) -> list[PurposeNote]:
    by_name: dict[str, list[str]] = defaultdict(list)
    for run in runs:
        by_name[run.purpose].append(run.id)
    notes: list[PurposeNote] = []
    for name, run_list in by_name.items():
        try:
            description = " ".join(profile(name).description.split())
        except (PolicyError, KeyError) as err:
            description = f"(profile not found: {err})"
        notes.append(PurposeNote(name, description, run_list))
    return notes


def _packs(builder: _Builder, loaded: dict[str, Pack]) -> list[PackInfo]:
    versions: dict[str, set[str]] = defaultdict(set)
    jurisdictions: dict[str, str] = {}
    for records in builder.records.values():
        for rec in records:
            for v in rec["verdicts"]:
                versions[v["pack"]].add(v["pack_version"])
                jurisdictions.setdefault(v["pack"], v["jurisdiction"])
    out: list[PackInfo] = []
    for pack_id in sorted(versions):
        known = loaded.get(pack_id)
        out.append(
            PackInfo(
                id=pack_id,
                name=known.name if known else pack_id,
                versions=sorted(versions[pack_id]),
                jurisdictions=list(known.jurisdictions) if known else [jurisdictions[pack_id]],
            )
        )
    return out


def _headline(run: CrawlRun, records: list[dict[str, Any]], facts: dict[Any, Any]) -> Headline:
    h = Headline(run_id=run.id, mode=run.mode, images=len(records))
    kinds: Counter[str] = Counter()
    for rec in records:
        f = facts[(run.id, rec["image_id"])]
        decision = rec["decision"]
        h.collected += decision == "collected"
        h.skipped += decision == "skipped"
        h.failed += decision == "failed"
        reachable = bool(f.is_publicly_accessible)
        h.reachable += reachable
        gate = _gate_kinds(rec)
        kinds.update(gate)
        h.with_optout += bool(gate)
        count = rec["faces"]["count"]
        face = bool(count)
        h.with_faces += face
        h.faces_unknown += count is None
        h.with_licence += f.consent_evidence == "license"
        explicit = f.consent_evidence == "explicit"
        h.with_subject_consent += explicit
        h.faces_reachable_without_consent += face and reachable and not explicit
        minor = (rec.get("subject") or {}).get("is_minor") is True
        h.minors += minor
        h.minors_with_faces += minor and face
    h.optouts_by_kind = {k: kinds[k] for k in OPTOUT_KINDS if kinds[k]}
    return h


def _verdict_summaries(builder: _Builder, loaded: dict[str, Pack]) -> list[PackSummary]:
    packs: dict[str, PackSummary] = {}
    versions: dict[str, set[str]] = defaultdict(set)
    rules: dict[str, dict[str, RuleSummary]] = defaultdict(dict)
    for run_id, records in builder.records.items():
        for rec in records:
            for v in rec["verdicts"]:
                pack_id = v["pack"]
                known = loaded.get(pack_id)
                summary = packs.setdefault(
                    pack_id,
                    PackSummary(
                        pack=pack_id,
                        name=known.name if known else pack_id,
                        versions=[],
                        jurisdiction=v["jurisdiction"],
                        jurisdictions=list(known.jurisdictions) if known else [v["jurisdiction"]],
                    ),
                )
                versions[pack_id].add(v["pack_version"])
                counts = summary.counts.setdefault(run_id, dict.fromkeys(VERDICT_ORDER, 0))
                counts[v["verdict"]] = counts.get(v["verdict"], 0) + 1
                if any(r.startswith(_UNKNOWN_JURISDICTION) for r in v["reasons"]):
                    summary.jurisdiction_unknown[run_id] = (
                        summary.jurisdiction_unknown.get(run_id, 0) + 1
                    )
                for rule in v["rules"]:
                    fired = "verdict" in rule
                    entry = rules[pack_id].setdefault(
                        rule["id"],
                        RuleSummary(
                            id=rule["id"],
                            verdict=rule.get("verdict") or rule.get("would_yield") or "",
                            citation=rule.get("citation", ""),
                            explanation=rule.get("explanation", ""),
                            confidence=rule.get("confidence", ""),
                        ),
                    )
                    bucket = entry.fired if fired else entry.undecided
                    bucket[run_id] = bucket.get(run_id, 0) + 1
    for pack_id, summary in packs.items():
        summary.versions = sorted(versions[pack_id])
        order = {r.id: i for i, r in enumerate(loaded[pack_id].rules)} if pack_id in loaded else {}
        summary.rules = sorted(
            rules[pack_id].values(), key=lambda r: (order.get(r.id, len(order)), r.id)
        )
        for run_id in builder.records:
            summary.counts.setdefault(run_id, dict.fromkeys(VERDICT_ORDER, 0))
    return [packs[p] for p in sorted(packs, key=lambda p: (packs[p].jurisdiction, p))]


def _stopped_at(rec: dict[str, Any], run_id: str, pages: dict[tuple[str, str], Page]) -> list[Page]:
    """The pages where the compliant crawl stopped on its way to this image.

    Walks each path from the seed to the image's pages and keeps the first page the compliant
    run recorded but did not fetch (a robots or terms skip at the home page hides every page
    behind it, which the compliant run then never recorded).
    """
    found: dict[str, Page] = {}
    # a chain runs from the seed to the page; the page alone covers a record without one
    for chain in [*rec["referrer_chains"], *([u] for u in rec["page_urls"])]:
        for url in chain:
            page = pages.get((run_id, url))
            if page is not None and page.decision != "fetched":
                found.setdefault(page.url, page)
                break
    return list(found.values())


def _comparison(builder: _Builder, compliant: CrawlRun, reproduce: CrawlRun) -> Comparison:
    comp = {r["image_url"]: r for r in builder.records[compliant.id]}
    repro = {r["image_url"]: r for r in builder.records[reproduce.id]}
    comp_pages = builder.views[compliant.id].pages
    taken: list[TakenImage] = []
    for url, rec in repro.items():
        if rec["decision"] != "collected":
            continue
        other = comp.get(url)
        if other is not None and other["decision"] == "collected":
            continue
        if other is not None:
            status = "skipped" if other["decision"] == "skipped" else "failed"
            reasons, source, stage = other["reasons"], "compliant image record", other["stage"]
        else:
            status, stage = "unseen", None
            stopped = _stopped_at(rec, compliant.id, comp_pages)
            if stopped:
                reasons = [r for p in stopped for r in p.reasons]
                source = "compliant page record of " + ", ".join(p.url for p in stopped)
            else:
                reasons, source = rec["overridden"], "reproduce record (overridden signals)"
        reasons = _dedupe(_reason(r) for r in reasons)
        kinds = [k for k in OPTOUT_KINDS if any(r["kind"] == k for r in reasons)]
        if not kinds and status != "failed":
            kinds = _gate_kinds(rec)
        taken.append(
            TakenImage(
                key=image_key(url),
                url=url,
                host=rec["host"],
                compliant=status,
                stage=stage,
                kinds=kinds,
                reasons=reasons,
                reasons_from=source,
                faces=rec["faces"]["count"],
                is_minor=(rec.get("subject") or {}).get("is_minor"),
            )
        )
    by_kind = Counter(k for t in taken for k in t.kinds)

    def figures(records: dict[str, dict[str, Any]]) -> dict[str, int]:
        collected = [r for r in records.values() if r["decision"] == "collected"]
        return {
            "recorded": len(records),
            "collected": len(collected),
            "skipped": sum(r["decision"] == "skipped" for r in records.values()),
            "failed": sum(r["decision"] == "failed" for r in records.values()),
            "faces": sum(bool(r["faces"]["count"]) for r in collected),
            "minors": sum((r.get("subject") or {}).get("is_minor") is True for r in collected),
            "optout": sum(bool(_gate_kinds(r)) for r in collected),
        }

    c, r = figures(comp), figures(repro)
    labels = {
        "recorded": "images found and recorded",
        "collected": "images collected (bytes kept)",
        "skipped": "images skipped for an opt-out",
        "failed": "images that failed (broken, hostile)",
        "faces": "collected images showing faces",
        "minors": "collected images of minors",
        "optout": "collected images despite an opt-out",
    }
    rows = [ComparisonRow(k, labels[k], c[k], r[k]) for k in labels]
    only = sorted(
        u
        for u, rec in comp.items()
        if rec["decision"] == "collected" and repro.get(u, {}).get("decision") != "collected"
    )
    return Comparison(
        compliant_run=compliant.id,
        reproduce_run=reproduce.id,
        rows=rows,
        taken=sorted(taken, key=lambda t: (t.host, t.url)),
        taken_by_kind={k: by_kind[k] for k in OPTOUT_KINDS if by_kind[k]},
        taken_with_faces=sum(bool(t.faces) for t in taken),
        taken_minors=sum(t.is_minor is True for t in taken),
        compliant_only=only,
    )


def _robots_summary(view: ExportView, run_id: str, host: str) -> tuple[str, str]:
    snap = view.snapshots.get((run_id, host), {}).get("robots")
    own = next(
        (
            s
            for s in view.signals.get((run_id, host), [])
            if s.kind == "robots" and s.agent == "provtrack"
        ),
        None,
    )
    outcome = snap.outcome if snap else "not fetched"
    status = f"HTTP {snap.http_status}" if snap and snap.http_status else ""
    summary = f"{outcome}" + (f" ({status})" if status else "")
    if own is not None:
        summary += f"; provtrack: {own.value}"
    return summary, own.evidence if own is not None else ""


def _sites(
    builder: _Builder,
    primary: CrawlRun,
    compliant: CrawlRun | None,
    reproduce: CrawlRun | None,
) -> list[SiteRow]:
    hosts: dict[str, SiteRow] = {}
    # host facts come from the richest run that has them: reproduce reads every host's terms
    order = [r for r in (reproduce, compliant) if r is not None] + [
        r for r in builder.runs if r not in (reproduce, compliant)
    ]
    for run in order:
        view = builder.views[run.id]
        for (run_id, host), snaps in view.snapshots.items():
            if host in hosts or run_id != run.id:
                continue
            kind = builder.source_types.get((run_id, host), {"kind": "unknown", "evidence": ""})
            robots, robots_evidence = _robots_summary(view, run_id, host)
            terms = snaps.get("terms")
            clauses = [
                {"kind": c.get("kind"), "sentence": c.get("sentence")}
                for c in (terms.parsed.get("clauses", []) if terms else [])
            ]
            hosts[host] = SiteRow(
                host=host,
                source_type=kind.get("kind", "unknown"),
                source_type_evidence=kind.get("evidence", ""),
                site_jurisdiction=None,
                site_jurisdiction_confidence=None,
                site_jurisdiction_evidence=[],
                robots=robots,
                robots_evidence=robots_evidence,
                terms_url=terms.url if terms else None,
                terms_outcome=terms.outcome if terms else None,
                terms_clauses=clauses,
            )
    for run in order:
        for page in builder.views[run.id].pages.values():
            row = hosts.get(page.host)
            if row is not None and row.site_jurisdiction is None and page.site_jurisdiction:
                _set_jurisdiction(row, page.site_jurisdiction)
        for rec in builder.records[run.id]:
            row = hosts.get(rec["host"])
            if row is not None and row.site_jurisdiction is None and rec["site_jurisdiction"]:
                _set_jurisdiction(row, rec["site_jurisdiction"])
    comp = {r["image_url"]: r for r in builder.records[compliant.id]} if compliant else {}
    for run in builder.runs:
        for rec in builder.records[run.id]:
            row = hosts.setdefault(
                rec["host"],
                SiteRow(
                    rec["host"], "unknown", "", None, None, [], "not fetched", "", None, None, []
                ),
            )
            if rec["decision"] == "collected":
                row.collected[run.mode] = row.collected.get(run.mode, 0) + 1
            if run.id != primary.id:
                continue
            face = bool(rec["faces"]["count"])
            minor = (rec.get("subject") or {}).get("is_minor") is True
            row.reachable += rec["decision"] != "failed"
            row.failed += rec["decision"] == "failed"
            row.faces += face
            row.minors += minor
            severe = _most_severe(v["verdict"] for v in rec["verdicts"])
            if severe and (row.most_severe is None or SEVERITY[severe] > SEVERITY[row.most_severe]):
                row.most_severe, row.most_severe_packs = severe, []
            if severe and severe == row.most_severe:
                packs = {v["pack"] for v in rec["verdicts"] if v["verdict"] == severe}
                row.most_severe_packs = sorted(set(row.most_severe_packs) | packs)
            if compliant is not None and reproduce is not None and primary.id == reproduce.id:
                other = comp.get(rec["image_url"])
                if other is None and rec["decision"] == "collected":
                    row.unseen += 1
    if compliant is not None:
        for rec in builder.records[compliant.id]:
            if rec["host"] in hosts:
                hosts[rec["host"]].skipped += rec["decision"] == "skipped"
    return [hosts[h] for h in sorted(hosts)]


def _set_jurisdiction(row: SiteRow, candidates: list[dict[str, Any]]) -> None:
    best = max(candidates, key=lambda c: float(c.get("confidence", 0)))
    row.site_jurisdiction = best.get("code")
    row.site_jurisdiction_confidence = float(best.get("confidence", 0))
    row.site_jurisdiction_evidence = [
        str(e.get("detail") or e.get("value")) for e in best.get("evidence", [])
    ]


def _images(
    builder: _Builder,
    facts: dict[Any, Any],
    warc_dir: Path,
    thumbnails: bool,
    progress: Progress | None,
) -> list[ImageTrail]:
    by_url: dict[str, ImageTrail] = {}
    for run in builder.runs:
        view = builder.views[run.id]
        for rec in builder.records[run.id]:
            url = rec["image_url"]
            trail = by_url.setdefault(
                url, ImageTrail(image_key(url), url, rec["host"], None, "", [])
            )
            trail.records.append(_record_trail(run, rec, view, facts[(run.id, rec["image_id"])]))
    trails = sorted(by_url.values(), key=lambda t: (t.host, t.url))
    for index, trail in enumerate(trails):
        if thumbnails:
            _thumbnail(trail, warc_dir)
        else:
            trail.thumbnail_note = "thumbnails not requested"
        if progress:
            progress("thumbnails", index + 1, len(trails))
    return trails


def _thumbnail(trail: ImageTrail, warc_dir: Path) -> None:
    """Set the trail's thumbnail from a collected, unpurged record's WARC bytes, if any."""
    candidates = [
        r
        for r in trail.records
        if r.decision == "collected" and not r.purged and r.warc_file and r.warc_offset is not None
    ]
    if not candidates:
        decisions = {r.decision for r in trail.records}
        if any(r.purged for r in trail.records):
            trail.thumbnail_note = "no thumbnail: the image was purged"
        elif "collected" in decisions:
            trail.thumbnail_note = "no thumbnail: no WARC record of the bytes"
        else:
            trail.thumbnail_note = (
                "no thumbnail: the bytes were never kept (" + ", ".join(sorted(decisions)) + ")"
            )
        return
    note = ""
    for rec in candidates:
        thumb = thumbnail_from_warc(
            warc_dir, str(rec.warc_file), int(rec.warc_offset or 0), rec.sha256
        )
        if thumb.uri:
            trail.thumbnail, trail.thumbnail_note = thumb.uri, ""
            return
        note = thumb.note
    trail.thumbnail_note = f"no thumbnail: {note}"


def _record_trail(run: CrawlRun, rec: dict[str, Any], view: ExportView, f: Any) -> RecordTrail:
    occurrences = view.occurrences.get((run.id, rec["image_url"]), [])
    page_titles = {
        u: page.title
        for u in rec["page_urls"]
        if (page := view.pages.get((run.id, u))) is not None and page.title
    }
    subject = rec.get("subject") or {}
    minor = subject.get("minor") or {}
    verdicts = [_verdict(v) for v in rec["verdicts"]]
    return RecordTrail(
        run_id=run.id,
        mode=run.mode,
        decision=rec["decision"],
        stage=rec["stage"],
        reasons=[_reason(r) for r in rec["reasons"]],
        overridden=[_reason(r) for r in rec["overridden"]],
        page_urls=list(rec["page_urls"]),
        page_titles=page_titles,
        referrer_chains=[list(c) for c in rec["referrer_chains"]],
        seeds=list(rec["seeds"]),
        alt_texts=list(rec["alt_texts"]),
        titles=[o.title for o in occurrences if o.title],
        fetched_at=rec["fetched_at"],
        http_status=rec["http_status"],
        content_type=rec["content_type"],
        server_ip=rec["server_ip"],
        byte_size=rec["byte_size"],
        sha256=rec["sha256"],
        format=rec["format"],
        width=rec["width"],
        height=rec["height"],
        phash=rec["phash"],
        dhash=rec["dhash"],
        pdq=rec["pdq"],
        pdq_quality=rec["pdq_quality"],
        face_count=rec["faces"]["count"],
        exif=rec["exif"],
        xmp=rec["xmp"],
        c2pa=rec["c2pa"],
        signals=_dedupe(
            {k: s.get(k) for k in ("kind", "value", "source", "evidence", "level", "agent", "url")}
            | {"restricts": bool(s.get("restricts"))}
            for s in rec["signals"]
        ),
        site_jurisdiction=list(rec["site_jurisdiction"] or []),
        subject_jurisdiction=list(rec["subject_jurisdiction"] or []),
        is_minor=subject.get("is_minor"),
        minor_reason=minor.get("reason"),
        consent_evidence=str(f.consent_evidence),
        licence=f.license,
        verdicts=verdicts,
        most_severe=_most_severe(v["verdict"] for v in verdicts),
        warc_file=rec["warc_file"],
        warc_offset=rec["warc_offset"],
        purged=bool(rec.get("purged")),
    )
