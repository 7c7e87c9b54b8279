"""The import direction holds for every module of every package, not only for its ``__init__``.

``provtrack`` (the command line) sits on top and may import anything; ``crawler`` is the only
package that imports Scrapy or Playwright and never imports ``provtrack`` or ``demoweb``;
``provenance`` never imports Scrapy nor the packages above it; ``policies`` imports nothing of
ours but plain types and errors; ``demoweb`` imports nothing of ours.

Each package's modules are imported one by one in a fresh interpreter; a forbidden module is
blamed on the first module whose import pulled it in.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

BROWSER_STACK = ("scrapy", "playwright", "twisted", "scrapy_playwright", "scrapy_redis")

# package -> (top-level names it must not load, modules of ours it may load outside itself)
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "policies": (
        (*BROWSER_STACK, "crawler", "provtrack", "demoweb"),
        # plain record types and errors only
        ("provenance", "provenance.errors", "provenance.vocab"),
    ),
    "provenance": ((*BROWSER_STACK, "crawler", "provtrack", "demoweb"), None),
    "crawler": (("provtrack", "demoweb"), None),
    "demoweb": (("crawler", "provenance", "policies", "provtrack"), None),
}
OURS = ("provtrack", "crawler", "provenance", "policies", "demoweb")

_PROBE = """
import importlib, json, pkgutil, sys
package, forbidden, allowed, ours = json.loads(sys.argv[1])
root = importlib.import_module(package)
names = [package] + sorted(
    m.name for m in pkgutil.walk_packages(root.__path__, package + ".")
    # running a package's __main__ starts its command; Alembic's env.py needs Alembic's context
    if not m.name.endswith(".__main__") and ".migrations" not in m.name
)
blame = {}
before = set(sys.modules)
for name in names:
    importlib.import_module(name)
    now = set(sys.modules)
    for new in now - before:
        blame.setdefault(new, name)
    before = now
bad = {}
for loaded, by in blame.items():
    top = loaded.split(".")[0]
    if top in forbidden:
        bad.setdefault(top, by)
    elif allowed is not None and top in ours and top != package and loaded not in allowed:
        bad.setdefault(loaded, by)
print(json.dumps({"modules": len(names), "bad": bad}))
"""


def _probe(package: str) -> dict[str, object]:
    forbidden, allowed = RULES[package]
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps([package, forbidden, allowed, OURS])],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("package", sorted(RULES))
def test_every_module_keeps_the_import_direction(package: str) -> None:
    result = _probe(package)
    assert int(str(result["modules"])) > 1
    assert result["bad"] == {}, f"{package}: forbidden import -> first importer: {result['bad']}"


@pytest.mark.parametrize(
    "module",
    [
        "policies",
        "provenance",
        "provtrack",
        "provtrack.cli",
        "provenance.signals.model",
        "provenance.vocab",
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


def test_the_vocabulary_imports_nothing() -> None:
    code = (
        "import sys; before = set(sys.modules); import provenance.vocab; "
        "print(','.join(sorted(m for m in set(sys.modules) - before "
        "if m.split('.')[0] in ('provenance', 'policies', 'crawler', 'provtrack', 'demoweb'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert set(out.split(",")) <= {"provenance", "provenance.vocab"}


def test_demoweb_knows_nothing_of_the_others() -> None:
    code = (
        "import sys, demoweb.spec; "
        "ours = ('crawler', 'provenance', 'policies', 'provtrack'); "
        "print(','.join(sorted(m for m in ours if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_the_probe_catches_a_forbidden_import() -> None:
    """The probe is not vacuous: provtrack's crawl command imports the crawler (and Scrapy)."""
    code = _PROBE
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            json.dumps(["crawler", ["scrapy"], None, OURS]),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    bad = json.loads(out.strip().splitlines()[-1])["bad"]
    assert "scrapy" in bad
