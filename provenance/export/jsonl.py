"""JSONL export: one JSON object per image record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from provenance.export.dest import open_text
from provenance.export.records import iter_exports
from provenance.store import Store


def write_jsonl(store: Store, dest: Path | TextIO, run_id: str | None = None) -> int:
    """Write every image record of a run (or of all runs) to ``dest`` (a file path, or an open
    text stream such as standard output); return the count."""
    count = 0
    with open_text(dest) as fh:
        for record in iter_exports(store, run_id):
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count
