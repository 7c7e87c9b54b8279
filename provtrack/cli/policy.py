"""``provtrack evaluate``: policy verdicts for a crawl's records, without re-crawling."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from provenance.errors import ConfigError
from provenance.vocab import VERDICT_ORDER as VOCAB_VERDICT_ORDER
from provtrack.cli._console import console, err_console
from provtrack.cli._key import KeyOption, use_key
from provtrack.cli._store import hold_shared, open_crawl_store

VERDICT_ORDER = tuple(v.value for v in VOCAB_VERDICT_ORDER)


def _parse_types(values: list[str] | None) -> dict[str, str]:
    from provenance.sitetype import SOURCE_TYPES

    out: dict[str, str] = {}
    for value in values or []:
        host, sep, kind = value.partition("=")
        if not sep or kind not in SOURCE_TYPES:
            raise ConfigError(
                f"--source-type takes HOST=TYPE with TYPE one of {', '.join(SOURCE_TYPES)}"
            )
        out[host.lower()] = kind
    return out


def register(app: typer.Typer) -> None:
    """Add evaluate to the app."""

    @app.command()
    def evaluate(
        out: Annotated[Path, typer.Option(help="The crawl's output folder.")] = Path(
            "provtrack-out"
        ),
        db: Annotated[str | None, typer.Option(help="Store URL, if not OUT/provtrack.db.")] = None,
        packs: Annotated[
            list[Path] | None,
            typer.Option(help="Folder of extra packs (repeatable); same id overrides."),
        ] = None,
        run_id: Annotated[
            str | None, typer.Option(help="Only this run (default: all runs).")
        ] = None,
        source_type: Annotated[
            list[str] | None, typer.Option(help="HOST=TYPE: say what kind of source a host is.")
        ] = None,
        key: KeyOption = None,
    ) -> None:
        """Evaluate stored image records against the policy packs and store the verdicts."""
        from policies import load_packs
        from provenance.evaluation import evaluate_store
        from provenance.store.checkpoints import signer_for

        use_key(key)
        loaded = load_packs(builtin=True, extra_dirs=packs or [])
        store = open_crawl_store(out, db)
        # shared, as a crawl holds it: an evaluation waits for no crawl, but not beside a purge
        with hold_shared(out, db, "evaluate"):
            signer_for(store)  # a store whose key is not at hand: one line, before the progress
            with Progress(
                TextColumn("evaluating"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=err_console,
            ) as progress:
                task = progress.add_task("evaluate", total=None)

                def update(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                summary = evaluate_store(
                    store,
                    loaded,
                    run_id=run_id,
                    source_types=_parse_types(source_type),
                    progress=update,
                )
        table = Table(title=f"verdicts (evaluation {summary.evaluation_id})")
        table.add_column("pack")
        table.add_column("jurisdictions")
        table.add_column("version")
        governs = {p.id: ", ".join(p.jurisdictions) for p in loaded}
        for kind in VERDICT_ORDER:
            table.add_column(kind, justify="right")
        for pack_id, counts in sorted(summary.by_pack.items()):
            table.add_row(
                pack_id,
                governs.get(pack_id, "?"),
                summary.pack_versions[pack_id],
                *(str(counts.get(k, 0)) for k in VERDICT_ORDER),
            )
        console.print(table)
        where = db or out / "provtrack.db"
        seconds = summary.seconds.get("total", 0.0)
        judged = sorted({j for p in loaded if p.id in summary.by_pack for j in p.jurisdictions})
        console.print(f"{len(judged)} jurisdictions judged: {', '.join(judged)}", soft_wrap=True)
        console.print(
            f"{summary.records} image records, {summary.verdicts} verdicts "
            f"({summary.outcomes} distinct judgements) in {seconds:.1f} s → {where}",
            soft_wrap=True,
            highlight=False,
        )
