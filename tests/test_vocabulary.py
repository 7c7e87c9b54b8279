"""One vocabulary: the demo web's plain-string expectations are all members of provtrack's enums.

``demoweb`` imports nothing of ours, so its manifest and expectations spell the vocabularies
as strings; this is where a misspelled kind there (or a kind renamed here) fails.
"""

from __future__ import annotations

from typing import Any

from demoweb import expect
from demoweb.names import HOST_PATTERNS, SITE_HOSTS, is_demo_host
from provenance.vocab import (
    FAILURE,
    GATE_ORDER,
    CrawlMode,
    FailureReason,
    SignalKind,
    SkipStage,
    SnapshotKind,
    SourceType,
    values,
)

# the manifest's verbs for what a crawl should do, and the record decisions they stand for
MANIFEST_DECISIONS = {"collect", "skip", "fail", "unseen", "not_chosen", "fetch"}


def test_the_gate_order_is_the_demo_webs() -> None:
    assert tuple(expect.REASON_ORDER) == tuple(k.value for k in GATE_ORDER)
    assert set(GATE_ORDER) <= set(SignalKind)


def test_failure_expectations_are_failure_reasons() -> None:
    ends = {v for v in expect.FAILURES.values() if v is not None}
    assert ends <= values(FailureReason)
    assert FAILURE not in values(SignalKind)


def test_every_manifest_expectation_speaks_the_vocabulary(manifest: dict[str, Any]) -> None:
    kinds, modes, stages, decisions = set(), set(), set(), set()
    for entry in [*manifest["images"], *manifest["pages"]]:
        for mode, expected in entry.get("expect", {}).items():
            modes.add(mode)
            # audit expectations come twice: the URL alone, and with the page it was on
            for exp in expected.values() if mode == CrawlMode.AUDIT else [expected]:
                decisions.add(exp["decision"])
                if exp.get("stage"):
                    stages.add(exp["stage"])
                kinds |= set(exp.get("reasons", [])) | set(exp.get("overrides", []))
        kinds |= {s["kind"] for s in entry.get("signals", [])}
    assert modes <= values(CrawlMode)
    assert stages <= values(SkipStage)
    assert decisions <= MANIFEST_DECISIONS
    assert kinds <= values(SignalKind) | values(FailureReason), kinds - values(SignalKind)
    assert {h["source_type"] for h in manifest["hosts"]} <= values(SourceType)
    documents = {"robots", "ai_txt", "tdmrep", "terms"}
    assert all(documents <= set(h) for h in manifest["hosts"])
    assert documents <= values(SnapshotKind)


def test_the_demo_host_patterns_say_what_is_demo_host() -> None:
    from crawler.config import CrawlConfig

    config = CrawlConfig(seeds=["http://maplebook.ca/"], out_dir=".", demo_hosts=HOST_PATTERNS)
    for host in [*SITE_HOSTS, "bulk-0001.example", "MapleBook.ca."]:
        assert config.matches_demo_pattern(host) == is_demo_host(host) is True, host
    for host in ["example.com", "maplebook.ca.evil.com", "bulk-1.example", "xmaplebook.ca"]:
        assert config.matches_demo_pattern(host) == is_demo_host(host) is False, host
    # a name on the list is no demo host until the crawl's proxy proves it is the demo web
    assert not config.is_demo_host("maplebook.ca")
    assert "no proxy" in config.prove_demo_web()
    # the crawler knows no demo host unless told: reproduce fails closed
    assert not CrawlConfig(seeds=["http://maplebook.ca/"], out_dir=".").may_reproduce(
        "maplebook.ca"
    )
