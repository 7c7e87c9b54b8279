"""What the readers hand to the store is plain JSON, and signals survive a round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from provenance.signals.aitxt import AiTxt
from provenance.signals.model import Signal
from provenance.signals.page import page_signals
from provenance.signals.robotstxt import RobotsSnapshot
from provenance.signals.tdmrep import TdmFile

WHEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_snapshots_are_json_ready() -> None:
    robots = RobotsSnapshot.from_fetch(
        "https://e/robots.txt", 200, b"User-agent: *\nDisallow: /x\n", None, WHEN
    )
    record = json.loads(json.dumps(robots.to_dict()))
    assert record["outcome"] == "parsed"
    assert record["fetched_at"] == "2026-11-01T12:00:00+00:00"
    assert record["text"] == "User-agent: *\nDisallow: /x\n"
    assert json.loads(json.dumps(AiTxt.from_fetch("https://e/ai.txt", 503, None, None).to_dict()))[
        "status"
    ] == ("fetch_failed")
    tdm = TdmFile.from_fetch(
        "https://e/.well-known/tdmrep.json", 200, b'[{"location": "/", "tdm-reservation": 1}]', None
    )
    assert json.loads(json.dumps(tdm.to_dict()))["rules"][0]["tdm-reservation"] == 1


def test_page_signals_round_trip() -> None:
    html = (
        '<meta name="robots" content="noai"><meta name="tdm-reservation" content="1">'
        '<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
        '<img srcset="a.jpg 2x">'
    )
    page = page_signals(
        "https://e/p", html, {"X-Robots-Tag": "unavailable_after: Wed, 03 Nov 2027 15:00:00 GMT"}
    )
    record = json.loads(json.dumps(page.to_dict()))
    assert [Signal.from_dict(s) for s in record["signals"]] == page.signals
    assert record["images"][0]["url"] == "https://e/a.jpg"
    assert record["images"][0]["largest"] is True
