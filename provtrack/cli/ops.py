"""Investigator and compliance commands: lookup, verify, optout add/report, purge.

Each works on a crawl's store named as ``provtrack crawl`` names it (``--out DIR``, or
``--db URL`` with ``--out`` still giving the folder that holds ``warc/``). Results go to stdout
(``--json`` for machines), progress and summaries to stderr; failures become one line and a
non-zero exit code in :func:`provtrack.cli.app.main`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from provenance.errors import ConfigError, IntegrityError
from provenance.store import Store
from provtrack.cli._console import console, err_console
from provtrack.cli._key import KeyOption, use_key
from provtrack.cli._store import hold_alone, open_crawl_reader, open_crawl_store
from provtrack.cli._trail import print_trail, short
from provtrack.cli._trail import say as _line

OutOption = Annotated[
    Path, typer.Option(help="The crawl's output folder (its store and warc/ folder).")
]
DbOption = Annotated[
    str | None, typer.Option(help="Store URL (postgresql://...), if not OUT/provtrack.db.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
KeepPagesOption = Annotated[
    bool,
    typer.Option(
        help="Keep the pages the images appeared on (WARC records, host-snapshot bodies) as "
        "evidence; only the records derived from them are redacted."
    ),
]
WarcDirOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--warc-dir", help="WARC folder (repeatable: one per process of a distributed crawl)."
    ),
]


def warc_dirs(out: Path, given: list[Path] | None) -> list[Path]:
    """The WARC folders: those given, else OUT/warc."""
    return list(given) if given else [out / "warc"]


def index_dir(out: Path) -> Path | None:
    """Where the hash index is cached: OUT/index, when the output folder exists."""
    return out / "index" if out.is_dir() else None


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _warn_stale_outputs(out: Path) -> None:
    """Reports and exports written before a purge still hold what it removed: say so."""
    stale = sorted(
        p
        for folder in (out / "report", out / "export")
        if folder.is_dir()
        for p in folder.iterdir()
    )
    if stale:
        err_console.print(
            f"note: {len(stale)} report and export files in {out} were written before this "
            "purge and still hold what it removed: write them again (provtrack report, "
            "provtrack export) or delete them",
            highlight=False,
            soft_wrap=True,
        )


def _print_optout(result: dict[str, Any]) -> None:
    verb = "would purge" if result["dry_run"] else "purged"
    head = f"{result['kind']} {result['value']}"
    if result["request_id"] is not None:
        head = f"opt-out request {result['request_id']}: {head}"
    console.print(f"[bold]{escape(head)}[/bold]: {verb} {len(result['matched'])} image records")
    for m in result["matched"]:
        d = m["distances"]
        dist = ""
        if d:
            dist = f" — PDQ {d['pdq_distance']}, pHash {d['phash_distance']} ({d['via']})"
        _line(f"  image {m['image_id']} [{m['decision']}] {m['url']}: {m['why']}{dist}")
    receipt = result["receipt"]
    if receipt:
        _print_receipt(receipt, len(receipt["tombstones"]))


def _print_receipt(receipt: dict[str, Any], tombstones: int) -> None:
    """The receipt's lines: what was removed, what was done with the pages, files rewritten."""
    _line(
        f"  receipt: {len(receipt.get('images', []))} image rows scrubbed, "
        f"{receipt.get('occurrences', 0)} occurrences, "
        f"{receipt.get('warc_records_removed', 0)} WARC payloads removed, "
        f"{receipt.get('metadata_records_removed', 0)} metadata records of skipped copies "
        f"removed, {tombstones} tombstones, at {receipt.get('purged_at')}"
    )
    if receipt.get("pages") == "kept":
        _line("  pages: kept as evidence (--keep-pages); the records derived from them redacted")
    elif "pages" in receipt:
        _line(
            f"  pages: {receipt.get('page_records_removed', 0)} WARC records of pages and "
            f"responses holding the person's texts removed, "
            f"{receipt.get('snapshots_scrubbed', 0)} host-snapshot bodies removed"
        )
        for url in receipt.get("pages_removed", []):
            _line(f"    removed: {url}")
    else:
        _line("  pages: kept (a purge made before pages were removed too)")
    if "rows_redacted" in receipt:
        _line(f"  {receipt['rows_redacted']} other records redacted (the person's texts removed)")
    for old, new in receipt.get("warc_files", {}).items():
        _line(f"  WARC rewritten: {old} → {new}")


