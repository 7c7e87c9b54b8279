"""Politeness: a user agent a site owner can act on, per-host limits off the demo web."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import CrawlConfig
from crawler.politeness import PER_HOST, politeness_settings
from crawler.settings import build_settings
from demoweb.names import HOST_PATTERNS
from provenance.store import open_store
from provenance.store.models import CrawlRun
from tests.conftest import DemoWebProcess, run_cli


@pytest.mark.parametrize(
    ("agent", "why"),
    [
        ("mybot/1.0 (+https://example.org/bot)", "'provtrack' product token"),
        ("provtrack/1.0", "contact"),
        ("provtrack/1.0 (research crawler)", "contact"),
    ],
)
def test_a_user_agent_nobody_can_act_on_is_refused(tmp_path: Path, agent: str, why: str) -> None:
    result = run_cli(
        "crawl", "http://robots-mirror.net/", "--out", str(tmp_path), "--user-agent", agent,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert why in result.stderr + result.stdout
    assert not (tmp_path / "provtrack.db").exists()


def test_the_user_agent_given_is_recorded_with_the_run(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    agent = "provtrack/0.9 (+https://example.org/contact; run by the tests)"
    run_cli(
        "crawl", "http://robots-mirror.net/", "--out", str(tmp_path), "--proxy", demoweb.url,
        "--user-agent", agent,
    )  # fmt: skip
    store = open_store(str(tmp_path / "provtrack.db"))
    (run,) = store.all(CrawlRun)
    assert run.user_agent == agent
    assert run.settings["autothrottle"] is False  # the demo web keeps full speed


def test_hosts_off_the_demo_web_get_per_host_limits_and_autothrottle(tmp_path: Path) -> None:
    demo = CrawlConfig(["http://pixgram.com/"], tmp_path, demo_hosts=HOST_PATTERNS)
    assert "AUTOTHROTTLE_ENABLED" not in politeness_settings(demo)
    assert build_settings(demo)["CONCURRENT_REQUESTS_PER_DOMAIN"] == demo.concurrency
    real = CrawlConfig(
        ["http://pixgram.com/", "https://example.org/"], tmp_path, demo_hosts=HOST_PATTERNS
    )
    settings = build_settings(real)
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == PER_HOST
    # Crawl-delay is honoured in both: AutoThrottle never goes below it
    assert settings["EXTENSIONS"]["crawler.politeness.CrawlDelayThrottle"] == 0
    assert settings["EXTENSIONS"]["scrapy.extensions.throttle.AutoThrottle"] is None
