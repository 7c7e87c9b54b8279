"""How an evaluation's verdicts are stored, chained and read back.

An evaluation judges every image record against every pack: at 100,000 records and eleven
packs that is over a million verdicts, nearly all of them repeats of a few hundred distinct
judgements. So the store keeps

- one :class:`~provenance.store.models.Evaluation` row (runs, purposes, pack versions);
- each distinct judgement once, as a :class:`~provenance.store.models.VerdictOutcome`
  (content-addressed by :func:`outcome_digest`, chained row by row like any record);
- one narrow :class:`~provenance.store.models.ImageVerdict` row per image and pack, written
  in bulk and chained by batch: one evidence entry per batch of images, whose digest
  (:func:`batch_digest`) covers every row of the batch. ``verify`` re-reads each batch's rows
  and recomputes it, so an edited, inserted or deleted verdict row breaks its batch's digest;
  a row whose verdict no longer matches its outcome is named on its own.

A batch's subject, ``image_verdict:<evaluation>:<first image id>-<last image id>``, says which
rows it covers: those of the evaluation whose image id is in that range.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from provenance.store.canonical import canonical_json
from provenance.store.db import Store
from provenance.store.models import Evaluation, Image, ImageVerdict, VerdictOutcome, utcnow

# the columns of an image_verdict row as written and as a batch digest covers them
BATCH_COLUMNS = ("evaluation", "image_id", "pack", "verdict", "outcome_id")
BATCH_SUBJECT = "image_verdict"
_IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's limits

VerdictRow = tuple[int, str, str, int]  # image id, pack, verdict, outcome id


def outcome_digest(
    pack: str,
    pack_version: str,
    jurisdiction: str,
    verdict: str,
    rules: Sequence[dict[str, Any]],
    reasons: Sequence[str],
) -> str:
    """sha256 of a judgement's canonical content: equal judgements share one outcome row."""
    return hashlib.sha256(
        canonical_json(
            {
                "pack": pack,
                "pack_version": pack_version,
                "jurisdiction": jurisdiction,
                "verdict": verdict,
                "rules": list(rules),
                "reasons": list(reasons),
            }
        )
    ).hexdigest()


def batch_subject(evaluation: str, first: int, last: int) -> str:
    """The evidence subject of a batch: the evaluation's rows for image ids first..last."""
    return f"{BATCH_SUBJECT}:{evaluation}:{first}-{last}"


def parse_batch_subject(subject: str) -> tuple[str, int, int] | None:
    """``(evaluation, first, last)`` of a batch subject, or None for any other subject."""
    table, _, rest = subject.partition(":")
    if table != BATCH_SUBJECT:
        return None
    evaluation, _, span = rest.rpartition(":")
    first, sep, last = span.partition("-")
    if not evaluation or not sep or not first.isdigit() or not last.isdigit():
        return None
    return evaluation, int(first), int(last)


