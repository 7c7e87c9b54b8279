"""The options ``crawl`` and ``audit`` share, defined once so that both say the same thing.

Each is an ``Annotated`` type: the default stays at the parameter, so a command may choose its
own (``audit`` runs more requests at a time than ``crawl``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

OutOption = Annotated[Path, typer.Option(help="Output folder: SQLite store, WARC files, log.")]
DbOption = Annotated[
    str | None, typer.Option(help="Store URL (postgresql://...); default: OUT/provtrack.db.")
]
PurposeOption = Annotated[
    str, typer.Option(help="Declared purpose profile used by the policy packs.")
]
RunIdOption = Annotated[str | None, typer.Option(help="Run id to use or resume.")]
FrontierOption = Annotated[
    str | None, typer.Option(help="redis://... shared frontier for several processes.")
]
MediaWorkersOption = Annotated[
    int | None, typer.Option(help="Processes for image analysis (0 = inline).")
]
ConcurrencyOption = Annotated[int, typer.Option(help="Concurrent requests.")]
PolicyTimeoutOption = Annotated[
    float,
    typer.Option(
        help="Seconds each policy document (robots.txt, ai.txt, tdmrep.json, terms; each "
        "redirect hop) may take; one that takes longer is unreachable (robots.txt: disallow all)."
    ),
]
CaCertOption = Annotated[
    list[Path] | None,
    typer.Option(
        help="Also trust this CA (PEM) for every HTTPS host, e.g. an intercepting proxy's "
        "(repeatable; the platform's roots stay trusted)."
    ),
]
DemoCaOption = Annotated[
    Path | None,
    typer.Option(
        help="The demo web's CA (python -m demoweb serve --ca-out FILE): trusted for demo-web "
        "host names only."
    ),
]
DEFAULT_OUT = Path("provtrack-out")
DEFAULT_PURPOSE = "clearview-style"