def lookup(
    image_file: Annotated[Path, typer.Argument(help="The photo to look up.")],
    out: OutOption = Path("provtrack-out"),
    db: DbOption = None,
    as_json: JsonOption = False,
    near: Annotated[int, typer.Option("--near", help="Also list the N closest non-matches.")] = 0,
) -> None:
    """Find every collected image that is the same photograph, with its provenance chain."""
    from provenance.trace import lookup as run_lookup

    try:
        data = image_file.read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read {image_file}: {err.strerror or err}") from err
    result = run_lookup(
        open_crawl_reader(out, db),
        data,
        index_dir=index_dir(out),
        warc_dirs=[out / "warc"],
        near=near,
    )
    if as_json:
        _print_json(result.to_dict())
        return
    q = result.query.original
    _line(
        f"query {image_file}: sha256 {short(q.sha256)}, PDQ {short(q.pdq)} "
        f"(quality {q.pdq_quality}), pHash {q.phash}; compared with {result.compared} "
        "indexed images (the query, its mirror and its centred crops)"
    )
    if len(result.parts) > 1:
        _line(f"photo regions found in the file: {', '.join(result.parts[1:])}")
    if not result.matches:
        console.print("no match: no collected image is the same photograph")
    for i, (_, chain) in enumerate(result.matches, 1):
        print_trail(i, chain)
    for c, row in result.near:
        _line(f"near (no match): image {c.key} {row.get('image_url')} — {c.describe()}")
    err_console.print(f"{len(result.matches)} matching image records")


def verify(
    out: OutOption = Path("provtrack-out"),
    db: DbOption = None,
    warc_dir: WarcDirOption = None,
    as_json: JsonOption = False,
    expect_head: Annotated[
        str | None,
        typer.Option(
            help="N:HASH, a head recorded elsewhere (a ticket, a letter): it must still be a "
            "prefix of the chain."
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            help="The store's public key (PEM) as kept elsewhere: checkpoints must be signed by it."
        ),
    ] = None,
    wacz: Annotated[
        Path | None,
        typer.Option(help="Check this WACZ export instead: its files, digest and signature."),
    ] = None,
) -> None:
    """Recompute the evidence chain, record digests, WARC digests and signed checkpoints;
    exit 5 on a problem. Read-only."""
    from provenance.store.checkpoints import load_public
    from provenance.verify import verify as run_verify
    from provenance.verify_signed import READABLE_UNSIGNED

    trusted = None
    if public_key is not None:
        try:
            trusted = load_public(public_key.read_bytes())
        except OSError as err:
            raise ConfigError(f"cannot read {public_key}: {err.strerror or err}") from err
    if wacz is not None:
        _verify_wacz(wacz, trusted, as_json)
        return
    report = run_verify(
        # a store from before signed checkpoints is read as it is: its chain is checked
        open_crawl_reader(out, db, older=READABLE_UNSIGNED),
        warc_dirs(out, warc_dir),
        expect_head=_parse_head(expect_head),
        trusted_key=trusted,
    )
    problems = list(report.problems)
    unsigned = report.unsigned_problem()
    if unsigned:
        problems.append(unsigned)
    if as_json:
        _print_json(
            {
                "ok": not problems,
                "entries": report.entries,
                "records": report.records,
                "warc_records": report.warc_records,
                "head": report.head,
                "checkpoints": report.checkpoints,
                "signed_to": report.signed_to,
                "unsigned": report.unsigned,
                "signing": report.signing,
                "key_id": report.key_id or None,
                "problems": problems,
            }
        )
    else:
        _line(
            f"checked {report.entries} evidence entries, {report.records} records, "
            f"{report.warc_records} WARC records, {report.checkpoints} signed checkpoints: "
            + ("pass" if not problems else f"FAIL ({len(problems)} problems)")
            + (f", {report.signing}" if report.predates_signing else "")
        )
        _line(f"head: entry {report.head_seq} {report.head_hash}")
        if report.signed_to:
            _line(
                f"signed up to entry {report.signed_to} at {report.last_checkpoint} by key "
                f"{report.key_id}"
            )
        if report.predates_signing:
            _line(
                f"{report.signing}: the chain holds together, but nothing outside the store "
                "anchors it; keep the head above elsewhere and check it later with "
                "--expect-head (a writer, e.g. provtrack evaluate, signs it from now on)"
            )
    if problems:
        raise IntegrityError(f"verify failed: {problems[0]}")


