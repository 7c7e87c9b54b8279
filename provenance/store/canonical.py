"""Canonical JSON for records, so that a digest computed today can be recomputed by ``verify``.

The form is stable across SQLite and PostgreSQL round trips: datetimes become naive UTC ISO
strings (both databases return naive datetimes), bytes become their sha256, keys are sorted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlmodel import SQLModel

# Pointer fields move when a WARC file is rewritten by a purge; verify checks them against the
# WARC content instead, so they stay out of the digest.
EXCLUDED_FIELDS = frozenset({"warc_file", "warc_offset"})


_PLAIN = (str, int, float, bool, type(None))


def _normalise(value: Any) -> Any:
    if isinstance(value, _PLAIN):  # most values: returned as they are, checked first
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def canonical_dict(record: SQLModel) -> dict[str, Any]:
    """The record's columns in canonical form, pointer fields excluded."""
    table = record.__table__  # type: ignore[attr-defined]
    return {
        col.name: _normalise(getattr(record, col.name))
        for col in table.columns
        if col.name not in EXCLUDED_FIELDS
    }


def canonical_json(data: Any) -> bytes:
    """Deterministic JSON bytes for hashing."""
    return json.dumps(
        _normalise(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def record_digest(record: SQLModel) -> str:
    """sha256 hex of the record's canonical JSON.

    ``canonical_dict`` has normalised every value already, and normalising is idempotent, so
    the JSON is encoded directly: the same bytes as ``canonical_json(canonical_dict(record))``
    (tests/store hold it) without walking every nested media dict a second time.
    """
    encoded = json.dumps(
        canonical_dict(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    return hashlib.sha256(encoded).hexdigest()


def row_digest(row: Mapping[str, Any]) -> str:
    """:func:`record_digest` of a row read without its model (a table kept for old stores)."""
    data = {k: _normalise(v) for k, v in row.items() if k not in EXCLUDED_FIELDS}
    return hashlib.sha256(canonical_json(data)).hexdigest()
