"""The provtrack plugin for Datasette: table and column descriptions and canned queries.

Registered under the ``datasette`` entry point, so ``datasette DIR/provtrack.db`` shows them
with nothing else to pass. The metadata lives in ``datasette.yaml`` beside this module and
applies to a database named ``provtrack`` (Datasette names a database after its file). Links
between tables come from the foreign keys the store declares (migration 0004); Datasette
follows nothing else.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml
from datasette import hookimpl

DATABASE = "provtrack"


@functools.cache
def store_metadata() -> dict[str, Any]:
    """The store's metadata (title, description, tables with columns, canned queries)."""
    text = resources.files("provenance.store").joinpath("datasette.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def datasette_metadata() -> dict[str, Any]:
    """The metadata in Datasette's shape: the store's description under ``databases``."""
    meta = store_metadata()
    return {"databases": {DATABASE: meta}}


@hookimpl  # type: ignore[untyped-decorator]  # datasette ships no type hints
def get_metadata(datasette: Any, key: Any, database: Any, table: Any) -> dict[str, Any]:
    """Datasette's hook: provtrack's metadata, merged with any the user passes with ``-m``."""
    return datasette_metadata()
