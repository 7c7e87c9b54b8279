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
import zlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import SQLModel

from provenance.errors import IntegrityError
from provenance.store import Store
from provenance.store.canonical import record_digest, row_digest
from provenance.store.db import GENESIS, entry_hash, subject_of
from provenance.store.models import (
    CrawlRun,
    DatasetEntry,
    Evaluation,
    EvidenceEntry,
    HostSnapshot,
    Image,
    ImageOccurrence,
    OptOutRequest,
    Page,
    SignalRecord,
    SigningKey,
    Tombstone,
    VerdictOutcome,
)
from provenance.store.queries.verify import (
    checkpointed,
    every_row,
    iter_evidence,
    points_at_warc,
    reflected_rows,
    verdict_evaluations,
    verdict_outcomes,
    warc_pointers,
)
from provenance.store.verdicts import (
    VerdictRow,
    batch_digest,
    batch_subject,
    iter_verdict_rows,
    parse_batch_subject,
)
from provenance.verify_report import VerifyReport
from provenance.verify_signed import (
    check_expected_head,
    check_signatures,
    check_trusted_key,
    check_unsigned_schema,
)
from provenance.vocab import Decision
from provenance.warc import StoredResponse, read_response

TABLES: tuple[type[SQLModel], ...] = (
    CrawlRun,
    HostSnapshot,
    Page,
    Image,
    ImageOccurrence,
    DatasetEntry,
    SignalRecord,
    Evaluation,
    VerdictOutcome,
    OptOutRequest,
    Tombstone,
    SigningKey,
)


def _iter_entries(store: Store, batch: int = 5000) -> Iterator[EvidenceEntry]:
    return iter_evidence(store, batch)


def check_chain(store: Store, report: VerifyReport, keep: set[int] | None = None) -> dict[str, str]:
    """Walk the chain; return the latest digest per subject.

    The report gets the head (the last entry that links), the hash at each entry number in
    ``keep`` (checkpoints and an expected head are checked against them) and the entry that
    chained each signing key.
    """
    prev = GENESIS
    expected_seq = 1
    latest: dict[str, str] = {}
    keep = keep or set()
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
        report.head_seq, report.head_hash = entry.seq, entry.entry_hash
        if entry.seq in keep:
            report.hashes[entry.seq] = entry.entry_hash
        if entry.subject.startswith("signing_key:"):
            report.key_entries.setdefault(entry.subject.split(":", 1)[1], entry.seq)
        expected_seq += 1
    return latest


def check_records(
    store: Store,
    latest: dict[str, str],
    report: VerifyReport,
    skip: tuple[type[SQLModel], ...] = (),
) -> None:
    """Compare every row's digest with its latest chained digest (``skip``: tables the store's
    schema does not have)."""
    seen: set[str] = set()
    for model in TABLES:
        if model in skip:
            continue
        for row in every_row(store, model):
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
    # no table: the entries' rows are gone, reported as removed below
    for row in reflected_rows(store, "verdict"):
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
    outcomes = verdict_outcomes(store)
    evaluations = sorted(verdict_evaluations(store) | set(spans))
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


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_DECODED_LIMIT = 8 << 20


def _bodies(body: bytes) -> list[bytes]:
    """An archived policy document as stored and, when it is gzip or zlib data, as decoded
    (bounded): a policy fetch is read decoded, and its record may hold the bytes as sent."""
    forms = [body]
    for wbits in (16 + zlib.MAX_WBITS, zlib.MAX_WBITS):
        try:
            decoded = zlib.decompressobj(wbits).decompress(body, _DECODED_LIMIT)
        except zlib.error:
            continue
        if decoded:
            forms.append(decoded)
    return forms


def _purge_outputs(store: Store) -> dict[str, set[str]]:
    """Per processed opt-out request id, the WARC files its purge wrote."""
    out: dict[str, set[str]] = {}
    for request in store.all(OptOutRequest):
        if request.processed_at is not None:
            files = (request.receipt or {}).get("warc_files", {})
            out[str(request.id)] = {str(n) for n in files.values()}
    return out


def _replaced_files(purges: dict[str, set[str]], store: Store) -> dict[str, str]:
    """WARC files a purge replaced (they must be gone), each with the request that did."""
    replaced: dict[str, str] = {}
    for request in store.all(OptOutRequest):
        for old in (request.receipt or {}).get("warc_files", {}):
            replaced[str(old)] = str(request.id)
    return replaced


