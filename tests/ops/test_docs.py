"""Every investigator and compliance command has help and is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli.app import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
COMMANDS = [
    ["lookup"],
    ["verify"],
    ["optout", "add"],
    ["optout", "report"],
    ["purge"],
    ["export"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_command_has_help_and_is_in_the_readme(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert f"provtrack {' '.join(command)}" in README


@pytest.mark.parametrize("text", ["--format jsonl\\|csv\\|wacz", "--jurisdiction", "0.15"])
def test_readme_documents_formats_and_the_purge_threshold(text: str) -> None:
    assert text in README
