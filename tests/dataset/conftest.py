"""Helpers for the audit tests: manifests of the demo web, running ``provtrack audit``, reading
its records, and comparing them with the demo web's ``expect.audit``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import run_cli

DECISION = {"collect": "collected", "skip": "skipped", "fail": "failed"}


@dataclass
class AuditResult:
    """A finished audit: its output folder, stdout and records (JSONL export) by image URL."""

    out: Path
    stdout: str
    records: dict[str, dict[str, Any]]

    @property
    def db(self) -> str:
        return str(self.out / "provtrack.db")


def audit(out: Path, *args: str) -> AuditResult:
    """Run ``provtrack audit ARGS --out OUT`` and export its records."""
    # a generous policy timeout: a loaded machine must not turn a robots.txt into "unreachable"
    result = run_cli("audit", *args, "--policy-timeout", "15", "--out", str(out))
    run_cli("export", "--out", str(out), "--format", "jsonl")
    lines = (out / "export" / "records.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    return AuditResult(out, result.stdout, {r["image_url"]: r for r in records})


def reason_kinds(record: dict[str, Any]) -> set[str]:
    """Skip reasons as signal kinds, failures as their value (the manifest's vocabulary)."""
    return {r["value"] if r["kind"] == "failure" else r["kind"] for r in record["reasons"]}


def mismatches(
    records: dict[str, dict[str, Any]], manifest: dict[str, Any], which: dict[str, str]
) -> list[str]:
    """Every image of ``which`` (URL → ``url_only`` / ``with_page``) whose record's decision,
    reasons or (for skips) stage differ from the manifest's ``expect.audit``."""
    problems = []
    images = {i["url"]: i for i in manifest["images"]}
    for url, case in which.items():
        expect = images[url]["expect"]["audit"][case]
        record = records.get(url)
        if record is None:
            problems.append(f"{url}: no record ({case} expects {expect['decision']})")
            continue
        got = (record["decision"], reason_kinds(record))
        want = (DECISION[expect["decision"]], set(expect["reasons"]))
        if got != want:
            problems.append(f"{url} ({case}): got {got}, expected {want}")
        elif expect["decision"] == "skip" and record["stage"] != expect["stage"]:
            problems.append(f"{url} ({case}): stage {record['stage']} != {expect['stage']}")
    return problems
