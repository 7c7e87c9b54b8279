"""From stored records to policy verdicts: the facts each rule reads, and storing the verdicts.

This module is the only place where crawl records become :class:`policies.PolicyFacts`.
Observed facts come from the record (signals, faces, jurisdiction, terms); what a crawl cannot
observe (purpose, actor type, template creation) comes from the run's declared purpose
profile. Unknown stays unknown (``None``), which the packs turn into ``needs-review``.
Re-evaluating after editing a pack reads the store and never re-crawls; every evaluation
stores its verdicts under a new evaluation id, so earlier verdicts stay in the evidence log.

:func:`policy_facts` is the one place facts are made, from an image's own columns, its
signals summed up (:func:`signal_sum`) and what its host contributes (:func:`host_facts`).
Two readers feed it: :func:`facts_for` reads one exported record (the reference, and what a
single record needs); :class:`RecordReader` streams every image of a store with only the
columns the facts read, sums up signals once per host, page and image, and memoises the
facts on the tuple of what they are made of. Records of one site share almost everything, so
at 100,000 records most images cost a few dictionary lookups. Both give equal facts (a test
compares them on every record of the demo crawl).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from policies import (
    JurisdictionCandidate,
    Pack,
    PolicyFacts,
    PurposeProfile,
    Verdict,
    evaluate,
    profile,
)
from provenance.signals._vocab import PROVTRACK_AGENT
from provenance.sitetype import infer_source_type
from provenance.store import Store
from provenance.store.checkpoints import sign_head, signer_for
from provenance.store.models import (
    CrawlRun,
    HostSnapshot,
    HostSnapshotBase,
    VerdictOutcome,
)
from provenance.store.queries.evaluation import (
    count_images,
    image_fact_rows,
    occurrence_rows,
    runs_named,
    signal_rows,
    snapshots_of,
)
from provenance.store.verdicts import (
    VerdictWriter,
    finish_evaluation,
    outcome_digest,
    start_evaluation,
)
from provenance.vocab import (
    GATE_ORDER,
    Decision,
    OptoutSignal,
    RobotsStatus,
    SignalKind,
    SnapshotKind,
    values,
)

if TYPE_CHECKING:
    from provenance.export.records import ExportView

# Restricting signals → the opt-out vocabulary of the policy facts.
_DIRECTIVES = {
    "noai": OptoutSignal.NOAI,
    "noimageai": OptoutSignal.NOIMAGEAI,
    "noimageindex": OptoutSignal.NOIMAGEINDEX,
    "noml": OptoutSignal.NOML,
    "none": OptoutSignal.NOIMAGEINDEX,
}
_KINDS = {
    SignalKind.TDM_RESERVATION: OptoutSignal.TDM_RESERVATION,
    SignalKind.IPTC_DATA_MINING: OptoutSignal.IPTC_DMI_PROHIBITED,
    SignalKind.C2PA_TRAINING_MINING: OptoutSignal.C2PA_TRAINING_NOT_ALLOWED,
    SignalKind.ROBOTS: OptoutSignal.ROBOTS_DISALLOW,
    SignalKind.AI_TXT: OptoutSignal.AI_TXT_DISALLOW,
    SignalKind.CONTENT_USAGE: OptoutSignal.CONTENT_USAGE_NO,
    SignalKind.CONTENT_SIGNAL: OptoutSignal.CONTENT_USAGE_NO,
    SignalKind.RSL: OptoutSignal.RSL_PROHIBITED,
}
_MIN_CONFIDENCE = 0.2  # candidates below this are evidence too weak to name a jurisdiction
_ROBOTS_STATUSES = values(RobotsStatus) - {RobotsStatus.UNKNOWN}
_ROBOTS_ALLOWED: dict[str, bool] = {
    RobotsStatus.ALLOW: True,
    RobotsStatus.UNAVAILABLE: True,
    RobotsStatus.DISALLOW: False,
    RobotsStatus.UNREACHABLE: False,
}
_TERMS_UNKNOWN = frozenset({None, "not_fetched", "fetch_failed", "absent"})
_MEMO_LIMIT = 200_000  # facts memo entries before it is cleared (bounds memory, not results)
# the compliant gate's order (demoweb/MANIFEST.md): how opt-out kinds are listed and counted
GATE_KINDS = tuple(k.value for k in GATE_ORDER)


def optout_vocabulary(signal: Mapping[str, Any]) -> str | None:
    """The policy-facts name of a restricting signal, or None when it names nothing there."""
    if not signal.get("restricts"):
        return None
    kind, value = signal["kind"], str(signal["value"]).lower()
    if kind in (SignalKind.META_ROBOTS, SignalKind.X_ROBOTS_TAG):
        return _DIRECTIVES.get(value)
    return _KINDS.get(kind)


@cache
def purpose_profile(name: str) -> PurposeProfile:
    """The named purpose profile, read from its file once per process."""
    return profile(name)


def _candidates(items: Iterable[dict[str, Any]]) -> tuple[JurisdictionCandidate, ...]:
    return tuple(
        JurisdictionCandidate(code=c["code"], confidence=float(c["confidence"]))
        for c in items
        if float(c.get("confidence", 0)) >= _MIN_CONFIDENCE
    )


def _terms_flag(
    terms: list[dict[str, Any]], snapshot: dict[str, Any] | None, kind: str
) -> bool | None:
    if snapshot is None or snapshot.get("outcome") in _TERMS_UNKNOWN:
        return None  # terms unknown: never read as "no prohibition"
    return any(c.get("kind") == kind for c in terms)


def host_facts(
    clauses: list[dict[str, Any]], terms_outcome: str | None, source_type: str
) -> HostFacts:
    """What a host contributes to its images' facts: its terms' clauses as read from its terms
    snapshot (``terms_outcome`` is that snapshot's outcome, ``None`` without one) and its
    source type."""
    snapshot = None if terms_outcome is None else {"outcome": terms_outcome}
    return HostFacts(
        scraping=_terms_flag(clauses, snapshot, "prohibits-scraping"),
        biometric=_terms_flag(clauses, snapshot, "prohibits-biometric"),
        commercial=_terms_flag(clauses, snapshot, "prohibits-commercial-reuse"),
        permits=any(c.get("kind") == "permits-reuse-with-licence" for c in clauses),
        source_type=source_type,
    )


def signal_sum(signals: Iterable[Mapping[str, Any]]) -> SignalSum:
    """Signals summed up, in order: the first robots value for provtrack's own agent, the first
    licence, and the opt-out vocabulary every restricting signal names."""
    robots: str | None = None
    licence: str | None = None
    optouts: set[str] = set()
    for s in signals:
        kind = s["kind"]
        if (
            robots is None
            and kind == SignalKind.ROBOTS
            and (s.get("agent") or "") == PROVTRACK_AGENT
        ):
            robots = s["value"]
        elif licence is None and kind == SignalKind.LICENSE:
            licence = str(s["value"])
        if (name := optout_vocabulary(s)) is not None:
            optouts.add(name)
    return (robots, licence, frozenset(optouts))


def policy_facts(
    *,
    decision: str,
    mode: str,
    face_count: int | None,
    is_minor: bool | None,
    observed_on: date | None,
    site: tuple[JurisdictionCandidate, ...],
    subject: tuple[JurisdictionCandidate, ...],
    signals: SignalSum,
    host: HostFacts,
    purpose: str,
) -> PolicyFacts:
    """The policy facts of one image record: the one place they are made from a record.

    The image's own columns (its decision, mode, face count, the day it was fetched, its
    ``subject.is_minor``, its site and subject jurisdiction candidates), the signals of the
    image, its pages and its host summed up (:func:`signal_sum`), what its host contributes
    (:func:`host_facts`), and the run's purpose profile for what a crawl cannot observe.
    """
    robots, licence, optouts = signals
    status = robots if robots in _ROBOTS_STATUSES else "unknown"
    observed: dict[str, Any] = {
        "is_publicly_accessible": decision != Decision.FAILED,
        "robots_status": status,
        "robots_allowed": _ROBOTS_ALLOWED.get(status),
        "tos_prohibits_scraping": host.scraping,
        "tos_prohibits_biometric": host.biometric,
        "tos_prohibits_commercial_reuse": host.commercial,
        "optout_signals": tuple(sorted(optouts)),
        "contains_face": None if face_count is None else face_count > 0,
        "face_count": face_count,
        "consent_evidence": "license" if licence is not None or host.permits else "none",
        "license": licence,
        "source_type": host.source_type,
        "uploader_is_subject": None,
        "subject_is_minor": is_minor,
        "site_jurisdictions": site,
        "subject_jurisdictions": subject,
        "collected": decision == Decision.COLLECTED,
        "crawl_mode": mode,
        "observed_on": observed_on,
    }
    # one construction (each validates every field) with the profile's values in place:
    # equal to ``profile.apply(PolicyFacts(...))``, at half the cost
    return PolicyFacts(**{**observed, **purpose_profile(purpose).values})


def facts_for(record: dict[str, Any], source_type: str, run: CrawlRun) -> PolicyFacts:
    """The policy facts of one exported image record under its run's purpose profile."""
    snapshot = record.get("terms_snapshot")
    fetched = record.get("fetched_at")
    minor = (record.get("subject") or {}).get("is_minor")
    return policy_facts(
        decision=record["decision"],
        mode=record["mode"],
        face_count=(record.get("faces") or {}).get("count"),
        is_minor=minor if isinstance(minor, bool) else None,
        observed_on=(
            datetime.fromisoformat(fetched.replace("Z", "+00:00")).date() if fetched else None
        ),
        site=_candidates(record.get("site_jurisdiction") or []),
        subject=_candidates(record.get("subject_jurisdiction") or []),
        signals=signal_sum(record["signals"]),
        host=host_facts(
            record.get("terms") or [], snapshot.get("outcome") if snapshot else None, source_type
        ),
        purpose=run.purpose,
    )


