"""The signal readers stay pure: importing them pulls in neither Scrapy nor Twisted."""

from __future__ import annotations

import subprocess
import sys


def test_readers_do_not_import_scrapy() -> None:
    modules = "aitxt contentusage gate license page robotsmeta robotstxt tdmrep".split()
    code = (
        "import sys\n"
        + "".join(f"import provenance.signals.{m}\n" for m in modules)
        + "bad = [m for m in ('scrapy', 'twisted', 'playwright') if m in sys.modules]\n"
        + "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
