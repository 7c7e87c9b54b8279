"""Shared fixtures for the signal reader tests: the real files in ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"


def fixture_dir(*parts: str) -> Path:
    """A folder of ../shared/fixtures, or skip the test when the fixtures are not checked out."""
    path = FIXTURES.joinpath(*parts)
    if not path.is_dir():
        pytest.skip(f"shared fixtures not found at {path}")
    return path


def read_http_headers(path: Path) -> dict[str, list[str]]:
    """Headers of a raw HTTP response text file (status line first), one list per name."""
    headers: dict[str, list[str]] = {}
    for line in path.read_text("utf-8").splitlines()[1:]:
        if not line.strip():
            break
        name, _, value = line.partition(":")
        headers.setdefault(name.strip(), []).append(value.strip())
    return headers