def source_types(
    snapshots: Mapping[tuple[str, str], Mapping[str, HostSnapshotBase]],
    overrides: Mapping[str, str],
) -> dict[tuple[str, str], dict[str, str]]:
    """Each (run, host)'s inferred source type, or the user's override, with evidence."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for (run_id, host), snaps in snapshots.items():
        if host in overrides:
            out[(run_id, host)] = {"kind": overrides[host], "evidence": "named by the user"}
            continue
        home = snaps.get(SnapshotKind.HOME)
        out[(run_id, host)] = infer_source_type(home.body if home else None).to_dict()
    return out


def host_source_types(
    view: ExportView, overrides: dict[str, str]
) -> dict[tuple[str, str], dict[str, str]]:
    """:func:`source_types` of an :class:`~provenance.export.records.ExportView`'s hosts."""
    return source_types(view.snapshots, overrides)


# A subject's signals summed up: the first robots value for provtrack, the first licence,
# and the opt-out vocabulary they carry. Combined in the export's order (image, its pages in
# order, its host), firsts stay firsts and the opt-outs add up.
SignalSum = tuple[str | None, str | None, frozenset[str]]
_NO_SIGNALS: SignalSum = (None, None, frozenset())


class HostFacts(NamedTuple):
    """What a host's terms and home page say for each of its images' facts (:func:`host_facts`):
    its terms' prohibitions (``None`` while its terms are unknown), whether they permit reuse
    with a licence, and the host's source type."""

    scraping: bool | None
    biometric: bool | None
    commercial: bool | None
    permits: bool
    source_type: str


