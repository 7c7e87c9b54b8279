"""The import direction holds: only ``crawler`` may import Scrapy or Playwright."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "policies",
        "provenance",
        "provenance.cli",
        "provenance.signals.model",
        "demoweb",
    ],
)
def test_importing_does_not_pull_in_scrapy(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = sorted(m for m in ('scrapy', 'playwright', 'twisted', 'scrapy_playwright') "
        "if m in sys.modules); print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing {module} imported {out}"


def test_demoweb_knows_nothing_of_the_others() -> None:
    code = (
        "import sys, demoweb.spec; "
        "ours = ('crawler', 'provenance', 'policies'); "
        "print(','.join(sorted(m for m in ours if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