def batch_digest(evaluation: str, first: int, last: int, rows: Sequence[VerdictRow]) -> str:
    """sha256 over a batch's rows, which must be in (image id, pack) order, with what the
    batch claims to cover.

    Rows are plain ints and strings, so this is one C-level ``json.dumps`` per batch rather
    than a canonical form per row: it is what keeps chaining a million verdicts cheap.
    """
    body = {"evaluation": evaluation, "first": first, "last": last, "rows": rows}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class VerdictWriter:
    """Buffers an evaluation's verdicts and writes them batch by batch, each batch chained.

    Call :meth:`add` per image in ascending image id order, then :meth:`close`. ``outcomes``
    maps each outcome digest the verdicts name to its row; the ones not stored yet are
    inserted (and chained) before the batch that first uses them.
    """

    store: Store
    evaluation: str
    outcomes: Mapping[str, VerdictOutcome]
    note: str = ""
    batch_images: int = 1000
    rows: int = 0
    known: dict[str, int] = field(default_factory=dict)
    _pending: list[tuple[int, tuple[tuple[str, str, str], ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        with self.store.reading() as conn:
            stmt = sa_select(col(VerdictOutcome.digest), col(VerdictOutcome.id))
            self.known = {digest: int(oid or 0) for digest, oid in conn.execute(stmt)}

    def add(self, image_id: int, verdicts: tuple[tuple[str, str, str], ...]) -> None:
        """Queue one image's verdicts, ``(pack, verdict, outcome digest)`` each."""
        self._pending.append((image_id, verdicts))
        if len(self._pending) >= self.batch_images:
            self.flush()

    def flush(self) -> None:
        """Write the queued rows (and the outcomes they name that are not stored yet) now."""
        if not self._pending:
            return
        entries = {id(e): e for _, e in self._pending}
        digests = {d for e in entries.values() for _, _, d in e}
        new = sorted(d for d in digests if d not in self.known)
        if new:
            self._store_outcomes([self.outcomes[d] for d in new])
        known = self.known
        # entries are in pack order and images come in id order: rows are in digest order
        rows = [(i, p, v, known[d]) for i, e in self._pending for p, v, d in e]
        first, last = self._pending[0][0], self._pending[-1][0]
        if rows:
            self.store.append_bulk(
                ImageVerdict,
                BATCH_COLUMNS,
                [(self.evaluation, *row) for row in rows],
                subject=batch_subject(self.evaluation, first, last),
                digest=batch_digest(self.evaluation, first, last, rows),
                note=self.note,
            )
        self.rows += len(rows)
        self._pending = []

    def close(self) -> None:
        """Write what is left."""
        self.flush()

    def _store_outcomes(self, outcomes: list[VerdictOutcome]) -> None:
        self.store.write(outcomes, note=self.note)
        missing = []
        for outcome in outcomes:
            if outcome.id is not None:
                self.known[outcome.digest] = outcome.id
            else:  # stored meanwhile by another evaluation: look its id up
                missing.append(outcome.digest)
        for chunk in _chunks(missing):
            with self.store.reading() as conn:
                stmt = sa_select(col(VerdictOutcome.digest), col(VerdictOutcome.id)).where(
                    col(VerdictOutcome.digest).in_(chunk)
                )
                self.known.update({d: int(i or 0) for d, i in conn.execute(stmt)})


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stamp(evaluation: Evaluation) -> tuple[datetime, str]:
    started = evaluation.started_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return started, evaluation.id


def latest_evaluations(store: Store, run_ids: Iterable[str] | None = None) -> dict[str, Evaluation]:
    """The latest finished evaluation of each run (of the runs named, or of every run).

    An evaluation judges every image record its runs held, so a run's latest evaluation is
    the latest evaluation of each of its images; unfinished evaluations are never read.
    """
    wanted = set(run_ids) if run_ids is not None else None
    latest: dict[str, Evaluation] = {}
    with store.session() as session:
        finished = session.exec(select(Evaluation).where(Evaluation.status == "finished")).all()
    for evaluation in finished:
        for run_id in evaluation.runs:
            if wanted is not None and run_id not in wanted:
                continue
            if run_id not in latest or _stamp(evaluation) > _stamp(latest[run_id]):
                latest[run_id] = evaluation
    return latest


def load_outcomes(store: Store, ids: Iterable[int] | None = None) -> dict[int, VerdictOutcome]:
    """Outcome rows by id (all of them, or those named)."""
    out: dict[int, VerdictOutcome] = {}
    with store.session() as session:
        if ids is None:
            rows: Iterable[VerdictOutcome] = session.exec(select(VerdictOutcome)).all()
            out = {int(r.id or 0): r for r in rows}
        else:
            for chunk in _chunks(sorted(set(ids))):
                stmt = select(VerdictOutcome).where(col(VerdictOutcome.id).in_(chunk))
                out.update({int(r.id or 0): r for r in session.exec(stmt).all()})
    return out


def iter_verdict_rows(
    store: Store, evaluation: str, image_ids: Sequence[int] | None = None
) -> Iterator[VerdictRow]:
    """``(image id, pack, verdict, outcome id)`` of an evaluation, by image id then pack.

    Streams every row of the evaluation, or only those of ``image_ids``.
    """
    columns = (
        col(ImageVerdict.image_id),
        col(ImageVerdict.pack),
        col(ImageVerdict.verdict),
        col(ImageVerdict.outcome_id),
    )
    base = sa_select(*columns).where(col(ImageVerdict.evaluation) == evaluation)
    if image_ids is None:
        stmts = [base.order_by(col(ImageVerdict.image_id))]
    else:
        stmts = [
            base.where(col(ImageVerdict.image_id).in_(chunk)).order_by(col(ImageVerdict.image_id))
            for chunk in _chunks(sorted(set(image_ids)))
        ]
    with store.reading() as conn:
        for stmt in stmts:
            result = conn.execution_options(yield_per=20_000).execute(stmt)
            for image_id, pack, verdict, outcome_id in result:
                yield int(image_id), pack, verdict, int(outcome_id)


def start_evaluation(
    store: Store, evaluation_id: str, runs: dict[str, str], packs: dict[str, str]
) -> Evaluation:
    """Store (and chain) a new, running evaluation of ``runs`` (run id → purpose)."""
    evaluation = Evaluation(
        id=evaluation_id,
        runs=sorted(runs),
        purposes=dict(sorted(runs.items())),
        packs=dict(sorted(packs.items())),
        started_at=utcnow(),
    )
    store.write([evaluation], note=f"evaluation {evaluation_id}")
    return evaluation


def finish_evaluation(store: Store, evaluation: Evaluation, records: int, verdicts: int) -> None:
    """Mark the evaluation finished with its counts (a chained change): readers use it now."""
    evaluation.status = "finished"
    evaluation.finished_at = utcnow()
    evaluation.records = records
    evaluation.verdicts = verdicts
    store.record_changes([evaluation], "evaluation", note=f"evaluation {evaluation.id} finished")


@dataclass(frozen=True, slots=True)
class StoredVerdict:
    """A pack's verdict on one image record as the store holds it, with its evaluation."""

    image_id: int
    outcome: VerdictOutcome
    evaluation: str
    purpose: str
    evaluated_at: datetime

    def export(self) -> dict[str, Any]:
        """The verdict as the export shape has it (README, "Export fields")."""
        o = self.outcome
        return {
            "pack": o.pack,
            "pack_version": o.pack_version,
            "jurisdiction": o.jurisdiction,
            "verdict": o.verdict,
            "rules": o.rules,
            "reasons": o.reasons,
            "purpose": self.purpose,
            "evaluation": self.evaluation,
        }


def latest_verdicts(
    store: Store, images: Sequence[Image], *, subset: bool = True
) -> dict[int, list[StoredVerdict]]:
    """Each image's verdicts from its run's latest finished evaluation, in pack order.

    ``subset`` reads only these images' rows (a few images of a large store); otherwise
    every row of the evaluations is streamed and filtered (most of a run's images).
    """
    run_of = {image.id or 0: image.run_id for image in images}
    latest = latest_evaluations(store, set(run_of.values()))
    found: list[tuple[Evaluation, VerdictRow]] = []
    for evaluation in {e.id: e for e in latest.values()}.values():
        wanted = {i for i, r in run_of.items() if latest.get(r) is evaluation}
        for row in iter_verdict_rows(store, evaluation.id, sorted(wanted) if subset else None):
            if row[0] in wanted:
                found.append((evaluation, row))
    outcomes = load_outcomes(store, {row[3] for _, row in found})
    out: dict[int, list[StoredVerdict]] = {}
    for evaluation, (image_id, _, _, outcome_id) in sorted(found, key=lambda f: (f[1][0], f[1][1])):
        out.setdefault(image_id, []).append(
            StoredVerdict(
                image_id=image_id,
                outcome=outcomes[outcome_id],
                evaluation=evaluation.id,
                purpose=evaluation.purposes.get(run_of[image_id], ""),
                evaluated_at=evaluation.started_at,
            )
        )
    return out
