"""``python -m demoweb``: serve prints one line and stops on SIGTERM; manifest prints JSON."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from .conftest import Proxy

ROOT = Path(__file__).resolve().parents[2]


def test_serve_prints_one_line_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    written = tmp_path / "manifest.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "demoweb", "serve", "--port", "0", "--manifest", str(written)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"demoweb listening on http://127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        got = Proxy(int(match[1])).fetch("http://pixgram.com/robots.txt")
        assert got.status == 200
        manifest = json.loads(written.read_text(encoding="utf-8"))
        assert manifest["hosts"][0]["host"] == "maplebook.ca"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # exactly one line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_manifest_command_prints_the_manifest() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "demoweb", "manifest", "--scale", "2500"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    manifest = json.loads(out)
    assert manifest["schema"] == "provtrack-demoweb-manifest/1"
    assert manifest["scale"]["images"] == 2500
    assert [h["images"] for h in manifest["scale"]["hosts"]] == [1000, 1000, 500]


def test_bad_arguments_exit_with_usage() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "demoweb", "manifest", "--scale", "-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--scale must be >= 0" in proc.stderr


def _serve_fails(*command: str) -> str:
    """Run a serve command that must fail: at once, non-zero, one line on stderr."""
    result = subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def test_serve_on_an_impossible_port_is_one_line() -> None:
    for port in ("99999", "-1"):
        for command in (("demoweb",), ("provtrack", "demoweb")):
            assert "not a TCP port" in _serve_fails("-m", *command, "serve", "--port", port)


def test_serve_on_a_port_in_use_is_one_line() -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        assert "in use" in _serve_fails("-m", "demoweb", "serve", "--port", port)
        assert "in use" in _serve_fails("-m", "provtrack", "demoweb", "serve", "--port", port)
