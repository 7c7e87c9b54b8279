"""``verify``: recompute the evidence hash chain and the WARC digests, and name what broke.

Three checks, each naming the first failure it meets:

1. the chain: entries are numbered 1..n without gaps and each ``entry_hash`` is the hash of
   its predecessor's hash and its own fields (reordering, removal and insertion break it);
2. the records: every row's current canonical digest equals the digest of the latest entry
   that covers it (a changed field breaks it; a deleted row leaves an entry with no row).
   An evaluation's verdict rows are chained by batch (:mod:`provenance.store.verdicts`):
   each batch's digest is recomputed from the rows it covers, every row must fall in a
   batch, and a row whose verdict differs from its outcome's is named on its own;
3. the WARC: every record pointing at a WARC response reads back with valid WARC digests,
   and an image's payload still has the sha256 the record holds.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import MetaData, Table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from provenance.errors import IntegrityError
from provenance.store import Store
from provenance.store.canonical import record_digest, row_digest
from provenance.store.db import GENESIS, entry_hash, subject_of
from provenance.store.models import (
    CrawlRun,
    Evaluation,
    EvidenceEntry,
    HostSnapshot,
    Image,
    ImageOccurrence,
    ImageVerdict,
    OptOutRequest,
    Page,
    SignalRecord,
    Tombstone,
    VerdictOutcome,
)
from provenance.store.verdicts import (
    VerdictRow,
    batch_digest,
    batch_subject,
    iter_verdict_rows,
    parse_batch_subject,
)
from provenance.vocab import Decision
from provenance.warc import read_response

TABLES: tuple[type[SQLModel], ...] = (
    CrawlRun,
    HostSnapshot,
    Page,
    Image,
    ImageOccurrence,
    SignalRecord,
    Evaluation,
    VerdictOutcome,
    OptOutRequest,
    Tombstone,
)


@dataclass(slots=True)
class VerifyReport:
    """What verify checked and the problems it found (first one first)."""

    entries: int = 0
    records: int = 0
    warc_records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_entries(store: Store, batch: int = 5000) -> Iterator[EvidenceEntry]:
    last = 0
    while True:
        with store.session() as s:
            rows = list(
                s.exec(
                    select(EvidenceEntry)
                    .where(col(EvidenceEntry.seq) > last)
                    .order_by(col(EvidenceEntry.seq))
                    .limit(batch)
                ).all()
            )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def check_chain(store: Store, report: VerifyReport) -> dict[str, str]:
    """Walk the chain; return the latest digest per subject."""
    prev = GENESIS
    expected_seq = 1
    latest: dict[str, str] = {}
    for entry in _iter_entries(store):
        report.entries += 1
        if entry.seq != expected_seq:
            report.problems.append(
                f"evidence entry {expected_seq} is missing (next entry is {entry.seq}): "
                "the log was truncated or an entry removed"
            )
            return latest
        if entry.prev_hash != prev:
            report.problems.append(
                f"evidence entry {entry.seq} ({entry.subject}) does not link to entry "
                f"{entry.seq - 1}: entries were removed, inserted or reordered"
            )
            return latest
        recomputed = entry_hash(
            prev, entry.seq, entry.kind, entry.subject, entry.digest, entry.note
        )
        if recomputed != entry.entry_hash:
            report.problems.append(
                f"evidence entry {entry.seq} ({entry.subject}) was altered: "
                "its hash does not match its fields"
            )
            return latest
        latest[entry.subject] = entry.digest
        prev = entry.entry_hash
        expected_seq += 1
    return latest


def check_records(store: Store, latest: dict[str, str], report: VerifyReport) -> None:
    """Compare every row's digest with its latest chained digest."""
    seen: set[str] = set()
    for model in TABLES:
        with store.session() as s:
            rows = list(s.exec(select(model)).all())
        for row in rows:
            report.records += 1
            subject = subject_of(row)
            seen.add(subject)
            chained = latest.get(subject)
            if chained is None:
                report.problems.append(
                    f"record {subject} is not in the evidence log (added outside provtrack)"
                )
            elif record_digest(row) != chained:
                report.problems.append(
                    f"record {subject} was altered after it was logged (digest mismatch)"
                )
    check_legacy_verdicts(store, latest, report, seen)
    batches = {s: d for s, d in latest.items() if parse_batch_subject(s) is not None}
    check_verdict_batches(store, batches, report)
    for subject in latest:
        if subject not in seen and subject not in batches and not subject.startswith("evidence"):
            report.problems.append(
                f"record {subject} is in the evidence log but no longer in the store (removed)"
            )


def check_legacy_verdicts(
    store: Store, latest: dict[str, str], report: VerifyReport, seen: set[str]
) -> None:
    """Check the rows of the ``verdict`` table that evaluations before schema 0003 wrote.

    Migration 0004 drops that table when it is empty (every store evaluated since) and keeps
    it otherwise; its model is gone, so a kept table is read by reflection and each row's
    digest is recomputed from its columns exactly as the model's digest was.
    """
    if not any(subject.startswith("verdict:") for subject in latest):
        return
    if not sa_inspect(store.engine).has_table("verdict"):
        return  # the entries' rows are gone: reported as removed below
    table = Table("verdict", MetaData(), autoload_with=store.engine)
    with store.reading() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa_select(table))]
    for row in rows:
        report.records += 1
        subject = f"verdict:{row['id']}"
        seen.add(subject)
        chained = latest.get(subject)
        if chained is None:
            report.problems.append(
                f"record {subject} is not in the evidence log (added outside provtrack)"
            )
        elif row_digest(row) != chained:
            report.problems.append(
                f"record {subject} was altered after it was logged (digest mismatch)"
            )


