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
# the exact types of _PLAIN: a value of one of these is its own canonical form (subclasses,
# such as the vocabulary's str enums, take the general path, with the same result)
_PLAIN_TYPES = frozenset(_PLAIN)


def _normalise(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if kind is dict:
        return _normalise_dict(value)
    if kind is list:
        return [v if type(v) in _PLAIN_TYPES else _normalise(v) for v in value]
    if isinstance(value, _PLAIN):  # str, int... subclasses
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, dict):
        return _normalise_dict(value)
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def _normalise_dict(value: dict[Any, Any]) -> dict[str, Any]:
    # the walk's bulk: media facts are dicts of plain values, so a leaf is checked here
    # rather than in a call of its own (the same result as normalising every value)
    return {
        (k if type(k) is str else str(k)): (v if type(v) in _PLAIN_TYPES else _normalise(v))
        for k, v in value.items()
    }


_COLUMNS: dict[Any, tuple[str, ...]] = {}


def canonical_dict(record: SQLModel) -> dict[str, Any]:
    """The record's columns in canonical form, pointer fields excluded.

    Values are read from the instance dict, where a row built by the mapping or loaded by
    the ORM keeps them (the ORM's attribute instrumentation returns the same objects, at
    ~0.5 us a column); a column not there (expired, never set) is read through it."""
    table = record.__table__  # type: ignore[attr-defined]
    names = _COLUMNS.get(table)
    if names is None:
        names = _COLUMNS[table] = tuple(
            c.name for c in table.columns if c.name not in EXCLUDED_FIELDS
        )
    data = record.__dict__
    return {
        name: _normalise(data[name] if name in data else getattr(record, name)) for name in names
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
