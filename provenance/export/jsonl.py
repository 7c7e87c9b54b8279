"""JSONL export: one JSON object per image record."""

from __future__ import annotations

import json
from pathlib import Path

from provenance.export.records import iter_exports
from provenance.store import Store


def write_jsonl(store: Store, path: Path, run_id: str | None = None) -> int:
    """Write every image record of a run (or of all runs) to ``path``; return the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for record in iter_exports(store, run_id):
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count
