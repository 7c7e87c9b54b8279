"""What one crawl is asked to do, validated before Scrapy starts.

The ethics line is enforced here first: ``reproduce`` mode (which ignores opt-outs to show
what a scraper collects) is refused for any seed host that is not on the demo web or named by
the user with ``--allow-host``. The downloader middleware enforces it again per request.

The crawler does not know the demo web: whoever starts the crawl passes its host patterns in
(``demo_hosts``; ``provtrack`` passes :data:`demoweb.names.HOST_PATTERNS`) and the key file of
the demo web it started (``demo_key_file``: its proxy URL and per-run secret). The names count
as demo hosts only once the crawl's proxy is that URL and has answered the demo web's
handshake with that secret (:mod:`crawler.demoproof`): a name on the list may be a real
domain, and any other proxy, or none, makes them ordinary hosts. Without all three only the
hosts the user allowed may be reproduced, which fails closed.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.demoproof import prove, read_key, same_proxy
from crawler.netpolicy import parse_server
from provenance.dataset.manifest import Columns
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
    # the demo web's key file (proxy URL + per-run secret; a path, so no secret is ever in the
    # settings Scrapy logs): the crawl's proxy must be that URL and prove it holds the secret
    demo_key_file: Path | None = None
    # CA certificates (PEM files) trusted for every host, besides the platform's (a user's
    # intercepting proxy); and the demo web's CA, trusted for demo-web host names only
    ca_certs: list[Path] = field(default_factory=list)
    demo_ca: Path | None = None
    audit: AuditPlan | None = None  # mode audit: the datasets to read instead of seeds
    # the demo web handshake's outcome, asked once: None not yet asked, "" proven, else why not
    demo_proof: str | None = field(default=None, repr=False)
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

    @classmethod
    def from_settings(cls, settings: Any) -> CrawlConfig:
        """The crawl described by plain ``PROVTRACK_*`` settings (see :data:`SETTINGS`).

        ``settings`` is Scrapy's ``BaseSettings`` (its typed getters read ``-s NAME=VALUE``
        strings as well as ``settings.py`` values)."""
        plan = settings.get("PROVTRACK_AUDIT")
        config = cls(
            seeds=settings.getlist("PROVTRACK_SEEDS"),
            out_dir=Path(settings.get("PROVTRACK_OUT") or "provtrack-out"),
            mode=str(settings.get("PROVTRACK_MODE") or CrawlMode.COMPLIANT).lower(),
            db_url=settings.get("PROVTRACK_STORE") or None,
            proxy=settings.get("PROVTRACK_PROXY") or None,
            dns_server=settings.get("PROVTRACK_DNS_SERVER") or None,
            allow_hosts=settings.getlist("PROVTRACK_ALLOW_HOSTS"),
            max_pages=settings.getint("PROVTRACK_MAX_PAGES", 500),
            max_images=settings.getint("PROVTRACK_MAX_IMAGES", 5000),
            max_depth=settings.getint("PROVTRACK_MAX_DEPTH", 3),
            purpose=str(settings.get("PROVTRACK_PURPOSE") or "clearview-style"),
            run_id=str(settings.get("PROVTRACK_RUN_ID") or ""),
            resume=settings.getbool("PROVTRACK_RESUME", False),
            frontier=settings.get("PROVTRACK_FRONTIER") or None,
            render=str(settings.get("PROVTRACK_RENDER") or "never"),
            render_hosts=settings.getlist("PROVTRACK_RENDER_HOSTS"),
            browser_path=str(settings.get("PROVTRACK_BROWSER") or "/usr/bin/chromium"),
            concurrency=settings.getint("CONCURRENT_REQUESTS", 16),
            media_workers=(
                settings.getint("PROVTRACK_MEDIA_WORKERS")
                if settings.get("PROVTRACK_MEDIA_WORKERS") not in (None, "")
                else None
            ),
            max_image_bytes=settings.getint("PROVTRACK_MAX_BYTES", 20 * 1024 * 1024),
            policy_timeout=settings.getfloat("PROVTRACK_POLICY_TIMEOUT", 5.0),
            download_timeout=settings.getfloat("PROVTRACK_DOWNLOAD_TIMEOUT", 20.0),
            demo_hosts=tuple(settings.getlist("PROVTRACK_DEMO_HOSTS")),
            demo_key_file=(
                Path(settings.get("PROVTRACK_DEMOWEB_KEY"))
                if settings.get("PROVTRACK_DEMOWEB_KEY")
                else None
            ),
            ca_certs=[Path(p) for p in settings.getlist("PROVTRACK_CA_CERTS")],
            demo_ca=Path(settings["PROVTRACK_DEMO_CA"])
            if settings.get("PROVTRACK_DEMO_CA")
            else None,
            user_agent=settings.get("PROVTRACK_USER_AGENT") or None,
            audit=plan_from_plain(plan) if plan else None,
        )
        return config

    def to_settings(self) -> dict[str, Any]:
        """This crawl as plain ``PROVTRACK_*`` settings (what ``provtrack crawl`` hands the
        add-on: the same values a project's ``settings.py`` would hold)."""
        return {
            "PROVTRACK_SEEDS": list(self.seeds),
            "PROVTRACK_OUT": str(self.out_dir),
            "PROVTRACK_MODE": str(self.mode),
            "PROVTRACK_STORE": self.db_url,
            "PROVTRACK_PROXY": self.proxy,
            "PROVTRACK_DNS_SERVER": self.dns_server,
            "PROVTRACK_ALLOW_HOSTS": list(self.allow_hosts),
            "PROVTRACK_MAX_PAGES": self.max_pages,
            "PROVTRACK_MAX_IMAGES": self.max_images,
            "PROVTRACK_MAX_DEPTH": self.max_depth,
            "PROVTRACK_PURPOSE": self.purpose,
            "PROVTRACK_RUN_ID": self.run_id,
            "PROVTRACK_RESUME": self.resume,
            "PROVTRACK_FRONTIER": self.frontier,
            "PROVTRACK_RENDER": self.render,
            "PROVTRACK_RENDER_HOSTS": list(self.render_hosts),
            "PROVTRACK_BROWSER": self.browser_path,
            "PROVTRACK_MEDIA_WORKERS": self.media_workers,
            "PROVTRACK_MAX_BYTES": self.max_image_bytes,
            "PROVTRACK_POLICY_TIMEOUT": self.policy_timeout,
            "PROVTRACK_DOWNLOAD_TIMEOUT": self.download_timeout,
            "PROVTRACK_DEMO_HOSTS": list(self.demo_hosts),
            "PROVTRACK_DEMOWEB_KEY": str(self.demo_key_file) if self.demo_key_file else None,
            "PROVTRACK_CA_CERTS": [str(p) for p in self.ca_certs],
            "PROVTRACK_DEMO_CA": str(self.demo_ca) if self.demo_ca else None,
            "PROVTRACK_USER_AGENT": self.user_agent,
            "PROVTRACK_AUDIT": plan_to_plain(self.audit) if self.audit else None,
        }

    def validate(self) -> None:
        """Refuse configurations that are wrong or that cross the ethics line."""
        if self.mode not in MODES:
            raise ConfigError(f"unknown mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if self.user_agent is not None:
            self.user_agent = check_user_agent(self.user_agent)
        if (self.mode == CrawlMode.AUDIT) != (self.audit is not None):
            raise ConfigError("mode audit reads an AuditPlan, and only mode audit does")
        for path in [*self.ca_certs, *([self.demo_ca] if self.demo_ca else [])]:
            if not Path(path).is_file():
                raise ConfigError(f"CA certificate file {path} does not exist")
        if self.mode == CrawlMode.AUDIT:
            return  # no seeds: the datasets name the URLs, each checked by the gate
        self.validate_common()
        if not self.seeds:
            raise ConfigError("no seed URL given")
        for seed in self.seeds:
            parts = urlsplit(seed)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"seed {seed!r} is not an http(s) URL")
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

    def validate_common(self) -> None:
        """The checks every way in shares (a project's own spider has no seeds to check)."""
        if self.mode not in MODES:
            raise ConfigError(
                f"PROVTRACK_MODE {self.mode!r} is unknown; choose one of {', '.join(MODES)}"
            )
        if self.render not in ("auto", "always", "never"):
            raise ConfigError(f"unknown render setting {self.render!r}")
        if self.max_pages < 1 or self.max_images < 0 or self.max_depth < 0:
            raise ConfigError("page, image and depth caps must be positive")
        timeouts = (self.download_timeout, self.policy_timeout)
        # nan passes "<= 0" and inf never times out: a hanging robots.txt would hold its host
        if self.max_image_bytes < 1 or not all(math.isfinite(t) and t > 0 for t in timeouts):
            raise ConfigError("PROVTRACK_MAX_BYTES and the timeouts must be positive")
        if self.dns_server:
            try:
                parse_server(self.dns_server)
            except ValueError as err:
                raise ConfigError(str(err)) from err
        if self.mode == CrawlMode.REPRODUCE and not (self.allow_hosts or self.demo_hosts):
            raise RefusedError(
                "reproduce mode ignores opt-outs and needs PROVTRACK_ALLOW_HOSTS: the hosts "
                "whose owners allowed it (or the demo web's)"
            )

    def matches_demo_pattern(self, host: str) -> bool:
        """Whether a host's name is on the demo web's list (which proves nothing by itself)."""
        name = host.lower().rstrip(".")
        return any(re.fullmatch(pattern, name) for pattern in self.demo_hosts)

    def prove_demo_web(self) -> str:
        """Ask the proxy, once, to prove it is the demo web: "" when it did, else why not."""
        if self.demo_proof is None:
            self.demo_proof = self._ask_demo_web()
        return self.demo_proof

    def _ask_demo_web(self) -> str:
        if not self.demo_hosts:
            return "this crawl was given no demo web"
        if not self.proxy:
            return "the crawl goes through no proxy, so not through the demo web"
        if self.demo_key_file is None:
            return "the crawl has no demo web key to check its proxy with (--demoweb-key)"
        try:
            key = read_key(self.demo_key_file)
        except ValueError as err:
            return str(err)
        if not same_proxy(self.proxy, key.proxy):
            return f"the proxy {self.proxy} is not the demo web's ({key.proxy})"
        return prove(self.proxy, key.secret) or ""

    def is_demo_host(self, host: str) -> bool:
        """Whether a host is the demo web's: on its list and served by its proven proxy."""
        return self.matches_demo_pattern(host) and self.prove_demo_web() == ""

    def may_reproduce(self, host: str) -> bool:
        """Whether reproduce mode may touch this host (demo web or explicitly allowed)."""
        return self.is_demo_host(host) or host.lower() in {h.lower() for h in self.allow_hosts}


def plan_to_plain(plan: AuditPlan) -> dict[str, Any]:
    """An audit plan as plain data (the ``PROVTRACK_AUDIT`` setting)."""
    return {
        "manifests": [str(p) for p in plan.manifests],
        "outputs": [str(p) for p in plan.outputs],
        "archives": [str(p) for p in plan.archives],
        "columns": {
            "url": plan.columns.url,
            "caption": plan.columns.caption,
            "key": plan.columns.key,
            "page": plan.columns.page,
        },
        "input_format": plan.input_format,
        "fetch_missing": plan.fetch_missing,
        "keep_bytes": plan.keep_bytes,
        "chunk_rows": plan.chunk_rows,
    }


def plan_from_plain(data: Any) -> AuditPlan:
    """The audit plan a ``PROVTRACK_AUDIT`` setting describes."""
    if isinstance(data, AuditPlan):
        return data
    if not isinstance(data, dict):
        raise ConfigError("PROVTRACK_AUDIT must be a mapping (see crawler.config.plan_to_plain)")
    return AuditPlan(
        manifests=[Path(p) for p in data.get("manifests", [])],
        outputs=[Path(p) for p in data.get("outputs", [])],
        archives=[Path(p) for p in data.get("archives", [])],
        columns=Columns(**data.get("columns", {})),
        input_format=data.get("input_format"),
        fetch_missing=bool(data.get("fetch_missing")),
        keep_bytes=bool(data.get("keep_bytes")),
        chunk_rows=int(data.get("chunk_rows", 1000)),
    )


_CONTACT = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+\.[\w.-]+")
_TOKEN = re.compile(rf"(?:^|[\s(;]){USER_AGENT_TOKEN}(?:/|\b)", re.IGNORECASE)


def check_user_agent(user_agent: str) -> str:
    """A user-agent string a site owner can act on, or :class:`ConfigError` saying why not."""
    text = user_agent.strip()
    if not _TOKEN.search(text):
        raise ConfigError(
            f"--user-agent must keep the {USER_AGENT_TOKEN!r} product token (robots.txt rules "
            f"are read for it), e.g. '{USER_AGENT_TOKEN}/1.0 (+https://example.org/crawler)'"
        )
    if not _CONTACT.search(text):
        raise ConfigError(
            "--user-agent must carry a contact: an http(s):// URL or an e-mail address"
        )
    return text
