"""Policy facts are made from a record in one place: ``provenance.evaluation.policy_facts``.

Both readers (``facts_for`` over an exported record, ``RecordReader`` over the store's columns)
and the crawl-like benchmark call it; no other module of ``provenance`` or ``provtrack``
constructs ``PolicyFacts`` (the benchmark's uniformly random facts are drawn over every fact,
those no crawl observes included, so they are not made from records).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _constructions(path: Path) -> list[str]:
    """The functions of ``path`` in which ``PolicyFacts(...)`` is called."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id == "PolicyFacts"
            ):
                found.append(scope)
            visit(child, scope)

    visit(tree, "<module>")
    return found


def test_policy_facts_are_made_from_records_in_one_function() -> None:
    made = {
        f"{path.relative_to(ROOT)}:{scope}"
        for folder in ("provenance", "provtrack", "crawler")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for scope in _constructions(path)
    }
    assert made == {"provenance/evaluation.py:policy_facts"}
    assert _constructions(ROOT / "bench" / "evaluate.py") == ["uniform"]
    source = (ROOT / "bench" / "evaluate.py").read_text(encoding="utf-8")
    assert "policy_facts(" in source