class ImageFacts(NamedTuple):
    """One image record as evaluation and the report read it, with its policy facts.

    ``stage``, ``reasons``, ``overridden`` and ``gate_kinds`` (the opt-out kinds the gate
    named: skip reasons or overridden signals, in the gate's order) are only read when the
    reader was asked for details; the parsed lists may be shared between records and must not
    be changed.
    """

    image_id: int
    run_id: str
    url: str
    host: str
    mode: str
    decision: str
    face_count: int | None
    is_minor: bool | None
    facts: PolicyFacts
    stage: str | None = None
    reasons: list[dict[str, Any]] | None = None
    overridden: list[dict[str, Any]] | None = None
    gate_kinds: tuple[str, ...] = ()


class RecordReader:
    """Streams a store's image records with their policy facts, reading each table once.

    Hosts' snapshots and source types, every subject's signals and every image's pages are
    read up front (small next to the image table); image rows are then streamed in id order
    with only the columns the facts need, their JSON read as text and parsed once per
    distinct text.
    """

    def __init__(
        self,
        store: Store,
        run_ids: Sequence[str] | None = None,
        overrides: Mapping[str, str] | None = None,
        *,
        with_chains: bool = False,
    ) -> None:
        self.store = store
        self.runs: dict[str, CrawlRun] = runs_named(store, run_ids)
        self.run_ids = sorted(self.runs)
        self._every_run = run_ids is None
        self.snapshots: dict[tuple[str, str], dict[str, HostSnapshot]] = {}
        for snap in snapshots_of(store, self.run_ids):
            self.snapshots.setdefault((snap.run_id, snap.host), {})[snap.kind] = snap
        self.source_types = source_types(self.snapshots, overrides or {})
        self.signal_sums = self._signal_sums()
        self.pages: dict[tuple[str, str], tuple[str, ...]] = {}
        self.chains: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {}
        self._read_occurrences(with_chains)
        self._hosts: dict[tuple[str, str], HostFacts] = {}
        # (run, host) → the site jurisdiction candidates of its first image that has any
        self.first_site_jurisdiction: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._json: dict[str, Any] = {}
        self._cands: dict[str, tuple[JurisdictionCandidate, ...]] = {}
        self._minors: dict[str, object] = {}
        self._kinds: dict[tuple[str | None, str | None], tuple[str, ...]] = {}
        self._combined: dict[tuple[Any, ...], SignalSum] = {}
        self._facts: dict[tuple[Any, ...], PolicyFacts] = {}

    @property
    def _runs_filter(self) -> list[str] | None:
        # every run: no filter at all (provenance/store/queries/evaluation.py says why)
        return None if self._every_run else self.run_ids

    def _signal_sums(self) -> dict[tuple[str, str], SignalSum]:
        sums: dict[tuple[str, str], list[Any]] = {}
        for run_id, subject, kind, value, agent, restricts in signal_rows(
            self.store, self._runs_filter
        ):
            entry = sums.get((run_id, subject))
            if entry is None:
                entry = sums[(run_id, subject)] = [None, None, set()]
            if kind == SignalKind.ROBOTS and (agent or "") == PROVTRACK_AGENT and entry[0] is None:
                entry[0] = value
            elif kind == SignalKind.LICENSE and entry[1] is None:
                entry[1] = str(value)
            if restricts:
                name = optout_vocabulary({"kind": kind, "value": value, "restricts": True})
                if name:
                    entry[2].add(name)
        return {k: (v[0], v[1], frozenset(v[2])) for k, v in sums.items()}

    def _read_occurrences(self, with_chains: bool) -> None:
        pages: dict[tuple[str, str], list[str]] = {}
        chains: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        parsed: dict[str, tuple[str, ...]] = {}
        interned: dict[tuple[str, ...], tuple[str, ...]] = {}
        for row in occurrence_rows(self.store, self._runs_filter, with_chains=with_chains):
            key = (row[0], row[1])
            urls = pages.setdefault(key, [])
            if row[2] not in urls:
                urls.append(row[2])
            if with_chains:
                text = row[3] or "[]"
                chain = parsed.get(text)
                if chain is None:
                    chain = parsed[text] = tuple(json.loads(text))
                chains.setdefault(key, []).append(chain)
        # images of one page share one tuple: memory stays proportional to distinct pages
        for key, urls in pages.items():
            page_tuple = tuple(urls)
            self.pages[key] = interned.setdefault(page_tuple, page_tuple)
        self.chains = {k: tuple(v) for k, v in chains.items()}

    def host_facts(self, run_id: str, host: str) -> HostFacts:
        """What a host contributes to each of its images' facts."""
        found = self._hosts.get((run_id, host))
        if found is not None:
            return found
        snaps = self.snapshots.get((run_id, host), {})
        terms_snap = snaps.get(SnapshotKind.TERMS)
        found = self._hosts[(run_id, host)] = host_facts(
            terms_snap.parsed.get("clauses", []) if terms_snap else [],
            terms_snap.outcome if terms_snap else None,
            self.source_types.get((run_id, host), {"kind": "unknown"})["kind"],
        )
        return found

    def _combine(self, run_id: str, url: str, pages: tuple[str, ...], host: str) -> SignalSum:
        own = self.signal_sums.get((run_id, url))
        key = (own, pages, run_id, host)
        found = self._combined.get(key)
        if found is not None:
            return found
        parts = [own or _NO_SIGNALS]
        parts.extend(self.signal_sums.get((run_id, p), _NO_SIGNALS) for p in pages)
        parts.append(self.signal_sums.get((run_id, host), _NO_SIGNALS))
        robots = next((p[0] for p in parts if p[0] is not None), None)
        licence = next((p[1] for p in parts if p[1] is not None), None)
        optouts: frozenset[str] = frozenset().union(*(p[2] for p in parts))
        if len(self._combined) >= _MEMO_LIMIT:
            self._combined.clear()
        found = self._combined[key] = (robots, licence, optouts)
        return found

    def _parsed(self, text: str | None) -> Any:
        if text is None:
            return None
        found = self._json.get(text, _MISSING)
        if found is _MISSING:
            if len(self._json) >= _MEMO_LIMIT // 10:
                self._json.clear()
            found = self._json[text] = json.loads(text)
        return found

    def _gate_kinds(
        self, reasons_text: str | None, overridden_text: str | None, *parsed: list[dict[str, Any]]
    ) -> tuple[str, ...]:
        key = (reasons_text, overridden_text)
        found = self._kinds.get(key)
        if found is None:
            present = {r.get("kind") for items in parsed for r in items}
            if len(self._kinds) >= _MEMO_LIMIT:
                self._kinds.clear()
            found = self._kinds[key] = tuple(k for k in GATE_KINDS if k in present)
        return found

    def _minor(self, text: str | None) -> bool | None:
        """The record's ``subject.is_minor`` when it is a boolean, else unknown."""
        if not text:
            return None
        found = self._minors.get(text, _MISSING)
        if found is _MISSING:
            if len(self._minors) >= _MEMO_LIMIT // 4:
                self._minors.clear()
            value = (json.loads(text) or {}).get("is_minor")
            found = self._minors[text] = value if isinstance(value, bool) else None
        return found  # type: ignore[return-value]

    def _candidates(self, text: str | None) -> tuple[JurisdictionCandidate, ...]:
        if not text:
            return ()
        found = self._cands.get(text)
        if found is None:
            if len(self._cands) >= _MEMO_LIMIT:
                self._cands.clear()
            found = self._cands[text] = _candidates(json.loads(text) or [])
        return found

    def count(self) -> int:
        """How many image records the reader will yield."""
        return count_images(self.store, self._runs_filter)

    def __iter__(self) -> Iterator[ImageFacts]:
        return self.records()

    def records(self, *, details: bool = False) -> Iterator[ImageFacts]:
        """Every image record of the reader's runs in id order, with its facts.

        ``details`` also reads each record's stage, gate reasons and overridden signals (what
        the report shows beside the facts), and notes each host's first site jurisdiction
        candidates in :attr:`first_site_jurisdiction`.
        """
        runs = self.runs
        pages_of = self.pages
        facts_memo = self._facts
        with contextlib.closing(
            image_fact_rows(self.store, self._runs_filter, details=details)
        ) as rows:
            for row in rows:
                image_id, run_id, url, host, mode, decision, fetched, faces, about = row[:9]
                site_text, subject_text = row[9], row[10]
                minor = self._minor(about)
                pages = pages_of.get((run_id, url), ())
                robots, licence, optouts = self._combine(run_id, url, pages, host)
                hf = self._hosts.get((run_id, host)) or self.host_facts(run_id, host)
                observed: date | None = None
                if fetched is not None:
                    if fetched.tzinfo is not None:
                        fetched = fetched.astimezone(UTC)
                    observed = fetched.date()
                key = (
                    run_id,
                    host,
                    decision,
                    mode,
                    robots,
                    licence,
                    optouts,
                    faces,
                    minor,
                    site_text,
                    subject_text,
                    observed,
                )
                facts = facts_memo.get(key)
                if facts is None:
                    facts = self._make_facts(
                        runs[run_id],
                        hf,
                        key,
                        self._candidates(site_text),
                        self._candidates(subject_text),
                    )
                    if len(facts_memo) >= _MEMO_LIMIT:
                        facts_memo.clear()
                    facts_memo[key] = facts
                if details:
                    if site_text and (run_id, host) not in self.first_site_jurisdiction:
                        parsed = json.loads(site_text)
                        if parsed:
                            self.first_site_jurisdiction[(run_id, host)] = parsed
                    reasons, overridden = self._parsed(row[12]) or [], self._parsed(row[13]) or []
                    yield ImageFacts(
                        image_id,
                        run_id,
                        url,
                        host,
                        mode,
                        decision,
                        faces,
                        minor,
                        facts,
                        row[11],
                        reasons,
                        overridden,
                        self._gate_kinds(row[12], row[13], reasons, overridden),
                    )
                else:
                    yield ImageFacts(
                        image_id, run_id, url, host, mode, decision, faces, minor, facts
                    )

    @staticmethod
    def _make_facts(
        run: CrawlRun,
        hf: HostFacts,
        key: tuple[Any, ...],
        site: tuple[JurisdictionCandidate, ...],
        subject: tuple[JurisdictionCandidate, ...],
    ) -> PolicyFacts:
        _, _, decision, mode, robots, licence, optouts, faces, minor, _, _, observed = key
        return policy_facts(
            decision=decision,
            mode=mode,
            face_count=faces,
            is_minor=minor,
            observed_on=observed,
            site=site,
            subject=subject,
            signals=(robots, licence, optouts),
            host=hf,
            purpose=run.purpose,
        )


