"""``provtrack demo`` and ``provtrack demoweb``: the teaching path, end to end on loopback."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from provenance.cli._console import console, err_console


def register(app: typer.Typer) -> None:
    """Add ``demo`` and the ``demoweb`` group to the app."""
    demoweb_app = typer.Typer(
        help="The demo web: a realistic multi-site web on loopback.", no_args_is_help=True
    )
    app.add_typer(demoweb_app, name="demoweb")

    @demoweb_app.command("serve")
    def demoweb_serve(
        port: Annotated[int, typer.Option(help="Port for the proxy (0 picks a free one).")] = 8118,
        scale: Annotated[int, typer.Option(help="Add a procedural web with this many images.")] = 0,
    ) -> None:
        """Serve the demo web as an HTTP proxy; try `curl -x http://127.0.0.1:PORT http://maplebook.ca/`."""
        from demoweb.server import DemoWeb

        with DemoWeb(port=port, scale=scale) as web:
            err_console.print(f"demo web proxy listening on {web.url} (Ctrl-C to stop)")
            err_console.print(f"try: curl -x {web.url} http://maplebook.ca/robots.txt")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                err_console.print("stopped")

    @demoweb_app.command("manifest")
    def demoweb_manifest(
        scale: Annotated[int, typer.Option(help="Include the procedural web's summary.")] = 0,
    ) -> None:
        """Print the demo web's ground-truth manifest (JSON)."""
        from demoweb.manifest import build_manifest

        print(json.dumps(build_manifest(scale=scale), indent=2, ensure_ascii=False))

    @app.command()
    def demo(
        out: Annotated[
            Path, typer.Option(help="Output folder for the store, WARC files and report.")
        ] = Path("provtrack-demo"),
    ) -> None:
        """Serve the demo web, crawl it in compliant and reproduce modes, and compare them."""
        from crawler.config import CrawlConfig
        from demoweb.server import DemoWeb
        from provenance.cli.crawl import run_with_progress, summary_table

        started = time.monotonic()
        with DemoWeb() as web:
            # the manifest of exactly the web being served (two C2PA files differ per build)
            manifest = web.manifest()
            seeds: list[str] = list(manifest["seeds"])
            out.mkdir(parents=True, exist_ok=True)
            (out / "demoweb-manifest.json").write_text(json.dumps(manifest, indent=1))
            err_console.print(f"demo web: {len(manifest['hosts'])} sites behind proxy {web.url}")
            configs = [
                CrawlConfig(seeds=seeds, out_dir=out, mode=mode, proxy=web.url)
                for mode in ("compliant", "reproduce")
            ]
            summaries = run_with_progress(configs)
        console.print(summary_table(summaries, title="compliant vs reproduce on the demo web"))
        console.print(f"store: {configs[0].db}   runs: {', '.join(s.run_id for s in summaries)}")
        console.print(f"done in {time.monotonic() - started:.0f} s")
