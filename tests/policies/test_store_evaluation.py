"""Evaluation over a real store: the demo crawl's records judged, stored, read back, verified.

The streamed facts and the stored verdicts are compared with the reference path (one export
record → ``facts_for`` → the pure evaluator without memo), record by record. Verdict rows are
tampered with the way an attacker would (raw SQL on a copy of the SQLite file) and ``verify``
must name what changed. A small store written through the real store code runs the same
checks on SQLite and on the machine's PostgreSQL.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from policies import evaluate, load_packs
from provenance.evaluation import (
    GATE_KINDS,
    RecordReader,
    evaluate_store,
    facts_for,
    host_source_types,
)
from provenance.export.records import ExportView
from provenance.report import build_report
from provenance.store import Store, open_store
from provenance.store.models import (
    CrawlRun,
    Evaluation,
    HostSnapshot,
    Image,
    ImageOccurrence,
    ImageVerdict,
    Page,
    SignalRecord,
    VerdictOutcome,
)
from provenance.verify import verify
from tests.conftest import DemoCrawl


def _copy(src: Path, dst: Path) -> Path:
    """A private copy of a crawl's output folder (the store through SQLite's backup API)."""
    dst.mkdir(parents=True)
    shutil.copytree(src / "warc", dst / "warc")
    source, target = sqlite3.connect(src / "provtrack.db"), sqlite3.connect(dst / "provtrack.db")
    with target:
        source.backup(target)
    source.close()
    target.close()
    return dst


def _expected(record: dict[str, Any], kind: str, run: CrawlRun, packs: list[Any]) -> dict:
    """The reference verdicts of one export record: pack → what the store must hold."""
    out = {}
    for verdict in evaluate(facts_for(record, kind, run), packs, memo=False):
        data = verdict.to_dict()
        out[verdict.pack_id] = {
            "verdict": str(verdict.verdict),
            "pack_version": verdict.pack_version,
            "jurisdiction": verdict.jurisdiction,
            "rules": [*data["fired"], *data["undecided"]],
            "reasons": data["reasons"],
            "purpose": run.purpose,
        }
    return out


def _stored(record: dict[str, Any]) -> dict:
    return {
        v["pack"]: {
            k: v[k]
            for k in ("verdict", "pack_version", "jurisdiction", "rules", "reasons", "purpose")
        }
        for v in record["verdicts"]
    }


def test_streamed_facts_equal_the_reference_mapping(demo_crawl: DemoCrawl) -> None:
    reader = RecordReader(demo_crawl.store)
    streamed = {r.image_id: r for r in reader.records(details=True)}
    checked = 0
    for demo in demo_crawl.runs.values():
        types = host_source_types(demo.view, {})
        run = reader.runs[demo.run_id]
        for record in demo.records:
            kind = types.get((demo.run_id, record["host"]), {"kind": "unknown"})["kind"]
            got = streamed[record["image_id"]]
            assert got.facts == facts_for(record, kind, run), record["image_url"]
            named = {r["kind"] for r in record["reasons"] + record["overridden"]}
            assert got.gate_kinds == tuple(k for k in GATE_KINDS if k in named)
            assert (got.url, got.decision, got.face_count) == (
                record["image_url"],
                record["decision"],
                record["faces"]["count"],
            )
            checked += 1
    assert checked == len(streamed) > 150
    # the demo has unknowns of every kind: they must stay unknown, never become "allowed"
    facts = [r.facts for r in streamed.values()]
    assert any(f.robots_allowed is None for f in facts)
    assert any(f.tos_prohibits_scraping is None for f in facts)
    assert any(f.contains_face is None for f in facts)


def test_stored_verdicts_are_the_pure_evaluators(demo_crawl: DemoCrawl) -> None:
    packs = load_packs()
    store = demo_crawl.store
    rows = 0
    for demo in demo_crawl.runs.values():
        types = host_source_types(demo.view, {})
        run = store.get_run(demo.run_id)
        assert run is not None
        for record in demo.records:
            kind = types.get((demo.run_id, record["host"]), {"kind": "unknown"})["kind"]
            assert _stored(record) == _expected(record, kind, run, packs), record["image_url"]
            assert len({v["evaluation"] for v in record["verdicts"]}) == 1
            rows += len(record["verdicts"])
    # one narrow row per image and pack; each distinct judgement stored once
    evaluations = {
        v["evaluation"] for d in demo_crawl.runs.values() for r in d.records for v in r["verdicts"]
    }
    stored = sum(store.count(ImageVerdict, evaluation=e) for e in evaluations)
    assert stored == rows > 1000
    assert store.count(VerdictOutcome) < rows / 5
    assert all(e.status == "finished" for e in store.all(Evaluation))


def test_reevaluating_after_editing_a_pack_reads_the_store_only(
    demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    out = _copy(demo_crawl.out, tmp_path / "out")
    store = open_store(str(out / "provtrack.db"))
    crawled = {m.__name__: store.count(m) for m in (Image, Page, ImageOccurrence, SignalRecord)}
    warcs = sorted(p.name for p in (out / "warc").iterdir())
    edited = tmp_path / "packs"
    edited.mkdir()
    text = Path(__file__).resolve().parents[2] / "policies" / "packs" / "ca-pipeda.yaml"
    source = text.read_text(encoding="utf-8")
    assert 'version: "2026.1"' in source
    # the edit: a new version in which biometric collection without consent needs consent
    # (not a violation); every other pack stays as shipped
    changed = source.replace('version: "2026.1"', 'version: "2026.2-edited"', 1)
    rule_at = changed.index("- id: CA-PIPEDA-BIOMETRIC-EXPRESS")
    verdict_at = changed.index("verdict: violation", rule_at)
    changed = changed[:verdict_at] + "verdict: requires-consent" + changed[verdict_at + 18 :]
    (edited / "ca-pipeda.yaml").write_text(changed, encoding="utf-8")
    packs = load_packs(extra_dirs=[edited])
    before = {r["image_id"]: _stored(r) for d in demo_crawl.runs.values() for r in d.records}

    summary = evaluate_store(store, packs, batch_images=25)

    assert summary.records == len(before)
    assert summary.pack_versions["ca-pipeda"] == "2026.2-edited"
    assert {
        m.__name__: store.count(m) for m in (Image, Page, ImageOccurrence, SignalRecord)
    } == crawled
    assert sorted(p.name for p in (out / "warc").iterdir()) == warcs
    after = {r["image_id"]: r for r in ExportView(store)}
    runs = {r.id: r for r in store.all(CrawlRun)}
    kinds = host_source_types(ExportView(store), {})
    flipped = 0  # records on which the edited rule fired with its new verdict
    for image_id, record in after.items():
        assert {v["evaluation"] for v in record["verdicts"]} == {summary.evaluation_id}
        kind = kinds.get((record["run_id"], record["host"]), {"kind": "unknown"})["kind"]
        assert _stored(record) == _expected(record, kind, runs[record["run_id"]], packs)
        old, new = before[image_id], _stored(record)
        assert {p: v for p, v in old.items() if p != "ca-pipeda"} == {
            p: v for p, v in new.items() if p != "ca-pipeda"
        }
        if "ca-pipeda" in new:
            assert new["ca-pipeda"]["pack_version"] == "2026.2-edited"
            flipped += any(
                r["id"] == "CA-PIPEDA-BIOMETRIC-EXPRESS" and r.get("verdict") == "requires-consent"
                for r in new["ca-pipeda"]["rules"]
            )
    assert flipped > 0, "the edited rule fired on no record"
    # the earlier evaluations stay in the store and in the evidence log
    assert store.count(Evaluation) == 3
    assert store.count(ImageVerdict) == 2 * summary.verdicts
    report = verify(store, out / "warc")
    assert report.ok, report.problems[:3]


def _first_row(db: sqlite3.Connection, verdict: str = "%") -> tuple[str, int, str, str, int]:
    row = db.execute(
        "SELECT evaluation, image_id, pack, verdict, outcome_id FROM image_verdict "
        "WHERE verdict LIKE ? ORDER BY evaluation, image_id, pack LIMIT 1",
        (verdict,),
    ).fetchone()
    assert row is not None
    return row


def _edited_verdict(db: sqlite3.Connection) -> str:
    evaluation, image_id, pack, _, _ = _first_row(db, "violation")
    db.execute(
        "UPDATE image_verdict SET verdict = 'permitted' "
        "WHERE evaluation = ? AND image_id = ? AND pack = ?",
        (evaluation, image_id, pack),
    )
    return f"record image_verdict:{evaluation},{image_id},{pack} was altered"


def _deleted_verdict(db: sqlite3.Connection) -> str:
    evaluation, image_id, pack, _, _ = _first_row(db)
    db.execute(
        "DELETE FROM image_verdict WHERE evaluation = ? AND image_id = ? AND pack = ?",
        (evaluation, image_id, pack),
    )
    return f"record image_verdict:{evaluation}:{image_id}-"


def _moved_verdict(db: sqlite3.Connection) -> str:
    # the row now claims another image's verdict: nothing in the row itself is inconsistent
    evaluation, image_id, pack, _, _ = _first_row(db)
    other = db.execute(
        "SELECT min(image_id) FROM image_verdict WHERE evaluation = ? AND image_id > ? "
        "AND image_id NOT IN (SELECT image_id FROM image_verdict WHERE evaluation = ? "
        "AND pack = ?)",
        (evaluation, image_id, evaluation, pack),
    ).fetchone()[0]
    assert other is not None
    db.execute(
        "UPDATE image_verdict SET image_id = ? WHERE evaluation = ? AND image_id = ? AND pack = ?",
        (other, evaluation, image_id, pack),
    )
    return f"record image_verdict:{evaluation}:{image_id}-"


def _added_verdict(db: sqlite3.Connection) -> str:
    evaluation, _, pack, verdict, outcome = _first_row(db)
    db.execute(
        "INSERT INTO image_verdict VALUES (?, 999999, ?, ?, ?)",
        (evaluation, pack, verdict, outcome),
    )
    return f"record image_verdict:{evaluation},999999,{pack} is not in the evidence log"


def _edited_outcome(db: sqlite3.Connection) -> str:
    outcome = db.execute("SELECT min(id) FROM verdict_outcome").fetchone()[0]
    db.execute("UPDATE verdict_outcome SET rules = '[]' WHERE id = ?", (outcome,))
    return f"record verdict_outcome:{outcome} was altered"


def _edited_evaluation(db: sqlite3.Connection) -> str:
    evaluation = db.execute("SELECT min(id) FROM evaluation").fetchone()[0]
    db.execute("UPDATE evaluation SET packs = '{}' WHERE id = ?", (evaluation,))
    return f"record evaluation:{evaluation} was altered"


TAMPERING: dict[str, Callable[[sqlite3.Connection], str]] = {
    "verdict-edited": _edited_verdict,
    "verdict-deleted": _deleted_verdict,
    "verdict-moved-to-another-image": _moved_verdict,
    "verdict-added": _added_verdict,
    "outcome-edited": _edited_outcome,
    "evaluation-edited": _edited_evaluation,
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_verify_names_a_tampered_verdict(demo_crawl: DemoCrawl, tmp_path: Path, case: str) -> None:
    out = _copy(demo_crawl.out, tmp_path / "out")
    assert verify(open_store(str(out / "provtrack.db")), None).ok
    db = sqlite3.connect(out / "provtrack.db")
    with db:
        expected = TAMPERING[case](db)
    db.close()
    report = verify(open_store(str(out / "provtrack.db")), None)
    assert not report.ok
    assert expected in report.problems[0], report.problems[:3]


RUN = "20250101T000000-reproduce-small1"


def _small_store(store: Store) -> None:
    """Two hosts, thirty images: faces, a minor, unknown faces, robots and page opt-outs."""
    when = datetime(2025, 1, 1, tzinfo=UTC)
    store.write([CrawlRun(id=RUN, mode="reproduce", started_at=when)])
    rows: list[Any] = [
        HostSnapshot(
            run_id=RUN,
            host="news.example.ca",
            kind="robots",
            url="http://news.example.ca/robots.txt",
            outcome="parsed",
            status="ok",
        ),
        SignalRecord(
            run_id=RUN,
            level="host",
            subject="news.example.ca",
            kind="robots",
            value="disallow",
            source="robots.txt",
            evidence="Disallow: /",
            agent="provtrack",
            restricts=True,
        ),
        SignalRecord(
            run_id=RUN,
            level="page",
            subject="http://blog.example.de/p",
            kind="meta-robots",
            value="noai",
            source="meta",
            evidence='<meta name="robots" content="noai">',
            restricts=True,
        ),
        SignalRecord(
            run_id=RUN,
            level="page",
            subject="http://blog.example.de/p",
            kind="license",
            value="CC-BY-4.0",
            source="rel=license",
            evidence="cc",
        ),
    ]
    site = {
        "news.example.ca": [{"code": "CA", "confidence": 0.9, "evidence": []}],
        "blog.example.de": [{"code": "DE", "confidence": 0.8, "evidence": []}],
    }
    for n in range(30):
        host = "news.example.ca" if n % 2 else "blog.example.de"
        page = "http://news.example.ca/a" if n % 2 else "http://blog.example.de/p"
        url = f"http://{host}/img/{n}.jpg"
        rows.append(
            Image(
                run_id=RUN,
                url=url,
                host=host,
                mode="reproduce",
                decision="failed" if n == 7 else "collected",
                fetched_at=when,
                face_count=None if n % 5 == 0 else n % 3,
                subject={"is_minor": n == 4},
                site_jurisdiction=site[host],
                reasons=[{"kind": "failure", "value": "unparseable", "evidence": "x"}]
                if n == 7
                else [],
            )
        )
        rows.append(
            ImageOccurrence(run_id=RUN, image_url=url, page_url=page, referrer_chain=[page])
        )
    store.write(rows)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_evaluation_report_and_verify_on_both_stores(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = str(tmp_path / "store.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    _small_store(store)
    packs = load_packs()
    summary = evaluate_store(store, packs, run_id=RUN, batch_images=7)
    assert summary.records == 30
    assert sum(sum(c.values()) for c in summary.by_pack.values()) == summary.verdicts > 30
    report = verify(store, None)
    assert report.ok, report.problems[:3]
    run = store.get_run(RUN)
    assert run is not None
    view = ExportView(store, RUN)
    kinds = host_source_types(view, {})
    for record in view:
        kind = kinds.get((RUN, record["host"]), {"kind": "unknown"})["kind"]
        assert _stored(record) == _expected(record, kind, run, packs), record["image_url"]
    data = build_report(store, warc_dir=tmp_path / "warc", max_trails=4)
    assert data.images_total == 30
    assert len(data.images) == 4
    assert data.headline[0].images == 30
    assert data.headline[0].minors == 1
    assert data.headline[0].with_licence == 15
    assert data.runs[0].verdicts == summary.verdicts
    assert sum(sum(p.counts[RUN].values()) for p in data.verdicts) == summary.verdicts
    shown = {t.url for t in data.images}
    assert "http://news.example.ca/img/7.jpg" in shown  # the failure comes first
    assert "http://blog.example.de/img/4.jpg" in shown  # then the minor
