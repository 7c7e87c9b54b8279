"""The report's section on audited datasets: what a dataset holds that a compliant collection
would have left.

For each audit run among the report's runs, the dataset's rows are counted by what became of
their image URL: taken (no opt-out applies), left (an opt-out applies: by signal), unknown (the
URL failed or what the decision rests on was not captured) or not auditable (not an http(s)
URL). Rows left are broken down by signal, faces and minors, and by jurisdiction (the pictured
person's most likely one, else the site's). Faces are known where bytes were analysed: the
URL's, when a compliant collection would have downloaded them, or the dataset's own copy (an
img2dataset file); a row left before any download whose dataset holds no copy counts under
"faces unknown", never as "no face".

Everything is streamed from the store in batches; only the counters are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from provenance.store import Store
from provenance.store.datasets import entry_runs, iter_entries_with_images
from provenance.store.models import DatasetEntry, Image
from provenance.vocab import FAILURE, GATE_ORDER, NOT_CAPTURED, Decision

UNKNOWN_JURISDICTION = "unknown"


@dataclass(slots=True)
class LeftCount:
    """Rows a compliant collection would have left, for one signal or one jurisdiction."""

    key: str
    rows: int = 0
    images: int = 0
    faces: int = 0
    faces_unknown: int = 0
    minors: int = 0


@dataclass(slots=True)
class DatasetSummary:
    """One audited dataset (an audit run): its rows by outcome, and what was left, broken down."""

    run_id: str
    sources: list[str]
    rows: int = 0
    not_auditable: int = 0
    taken: int = 0
    left: int = 0
    unknown: int = 0
    images_left: int = 0
    left_faces: int = 0
    left_faces_unknown: int = 0
    left_minors: int = 0
    by_signal: list[LeftCount] = field(default_factory=list)
    by_jurisdiction: list[LeftCount] = field(default_factory=list)
    presence: dict[str, int] = field(default_factory=dict)


def _top(candidates: Any) -> str | None:
    if not isinstance(candidates, list) or not candidates:
        return None
    best = max(candidates, key=lambda c: float(c.get("confidence") or 0))
    code = best.get("code")
    return str(code) if code else None


def _faces(entry: DatasetEntry, image: Image) -> int | None:
    """Faces in what the row holds: the dataset's own copy if analysed, else the URL's bytes."""
    local = (entry.local or {}).get("media") or {}
    count = (local.get("faces") or {}).get("count")
    if isinstance(count, int):
        return count
    return image.face_count


def _signal_keys(image: Image) -> list[str]:
    """The opt-out kinds an image was left for (``robots not captured`` kept apart)."""
    keys: list[str] = []
    for reason in image.reasons or []:
        kind = str(reason.get("kind"))
        if kind == FAILURE:
            continue
        key = f"{kind} {NOT_CAPTURED}" if reason.get("value") == NOT_CAPTURED else kind
        if key not in keys:
            keys.append(key)
    return keys


def _order(counts: dict[str, LeftCount]) -> list[LeftCount]:
    gate = [k.value for k in GATE_ORDER]

    def rank(item: LeftCount) -> tuple[int, str]:
        base = item.key.split(" ", 1)[0]
        return (gate.index(base) if base in gate else len(gate), item.key)

    return sorted(counts.values(), key=rank)


def summarise(store: Store, run_id: str) -> DatasetSummary:
    """The dataset section's figures for one audit run."""
    summary = DatasetSummary(run_id=run_id, sources=[])
    sources: dict[str, None] = {}
    by_signal: dict[str, LeftCount] = {}
    by_place: dict[str, LeftCount] = {}
    images_left: set[str] = set()
    seen_signal: set[tuple[str, str]] = set()
    seen_place: set[tuple[str, str]] = set()
    presence: Counter[str] = Counter()
    for batch in iter_entries_with_images(store, run_id):
        for entry, image in batch:
            summary.rows += 1
            sources.setdefault(entry.source)
            if entry.presence:
                presence[entry.presence] += 1
            if image is None:
                if entry.problem:
                    summary.not_auditable += 1
                else:
                    summary.unknown += 1
                continue
            if image.decision == Decision.COLLECTED:
                summary.taken += 1
                continue
            if image.decision != Decision.SKIPPED:
                summary.unknown += 1
                continue
            summary.left += 1
            images_left.add(image.url)
            faces = _faces(entry, image)
            minor = bool((image.subject or {}).get("is_minor"))
            summary.left_faces += bool(faces)
            summary.left_faces_unknown += faces is None
            summary.left_minors += minor
            place = _top(image.subject_jurisdiction) or _top(image.site_jurisdiction)
            for key, counts, seen in [
                *((k, by_signal, seen_signal) for k in _signal_keys(image)),
                (place or UNKNOWN_JURISDICTION, by_place, seen_place),
            ]:
                count = counts.setdefault(key, LeftCount(key))
                count.rows += 1
                if (key, image.url) not in seen:
                    seen.add((key, image.url))
                    count.images += 1
                count.faces += bool(faces)
                count.faces_unknown += faces is None
                count.minors += minor
    summary.sources = list(sources)
    summary.images_left = len(images_left)
    summary.by_signal = _order(by_signal)
    summary.by_jurisdiction = sorted(by_place.values(), key=lambda c: (-c.rows, c.key))
    summary.presence = dict(presence)
    return summary


def dataset_summaries(store: Store, run_ids: Sequence[str]) -> list[DatasetSummary]:
    """The summaries of the audit runs among ``run_ids`` (runs with dataset entries)."""
    audited = set(entry_runs(store))
    return [summarise(store, run_id) for run_id in run_ids if run_id in audited]


def _row(label: str, c: LeftCount) -> str:
    return f"| {label} | {c.rows} | {c.images} | {c.faces} | {c.faces_unknown} | {c.minors} |"


TITLE = "What this dataset holds that a compliant collection would have left"


def dataset_markdown(summaries: Sequence[DatasetSummary]) -> list[str]:
    """The section as Markdown lines (nothing when no audited dataset is in the report)."""
    if not summaries:
        return []
    from provenance.report.mdtext import code

    lines = [f"## {TITLE}", ""]
    for s in summaries:
        lines += [
            f"Audit run {code(s.run_id)} of {', '.join(code(src) for src in s.sources)}: "
            f"**{s.left}** of {s.rows} rows ({s.images_left} image URLs) point at images a "
            f"compliant collection would have left; {s.left_faces} of them show faces "
            f"({s.left_faces_unknown} unknown: no bytes were read), {s.left_minors} are of "
            f"minors. {s.taken} rows it would have taken, {s.unknown} are unknown (failed or "
            f"not captured), {s.not_auditable} are not auditable URLs.",
            "",
            "| left for | rows | images | with faces | faces unknown | minors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [_row(code(c.key), c) for c in s.by_signal]
        lines += [
            "",
            "| jurisdiction | rows left | images | with faces | faces unknown | minors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [_row(code(c.key), c) for c in s.by_jurisdiction]
        if s.presence:
            lines += [
                "",
                "The dataset's own copies against what the URLs serve now: "
                + ", ".join(f"{k} {v}" for k, v in sorted(s.presence.items()))
                + ".",
            ]
        lines.append("")
    return lines