def _parse_head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise ConfigError(
            f"--expect-head takes N:HASH (entry number, 64 hex digits), not {value!r}"
        )
    return int(seq), digest.lower()


def _verify_wacz(path: Path, trusted: Any, as_json: bool) -> None:
    from provenance.export.wacz_sign import verify_wacz

    result = verify_wacz(path, trusted)
    if as_json:
        _print_json(result.to_dict())
    else:
        _line(
            f"checked {result.files} files of {path}, signature "
            f"{'valid' if result.signed else 'missing'}, key {result.key_id[:16] or '-'}: "
            + ("pass" if result.ok else f"FAIL ({len(result.problems)} problems)")
        )
    if not result.ok:
        raise IntegrityError(f"verify failed: {result.problems[0]}")


@contextmanager
def _holding(
    out: Path, db: str | None, command: str, dry_run: bool, create: bool = False
) -> Iterator[Store]:
    """The store for an opt-out or a purge: held alone while it rewrites (a live crawl makes
    it refuse, exit 7), read-only for a dry run; an opt-out may make the store (``create``)."""
    if dry_run:
        yield open_crawl_reader(out, db)
        return
    with hold_alone(out, db, command, create):
        yield open_crawl_store(out, db, create)


def optout_add(
    image: Annotated[Path | None, typer.Option(help="A photo: every copy of it is purged.")] = None,
    url: Annotated[
        str | None, typer.Option(help="An image URL: its records and copies are purged.")
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="A site: its image records are purged and skipped.")
    ] = None,
    note: Annotated[str, typer.Option(help="Who asked, reference, channel.")] = "",
    dry_run: Annotated[bool, typer.Option(help="List what would be purged.")] = False,
    keep_pages: KeepPagesOption = False,
    out: OutOption = Path("provtrack-out"),
    db: DbOption = None,
    warc_dir: WarcDirOption = None,
    as_json: JsonOption = False,
    key: KeyOption = None,
) -> None:
    """Record an opt-out request and purge the matching records (bytes, personal fields)."""
    from provenance.optout import add_optout

    if not dry_run:
        use_key(key)
    data = None
    if image is not None:
        try:
            data = image.read_bytes()
        except OSError as err:
            raise ConfigError(f"cannot read {image}: {err.strerror or err}") from err
    with _holding(out, db, "optout add", dry_run, create=True) as store:
        result = add_optout(
            store,
            warc_dirs(out, warc_dir),
            image=data,
            url=url,
            host=host,
            note=note,
            dry_run=dry_run,
            index_dir=index_dir(out),
            keep_pages=keep_pages,
        )
    if as_json:
        _print_json(result.to_dict())
    else:
        _print_optout(result.to_dict())
    if not dry_run:
        _warn_stale_outputs(out)


