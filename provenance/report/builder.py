"""Reading the store once for the whole report, and the small helpers every section shares.

:class:`Builder` streams every image record of the runs with its policy facts and every
verdict row of their latest evaluations, keeping what the figures need: the records per run,
the outcome counts per run and described facts (:mod:`provenance.report.verdicts`) and each
image's most severe verdict. The sections (headline, comparison, sites, trails) read it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from provenance.errors import NotFoundError
from provenance.evaluation import GATE_KINDS, ImageFacts, RecordReader
from provenance.report.verdicts import (
    SEVERITY,
    VERDICT_ORDER,
    FactKey,
    fact_key,
)
from provenance.store import Store
from provenance.store.models import CrawlRun, Evaluation, VerdictOutcome
from provenance.store.verdicts import iter_verdict_rows, latest_evaluations, load_outcomes
from provenance.vocab import CrawlMode

# the compliant gate's order (demoweb/MANIFEST.md): how reasons are listed and charted
OPTOUT_KINDS = GATE_KINDS


MODE_ORDER: dict[str, int] = {CrawlMode.REPRODUCE: 0, CrawlMode.COMPLIANT: 1, CrawlMode.AUDIT: 2}


Progress = Callable[[str, int, int], None]


T = TypeVar("T")


def image_key(url: str) -> str:
    """A stable anchor id for an image URL (no web text ends up in an id)."""
    return "img-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def most_severe(verdicts: Iterable[str]) -> str | None:
    worst: str | None = None
    for v in verdicts:
        if v in SEVERITY and (worst is None or SEVERITY[v] > SEVERITY[worst]):
            worst = v
    return worst


def dedupe(signals: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for s in signals:
        key = json.dumps(s, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def gate_reason(r: dict[str, Any]) -> dict[str, Any]:
    """A gate reason without the bulky ``extra`` bag, its explanation kept."""
    out = {k: r.get(k) for k in ("kind", "value", "source", "evidence", "agent", "url")}
    extra = r.get("extra") or {}
    out["detail"] = extra.get("reason") or ""
    return out


class Builder:
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


def select_runs(store: Store, run_ids: Sequence[str] | None) -> list[CrawlRun]:
    runs = store.all(CrawlRun)
    if not runs:
        raise NotFoundError("the store has no crawl runs (run provtrack crawl first)")
    if run_ids:
        by_id = {r.id: r for r in runs}
        missing = [r for r in run_ids if r not in by_id]
        if missing:
            raise NotFoundError(f"no crawl run {', '.join(missing)} in the store")
        runs = [by_id[r] for r in dict.fromkeys(run_ids)]
    return sorted(runs, key=lambda r: (MODE_ORDER.get(r.mode, 9), r.started_at, r.id))


def latest_run(runs: Sequence[CrawlRun], mode: str) -> CrawlRun | None:
    of_mode = [r for r in runs if r.mode == mode]
    return max(of_mode, key=lambda r: (r.started_at, r.id)) if of_mode else None
