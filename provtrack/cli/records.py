"""Commands over a crawl's records: export and show."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from provenance.errors import ConfigError
from provtrack.cli._console import err_console
from provtrack.cli._key import KeyOption, use_key
from provtrack.cli._store import open_crawl_reader
from provtrack.cli._trail import print_trail
from provtrack.cli.ops import WarcDirOption, warc_dirs

if TYPE_CHECKING:
    from provenance.store import Store

STREAMED_FORMATS = ("jsonl", "csv", "parquet")
"""Export formats that can go to standard output (a WACZ is a ZIP file; a parquet stream is
written row group by row group, its footer last)."""


OutOption = Annotated[
    Path, typer.Option(help="The crawl's output folder (its store and WARC files).")
]
DbOption = Annotated[str | None, typer.Option(help="Store URL, if not OUT/provtrack.db.")]


def export(
    out: OutOption = Path("provtrack-out"),
    db: DbOption = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="jsonl, csv, parquet (joined to the audited dataset's rows) or wacz "
            "(WARCs + index + records).",
        ),
    ] = "jsonl",
    run_id: Annotated[str | None, typer.Option(help="Only this run (default: all runs).")] = None,
    dest: Annotated[
        Path | None,
        typer.Option(
            help="Output file (default: OUT/export/records.<format>); - writes jsonl, "
            "csv and parquet to standard output."
        ),
    ] = None,
    warc_dir: WarcDirOption = None,
    key: KeyOption = None,
) -> None:
    """Export image records with their provenance: JSONL, CSV, or a WACZ web archive."""
    from provenance.export.dest import is_stdout

    if format == "wacz":  # the only export that is signed
        use_key(key)
    store = open_crawl_reader(out, db)
    to_stdout = is_stdout(dest)
    if to_stdout and format not in STREAMED_FORMATS:
        raise ConfigError(
            f"--dest - (standard output) is for {', '.join(STREAMED_FORMATS)}; "
            f"a {format} export needs a file name"
        )
    if format in STREAMED_FORMATS:
        path = dest or out / "export" / f"records.{format}"
        count, noun = _export_records(store, format, None if to_stdout else path, run_id)
    elif format == "wacz":
        path = dest or out / "export" / (f"{run_id}.wacz" if run_id else "provtrack.wacz")
        count, noun = _export_wacz(store, warc_dirs(out, warc_dir), path, run_id)
    else:
        raise ConfigError(f"unknown export format {format!r} (jsonl, csv, parquet or wacz)")
    where = "standard output" if to_stdout else str(path)
    err_console.print(f"wrote {count} {noun} to {where}", highlight=False)
    if not to_stdout and format != "wacz":  # a WACZ carries it inside
        key = _write_public_key(store, path)
        if key is not None:
            err_console.print(f"the store's public key: {key}", highlight=False)


def _write_public_key(store: Store, path: Path) -> Path | None:
    """The store's public key beside an export (``records.jsonl.public-key.pem``), so that
    whoever receives it can check the store's signed checkpoints later."""
    from provenance.store.checkpoints import load_public, public_pem, store_keys

    keys = store_keys(store)
    if not keys:
        return None
    dest = path.with_name(path.name + ".public-key.pem")
    dest.write_bytes(b"".join(public_pem(load_public(k.public_key)) for k in keys))
    return dest


def _export_records(
    store: Store, format: str, path: Path | None, run_id: str | None
) -> tuple[int, str]:
    """A jsonl, csv or parquet export to ``path`` (None: standard output): count and noun."""
    if format == "parquet":
        from provenance.export.parquet import write_parquet

        written = write_parquet(store, sys.stdout.buffer if path is None else path, run_id)
        if path is None:
            sys.stdout.buffer.flush()
        err_console.print(f"{len(written.columns)} columns, {len(written.runs)} runs")
        return written.rows, "rows"
    if format == "jsonl":
        from provenance.export.jsonl import write_jsonl

        return write_jsonl(store, sys.stdout if path is None else path, run_id), "image records"
    from provenance.export.csv import write_csv

    return write_csv(store, sys.stdout if path is None else path, run_id), "image records"


def _export_wacz(
    store: Store, warcs: list[Path], path: Path, run_id: str | None
) -> tuple[int, str]:
    """A WACZ of the WARC files, their index and the records: count and noun."""
    from provenance.export.wacz import write_wacz

    summary = write_wacz(store, warcs, path, run_id)
    err_console.print(
        f"packed {len(summary.warc_files)} WARC files, {summary.index_lines} index "
        f"lines, {summary.pages} pages, {summary.evidence_entries} evidence entries"
    )
    return summary.records, "image records"


def show(
    image: Annotated[str, typer.Argument(help="An image URL or its sha256.")],
    out: Annotated[Path, typer.Option(help="The crawl's output folder.")] = Path("provtrack-out"),
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document instead of the text trail.")
    ] = False,
) -> None:
    """Show everything recorded about one image: its evidence trail in every run."""
    from provenance.errors import NotFoundError
    from provenance.store.explore import image_ids_for
    from provenance.trace import provenance_chains

    store = open_crawl_reader(out, db)
    ids = image_ids_for(store, image)
    if not ids:
        raise NotFoundError(f"no image record with URL or sha256 {image!r}")
    chains = provenance_chains(store, ids)
    records = [chains[i] for i in ids if i in chains]
    if as_json:
        # one document even when the URL was recorded by several runs
        print(json.dumps({"query": image, "records": records}, ensure_ascii=False, indent=2))
        return
    for n, chain in enumerate(records, 1):
        print_trail(n, chain)
    err_console.print(f"{len(records)} image records of {image}")


def register(app: typer.Typer) -> None:
    """Add export and show to the app."""
    app.command()(export)
    app.command()(show)