def optout_report(
    out: OutOption = Path("provtrack-out"),
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The compliance proof: each request, what matched, what was deleted, later skips."""
    from provenance.optout import optout_report as build

    report = build(open_crawl_reader(out, db))
    if as_json:
        _print_json(report)
        return
    if not report:
        console.print("no opt-out request recorded")
        return
    for entry in report:
        _print_request(entry)


def _print_request(entry: dict[str, Any]) -> None:
    """One request of the compliance proof: what matched, the receipt, the later crawls."""
    console.print(
        f"[bold]request {entry['request_id']}[/bold]: {escape(entry['kind'])} "
        f"{escape(entry['value'])}"
    )
    _line(f"  received {entry['received_at']}, processed {entry['processed_at']}")
    if entry["note"]:
        _line(f"  note: {entry['note']}")
    for m in entry["matched"]:
        d = m.get("distances")
        dist = f" (PDQ {d['pdq_distance']}, pHash {d['phash_distance']}: {d['via']})" if d else ""
        _line(f"  matched image {m['image_id']} {m['url']}: {m['why']}{dist}")
    deleted = entry["deleted"] or {}
    if deleted:
        _print_receipt(deleted, entry["tombstones"])
    for e in entry["evidence"]:
        _line(f"  evidence entry {e['seq']} ({e['kind']}): {e['note']}")
    if not entry["later_crawls"]:
        _line("  no crawl since")
    for crawl in entry["later_crawls"]:
        _print_later_crawl(crawl)


def _print_later_crawl(crawl: dict[str, Any]) -> None:
    """How a crawl after the request honoured it: each skip, and anything collected again."""
    _line(
        f"  later crawl {crawl['run_id']} ({crawl['mode']}): skipped "
        f"{len(crawl['skipped'])} images and {len(crawl['pages_skipped'])} pages, "
        f"{len(crawl['pages_not_archived'])} pages fetched but not archived, "
        f"collected again {len(crawl['collected_again'])}"
    )
    for skip in crawl["skipped"]:
        _line(f"    skipped {skip['url']} ({skip['stage']}): {skip['evidence']}")
    for page in crawl["pages_skipped"]:
        _line(f"    skipped page {page['url']}: {page['evidence']}")
    for url in crawl["pages_not_archived"]:
        _line(f"    not archived: {url} (the purge removed it)")
    for again in crawl["collected_again"]:
        _line(f"    COLLECTED AGAIN {again['url']} (image {again['image_id']})")


def purge(
    jurisdiction: Annotated[
        str, typer.Option(help="ISO 3166 code; a country also takes its subdivisions.")
    ],
    min_confidence: Annotated[
        float,
        typer.Option(help="Smallest subject-jurisdiction confidence that counts (0-1)."),
    ] = 0.15,
    note: Annotated[str, typer.Option(help="Why (order, reference).")] = "",
    dry_run: Annotated[bool, typer.Option(help="List what would be purged.")] = False,
    keep_pages: KeepPagesOption = False,
    out: OutOption = Path("provtrack-out"),
    db: DbOption = None,
    warc_dir: WarcDirOption = None,
    as_json: JsonOption = False,
    key: KeyOption = None,
) -> None:
    """Purge every image whose subject is inferred to be in a jurisdiction (and its copies)."""
    from provenance.optout import purge_jurisdiction

    if not dry_run:
        use_key(key)
    with _holding(out, db, "purge", dry_run) as store:
        result = purge_jurisdiction(
            store,
            warc_dirs(out, warc_dir),
            jurisdiction,
            min_confidence=min_confidence,
            note=note,
            dry_run=dry_run,
            index_dir=index_dir(out),
            keep_pages=keep_pages,
        )
    if as_json:
        _print_json(result.to_dict())
    else:
        _print_optout(result.to_dict())
    if not dry_run:
        _warn_stale_outputs(out)


def register(app: typer.Typer) -> None:
    """Add lookup, verify, optout (add, report) and purge to the app."""
    app.command()(lookup)
    app.command()(verify)
    optout_app = typer.Typer(
        help="Opt-out requests: record one (and purge what matches), or print the proof.",
        no_args_is_help=True,
    )
    optout_app.command("add")(optout_add)
    optout_app.command("report")(optout_report)
    app.add_typer(optout_app, name="optout")
    app.command()(purge)
