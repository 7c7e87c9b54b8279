"""What one crawl is asked to do, validated before Scrapy starts.

The ethics line is enforced here first: ``reproduce`` mode (which ignores opt-outs to show
what a scraper collects) is refused for any seed host that is not on the demo web or named by
the user with ``--allow-host``. The downloader middleware enforces it again per request.

The crawler does not know the demo web: whoever starts the crawl passes its host patterns in
(``demo_hosts``; ``provtrack`` passes :data:`demoweb.names.HOST_PATTERNS`) and the secret of
the demo web it started (``demo_secret``). The names count as demo hosts only once the
crawl's proxy has answered the demo web's handshake with that secret
(:mod:`crawler.demoproof`): a name on the list may be a real domain, and any other proxy, or
none, makes them ordinary hosts. Without all three only the hosts the user allowed may be
reproduced, which fails closed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demoproof import DemoKey, prove, same_proxy
from crawler.netpolicy import parse_server
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
    dns_server: str | None = None  # IP[:PORT] of the DNS server to resolve with (default: system)
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
    # the demo web's proxy URL and per-run secret: the crawl's proxy must be that URL and
    # prove it holds the secret (crawler/demoproof.py)
    demo_key: DemoKey | None = field(default=None, repr=False)
    # the handshake's outcome, asked once: None not yet asked, "" proven, else why not
    demo_proof: str | None = field(default=None, repr=False)
    audit: AuditPlan | None = None  # mode audit: the datasets to read instead of seeds

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
        if self.dns_server:
            try:
                parse_server(self.dns_server)
            except ValueError as err:
                raise ConfigError(str(err)) from err
        if self.render not in ("auto", "always", "never"):
            raise ConfigError(f"unknown render setting {self.render!r}")
        if self.max_pages < 1 or self.max_images < 0 or self.max_depth < 0:
            raise ConfigError("page, image and depth caps must be positive")
        if self.mode == CrawlMode.REPRODUCE:
            outside = sorted(h for h in self.scope_hosts if not self.may_reproduce(h))
            if outside:
                named = [h for h in outside if self.matches_demo_pattern(h)]
                why = (
                    f"; {', '.join(named)} would be demo web names, but {self.prove_demo_web()}"
                    if named
                    else ""
                )
                raise RefusedError(
                    "reproduce mode ignores opt-outs and is refused for hosts outside the demo "
                    f"web: {', '.join(outside)} (name each with --allow-host if you have the "
                    f"site owner's permission){why}"
                )

    def matches_demo_pattern(self, host: str) -> bool:
        """Whether a host's name is on the demo web's list (which proves nothing by itself)."""
        name = host.lower().rstrip(".")
        return any(re.fullmatch(pattern, name) for pattern in self.demo_hosts)

    def prove_demo_web(self) -> str:
        """Ask the proxy, once, to prove it is the demo web: "" when it did, else why not."""
        if self.demo_proof is None:
            if not self.demo_hosts:
                self.demo_proof = "this crawl was given no demo web"
            elif not self.proxy:
                self.demo_proof = "the crawl goes through no proxy, so not through the demo web"
            elif self.demo_key is None:
                self.demo_proof = (
                    "the crawl has no demo web key to check its proxy with (--demoweb-key)"
                )
            elif not same_proxy(self.proxy, self.demo_key.proxy):
                self.demo_proof = (
                    f"the proxy {self.proxy} is not the demo web's ({self.demo_key.proxy})"
                )
            else:
                self.demo_proof = prove(self.proxy, self.demo_key.secret) or ""
        return self.demo_proof

    def is_demo_host(self, host: str) -> bool:
        """Whether a host is the demo web's: on its list and served by its proven proxy."""
        return self.matches_demo_pattern(host) and self.prove_demo_web() == ""

    def may_reproduce(self, host: str) -> bool:
        """Whether reproduce mode may touch this host (demo web or explicitly allowed)."""
        return self.is_demo_host(host) or host.lower() in {h.lower() for h in self.allow_hosts}
