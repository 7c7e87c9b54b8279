"""The report's data: one plain ``ReportData`` built from the store, rendered three ways.

Everything the HTML, Markdown and JSON reports show comes from ``build_report``. It streams
every image record once through :class:`provenance.evaluation.RecordReader` (light rows with
their policy facts) and every verdict row of the runs' latest evaluations, so headline
figures, verdict counts, the comparison and the site table cover all records while memory
stays proportional to what the figures need. Full evidence trails are assembled through
:class:`provenance.export.records.ExportView` only for the images shown (at most
``max_trails``, chosen by :func:`select_trails`). The JSON report is ``ReportData.to_dict()``.

JSON shape (``schema`` = ``provtrack-report/1``; keys are only ever added):

- ``schema``, ``generated_at`` (UTC ISO 8601), ``provtrack_version``, ``store`` (where the
  records were read), ``warc_dir``.
- ``runs``: ``{run_id, mode, purpose, started_at, finished_at, status, seeds, user_agent,
  evaluations, evaluated_at, records, verdicts}`` per run, reproduce first.
- ``primary_run``: the run the headline figures, charts and site verdicts lead with (the
  latest reproduce run if any: it shows what is publicly reachable).
- ``purposes``: ``{name, description, runs}``: the declared purpose profile each run was
  evaluated under (what a crawl cannot observe: why it collects, templates, notice...).
- ``packs``: ``{id, name, versions, jurisdictions, sources}`` of every pack that gave a verdict.
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
  jurisdiction_unknown, outside, capped, rules}``
  (:class:`provenance.report.verdicts.PackSummary`); ``counts`` maps run id → verdict →
  records; ``outside`` run id → records the pack does not apply to (placed outside its
  jurisdiction), so that ``counts`` plus ``outside`` is the run's records;
  ``jurisdiction_unknown`` run id → records whose verdict was capped because no inferred
  jurisdiction placed them in or out; ``capped`` run id → the verdict a fired rule would
  have given → needs-review records; ``rules``: ``{id, verdict, citation, explanation,
  confidence, fired, undecided, capped, capped_because, fired_on}`` with
  ``fired``/``undecided``/``capped`` run id → records, ``capped_because`` why in words, and
  ``fired_on`` run id → ``[{facts, records}]``: the firings by the facts the rule reads
  that a reader can check (minor, face, consent evidence...), most frequent first.
- ``comparison`` (``null`` without both a compliant and a reproduce run):
  ``{compliant_run, reproduce_run, rows, taken, taken_by_kind, taken_with_faces,
  taken_minors, compliant_only}``; ``rows``: ``{key, label, compliant, reproduce}``;
  ``taken``: images the reproduce run collected that the compliant one did not, each
  ``{key, url, host, compliant, stage, kinds, reasons, reasons_from, faces, is_minor}``
  (``compliant``: ``skipped``, ``unseen`` or ``failed``; ``reasons_from``: the compliant
  run's image or page record, or the reproduce record's overridden signals). ``taken_total``
  counts them all; ``taken`` lists at most ``max_trails`` (those with a trail shown first),
  while ``taken_by_kind``, ``taken_with_faces`` and ``taken_minors`` count all of them.
- ``sites``: per host ``{host, source_type, source_type_evidence, site_jurisdiction,
  site_jurisdiction_confidence, site_jurisdiction_evidence, robots, robots_evidence,
  terms_url, terms_outcome, terms_clauses, reachable, collected, skipped, unseen, failed,
  faces, minors, most_severe, most_severe_packs, signals}``; ``collected`` maps mode →
  count; ``signals`` the host-level signals (of the run the host facts come from)
  ``{kind, value, source, evidence, agent, url, restricts}``, which the image trails name
  without repeating their evidence.
- ``images_total``: the image URLs the runs recorded; ``max_trails``: the most evidence
  trails the report shows (``null``: all); ``trail_selection``: per category of
  :data:`TRAIL_CATEGORIES` (``failed``, ``minor``, ``violation``, ``face``, ``opt-out``,
  ``sample``) ``{images, shown}``: the URLs in it and how many of their trails are shown.
- ``optouts``: every opt-out request and jurisdiction purge of the store with its receipt
  (:class:`provenance.report.optouts.OptOutSummary`): ``{request_id, kind, value, note,
  received_at, processed_at, matched, images_scrubbed, occurrences, warc_payloads_removed,
  metadata_records_removed, pages, page_records_removed, pages_removed, snapshots_scrubbed,
  rows_redacted, warc_files, tombstones, evidence, later_crawls}``; ``pages`` says whether
  the pages were ``removed`` or ``kept`` (``--keep-pages``); each later crawl ``{run_id,
  mode, images_skipped, pages_skipped, pages_not_archived, collected_again}``.
- ``datasets``: per audit run among the report's runs, what the dataset holds that a compliant
  collection would have left (:class:`provenance.report.dataset.DatasetSummary`): ``{run_id,
  sources, rows, not_auditable, taken, left, unknown, images_left, left_faces,
  left_faces_unknown, left_minors, by_signal, by_jurisdiction, presence}``; ``by_signal`` and
  ``by_jurisdiction`` ``[{key, rows, images, faces, faces_unknown, minors}]``.
- ``images``: the evidence trails shown, per image URL ``{key, url, host, thumbnail,
  thumbnail_note, category, records}`` (``category``: why it is shown, a name of
  :data:`TRAIL_CATEGORIES`);
  ``records`` per run: ``{run_id, mode, decision, stage, reasons, overridden, page_urls,
  page_titles, referrer_chains, seeds, alt_texts, titles, fetched_at, http_status,
  content_type, server_ip, byte_size, sha256, format, width, height, phash, dhash, pdq,
  pdq_quality, face_count, exif, xmp, c2pa, signals, site_jurisdiction,
  subject_jurisdiction, is_minor, minor_reason, consent_evidence, licence, verdicts,
  most_severe, warc_file, warc_offset, purged}``; each verdict ``{pack, pack_version,
  jurisdiction, verdict, would_be, capped_because, reasons, fired, undecided, evaluation,
  purpose}`` (``would_be``: the more severe verdict a fired rule gave when the verdict was
  capped at needs-review, else ``null``) with ``fired``
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Text, cast
from sqlalchemy import select as sa_select
from sqlmodel import col

from policies import Pack, load_packs, profile
from provenance import __version__
from provenance.errors import NotFoundError, PolicyError
from provenance.evaluation import GATE_KINDS, ImageFacts, RecordReader
from provenance.export.records import ExportView
from provenance.report.dataset import DatasetSummary, dataset_summaries
from provenance.report.optouts import OptOutSummary, optout_summaries
from provenance.report.thumbnails import Thumbnail, thumbnail_from_warc
from provenance.report.verdicts import (
    SEVERITY,
    VERDICT_ORDER,
    FactKey,
    PackSummary,
    cap_reason,
    fact_key,
    verdict_summaries,
    would_be,
)
from provenance.store import Store
from provenance.store.models import CrawlRun, Evaluation, Page, SignalRecord, VerdictOutcome
from provenance.store.verdicts import iter_verdict_rows, latest_evaluations, load_outcomes
from provenance.vocab import CrawlMode, Decision, SignalKind, SnapshotKind

SCHEMA = "provtrack-report/1"
# the compliant gate's order (demoweb/MANIFEST.md): how reasons are listed and charted
OPTOUT_KINDS = GATE_KINDS
DEFAULT_MAX_TRAILS = 1000  # evidence trails shown; figures always cover every record
_TRAIL_CHUNK = 400  # trails assembled per export view (bounds the images held at once)
_MODE_ORDER: dict[str, int] = {CrawlMode.REPRODUCE: 0, CrawlMode.COMPLIANT: 1, CrawlMode.AUDIT: 2}

Progress = Callable[[str, int, int], None]
T = TypeVar("T")


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
    sources: list[str] = field(default_factory=list)  # the pack's own sources, as written


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
    signals: list[HostSignal] = field(default_factory=list)


@dataclass(slots=True)
class HostSignal:
    """A signal the host gave for all its pages and images (robots.txt, terms, ai.txt...)."""

    kind: str
    value: str
    source: str
    evidence: str
    agent: str | None
    url: str | None
    restricts: bool


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
    category: str = "sample"  # why its trail is shown: a name of TRAIL_CATEGORIES


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
    images_total: int = 0
    max_trails: int | None = None
    trail_selection: dict[str, dict[str, int]] = field(default_factory=dict)
    optouts: list[OptOutSummary] = field(default_factory=list)
    schema: str = SCHEMA
    datasets: list[DatasetSummary] = field(default_factory=list)  # audit runs (report/dataset.py)

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
    worse = would_be(v["verdict"], fired)
    return {
        "pack": v["pack"],
        "pack_version": v["pack_version"],
        "jurisdiction": v["jurisdiction"],
        "verdict": v["verdict"],
        "would_be": worse,
        "capped_because": (cap_reason(v["reasons"]) or "") if worse else "",
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
    """Reads the store once for the whole report: light image records with their facts for
    every figure, the latest verdicts aggregated per run, host and image."""

    def __init__(self, store: Store, runs: list[CrawlRun], progress: Progress | None) -> None:
        self.store = store
        self.runs = runs
        self.progress = progress
        self.records: dict[str, list[ImageFacts]] = {r.id: [] for r in runs}
        self.evaluations: dict[str, Evaluation] = {}
        self.outcomes: dict[int, VerdictOutcome] = {}
        # run → (outcome id, described facts) → image records that received it
        self.fact_counts: dict[str, Counter[tuple[int, FactKey]]] = {r.id: Counter() for r in runs}
        self.fact_keys: dict[int, FactKey] = {}  # image id → its described facts
        # image id → (most severe verdict, the packs that gave it)
        self.worst: dict[int, tuple[str, frozenset[str]]] = {}
        self.verdicts: Counter[str] = Counter()

    def load(self, *, every_run: bool, with_chains: bool) -> None:
        self._step("reading records", 0, 1)
        self.reader = RecordReader(
            self.store, None if every_run else [r.id for r in self.runs], with_chains=with_chains
        )
        total = self.reader.count()
        keys: dict[FactKey, FactKey] = {}  # one tuple per distinct key
        for index, rec in enumerate(self.reader.records(details=True)):
            self.records[rec.run_id].append(rec)
            key = fact_key(rec.facts)
            self.fact_keys[rec.image_id] = keys.setdefault(key, key)
            if index % 10_000 == 0:
                self._step("reading records", index, total)
        self._step("reading verdicts", 0, 1)
        self.evaluations = latest_evaluations(self.store, [r.id for r in self.runs])
        run_of = {rec.image_id: run_id for run_id, recs in self.records.items() for rec in recs}
        for evaluation in {e.id: e for e in self.evaluations.values()}.values():
            self._read_verdicts(evaluation, run_of)

    def _read_verdicts(self, evaluation: Evaluation, run_of: dict[int, str]) -> None:
        outcomes = load_outcomes(self.store)
        self.outcomes.update(outcomes)
        severity = {i: SEVERITY.get(o.verdict, 0) for i, o in outcomes.items()}
        mine = {r for r, e in self.evaluations.items() if e is evaluation}
        current, worst, packs = -1, 0, set[str]()
        for image_id, pack, _, outcome_id in iter_verdict_rows(self.store, evaluation.id):
            run_id = run_of.get(image_id)
            if run_id not in mine:
                continue
            assert run_id is not None
            self.fact_counts[run_id][(outcome_id, self.fact_keys[image_id])] += 1
            self.verdicts[run_id] += 1
            if image_id != current:
                self._keep_worst(current, worst, packs)
                current, worst, packs = image_id, 0, set()
            sev = severity.get(outcome_id, 0)
            if sev > worst:
                worst, packs = sev, {pack}
            elif sev == worst:
                packs.add(pack)
        self._keep_worst(current, worst, packs)

    def _keep_worst(self, image_id: int, worst: int, packs: set[str]) -> None:
        if image_id >= 0 and worst:
            self.worst[image_id] = (VERDICT_ORDER[len(VERDICT_ORDER) - worst], frozenset(packs))

    def _step(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    def most_severe(self, rec: ImageFacts) -> str | None:
        """The most severe verdict any pack gave this record (None: no verdict)."""
        found = self.worst.get(rec.image_id)
        return found[0] if found else None


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
    max_trails: int | None = DEFAULT_MAX_TRAILS,
) -> ReportData:
    """The report's data for the given runs (all runs by default).

    Every figure, verdict count and site row is computed over all the runs' records; the
    per-image evidence trails (and the thumbnails) are given for at most ``max_trails`` image
    URLs (``None``: every one), chosen by :func:`select_trails`.

    Raises ``NotFoundError`` when the store has no runs, a named run does not exist, or a run
    with image records has no verdicts yet ("run provtrack evaluate first").
    """
    all_runs = len(store.all(CrawlRun))
    runs = _select_runs(store, run_ids)
    compliant, reproduce = _latest(runs, CrawlMode.COMPLIANT), _latest(runs, CrawlMode.REPRODUCE)
    both = compliant is not None and reproduce is not None
    builder = _Builder(store, runs, progress)
    builder.load(every_run=len(runs) == all_runs, with_chains=both)
    unevaluated = [
        f"{run.id} ({len(records)} image records)"
        for run in runs
        if (records := builder.records[run.id]) and not builder.verdicts[run.id]
    ]
    if unevaluated:
        raise NotFoundError(
            f"no policy verdicts for run {', '.join(unevaluated)}: run provtrack evaluate first"
        )
    primary = reproduce or runs[0]
    loaded = _builtin_packs()
    builder._step("summing up", 0, 1)
    comparison = (
        _comparison(builder, compliant, reproduce, max_trails)
        if compliant is not None and reproduce is not None
        else None
    )
    selected, selection = select_trails(builder, max_trails)
    if comparison is not None:
        comparison.taken = _cap_taken(comparison.taken, set(selected), max_trails)
    images = _images(builder, selected, warc_dir, thumbnails)
    return ReportData(
        generated_at=_iso(datetime.now(UTC)) or "",
        provtrack_version=__version__,
        store=store_label,
        warc_dir=str(warc_dir),
        runs=[_run_info(run, builder) for run in runs],
        primary_run=primary.id,
        purposes=_purposes(runs),
        packs=_packs(builder, loaded),
        headline=[_headline(run, builder.records[run.id]) for run in runs],
        verdicts=verdict_summaries(
            builder.fact_counts,
            builder.outcomes,
            {run.id: len(builder.records[run.id]) for run in runs},
            loaded,
        ),
        comparison=comparison,
        sites=_sites(builder, primary, compliant, reproduce),
        images=images,
        images_total=len({r.url for recs in builder.records.values() for r in recs}),
        max_trails=max_trails,
        trail_selection=selection,
        optouts=optout_summaries(store),
        datasets=dataset_summaries(store, [run.id for run in runs]),
    )


def _builtin_packs() -> dict[str, Pack]:
    """The built-in packs by id, for names and rule order; empty if they cannot be loaded."""
    try:
        return {p.id: p for p in load_packs()}
    except PolicyError:
        return {}


def _run_info(run: CrawlRun, builder: _Builder) -> RunInfo:
    evaluation = builder.evaluations.get(run.id)
    verdicts = builder.verdicts[run.id]
    return RunInfo(
        run_id=run.id,
        mode=run.mode,
        purpose=run.purpose,
        started_at=_iso(run.started_at),
        finished_at=_iso(run.finished_at),
        status=run.status,
        seeds=list(run.seeds),
        user_agent=run.user_agent,
        evaluations=[evaluation.id] if evaluation is not None and verdicts else [],
        evaluated_at=_iso(evaluation.started_at) if evaluation is not None and verdicts else None,
        records=len(builder.records[run.id]),
        verdicts=verdicts,
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
    for counts in builder.fact_counts.values():
        for outcome_id, _ in counts:
            o = builder.outcomes[outcome_id]
            versions[o.pack].add(o.pack_version)
            jurisdictions.setdefault(o.pack, o.jurisdiction)
    out: list[PackInfo] = []
    for pack_id in sorted(versions):
        known = loaded.get(pack_id)
        out.append(
            PackInfo(
                id=pack_id,
                name=known.name if known else pack_id,
                versions=sorted(versions[pack_id]),
                jurisdictions=list(known.jurisdictions) if known else [jurisdictions[pack_id]],
                sources=list(known.sources) if known else [],
            )
        )
    return out


def _headline(run: CrawlRun, records: list[ImageFacts]) -> Headline:
    h = Headline(run_id=run.id, mode=run.mode, images=len(records))
    kinds: Counter[str] = Counter()
    for rec in records:
        f = rec.facts
        decision = rec.decision
        h.collected += decision == Decision.COLLECTED
        h.skipped += decision == Decision.SKIPPED
        h.failed += decision == Decision.FAILED
        reachable = bool(f.is_publicly_accessible)
        h.reachable += reachable
        gate = rec.gate_kinds
        kinds.update(gate)
        h.with_optout += bool(gate)
        count = rec.face_count
        face = bool(count)
        h.with_faces += face
        h.faces_unknown += count is None
        h.with_licence += f.consent_evidence == "license"
        explicit = f.consent_evidence == "explicit"
        h.with_subject_consent += explicit
        h.faces_reachable_without_consent += face and reachable and not explicit
        minor = rec.is_minor is True
        h.minors += minor
        h.minors_with_faces += minor and face
    h.optouts_by_kind = {k: kinds[k] for k in OPTOUT_KINDS if kinds[k]}
    return h


class _PageStop(NamedTuple):
    url: str
    reasons: list[dict[str, Any]]


def _compliant_stops(store: Store, run_id: str) -> dict[str, _PageStop]:
    """The compliant run's pages it recorded but did not fetch, with their reasons."""
    stmt = (
        sa_select(col(Page.url), cast(col(Page.reasons), Text))
        .where(col(Page.run_id) == run_id, col(Page.decision) != Decision.FETCHED)
        .order_by(col(Page.id))
    )
    with store.reading() as conn:
        return {url: _PageStop(url, json.loads(text or "[]")) for url, text in conn.execute(stmt)}


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


