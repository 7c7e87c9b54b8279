"""What ``verify`` found: the report its checks fill in.

A module of its own so that the checks split across modules (``verify``, ``verify_signed``)
share it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field

from provenance.store.db import GENESIS

PREDATES = "unsigned (store predates signed checkpoints)"
"""How a store made before signed checkpoints (schema 0005 and older) is described."""


@dataclass(slots=True)
class VerifyReport:
    """What verify checked and the problems it found (first one first).

    ``ok`` says the chain, records and archive hold together; ``signed`` that every entry is
    also covered by a valid checkpoint (``unsigned`` counts those after the last one). The
    command fails on either: entries nobody signed may have been appended by anyone.
    """

    entries: int = 0
    records: int = 0
    warc_records: int = 0
    problems: list[str] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoints: int = 0
    signed_to: int = 0
    last_checkpoint: str = ""
    hashes: dict[int, str] = field(default_factory=dict)
    key_entries: dict[str, int] = field(default_factory=dict)
    predates_signing: bool = False  # no key chained, no checkpoint: nothing was ever signed
    key_id: str = ""  # the key of the last valid checkpoint (sha256 of its raw public key)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unsigned(self) -> int:
        return max(0, self.head_seq - self.signed_to)

    @property
    def signing(self) -> str:
        """How the chain is signed: ``signed``, or why it is not."""
        if self.predates_signing:
            return PREDATES
        return "signed" if not self.unsigned else "unsigned"

    @property
    def head(self) -> str:
        """The chain's head as ``N:HASH`` (what to record elsewhere)."""
        return f"{self.head_seq}:{self.head_hash}"

    def unsigned_problem(self) -> str | None:
        """The line naming the entries no checkpoint signs, if any (none for a store that
        predates signed checkpoints: :attr:`signing` says so instead)."""
        if not self.unsigned or self.predates_signing:
            return None
        first, last = self.signed_to + 1, self.head_seq
        if not self.signed_to:
            return (
                f"no valid signed checkpoint covers the evidence log (entries 1-{last} "
                "unsigned): a store written before checkpoints, or one whose signatures "
                "were removed"
            )
        return (
            f"evidence entries {first}-{last} ({self.unsigned}) come after the last signed "
            f"checkpoint (entry {self.signed_to}): unsigned, appended after the last signature "
            "(a forged row with a recomputed entry, or a writer that did not finish)"
        )
