"""CSV export: one row per image record, for spreadsheets and quick joins.

Columns are the JSONL export's fields in its order (README, "Export fields"), scalars as they
are and lists or objects as compact JSON strings (``page_urls``, ``signals``, ``verdicts``...),
followed by flattened columns that spreadsheets need most:

- ``reason_kinds`` / ``overridden_kinds``: ``kind:value`` of each skip reason or overridden
  signal, ``;``-separated;
- ``face_count``;
- ``site_jurisdiction_code`` / ``subject_jurisdiction_code`` and their ``_confidence``: the
  top candidate;
- ``verdict_summary``: ``PACK:verdict`` per verdict of the latest evaluation, keyed by the
  pack id (two packs can share a jurisdiction: ``ca-pipeda`` and ``ca-bc-pipa`` are both in
  ``CA``), ``;``-separated (the full verdicts with rules and reasons are in ``verdicts``).

Text from pages is written as text; cells that a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``) are prefixed with ``'`` (OWASP CSV injection advice).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from provenance.export.dest import open_text
from provenance.export.records import iter_exports
from provenance.store import Store

DERIVED = (
    "reason_kinds",
    "overridden_kinds",
    "face_count",
    "site_jurisdiction_code",
    "site_jurisdiction_confidence",
    "subject_jurisdiction_code",
    "subject_jurisdiction_confidence",
    "verdict_summary",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _kinds(items: Iterable[dict[str, Any]]) -> str:
    return "; ".join(f"{i.get('kind')}:{i.get('value')}" for i in items)


def _top(candidates: list[dict[str, Any]]) -> tuple[str | None, float | None]:
    if not candidates:
        return None, None
    best = max(candidates, key=lambda c: float(c.get("confidence") or 0))
    return best.get("code"), best.get("confidence")


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(record: dict[str, Any]) -> dict[str, Any]:
    """One export record as a flat CSV row (see the module docstring)."""
    row = {k: _cell(v) for k, v in record.items()}
    site_code, site_conf = _top(record.get("site_jurisdiction") or [])
    subj_code, subj_conf = _top(record.get("subject_jurisdiction") or [])
    derived = {
        "reason_kinds": _kinds(record.get("reasons") or []),
        "overridden_kinds": _kinds(record.get("overridden") or []),
        "face_count": (record.get("faces") or {}).get("count"),
        "site_jurisdiction_code": site_code,
        "site_jurisdiction_confidence": site_conf,
        "subject_jurisdiction_code": subj_code,
        "subject_jurisdiction_confidence": subj_conf,
        "verdict_summary": "; ".join(
            f"{v.get('pack')}:{v.get('verdict')}" for v in record.get("verdicts") or []
        ),
    }
    row.update({k: _cell(v) for k, v in derived.items()})
    return row


def write_csv(store: Store, dest: Path | TextIO, run_id: str | None = None) -> int:
    """Write every image record of a run (or all runs) as CSV to ``dest`` (a file path, or an
    open text stream such as standard output); return the count."""
    rows = [csv_row(r) for r in iter_exports(store, run_id)]
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns and k not in DERIVED)
    columns.extend(DERIVED)
    with open_text(dest, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="raise")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
