"""The crawl's Scrapy settings: hostile pages must not meet a remote-control server."""

from __future__ import annotations

from pathlib import Path

from crawler.addon import DOWNLOADER_MIDDLEWARES, ITEM_PIPELINES
from crawler.config import CrawlConfig
from crawler.settings import build_settings


def test_remote_control_and_telnet_are_off(tmp_path: Path) -> None:
    settings = build_settings(CrawlConfig(seeds=["http://maplebook.ca/"], out_dir=tmp_path))
    assert settings["REMOTE_CONTROL_ENABLED"] is False
    assert settings["TELNETCONSOLE_ENABLED"] is False
    # Scrapy's fail-open robots middleware is off: provtrack's gate decides
    assert settings["ROBOTSTXT_OBEY"] is False
    assert settings["ADDONS"] == {"crawler.addon.ProvtrackAddon": 0}


def test_addon_components_in_order() -> None:
    assert (
        DOWNLOADER_MIDDLEWARES["crawler.safety.AddressGuardMiddleware"]
        < (DOWNLOADER_MIDDLEWARES["crawler.gate.OptOutGateMiddleware"])
    )
    assert list(ITEM_PIPELINES) == [
        "crawler.pipelines.MediaPipeline",
        "crawler.auditpipe.AuditPipeline",  # audits: a dataset's own copy against the URL now
        "crawler.pipelines.JurisdictionPipeline",
        "crawler.pipelines.StorePipeline",
    ]


def test_crawl_log_shows_no_remote_control(demo_crawl) -> None:  # type: ignore[no-untyped-def]
    log = (demo_crawl.out / "crawl.log").read_text()
    enabled = log.split("Enabled extensions:", 1)[1].split("]", 1)[0]
    assert "scrapy.extensions.corestats.CoreStats" in enabled
    assert "telnet" not in enabled.lower()
    assert "remote" not in enabled.lower()
    assert "Telnet console listening" not in log
