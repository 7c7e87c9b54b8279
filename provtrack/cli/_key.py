"""``--key FILE``: the store's private signing key, named on the command line.

Every command that signs the evidence chain's head (crawl, audit, demo, evaluate, optout add,
purge) or an export (export --format wacz) takes it; ``PROVTRACK_KEY`` is the same option
from the environment. It is read before the command does anything, so a missing, unreadable,
encrypted or non-Ed25519 file is one line and nothing is written. ``verify`` needs no private
key: it reads the public key from the store (or ``--public-key``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        envvar="PROVTRACK_KEY",
        show_envvar=True,
        help="The store's Ed25519 private key (PEM) to sign with; default: the key folder "
        "(PROVTRACK_KEY_DIR, ~/.config/provtrack/keys). A new store's key is this one.",
    ),
]


def use_key(key: Path | None) -> None:
    """Sign with ``key`` if given (checked now: one line when it cannot be used)."""
    if key is not None:
        from provenance.store.checkpoints import use_key_file

        use_key_file(key)
