"""``provtrack demo`` and ``provtrack demoweb``: the teaching path, end to end on loopback."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from provenance.errors import ConfigError
from provtrack.cli._console import console, err_console
from provtrack.cli._key import KeyOption, use_key


def demoweb_serve(
    port: Annotated[int, typer.Option(help="Port for the proxy (0 picks a free one).")] = 8118,
    scale: Annotated[int, typer.Option(help="Add a procedural web with this many images.")] = 0,
    key_file: Annotated[
        Path | None,
        typer.Option(help="Write the handshake key here, for `crawl --demoweb-key`."),
    ] = None,
    ca_out: Annotated[
        Path | None, typer.Option(help="Write the CA its HTTPS hosts are signed by here.")
    ] = None,
) -> None:
    """Serve the demo web as an HTTP proxy; try `curl -x http://127.0.0.1:PORT http://maplebook.ca/`."""
    from demoweb.handshake import write_key
    from demoweb.server import DemoWeb

    try:
        web = DemoWeb(port=port, scale=scale).start()
    except (ValueError, RuntimeError) as err:
        raise ConfigError(f"demoweb: {err}") from err
    with web:
        if key_file is not None:
            write_key(key_file, web.url, web.secret)
            err_console.print(f"handshake key written to {key_file}")
        err_console.print(f"demo web proxy listening on {web.url} (Ctrl-C to stop)")
        if ca_out is not None:
            web.ca.write_ca(ca_out)
            err_console.print(f"its HTTPS CA: {ca_out} (provtrack crawl --demo-ca {ca_out})")
        err_console.print(f"try: curl -x {web.url} http://maplebook.ca/robots.txt")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            err_console.print("stopped")


def demoweb_manifest(
    scale: Annotated[int, typer.Option(help="Include the procedural web's summary.")] = 0,
) -> None:
    """Print the demo web's ground-truth manifest (JSON)."""
    from demoweb.manifest import build_manifest

    print(json.dumps(build_manifest(scale=scale), indent=2, ensure_ascii=False))


def demo(
    out: Annotated[
        Path, typer.Option(help="Output folder for the store, WARC files and report.")
    ] = Path("provtrack-demo"),
    key: KeyOption = None,
) -> None:
    """Serve the demo web, crawl it in both modes, compare them, evaluate, write the report."""
    use_key(key)
    from crawler.config import CrawlConfig
    from demoweb.handshake import write_key
    from demoweb.names import HOST_PATTERNS
    from demoweb.server import DemoWeb
    from provenance.vocab import CRAWL_MODES
    from provtrack.cli.crawl import run_with_progress, summary_table

    started = time.monotonic()
    with DemoWeb() as web, tempfile.TemporaryDirectory(prefix="provtrack-demo-") as keys:
        # the crawls check the proxy is this demo web with its per-run secret
        key = Path(keys) / "demoweb.key"
        write_key(key, web.url, web.secret)
        # the manifest of exactly the web being served (two C2PA files differ per build)
        manifest = web.manifest()
        seeds: list[str] = list(manifest["seeds"])
        out.mkdir(parents=True, exist_ok=True)
        (out / "demoweb-manifest.json").write_text(json.dumps(manifest, indent=1))
        # the CA the demo web made at start: trusted for its HTTPS hosts, and only for them
        demo_ca = web.ca.write_ca(out / "demoweb-ca.pem")
        err_console.print(f"demo web: {len(manifest['hosts'])} sites behind proxy {web.url}")
        configs = [
            CrawlConfig(
                seeds=seeds,
                out_dir=out,
                mode=mode,
                proxy=web.url,
                demo_hosts=HOST_PATTERNS,
                demo_key_file=key,
                demo_ca=demo_ca,
            )
            for mode in CRAWL_MODES
        ]
        summaries = run_with_progress(configs)
    console.print(summary_table(summaries, title="compliant vs reproduce on the demo web"))
    console.print(f"store: {configs[0].db}   runs: {', '.join(s.run_id for s in summaries)}")
    report = _evaluate_and_report(out, configs[0].db, [s.run_id for s in summaries])
    console.print(f"done in {time.monotonic() - started:.0f} s; open the report in a browser:")
    print(report.resolve())


def register(app: typer.Typer) -> None:
    """Add ``demo`` and the ``demoweb`` group to the app."""
    demoweb_app = typer.Typer(
        help="The demo web: a realistic multi-site web on loopback.", no_args_is_help=True
    )
    app.add_typer(demoweb_app, name="demoweb")
    demoweb_app.command("serve")(demoweb_serve)
    demoweb_app.command("manifest")(demoweb_manifest)
    app.command()(demo)


def _evaluate_and_report(out: Path, db: str, run_ids: list[str]) -> Path:
    """Evaluate the demo's runs against the built-in packs, write the report, return its path."""
    from policies import load_packs
    from provenance.evaluation import evaluate_store
    from provenance.report import FORMATS, build_report, default_paths, write_reports
    from provenance.store import open_store

    store = open_store(db)
    packs = load_packs()
    with err_console.status("evaluating the records against the policy packs"):
        verdicts = sum(evaluate_store(store, packs, run_id=r).verdicts for r in run_ids)
    with err_console.status("writing the report"):
        data = build_report(store, warc_dir=out / "warc", run_ids=run_ids, store_label=db)
        written = write_reports(data, default_paths(out, FORMATS))
    head = data.headline_of(data.primary_run)
    console.print(
        f"{verdicts} verdicts from {len(packs)} packs; {head.faces_reachable_without_consent} "
        f"face images publicly reachable, {head.with_subject_consent} with the consent of the "
        f"person pictured; report also as {written['md'].name} and {written['json'].name}",
        soft_wrap=True,
        highlight=False,
    )
    return written["html"]
