"""Importing jurisdiction and terms pulls in no Scrapy and does not load the geocoder."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["provenance.jurisdiction", "provenance.terms"])
def test_import_is_light(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = sorted(m for m in ('scrapy', 'twisted', 'playwright', 'reverse_geocoder') "
        "if m in sys.modules); print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