def _comparison(
    builder: _Builder, compliant: CrawlRun, reproduce: CrawlRun, max_trails: int | None
) -> Comparison:
    comp = {r.url: r for r in builder.records[compliant.id]}
    repro = {r.url: r for r in builder.records[reproduce.id]}
    stops = _compliant_stops(builder.store, compliant.id)
    reader = builder.reader
    # images of one page share their pages and chains: the reasons are worked out once
    unseen_memo: dict[tuple[Any, ...], tuple[list[dict[str, Any]], str]] = {}
    reasons_memo: dict[int, list[dict[str, Any]]] = {}
    taken: list[TakenImage] = []
    for url, rec in repro.items():
        if rec.decision != Decision.COLLECTED:
            continue
        other = comp.get(url)
        if other is not None and other.decision == Decision.COLLECTED:
            continue
        if other is not None:
            status = "skipped" if other.decision == Decision.SKIPPED else "failed"
            raw, source, stage = other.reasons or [], "compliant image record", other.stage
        else:
            status, stage = "unseen", None
            pages = reader.pages.get((reproduce.id, url), ())
            chains = reader.chains.get((reproduce.id, url), ())
            key = (pages, chains, id(rec.overridden))
            found = unseen_memo.get(key)
            if found is None:
                stopped = _stopped_at(chains, pages, stops)
                if stopped:
                    found = (
                        [r for p in stopped for r in p.reasons],
                        "compliant page record of " + ", ".join(p.url for p in stopped),
                    )
                else:
                    found = (rec.overridden or [], "reproduce record (overridden signals)")
                unseen_memo[key] = found
            raw, source = found
        reasons = reasons_memo.get(id(raw))
        if reasons is None:
            reasons = reasons_memo[id(raw)] = _dedupe(_reason(r) for r in raw)
        kinds = [k for k in OPTOUT_KINDS if any(r["kind"] == k for r in reasons)]
        if not kinds and status != "failed":
            kinds = list(rec.gate_kinds)
        taken.append(
            TakenImage(
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
        )
    by_kind = Counter(k for t in taken for k in t.kinds)

    def figures(records: dict[str, ImageFacts]) -> dict[str, int]:
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
        if rec.decision == Decision.COLLECTED
        and (u not in repro or repro[u].decision != Decision.COLLECTED)
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
        taken_total=len(taken),
    )


