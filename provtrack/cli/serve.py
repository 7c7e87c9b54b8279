"""``provtrack serve``: the read-only web explorer on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provenance.errors import ConfigError, NotFoundError
from provtrack.cli._console import err_console


def register(app: typer.Typer) -> None:
    """Add serve to the app."""

    @app.command()
    def serve(
        out: Annotated[
            Path, typer.Option(help="The crawl's output folder (its store and warc/ folder).")
        ] = Path("provtrack-out"),
        db: Annotated[str | None, typer.Option(help="Store URL, if not OUT/provtrack.db.")] = None,
        port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8642,
        host: Annotated[
            str,
            typer.Option(help="Address to bind (127.0.0.1: this machine only; the default)."),
        ] = "127.0.0.1",
    ) -> None:
        """Explore a store in the browser, read-only: search, image pages, lookup by upload."""
        import socket

        import uvicorn

        from provenance.serve import create_app
        from provenance.store.readonly import open_store_readonly

        if not 0 <= port <= 65535:
            raise ConfigError(f"--port {port} is not a port number")
        location = db or str(out / "provtrack.db")
        if db is None and not (out / "provtrack.db").is_file():
            raise NotFoundError(f"no store at {out / 'provtrack.db'} (or pass --db)")
        store = open_store_readonly(location)
        # no index cache on disk: the explorer writes nothing, not even into OUT/index
        application = create_app(store, [out / "warc"])
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            raise ConfigError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
        bound = sock.getsockname()[1]
        # the first line says where to go (tests and scripts read it); then the server's log
        print(f"provtrack explorer on http://{host}:{bound}/ (read-only; Ctrl-C stops)", flush=True)
        err_console.print(f"store {location}, WARC files in {out / 'warc'}")
        config = uvicorn.Config(application, log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
