"""``verify``'s signature checks: the checkpoints, a head recorded elsewhere, and stores that
predate signed checkpoints.

A store written before migration 0006 (no ``signing_key`` and ``checkpoint`` tables, or those
tables empty after ``provtrack migrate`` and no key ever chained) has nothing signed: its
chain is still walked and its records and WARC compared, and the result says "unsigned (store
predates signed checkpoints)" rather than failing or passing as if it were signed. Nothing
inside a store tells such a store from a signed one whose key and checkpoints were stripped
and whose chain was recomputed; only what was kept outside can: ``--expect-head`` and
``--public-key`` (which then fails: no checkpoint is signed by that key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.store.checkpoints import check_checkpoints
from provenance.store.queries.verify import has_table, schema_revision
from provenance.verify_report import VerifyReport

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from provenance.store import Store

SIGNING_TABLES = ("signing_key", "checkpoint")
BEFORE_CHECKPOINTS = frozenset({"0001", "0002", "0003", "0004", "0005"})
"""Schema revisions older than the signed checkpoints (migration 0006)."""
READABLE_UNSIGNED = frozenset({"0005"})
"""The revision before 0006, which verify reads as it is (0006 only added the signing tables);
older ones differ in columns and are migrated first (``provtrack migrate``)."""


def missing_signing_tables(store: Store) -> list[str]:
    """The signing tables the store does not have."""
    return [name for name in SIGNING_TABLES if not has_table(store, name)]


def check_unsigned_schema(store: Store, report: VerifyReport) -> bool:
    """For a store without the signing tables: True when it predates them (its revision is
    older than 0006); a store of a later revision that lacks them had them dropped."""
    missing = missing_signing_tables(store)
    if not missing:
        return False
    revision = schema_revision(store)
    if revision in BEFORE_CHECKPOINTS:
        report.predates_signing = True
    else:
        report.problems.append(
            f"the store is at schema {revision} but has no {' or '.join(missing)} table: "
            "its signing key and checkpoints were dropped"
        )
    return True


def check_signatures(
    store: Store,
    report: VerifyReport,
    trusted: Ed25519PublicKey | None,
) -> None:
    """Every checkpoint against the recomputed chain; a store with no key chained and no
    checkpoint is one that predates them (refused when a public key was given)."""
    found = check_checkpoints(store, report.hashes, report.head_seq, report.key_entries, trusted)
    report.checkpoints = found.checked
    report.signed_to = found.signed_to
    if found.last is not None:
        report.last_checkpoint = f"{found.last.signed_at} ({found.last.reason})"
        report.key_id = found.last.key_id
    report.problems.extend(found.problems)
    if not found.checked and not report.key_entries:
        report.predates_signing = True


def check_trusted_key(report: VerifyReport, trusted: Ed25519PublicKey | None) -> None:
    """A public key kept elsewhere says the store was signed: an unsigned one fails."""
    if trusted is not None and report.predates_signing:
        report.problems.append(
            "no checkpoint is signed by the public key given: the store is unsigned (it "
            "predates signed checkpoints, or its key and checkpoints were removed)"
        )


def check_expected_head(report: VerifyReport, expect_head: tuple[int, str] | None) -> None:
    """A head recorded elsewhere (a ticket, a letter) must still be a prefix of the chain."""
    if expect_head is None:
        return
    seq, digest = expect_head
    if seq > report.head_seq:
        report.problems.append(
            f"the head {seq}:{digest[:16]}... recorded elsewhere is beyond the evidence "
            f"log, which ends at entry {report.head_seq}: the log was truncated"
        )
    elif report.hashes.get(seq) != digest:
        report.problems.append(
            f"the head {seq}:{digest[:16]}... recorded elsewhere is not a prefix of this "
            f"chain: entry {seq} is now {report.hashes.get(seq, '?')[:16]}... (rewritten)"
        )
