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
  confidence, fired, undecided, capped, capped_because, fired_all, fired_on}`` with
  ``fired``/``undecided``/``capped`` run id → records, ``capped_because`` why in words, and
  the firings by the facts the rule reads that a reader can check (minor, face, consent
  evidence...): ``fired_all`` run id → the facts every firing shared, ``fired_on`` run id →
  ``[{facts, records}]`` by those that differ, most frequent first.
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
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from policies import Pack, load_packs, profile
from provenance import __version__
from provenance.errors import NotFoundError, PolicyError
from provenance.report.builder import (
    OPTOUT_KINDS,
    Builder,
    Progress,
    image_key,
    iso,
    latest_run,
    select_runs,
)
from provenance.report.comparison import Comparison, ComparisonRow, TakenImage, cap_taken, compare
from provenance.report.dataset import DatasetSummary, dataset_summaries
from provenance.report.headline import Headline, headline_of_run
from provenance.report.optouts import OptOutSummary, optout_summaries
from provenance.report.sites import HostSignal, SiteRow, site_rows
from provenance.report.trails import (
    TRAIL_CATEGORIES,
    ImageTrail,
    RecordTrail,
    image_trails,
    select_trails,
)
from provenance.report.verdicts import (
    VERDICT_ORDER,
    PackSummary,
    RuleSummary,
    verdict_summaries,
)
from provenance.store import Store
from provenance.store.models import CrawlRun
from provenance.vocab import CrawlMode

__all__ = [
    "DEFAULT_MAX_TRAILS",
    "OPTOUT_KINDS",
    "SCHEMA",
    "TRAIL_CATEGORIES",
    "VERDICT_ORDER",
    "Comparison",
    "ComparisonRow",
    "Headline",
    "HostSignal",
    "ImageTrail",
    "PackInfo",
    "PackSummary",
    "PurposeNote",
    "RecordTrail",
    "ReportData",
    "RuleSummary",
    "RunInfo",
    "SiteRow",
    "TakenImage",
    "build_report",
    "image_key",
    "render_json",
    "select_trails",
]

SCHEMA = "provtrack-report/1"


DEFAULT_MAX_TRAILS = 1000  # evidence trails shown; figures always cover every record


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
    runs = select_runs(store, run_ids)
    compliant, reproduce = (
        latest_run(runs, CrawlMode.COMPLIANT),
        latest_run(runs, CrawlMode.REPRODUCE),
    )
    both = compliant is not None and reproduce is not None
    builder = Builder(store, runs, progress)
    builder.load(every_run=len(runs) == all_runs, with_chains=both)
    _require_verdicts(builder, runs)
    primary = reproduce or runs[0]
    loaded = _builtin_packs()
    builder._step("summing up", 0, 1)
    comparison = (
        compare(builder, compliant, reproduce)
        if compliant is not None and reproduce is not None
        else None
    )
    selected, selection = select_trails(builder, max_trails)
    if comparison is not None:
        comparison.taken = cap_taken(comparison.taken, set(selected), max_trails)
    images = image_trails(builder, selected, warc_dir, thumbnails)
    return ReportData(
        generated_at=iso(datetime.now(UTC)) or "",
        provtrack_version=__version__,
        store=store_label,
        warc_dir=str(warc_dir),
        runs=[_run_info(run, builder) for run in runs],
        primary_run=primary.id,
        purposes=_purposes(runs),
        packs=_packs(builder, loaded),
        headline=[headline_of_run(run, builder.records[run.id]) for run in runs],
        verdicts=verdict_summaries(
            builder.fact_counts,
            builder.outcomes,
            {run.id: len(builder.records[run.id]) for run in runs},
            loaded,
        ),
        comparison=comparison,
        sites=site_rows(builder, primary, compliant, reproduce),
        images=images,
        images_total=len({r.url for recs in builder.records.values() for r in recs}),
        max_trails=max_trails,
        trail_selection=selection,
        optouts=optout_summaries(store),
        datasets=dataset_summaries(store, [run.id for run in runs]),
    )


def _require_verdicts(builder: Builder, runs: Sequence[CrawlRun]) -> None:
    """``NotFoundError`` when a run with image records has no verdicts yet."""
    unevaluated = [
        f"{run.id} ({len(records)} image records)"
        for run in runs
        if (records := builder.records[run.id]) and not builder.verdicts[run.id]
    ]
    if unevaluated:
        raise NotFoundError(
            f"no policy verdicts for run {', '.join(unevaluated)}: run provtrack evaluate first"
        )


def _builtin_packs() -> dict[str, Pack]:
    """The built-in packs by id, for names and rule order; empty if they cannot be loaded."""
    try:
        return {p.id: p for p in load_packs()}
    except PolicyError:
        return {}


def _run_info(run: CrawlRun, builder: Builder) -> RunInfo:
    evaluation = builder.evaluations.get(run.id)
    verdicts = builder.verdicts[run.id]
    return RunInfo(
        run_id=run.id,
        mode=run.mode,
        purpose=run.purpose,
        started_at=iso(run.started_at),
        finished_at=iso(run.finished_at),
        status=run.status,
        seeds=list(run.seeds),
        user_agent=run.user_agent,
        evaluations=[evaluation.id] if evaluation is not None and verdicts else [],
        evaluated_at=iso(evaluation.started_at) if evaluation is not None and verdicts else None,
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


def _packs(builder: Builder, loaded: dict[str, Pack]) -> list[PackInfo]:
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