def _cap_taken(
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
    for t in sorted(taken, key=lambda t: _sample_order(t.url)):
        if t.url not in kept:
            strata[(tuple(t.kinds), t.host, t.compliant)].append(t)
    picked = _round_robin([strata[k] for k in sorted(strata)], max_trails - len(shown))
    return sorted([*shown, *picked], key=lambda t: (t.host, t.url))


def _sample_order(url: str) -> str:
    """A stable pseudo-random order: a sample that does not favour any part of the alphabet."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _round_robin(strata: Sequence[Sequence[T]], budget: int) -> list[T]:
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


# why an image's evidence trail is shown, in order of precedence (the first that applies)
TRAIL_CATEGORIES = (
    ("failed", "a failed or hostile fetch (broken, too large, refused, redirect loop...)"),
    ("minor", "the person pictured is a minor, by what the page says"),
    ("violation", "a pack found a violation"),
    ("face", "shows a face"),
    ("opt-out", "a Clearview-style crawl went against an opt-out, or a compliant one honoured it"),
    ("sample", "a stratified sample of the rest, by host and decision"),
)


def select_trails(
    builder: _Builder, max_trails: int | None
) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """The image URLs whose evidence trail the report shows (with the category each is shown
    for), and how many per category.

    Every URL gets the first category of :data:`TRAIL_CATEGORIES` that applies to any of
    its records, and a stratum within it (host, and the failure or opt-out kind). Within a
    stratum URLs come in a stable pseudo-random order. Up to ``max_trails`` are chosen, in
    passes that each take one URL per stratum in turn:

    1. every failed or hostile record, up to a quarter of the trails (every failure reason
       and host first);
    2. one URL of every other stratum (every host and opt-out kind appears);
    3. minors, violations, faces and opt-outs, keeping a fifth of the trails for
    4. the stratified sample of the rest;
    5. whatever is left, if a category ran out.

    ``None`` (or a cap above the number of URLs) shows every URL.
    """
    by_url: dict[str, list[ImageFacts]] = defaultdict(list)
    for recs in builder.records.values():
        for rec in recs:
            by_url[rec.url].append(rec)
    strata: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    category_of: dict[str, str] = {}
    for url, recs in by_url.items():
        category, stratum = _trail_category(builder, recs)
        category_of[url] = category
        strata[stratum].append(url)
    counts = Counter(category_of.values())
    if max_trails is None or len(by_url) <= max_trails:
        selected = set(by_url)
    else:
        selected = _choose(strata, max_trails)
    shown = Counter(category_of[u] for u in selected)
    selection = {
        name: {"images": counts[name], "shown": shown[name]}
        for name, _ in TRAIL_CATEGORIES
        if counts[name]
    }
    return {u: category_of[u] for u in selected}, selection


def _choose(strata: dict[tuple[Any, ...], list[str]], cap: int) -> set[str]:
    """The passes of :func:`select_trails` over the strata (keys start with the category)."""
    order = {name: i for i, (name, _) in enumerate(TRAIL_CATEGORIES)}
    keys = sorted(strata, key=lambda k: (order[k[0]], k[1:]))
    queues = {k: sorted(strata[k], key=_sample_order) for k in keys}
    taken = dict.fromkeys(keys, 0)
    chosen: list[str] = []

    def take(of: list[tuple[Any, ...]], budget: int, rounds: int | None = None) -> None:
        done = 0
        while len(chosen) < cap and budget > 0 and (rounds is None or done < rounds):
            progressed = False
            for k in of:
                if taken[k] < len(queues[k]) and budget > 0 and len(chosen) < cap:
                    chosen.append(queues[k][taken[k]])
                    taken[k] += 1
                    budget -= 1
                    progressed = True
            done += 1
            if not progressed:
                return

    failed = [k for k in keys if k[0] == "failed"]
    favoured = [k for k in keys if k[0] not in ("failed", "sample")]
    sample = [k for k in keys if k[0] == "sample"]
    take(failed, max(cap // 4, min(len(failed), cap)))
    take([k for k in keys if k[0] != "failed"], cap, rounds=1)
    sample_left = sum(len(queues[k]) - taken[k] for k in sample)
    reserve = min(cap // 5, sample_left)
    take(favoured, cap - len(chosen) - reserve)
    take(sample, cap - len(chosen))
    take(keys, cap - len(chosen))
    return set(chosen)


def _trail_category(builder: _Builder, recs: list[ImageFacts]) -> tuple[str, tuple[Any, ...]]:
    host = recs[0].host
    failed = [r for r in recs if r.decision == Decision.FAILED]
    if failed:
        reasons = failed[0].reasons or []
        value = str(reasons[0].get("value")) if reasons else "failed"
        return "failed", ("failed", value, host)
    if any(r.is_minor is True for r in recs):
        return "minor", ("minor", host)
    if any(builder.most_severe(r) == "violation" for r in recs):
        return "violation", ("violation", host)
    if any(r.face_count for r in recs):
        return "face", ("face", host)
    kinds = sorted({k for r in recs for k in r.gate_kinds})
    if kinds:
        return "opt-out", ("opt-out", kinds[0], host)
    return "sample", ("sample", host, recs[0].decision)


def _robots_summary(
    builder: _Builder, run_id: str, host: str, own: tuple[str, str] | None
) -> tuple[str, str]:
    snap = builder.reader.snapshots.get((run_id, host), {}).get(SnapshotKind.ROBOTS)
    outcome = snap.outcome if snap else "not fetched"
    status = f"HTTP {snap.http_status}" if snap and snap.http_status else ""
    summary = f"{outcome}" + (f" ({status})" if status else "")
    if own is not None:
        summary += f"; provtrack: {own[0]}"
    return summary, own[1] if own is not None else ""


def _host_signals(store: Store, run_ids: Sequence[str]) -> dict[tuple[str, str], list[HostSignal]]:
    """Each (run, host)'s host-level signals in recorded order, duplicates dropped."""
    stmt = (
        sa_select(
            col(SignalRecord.run_id),
            col(SignalRecord.subject),
            col(SignalRecord.kind),
            col(SignalRecord.value),
            col(SignalRecord.source),
            col(SignalRecord.evidence),
            col(SignalRecord.agent),
            col(SignalRecord.url),
            col(SignalRecord.restricts),
        )
        .where(col(SignalRecord.run_id).in_(list(run_ids)), col(SignalRecord.level) == "host")
        .order_by(col(SignalRecord.id))
    )
    out: dict[tuple[str, str], list[HostSignal]] = defaultdict(list)
    seen: set[tuple[Any, ...]] = set()
    with store.reading() as conn:
        for row in conn.execute(stmt):
            run_id, host, kind, value, source, evidence, agent, url, restricts = row
            if tuple(row) in seen:
                continue
            seen.add(tuple(row))
            out[(run_id, host)].append(
                HostSignal(kind, value, source, evidence, agent, url, bool(restricts))
            )
    return out


def _host_robots(
    signals: dict[tuple[str, str], list[HostSignal]],
) -> dict[tuple[str, str], tuple[str, str]]:
    """Each (run, host)'s first robots signal for provtrack: its value and evidence."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for key, found in signals.items():
        for sig in found:
            if sig.kind == SignalKind.ROBOTS and sig.agent == "provtrack":
                out.setdefault(key, (sig.value, sig.evidence))
    return out


def _page_jurisdictions(store: Store, run_ids: Sequence[str]) -> dict[tuple[str, str], str]:
    """Each (run, host)'s first page with site jurisdiction candidates (as JSON text)."""
    stmt = (
        sa_select(col(Page.run_id), col(Page.host), cast(col(Page.site_jurisdiction), Text))
        .where(col(Page.run_id).in_(list(run_ids)))
        .order_by(col(Page.id))
    )
    out: dict[tuple[str, str], str] = {}
    with store.reading() as conn:
        for run_id, host, text in conn.execute(stmt):
            if text and text not in ("[]", "null") and (run_id, host) not in out:
                out[(run_id, host)] = text
    return out


def _sites(
    builder: _Builder,
    primary: CrawlRun,
    compliant: CrawlRun | None,
    reproduce: CrawlRun | None,
) -> list[SiteRow]:
    hosts: dict[str, SiteRow] = {}
    reader = builder.reader
    run_ids = [r.id for r in builder.runs]
    host_signals = _host_signals(builder.store, run_ids)
    robots = _host_robots(host_signals)
    # host facts come from the richest run that has them: reproduce reads every host's terms
    order = [r for r in (reproduce, compliant) if r is not None] + [
        r for r in builder.runs if r not in (reproduce, compliant)
    ]
    for run in order:
        for (run_id, host), snaps in reader.snapshots.items():
            if host in hosts or run_id != run.id:
                continue
            kind = reader.source_types.get((run_id, host), {"kind": "unknown", "evidence": ""})
            summary, evidence = _robots_summary(builder, run_id, host, robots.get((run_id, host)))
            terms = snaps.get(SnapshotKind.TERMS)
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
                robots=summary,
                robots_evidence=evidence,
                terms_url=terms.url if terms else None,
                terms_outcome=terms.outcome if terms else None,
                terms_clauses=clauses,
                signals=host_signals.get((run_id, host), []),
            )
    pages = _page_jurisdictions(builder.store, run_ids)
    for run in order:
        for (run_id, host), text in pages.items():
            row = hosts.get(host)
            if run_id == run.id and row is not None and row.site_jurisdiction is None:
                _set_jurisdiction(row, json.loads(text))
        for (run_id, host), candidates in reader.first_site_jurisdiction.items():
            row = hosts.get(host)
            if run_id == run.id and row is not None and row.site_jurisdiction is None:
                _set_jurisdiction(row, candidates)
    comp = {r.url for r in builder.records[compliant.id]} if compliant else set()
    unseen_counted = compliant is not None and reproduce is not None and primary is reproduce
    for run in builder.runs:
        for rec in builder.records[run.id]:
            row = hosts.get(rec.host)
            if row is None:
                row = hosts[rec.host] = SiteRow(
                    rec.host, "unknown", "", None, None, [], "not fetched", "", None, None, []
                )
            if rec.decision == Decision.COLLECTED:
                row.collected[run.mode] = row.collected.get(run.mode, 0) + 1
            if run.id != primary.id:
                continue
            row.reachable += rec.decision != Decision.FAILED
            row.failed += rec.decision == Decision.FAILED
            row.faces += bool(rec.face_count)
            row.minors += rec.is_minor is True
            worst = builder.worst.get(rec.image_id)
            if worst is not None:
                severe, packs = worst
                if row.most_severe is None or SEVERITY[severe] > SEVERITY[row.most_severe]:
                    row.most_severe, row.most_severe_packs = severe, []
                if severe == row.most_severe:
                    row.most_severe_packs = sorted(set(row.most_severe_packs) | packs)
            if unseen_counted and rec.url not in comp and rec.decision == Decision.COLLECTED:
                row.unseen += 1
    if compliant is not None:
        for rec in builder.records[compliant.id]:
            if rec.host in hosts:
                hosts[rec.host].skipped += rec.decision == Decision.SKIPPED
    return [hosts[h] for h in sorted(hosts)]


