"""The crawl's Scrapy settings: plain ``PROVTRACK_*`` values, and what the add-on holds.

Hostile pages must not meet a remote-control server; a project's settings that contradict a
provenance crawl are refused with one line naming them; the rest is set at a priority that wins.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from crawler.addon import DOWNLOADER_MIDDLEWARES, ITEM_PIPELINES, USER_AGENT, ProvtrackAddon
from crawler.config import CrawlConfig
from crawler.settings import build_settings
from provenance.dataset.manifest import Columns
from provenance.dataset.plan import AuditPlan
from provenance.errors import ConfigError, RefusedError

ROBOTS_MW = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"


def _applied(values: dict[str, Any], priority: str = "project") -> Settings:
    """Settings as Scrapy holds them once the add-on has run (``ADDONS`` in settings.py)."""
    settings = Settings()
    settings.setdict(values, priority=priority)
    ProvtrackAddon(crawler=None).update_settings(settings)  # type: ignore[arg-type]
    return settings


def test_remote_control_and_telnet_are_off(tmp_path: Path) -> None:
    values = build_settings(CrawlConfig(seeds=["http://maplebook.ca/"], out_dir=tmp_path))
    assert values["ADDONS"] == {"crawler.addon.ProvtrackAddon": 0}
    assert "PROVTRACK_CONFIG" not in values  # plain settings only
    settings = _applied(values)
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    # Scrapy's fail-open robots middleware is off: provtrack's gate decides
    assert settings.getbool("ROBOTSTXT_OBEY") is False
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")[ROBOTS_MW] is None


def test_a_projects_template_settings_lose_to_what_provtrack_must_hold() -> None:
    """`scrapy startproject`'s ROBOTSTXT_OBEY = True is replaced by the gate; the User-Agent,
    size cap and timeouts are provtrack's (the template sets none of them)."""
    settings = _applied({"ROBOTSTXT_OBEY": True, "PROVTRACK_MAX_BYTES": 1000})
    assert settings.getbool("ROBOTSTXT_OBEY") is False
    assert settings["USER_AGENT"] == USER_AGENT
    assert settings.getint("DOWNLOAD_MAXSIZE") == 1000
    assert settings.getfloat("DOWNLOAD_TIMEOUT") == 20.0
    assert settings.getint("REDIRECT_MAX_TIMES") == 5
    assert settings["PROVTRACK_RUN_ID"].split("-")[1] == "compliant"
    # a project's own UA keeping the token, and a stricter cap, are the project's to keep
    kept = _applied(
        {"USER_AGENT": "acme-provtrack/1 (+https://acme.example)", "DOWNLOAD_MAXSIZE": 10}
    )
    assert kept["USER_AGENT"].startswith("acme-provtrack")
    assert kept.getint("DOWNLOAD_MAXSIZE") == 10


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"USER_AGENT": "Mozilla/5.0"}, "USER_AGENT='Mozilla/5.0'"),
        ({"DOWNLOAD_MAXSIZE": 0}, "DOWNLOAD_MAXSIZE=0"),
        ({"HTTPCACHE_ENABLED": True}, "HTTPCACHE_ENABLED=True"),
        ({"TELNETCONSOLE_ENABLED": True}, "TELNETCONSOLE_ENABLED=True"),
        ({"DOWNLOAD_TIMEOUT": 600}, "DOWNLOAD_TIMEOUT=600"),
        (
            {"DOWNLOADER_MIDDLEWARES": {ROBOTS_MW: 100}},
            f"DOWNLOADER_MIDDLEWARES enables {ROBOTS_MW}",
        ),
    ],
)
def test_a_conflicting_project_setting_is_refused_naming_it(
    values: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        _applied(values)
    message = str(refused.value)
    assert message.startswith("provtrack refuses to start: ")
    assert named in message
    assert "\n" not in message


def test_settings_from_the_command_line_are_read_as_typed(tmp_path: Path) -> None:
    """`scrapy crawl -s NAME=VALUE` gives strings: the typed getters read them."""
    settings = Settings()
    settings.setdict(
        {
            "PROVTRACK_MODE": "Reproduce",
            "PROVTRACK_ALLOW_HOSTS": "a.example,b.example",
            "PROVTRACK_MAX_BYTES": "2048",
            "PROVTRACK_RESUME": "True",
            "PROVTRACK_OUT": str(tmp_path),
        },
        priority="cmdline",
    )
    config = CrawlConfig.from_settings(settings)
    assert config.mode == "reproduce"
    assert config.allow_hosts == ["a.example", "b.example"]
    assert config.max_image_bytes == 2048
    assert config.resume is True
    assert config.out_dir == tmp_path


def test_a_config_survives_the_trip_through_plain_settings(tmp_path: Path) -> None:
    plan = AuditPlan(manifests=[tmp_path / "m.csv"], columns=Columns(url="u", key="k"))
    config = CrawlConfig(
        seeds=[],
        out_dir=tmp_path,
        mode="audit",
        audit=plan,
        max_image_bytes=77,
        run_id="r1",
        dns_server="127.0.0.1:5353",
        demo_key_file=tmp_path / "demoweb.key",
    )
    settings = Settings()
    settings.setdict(config.to_settings())
    again = CrawlConfig.from_settings(settings)
    assert again.to_settings() == config.to_settings()
    assert again.audit == plan
    # every field is a plain setting (a new field needs its PROVTRACK_* name), except Scrapy's
    # own (concurrency), what only the CLI's process uses and the handshake's cached outcome
    # (each process asks the demo web itself)
    not_settings = {
        "concurrency",
        "log_file",
        "extra_settings",
        "db_url",
        "out_dir",
        "audit",
        "demo_proof",
    }
    covered = {f.name for f in fields(CrawlConfig)} - not_settings
    assert all(getattr(again, name) == getattr(config, name) for name in covered)
    assert len(config.to_settings()) == len(covered) + 3  # PROVTRACK_STORE, _OUT, _AUDIT


def test_reproduce_without_allowed_hosts_refuses_to_start() -> None:
    with pytest.raises(RefusedError, match="PROVTRACK_ALLOW_HOSTS"):
        _applied({"PROVTRACK_MODE": "reproduce"})
    with pytest.raises(ConfigError, match="PROVTRACK_MODE 'scrape' is unknown"):
        _applied({"PROVTRACK_MODE": "scrape"})


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


def test_components_without_the_addon_are_not_configured(tmp_path: Path) -> None:
    """provtrack's components take the crawl's context from the add-on's run lifecycle: listed
    in a project without the add-on, each is disabled (NotConfigured), none opens a store."""
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.exceptions import NotConfigured

    from crawler.gate import OptOutGateMiddleware
    from crawler.optouts import OptOutRegistry
    from crawler.pipelines import MediaPipeline, StorePipeline
    from crawler.traffic import TrafficMiddleware

    crawler = Crawler(Spider, {"PROVTRACK_OUT": str(tmp_path / "out")})
    for component in (
        MediaPipeline,
        StorePipeline,
        TrafficMiddleware,
        OptOutGateMiddleware,
        OptOutRegistry,
    ):
        with pytest.raises(NotConfigured, match="ProvtrackAddon"):
            component.from_crawler(crawler)
    assert not (tmp_path / "out").exists()


def test_the_run_lifecycle_opens_the_context_first() -> None:
    """The lifecycle opens crawler.provtrack; every other extension of the add-on comes later."""
    from crawler.addon import EXTENSIONS

    first = min(EXTENSIONS, key=lambda name: EXTENSIONS[name])
    assert first == "crawler.lifecycle.RunLifecycle"
    assert sorted(EXTENSIONS.values()).count(EXTENSIONS[first]) == 1
