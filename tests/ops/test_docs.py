"""Every provtrack command has help and is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from provtrack.cli.app import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command of the app, sub-groups included (``optout add``, ``demoweb serve``)."""
    found = [
        [*prefix, c.name or (c.callback.__name__ if c.callback else "")]
        for c in group.registered_commands
    ]
    for sub in group.registered_groups:
        if sub.typer_instance is not None and sub.name:
            found += _commands(sub.typer_instance, (*prefix, sub.name))
    return [[part.replace("_", "-") for part in command] for command in found]


COMMANDS = _commands(app)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_command_has_help_and_is_in_the_readme(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert f"provtrack {' '.join(command)}" in README


@pytest.mark.parametrize("text", ["--format jsonl\\|csv\\|wacz", "--jurisdiction", "0.15"])
def test_readme_documents_formats_and_the_purge_threshold(text: str) -> None:
    assert text in README


def test_every_command_is_covered() -> None:
    names = {" ".join(c) for c in COMMANDS}
    for expected in (
        "crawl",
        "demo",
        "evaluate",
        "report",
        "lookup",
        "verify",
        "optout add",
        "purge",
        "export",
        "show",
        "demoweb serve",
        "demoweb manifest",
        "version",
    ):
        assert expected in names, names