def _set_jurisdiction(row: SiteRow, candidates: list[dict[str, Any]]) -> None:
    best = max(candidates, key=lambda c: float(c.get("confidence", 0)))
    row.site_jurisdiction = best.get("code")
    row.site_jurisdiction_confidence = float(best.get("confidence", 0))
    row.site_jurisdiction_evidence = [
        str(e.get("detail") or e.get("value")) for e in best.get("evidence", [])
    ]


def _images(
    builder: _Builder, selected: Mapping[str, str], warc_dir: Path, thumbnails: bool
) -> list[ImageTrail]:
    """The evidence trails of the selected image URLs (URL → the category it is shown for),
    each with its thumbnail."""
    chosen = [rec for run in builder.runs for rec in builder.records[run.id] if rec.url in selected]
    facts = {(rec.run_id, rec.image_id): rec.facts for rec in chosen}
    total = len(chosen)
    by_url: dict[str, ImageTrail] = {}
    done = 0
    for start in range(0, total, _TRAIL_CHUNK):
        part = chosen[start : start + _TRAIL_CHUNK]
        view = ExportView(builder.store, image_ids=[r.image_id for r in part])
        runs = {r.id: r for r in builder.runs}
        for image in view.images:
            rec = view.image_export(image)
            url = rec["image_url"]
            trail = by_url.setdefault(
                url, ImageTrail(image_key(url), url, rec["host"], None, "", [], selected[url])
            )
            trail.records.append(
                _record_trail(runs[image.run_id], rec, view, facts[(image.run_id, image.id or 0)])
            )
        done += len(part)
        builder._step("evidence trails", done, total)
    order = {r.id: i for i, r in enumerate(builder.runs)}
    trails = sorted(by_url.values(), key=lambda t: (t.host, t.url))
    cache: dict[tuple[str, int, str | None], Thumbnail] = {}
    for index, trail in enumerate(trails):
        trail.records.sort(key=lambda r: order[r.run_id])
        if thumbnails:
            _thumbnail(trail, warc_dir, cache)
        else:
            trail.thumbnail_note = "thumbnails not requested"
        if index % 50 == 0 or index + 1 == len(trails):
            builder._step("thumbnails", index + 1, len(trails))
    return trails


def _thumbnail(
    trail: ImageTrail, warc_dir: Path, cache: dict[tuple[str, int, str | None], Thumbnail]
) -> None:
    """Set the trail's thumbnail from a collected, unpurged record's WARC bytes, if any."""
    candidates = [
        r
        for r in trail.records
        if r.decision == Decision.COLLECTED
        and not r.purged
        and r.warc_file
        and r.warc_offset is not None
    ]
    if not candidates:
        decisions = {r.decision for r in trail.records}
        if any(r.purged for r in trail.records):
            trail.thumbnail_note = "no thumbnail: the image was purged"
        elif Decision.COLLECTED in decisions:
            trail.thumbnail_note = "no thumbnail: no WARC record of the bytes"
        else:
            trail.thumbnail_note = (
                "no thumbnail: the bytes were never kept (" + ", ".join(sorted(decisions)) + ")"
            )
        return
    note = ""
    for rec in candidates:
        # replicated or re-posted records can point at the same bytes: decode them once
        where = (str(rec.warc_file), int(rec.warc_offset or 0), rec.sha256)
        thumb = cache.get(where)
        if thumb is None:
            thumb = cache[where] = thumbnail_from_warc(warc_dir, where[0], where[1], where[2])
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