def _check_content(
    row: Image | Page | HostSnapshot,
    stored: StoredResponse,
    where: str,
    purge_files: set[str],
    purges: dict[str, set[str]],
) -> str | None:
    """What is wrong with the record a row points at, compared with the row, or None.

    A response must hold the bytes whose sha256 the row keeps (an image's payload, a page's
    body, a policy document as read); a metadata record must be one provtrack writes there:
    a purge's (by a request the store holds, in a file that purge wrote), a skipped image's
    (naming the image's digest and status) or a removed page's.
    """
    name = subject_of(row)
    if stored.rec_type == "response":
        url = getattr(row, "url", None)
        if isinstance(row, HostSnapshot):
            if stored.url not in {row.url, row.final_url}:
                return f"{name}: WARC record at {where} is for {stored.url}, not {row.url}"
            # a cut download (WARC-Truncated with the bytes that came) still holds the part read
            if row.sha256 and (stored.body or not stored.truncated):
                forms = _bodies(stored.body)
                cut = [b[: row.byte_size] if row.truncated else b for b in forms]
                if row.sha256 not in {_sha(b) for b in cut}:
                    return (
                        f"{name}: WARC record at {where} ({row.kind} of {row.host}) does not "
                        "match the snapshot's sha256: the archived document was rewritten"
                    )
            return None
        if url and stored.url != url:
            return f"{name}: WARC record at {where} is for {stored.url}, not {url}"
        # a record written without its payload (an audit's, WARC-Truncated) has no bytes to
        # compare; its digests were checked
        if stored.truncated:
            return None
        if isinstance(row, Image):
            if (
                row.decision == Decision.COLLECTED
                and row.sha256
                and _sha(stored.body) != row.sha256
            ):
                return f"{name}: WARC payload at {where} does not match the image's sha256"
            return None
        if row.sha256 and _sha(stored.body) != row.sha256:
            return (
                f"{name}: WARC record at {where} does not match the page's sha256: "
                "the archived page was rewritten"
            )
        return None
    if stored.rec_type != "metadata":
        return f"{name}: WARC record at {where} is a {stored.rec_type} record, not a response"
    fields = stored.fields()
    request = fields.get("opt-out-request")
    if "provtrack-purge" in fields:
        if request not in purges:
            return (
                f"{name}: WARC record at {where} says opt-out request {request} removed it, "
                "and the store holds no such processed request"
            )
        if where.split("@", 1)[0] not in purge_files:
            return (
                f"{name}: WARC record at {where} says a purge removed it, in a file no purge wrote"
            )
        return None
    decision = fields.get("provtrack-decision", "")
    if isinstance(row, Image) and decision.startswith("skipped after download"):
        digest = fields.get("payload-sha256")
        if row.sha256 and digest and digest != row.sha256:
            return f"{name}: WARC metadata at {where} names another payload sha256 than the row"
        if fields.get("http-status") != str(row.http_status):
            return f"{name}: WARC metadata at {where} names another HTTP status than the row"
        return None
    if isinstance(row, Page | HostSnapshot) and decision.startswith("page fetched, not archived"):
        return None  # a later crawl fetched a page (or a host's document) a purge removed
    return f"{name}: WARC record at {where} is a metadata record provtrack does not write there"


def check_warc(store: Store, warc_dirs: Sequence[Path], report: VerifyReport) -> None:
    """Read back every WARC pointer, checking digests and that each record holds what its row
    says; then name WARC files of the folders that no row points at.

    A distributed crawl writes one WARC folder per process: a pointer's file is looked up
    in each folder given.
    """
    pointed = warc_pointers(store)
    purges = _purge_outputs(store)
    purge_files = set().union(*purges.values()) if purges else set()
    # file order, so that the first problem named is the first altered record in the archive
    pointed.sort(key=lambda r: (r.warc_file or "", r.warc_offset or 0))
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
        problem = _check_content(row, stored, f"{file}@{offset}", purge_files, purges)
        if problem:
            report.problems.append(problem)
    referenced = {r.warc_file for r in pointed}
    replaced = _replaced_files(purges, store)
    for folder in warc_dirs:
        for path in sorted(folder.glob("*.warc*")):
            if path.name in referenced:
                continue
            if path.name in replaced:
                report.problems.append(
                    f"WARC file {path} was replaced by the purge of opt-out request "
                    f"{replaced[path.name]} and is still on disk: it holds what was purged"
                )
            else:
                report.problems.append(
                    f"WARC file {path} holds records no row of this store points at: the "
                    "store is not this archive's, or its rows were removed"
                )


def _points_at_warc(store: Store) -> bool:
    return points_at_warc(store)


def verify(
    store: Store,
    warc_dir: Path | Sequence[Path] | None,
    *,
    expect_head: tuple[int, str] | None = None,
    trusted_key: Ed25519PublicKey | None = None,
) -> VerifyReport:
    """Run all checks; the report's first problem names the first thing that broke.

    ``expect_head`` is a head (entry number, hash) recorded outside the store, which must
    still be in the chain; ``trusted_key`` the public key the checkpoints must be signed by
    (by default the store's first key).
    """
    report = VerifyReport()
    unsigned_schema = check_unsigned_schema(store, report)
    keep = set() if unsigned_schema else checkpointed(store)
    latest = check_chain(store, report, keep | ({expect_head[0]} if expect_head else set()))
    if not unsigned_schema:
        check_signatures(store, report, trusted_key)
    check_trusted_key(report, trusted_key)
    check_expected_head(report, expect_head)
    if report.ok:
        check_records(store, latest, report, skip=() if not unsigned_schema else (SigningKey,))
    dirs = [warc_dir] if isinstance(warc_dir, Path) else list(warc_dir or [])
    given = dirs
    dirs = [d for d in dirs if d.is_dir()]
    if dirs:
        check_warc(store, dirs, report)
    elif given and _points_at_warc(store):  # None: the caller asked for no archive check
        where = ", ".join(str(d) for d in given)
        report.problems.append(
            f"records point at WARC files but there is no WARC folder ({where}): the archive "
            "was not checked (pass --warc-dir)"
        )
    if report.entries == 0:
        report.problems.append("the store holds no evidence entries: an empty store proves nothing")
    return report
