"""What one crawl is asked to do, validated before Scrapy starts.

The ethics line is enforced here first: ``reproduce`` mode (which ignores opt-outs to show
what a scraper collects) is refused for any seed host that is not on the demo web or named by
the user with ``--allow-host``. The downloader middleware enforces it again per request.

The crawler does not know the demo web: whoever starts the crawl passes its host patterns in
(``demo_hosts``; ``provtrack`` passes :data:`demoweb.names.HOST_PATTERNS`). Without them only
the hosts the user allowed may be reproduced, which fails closed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from provenance.dataset.plan import AuditPlan
from provenance.errors import ConfigError, RefusedError
from provenance.vocab import CRAWL_MODES, CrawlMode

MODES = (*(m.value for m in CRAWL_MODES), CrawlMode.AUDIT.value)
USER_AGENT_TOKEN = "provtrack"  # noqa: S105 - a robots.txt product token, not a secret


def new_run_id(mode: str) -> str:
    """Sortable, unique id for a crawl run."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{mode}-{uuid.uuid4().hex[:6]}"


def host_of(url: str) -> str:
    """Lower-cased host of a URL, without port."""
    return (urlsplit(url).hostname or "").lower()


@dataclass(slots=True)
class CrawlConfig:
    """Everything a crawl needs; the CLI builds it, tests may build it directly."""

    seeds: list[str]
    out_dir: Path
    mode: str = CrawlMode.COMPLIANT
    db_url: str | None = None
    proxy: str | None = None
    allow_hosts: list[str] = field(default_factory=list)
    max_pages: int = 500
    max_images: int = 5000
    max_depth: int = 3
    purpose: str = "clearview-style"
    run_id: str = ""
    resume: bool = False
    frontier: str | None = None  # redis://... for a shared scrapy-redis frontier
    render: str = "auto"  # auto | always | never
    render_hosts: list[str] = field(default_factory=list)
    browser_path: str = "/usr/bin/chromium"
    concurrency: int = 16
    media_workers: int | None = None  # None: one per CPU
    max_image_bytes: int = 20 * 1024 * 1024
    policy_timeout: float = 5.0
    download_timeout: float = 20.0
    log_file: Path | None = None
    extra_settings: dict[str, object] = field(default_factory=dict)
    # full-match regular expressions of the demo web's host names (reproduce may touch them)
    demo_hosts: tuple[str, ...] = ()
    audit: AuditPlan | None = None  # mode audit: the datasets to read instead of seeds
    # the User-Agent header; None: provtrack, its version and its URL (crawler.settings)
    user_agent: str | None = None

    def __post_init__(self) -> None:
        if not self.run_id:
            self.run_id = new_run_id(self.mode)
        # one meaning for a relative --out, whatever the components do with the current folder
        self.out_dir = Path(self.out_dir).absolute()

    @property
    def db(self) -> str:
        """The store URL: ``--db`` if given, else ``provtrack.db`` in the output folder."""
        return self.db_url or str(self.out_dir / "provtrack.db")

    @property
    def scope_hosts(self) -> frozenset[str]:
        """Hosts the crawl may visit: the seeds' hosts plus those the user allowed."""
        return frozenset({host_of(s) for s in self.seeds} | {h.lower() for h in self.allow_hosts})

    def validate(self) -> None:
        """Refuse configurations that are wrong or that cross the ethics line."""
        if self.mode not in MODES:
            raise ConfigError(f"unknown mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if self.user_agent is not None:
            from crawler.politeness import check_user_agent

            self.user_agent = check_user_agent(self.user_agent)
        if (self.mode == CrawlMode.AUDIT) != (self.audit is not None):
            raise ConfigError("mode audit reads an AuditPlan, and only mode audit does")
        if self.mode == CrawlMode.AUDIT:
            return  # no seeds: the datasets name the URLs, each checked by the gate
        if not self.seeds:
            raise ConfigError("no seed URL given")
        for seed in self.seeds:
            parts = urlsplit(seed)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"seed {seed!r} is not an http(s) URL")
        if self.render not in ("auto", "always", "never"):
            raise ConfigError(f"unknown render setting {self.render!r}")
        if self.max_pages < 1 or self.max_images < 0 or self.max_depth < 0:
            raise ConfigError("page, image and depth caps must be positive")
        if self.mode == CrawlMode.REPRODUCE:
            outside = sorted(h for h in self.scope_hosts if not self.may_reproduce(h))
            if outside:
                raise RefusedError(
                    "reproduce mode ignores opt-outs and is refused for hosts outside the demo "
                    f"web: {', '.join(outside)} (name each with --allow-host if you have the "
                    "site owner's permission)"
                )

    def is_demo_host(self, host: str) -> bool:
        """Whether a host matches one of the demo web's host patterns this crawl was given."""
        name = host.lower().rstrip(".")
        return any(re.fullmatch(pattern, name) for pattern in self.demo_hosts)

    def may_reproduce(self, host: str) -> bool:
        """Whether reproduce mode may touch this host (demo web or explicitly allowed)."""
        return self.is_demo_host(host) or host.lower() in {h.lower() for h in self.allow_hosts}