def check_verdict_batches(store: Store, batches: dict[str, str], report: VerifyReport) -> None:
    """Recompute each verdict batch's digest from its rows; name rows outside every batch and
    rows whose verdict is not their outcome's."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for subject in batches:
        parsed = parse_batch_subject(subject)
        assert parsed is not None
        evaluation, first, last = parsed
        spans.setdefault(evaluation, []).append((first, last, subject))
    with store.reading() as conn:
        outcomes = {
            int(i or 0): (pack, verdict)
            for i, pack, verdict in conn.execute(
                sa_select(
                    col(VerdictOutcome.id), col(VerdictOutcome.pack), col(VerdictOutcome.verdict)
                )
            )
        }
        evaluations = sorted(
            {e for (e,) in conn.execute(sa_select(col(ImageVerdict.evaluation)).distinct())}
            | set(spans)
        )
    for evaluation in evaluations:
        ranges = sorted(spans.get(evaluation, []))
        rows: dict[str, list[VerdictRow]] = {subject: [] for _, _, subject in ranges}
        starts = [first for first, _, _ in ranges]
        for row in iter_verdict_rows(store, evaluation):
            report.records += 1
            image_id, pack, verdict, outcome_id = row
            name = f"image_verdict:{evaluation},{image_id},{pack}"
            at = bisect_right(starts, image_id) - 1
            if at < 0 or image_id > ranges[at][1]:
                report.problems.append(
                    f"record {name} is not in the evidence log (added outside provtrack)"
                )
                continue
            rows[ranges[at][2]].append(row)
            outcome = outcomes.get(outcome_id)
            if outcome is None:
                report.problems.append(
                    f"record {name} was altered after it was logged: "
                    f"its outcome verdict_outcome:{outcome_id} does not exist"
                )
            elif outcome != (pack, verdict):
                report.problems.append(
                    f"record {name} was altered after it was logged: it says {pack} {verdict}, "
                    f"its outcome verdict_outcome:{outcome_id} says {outcome[0]} {outcome[1]}"
                )
        for first, last, subject in ranges:
            mine = sorted(rows[subject], key=lambda r: (r[0], r[1]))
            if batch_digest(evaluation, first, last, mine) != batches[subject]:
                report.problems.append(
                    f"record {batch_subject(evaluation, first, last)} (the verdicts of images "
                    f"{first}-{last} in evaluation {evaluation}) was altered after it was "
                    "logged: rows were changed, added or removed (batch digest mismatch)"
                )


def check_warc(store: Store, warc_dirs: Sequence[Path], report: VerifyReport) -> None:
    """Read back every WARC pointer, checking digests and image payload hashes.

    A distributed crawl writes one WARC folder per process: a pointer's file is looked up
    in each folder given.
    """
    pointed: list[Image | Page | HostSnapshot] = []
    with store.session() as s:
        pointed.extend(s.exec(select(Image).where(col(Image.warc_file).is_not(None))).all())
        pointed.extend(s.exec(select(Page).where(col(Page.warc_file).is_not(None))).all())
        pointed.extend(
            s.exec(select(HostSnapshot).where(col(HostSnapshot.warc_file).is_not(None))).all()
        )
    # file order, so that the first problem named is the first altered record in the archive
    pointed.sort(key=lambda r: (r.warc_file or "", r.warc_offset or 0))
    if pointed:
        for row in pointed:
            file, offset = row.warc_file, row.warc_offset
            assert file is not None
            assert offset is not None
            report.warc_records += 1
            folder = next((d for d in warc_dirs if (d / file).exists()), warc_dirs[0])
            try:
                stored = read_response(folder, file, offset)
            except IntegrityError as err:
                report.problems.append(f"{subject_of(row)}: {err}")
                continue
            url = getattr(row, "url", None)
            if isinstance(row, Image) and row.decision == Decision.COLLECTED and row.sha256:
                if hashlib.sha256(stored.body).hexdigest() != row.sha256:
                    report.problems.append(
                        f"{subject_of(row)}: WARC payload at {file}@{offset} "
                        "does not match the image's sha256"
                    )
            elif url and stored.url != url and not isinstance(row, HostSnapshot):
                report.problems.append(
                    f"{subject_of(row)}: WARC record at {file}@{offset} "
                    f"is for {stored.url}, not {url}"
                )


def verify(store: Store, warc_dir: Path | Sequence[Path] | None) -> VerifyReport:
    """Run all checks; the report's first problem names the first thing that broke."""
    report = VerifyReport()
    latest = check_chain(store, report)
    if report.ok:
        check_records(store, latest, report)
    dirs = [warc_dir] if isinstance(warc_dir, Path) else list(warc_dir or [])
    dirs = [d for d in dirs if d.is_dir()]
    if dirs:
        check_warc(store, dirs, report)
    return report
