"""``python -m demoweb serve|manifest``: run the demo web or print its ground-truth manifest."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from demoweb.manifest import build_manifest
from demoweb.server import serve_forever

__all__ = ["build_manifest", "main", "serve_forever"]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run it; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m demoweb",
        description="A realistic multi-site web on loopback, behind a forward HTTP proxy.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve the demo web as an HTTP proxy until SIGTERM/SIGINT"
    )
    serve.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    serve.add_argument("--scale", type=int, default=0, help="add N procedural images")
    serve.add_argument(
        "--manifest", type=Path, default=None, help="also write the served web's manifest here"
    )
    serve.add_argument(
        "--key-file",
        type=Path,
        default=None,
        help="write the handshake key here (provtrack crawl --demoweb-key reads it)",
    )
    serve.add_argument(
        "--ca-out",
        type=Path,
        default=None,
        help="write the CA certificate the HTTPS hosts are signed by (made at start) here",
    )
    manifest = commands.add_parser("manifest", help="print the ground-truth manifest as JSON")
    manifest.add_argument("--scale", type=int, default=0, help="include N procedural images")
    args = parser.parse_args(argv)
    if args.scale < 0:
        parser.error("--scale must be >= 0")
    if args.command == "serve":
        try:
            serve_forever(
                args.port,
                args.scale,
                manifest_path=args.manifest,
                key_path=args.key_file,
                ca_path=args.ca_out,
            )
        except (RuntimeError, ValueError) as err:
            print(f"demoweb: {err}", file=sys.stderr)
            return 1
    else:
        json.dump(build_manifest(args.scale), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