_MISSING = object()


@dataclass(slots=True)
class EvaluationSummary:
    """What one evaluation did, and where its time went (seconds)."""

    evaluation_id: str
    records: int = 0
    verdicts: int = 0
    by_pack: dict[str, dict[str, int]] = field(default_factory=dict)
    pack_versions: dict[str, str] = field(default_factory=dict)
    source_types: dict[str, dict[str, str]] = field(default_factory=dict)
    outcomes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


# one image's verdicts as stored: (pack, verdict, outcome digest) in pack order
_Entry = tuple[tuple[str, str, str], ...]


class _Judge:
    """Verdicts per distinct facts object, and each distinct verdict's outcome row."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = packs
        self.by_facts: dict[int, tuple[PolicyFacts, _Entry]] = {}
        self.by_verdict: dict[int, tuple[Verdict, str]] = {}
        self.outcomes: dict[str, VerdictOutcome] = {}

    def __call__(self, facts: PolicyFacts) -> _Entry:
        found = self.by_facts.get(id(facts))
        if found is not None and found[0] is facts:
            return found[1]
        entry = tuple(sorted(self._stored(v) for v in evaluate(facts, self.packs)))
        if len(self.by_facts) >= _MEMO_LIMIT:
            self.by_facts.clear()
        self.by_facts[id(facts)] = (facts, entry)
        return entry

    def _stored(self, verdict: Verdict) -> tuple[str, str, str]:
        found = self.by_verdict.get(id(verdict))
        if found is None or found[0] is not verdict:
            data = verdict.to_dict()
            rules = [*data["fired"], *data["undecided"]]
            kind = str(verdict.verdict)
            digest = outcome_digest(
                verdict.pack_id,
                verdict.pack_version,
                verdict.jurisdiction,
                kind,
                rules,
                data["reasons"],
            )
            if digest not in self.outcomes:
                self.outcomes[digest] = VerdictOutcome(
                    digest=digest,
                    pack=verdict.pack_id,
                    pack_version=verdict.pack_version,
                    jurisdiction=verdict.jurisdiction,
                    verdict=kind,
                    rules=rules,
                    reasons=list(data["reasons"]),
                )
            if len(self.by_verdict) >= _MEMO_LIMIT:
                self.by_verdict.clear()
            found = self.by_verdict[id(verdict)] = (verdict, digest)
        return verdict.pack_id, str(verdict.verdict), found[1]


def evaluate_store(
    store: Store,
    packs: Sequence[Pack],
    *,
    run_id: str | None = None,
    source_types: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_images: int = 1000,
) -> EvaluationSummary:
    """Evaluate every image record of a run (or of all runs) and store the verdicts.

    The verdicts are stored under a new evaluation (see :mod:`provenance.store.verdicts`),
    ``batch_images`` images' verdicts per chained batch, and readers use the evaluation once
    it is marked finished, at the end. Nothing is fetched: editing a pack and evaluating
    again reads the store only.
    """
    started = time.perf_counter()
    summary = EvaluationSummary(evaluation_id=uuid.uuid4().hex[:12])
    summary.pack_versions = {p.id: p.version for p in packs}
    reader = RecordReader(store, [run_id] if run_id else None, source_types or {})
    total = reader.count()
    signer = signer_for(store)  # a store whose key is not at hand is refused before writing
    evaluation = start_evaluation(
        store,
        summary.evaluation_id,
        {r.id: r.purpose for r in reader.runs.values()},
        summary.pack_versions,
    )
    judge = _Judge(packs)
    writer = VerdictWriter(
        store,
        summary.evaluation_id,
        judge.outcomes,
        note=f"evaluation {summary.evaluation_id}",
        batch_images=batch_images,
    )
    uses: Counter[_Entry] = Counter()
    read = time.perf_counter()
    judging = 0.0
    for index, image in enumerate(reader):
        tick = time.perf_counter()
        entry = judge(image.facts)
        judging += time.perf_counter() - tick
        writer.add(image.image_id, entry)
        uses[entry] += 1
        if progress is not None and (index % 2000 == 0 or index + 1 == total):
            progress(index + 1, total)
        summary.records += 1
    writer.close()
    summary.verdicts = writer.rows
    summary.outcomes = len(judge.outcomes)
    for entry, n in uses.items():
        for pack, verdict, _ in entry:
            counts = summary.by_pack.setdefault(pack, {})
            counts[verdict] = counts.get(verdict, 0) + n
    for (_, host), kind in reader.source_types.items():
        summary.source_types.setdefault(host, kind)
    finish_evaluation(store, evaluation, summary.records, summary.verdicts)
    sign_head(store, f"evaluation {summary.evaluation_id} finished", signer)
    summary.seconds = {
        "setup": round(read - started, 3),
        "judging": round(judging, 3),
        "total": round(time.perf_counter() - started, 3),
    }
    if progress is not None and total == 0:
        progress(0, 0)
    return summary
