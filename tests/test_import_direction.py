"""The import direction holds for every module of every package, not only for its ``__init__``.

``provtrack`` (the command line) sits on top and may import anything; ``crawler`` is the only
package that imports Scrapy or Playwright and never imports ``provtrack`` or ``demoweb``;
``provenance`` never imports Scrapy nor the packages above it; ``policies`` imports nothing of
ours but plain types and errors; ``demoweb`` imports nothing of ours.

Each package's modules are imported one by one in a fresh interpreter; a forbidden module is
blamed on the first module whose import pulled it in.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

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


def _import_graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> modules of ours it imports, read from the source: every ``import`` counts,
    inside ``if TYPE_CHECKING:`` and inside functions too (a cycle held apart by either is
    still a cycle in the design)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # a package's own __init__ is imported by its modules anyway: not an edge
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle() -> None:
    """The picture of the imports is a graph without cycles (crawler, provenance, policies, the
    command line)."""
    graph = _import_graph(("provtrack", "crawler", "provenance", "policies"))
    assert len(graph) > 150
    assert not _cycles(graph)


def test_the_cycle_finder_finds_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _calls_of(attribute: str, packages: tuple[str, ...]) -> set[str]:
    """The modules (paths from the repository) whose code calls ``<anything>.attribute(...)``."""
    found: set[str] = set()
    for package in packages:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == attribute
                ):
                    found.add(str(path.relative_to(REPO)))
    return found


def test_the_after_download_decision_is_made_in_one_place() -> None:
    """Every path that records a downloaded image asks crawler/afterdownload.py (the media
    pipeline, the traffic middleware, the audit spider): a second copy of the decision would
    drift from the first."""
    assert _calls_of("image_decision_after", ("crawler", "provenance", "provtrack")) == {
        "crawler/afterdownload.py"
    }
    assert _calls_of("check_image_after", ("crawler", "provenance", "provtrack")) == {
        "provenance/hostpolicy.py"
    }


QUERY_NAMES = frozenset({"select", "text"})
# modules whose queries have not moved into provenance/store/ yet: this list only shrinks
NOT_YET_MOVED: frozenset[str] = frozenset()


def _query_imports(path: Path) -> set[str]:
    """The SQL query builders (``select``, ``text``) a module imports from SQLModel or
    SQLAlchemy, wherever the import is (a function body included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in ("sqlmodel", "sqlalchemy"):
                found |= {a.name for a in node.names if a.name in QUERY_NAMES}
        elif isinstance(node, ast.Attribute) and node.attr in QUERY_NAMES:
            value = node.value
            if isinstance(value, ast.Name) and value.id in ("sqlmodel", "sqlalchemy", "sa"):
                found.add(node.attr)
    return found


def test_queries_live_in_the_store() -> None:
    """``select``/``text`` are used only under provenance/store/ (its named query functions):
    the store is the boundary every other module reads through."""
    users = {
        str(path.relative_to(REPO))
        for package in ("provenance", "crawler", "provtrack", "policies", "demoweb")
        for path in (REPO / package).rglob("*.py")
        if _query_imports(path)
    }
    outside = {p for p in users if not p.startswith("provenance/store/")}
    assert outside - NOT_YET_MOVED == set(), "queries outside provenance/store/"
    assert NOT_YET_MOVED <= outside, "moved: take it off NOT_YET_MOVED"
    assert _query_imports(REPO / "provenance/store/queries/reports.py") == {"select"}


CRAWLER_MODULE_LINES = 400


def test_no_crawler_module_is_over_the_size_rule() -> None:
    """Small modules with one job: no module of the crawler over ~400 lines (the project's
    rule); a module that grows past it is split by job, not waved through."""
    sizes = {
        str(path.relative_to(REPO)): len(path.read_text().splitlines())
        for path in (REPO / "crawler").rglob("*.py")
    }
    assert len(sizes) > 20
    assert {p: n for p, n in sizes.items() if n > CRAWLER_MODULE_LINES} == {}
