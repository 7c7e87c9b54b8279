"""The declarative shape of the demo web: hosts, pages, images and the policy files they serve.

Site modules fill these frozen records; the server serves them and the manifest is derived
from them, so what is served and what is written down cannot drift apart.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

Headers = tuple[tuple[str, str], ...]
"""Extra response headers, in the order they are sent. Each name appears at most once."""

SourceType = Literal[
    "social_media",
    "news_publication",
    "business_directory",
    "statutory_registry",
    "court_record",
    "personal_site",
    "school_newsletter",
    "photo_sharing",
    "video_platform",
    "payment_feed",
    "image_gallery",
    "other",
]

Variant = Literal["original", "resized", "cropped", "recompressed", "mirrored"]

Hostile = Literal[
    "truncated",
    "corrupt",
    "decompression_bomb",
    "too_large",
    "wrong_content_type",
    "not_an_image",
    "redirect_loop",
    "link_local",
    "script_in_text",
]

ClauseKind = Literal[
    "prohibits-scraping",
    "prohibits-biometric",
    "prohibits-commercial-reuse",
    "permits-reuse-with-licence",
]


@dataclass(frozen=True, slots=True)
class Exif:
    """EXIF fields written into a JPEG; ``gps`` is (latitude, longitude) in decimal degrees."""

    make: str | None = None
    model: str | None = None
    datetime_original: str | None = None
    gps: tuple[float, float] | None = None
    image_description: str | None = None
    artist: str | None = None


@dataclass(frozen=True, slots=True)
class Xmp:
    """An XMP packet written by hand into APP1 segments of a JPEG.

    ``data_mining`` is the PLUS vocabulary token (``DMI-PROHIBITED-AIMLTRAINING``); it is
    written as the full vocabulary URI in the form ``data_mining_form`` says, so readers meet
    every RDF/XML spelling: element text, attribute, ``rdf:resource``, a nested node with
    ``rdf:about``, ``rdf:li`` in an ``rdf:Bag``, ``rdf:parseType="Resource"`` with
    ``rdf:value``. With ``unsafe_dtd`` the packet declares a DTD with entities (never to be
    expanded); its DataMining value is written literally all the same. With ``extended`` the
    DataMining property (and a large history) live in Extended XMP segments, not in the main packet.
    """

    creator: str | None = None
    rights: str | None = None
    data_mining: str | None = None
    data_mining_form: Literal["element", "attribute", "resource", "about", "bag", "parse-type"] = (
        "element"
    )
    digital_source_type: str | None = None
    city: str | None = None
    state: str | None = None
    country_code: str | None = None
    extended: bool = False
    unsafe_dtd: bool = False  # the packet declares a DTD with entities: safe parsers refuse it


@dataclass(frozen=True, slots=True)
class C2pa:
    """A C2PA manifest signed into the file with a CAWG training-mining assertion."""

    entries: tuple[tuple[str, str], ...]  # (key, use), e.g. ("cawg.ai_training", "notAllowed")


@dataclass(frozen=True, slots=True)
class Subject:
    """What is known of the person pictured: where they live and whether they are a minor."""

    jurisdiction: str | None
    country: str | None
    is_minor: bool
    evidence: str


@dataclass(frozen=True, slots=True)
class Img:
    """One image URL on a host and the recipe that produces its bytes.

    ``path`` is host-relative, except for ``link_local`` images whose ``path`` is the absolute
    URL the page points at (never served by the demo web). ``photo`` is the photograph's id
    in ``demoweb.photos.LIBRARY``, or empty for hostile files that show no photograph.
    """

    path: str
    photo: str
    variant: Variant = "original"
    alt: str = ""
    title: str | None = None
    size: int = 480
    quality: int = 85
    fmt: Literal["JPEG", "PNG"] = "JPEG"
    headers: Headers = ()
    exif: Exif | None = None
    xmp: Xmp | None = None
    c2pa: C2pa | None = None
    subject: Subject | None = None
    hostile: Hostile | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML page as served; ``js_images`` are the image paths only a browser renders."""

    path: str
    html: str
    headers: Headers = ()
    js_images: tuple[str, ...] = ()
    status: int = 200
    location: str | None = None  # for redirects
    hostile: Hostile | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """Anything else a host serves: scripts, JSON APIs, policy documents."""

    path: str
    content_type: str
    body: bytes
    status: int = 200
    headers: Headers = ()


@dataclass(frozen=True, slots=True)
class RobotsGroup:
    """One robots.txt group: its user-agent lines and its rule lines, in order."""

    agents: tuple[str, ...]
    rules: tuple[tuple[str, str], ...]  # ("Disallow", "/"), ("Content-Signal", "ai-train=no")


RobotsEncoding = Literal["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "gzip"]
"""How robots.txt's text is served: plain UTF-8, with a BOM, UTF-16 with a BOM, or gzip
(``Content-Encoding: gzip``)."""

MAX_ROBOTS_REDIRECTS = 5
"""Redirects a crawler follows for robots.txt (RFC 9309 §2.3.1.2); a sixth gives up."""
ROBOTS_PARSED_BYTES = 500 * 1024
"""What RFC 9309 §2.5 asks a parser to read of robots.txt at least (500 KiB)."""


@dataclass(frozen=True, slots=True)
class Robots:
    """What ``/robots.txt`` answers: a body with groups, a status, or a hang (``timeout``).

    ``redirects``: absolute URLs; ``/robots.txt`` redirects to the first, each to the next,
    and the last serves the file (with ``loop``, the last redirects back to ``/robots.txt``).
    ``pad_to``: the file is padded with comment lines to that many bytes after its groups,
    then ``tail`` follows: rules past the 500 KiB a parser reads, which must not count.
    """

    status: int | Literal["timeout"] = 200
    groups: tuple[RobotsGroup, ...] = ()
    comment: str = ""
    licenses: tuple[str, ...] = ()  # RSL "License: URL" lines, global, before the groups
    soft_404: str | None = None
    """An HTML "page not found" served with 200 as ``text/html`` instead of any rules."""
    first_status: int | None = None
    """The status the very first request for robots.txt gets (403): later ones get the file."""
    redirects: tuple[str, ...] = ()
    loop: bool = False
    encoding: RobotsEncoding = "utf-8"
    pad_to: int = 0
    tail: tuple[RobotsGroup, ...] = ()

    @property
    def gives_up(self) -> str | None:
        """Why a crawler must give up on the redirect chain (then: complete disallow)."""
        if self.loop:
            return "redirect loop"
        if self.redirects and ip_literal(self.redirects[-1]):
            return "redirect to a loopback or private address: refused"
        if len(self.redirects) > MAX_ROBOTS_REDIRECTS:
            return f"more than {MAX_ROBOTS_REDIRECTS} redirects"
        return None

    def body(self) -> str | None:
        """The text that decides: what a crawler parses of the file served with a 200.

        For a padded file, only what precedes the padding (well within 500 KiB); the file as
        served is :meth:`served_text`.
        """
        if self.status != 200:
            return None
        if self.soft_404 is not None:
            return self.soft_404
        return _render(self.comment, self.licenses, self.groups)

    def served_text(self) -> str | None:
        """The whole text served (padding and tail included)."""
        head = self.body()
        if head is None or not self.pad_to:
            return head
        line = "# " + "padding that only fills the file up; nothing here is a rule " * 2 + "\n"
        fill = max(0, self.pad_to - len(head.encode()))
        count = fill // len(line) + 1
        tail = _render("", (), self.tail)
        return head + line * count + "\n" + tail


def ip_literal(url: str) -> bool:
    """Whether a URL's host is an IP address (the demo web serves none; a guard refuses them)."""
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _render(comment: str, licenses: tuple[str, ...], groups: tuple[RobotsGroup, ...]) -> str:
    parts = [f"# {line}" for line in comment.splitlines()]
    parts.extend(f"License: {url}" for url in licenses)
    for group in groups:
        if parts:
            parts.append("")
        parts.extend(f"User-agent: {agent}" for agent in group.agents)
        parts.extend(f"{name}: {value}" for name, value in group.rules)
    return "\n".join(parts) + "\n"


@dataclass(frozen=True, slots=True)
class Clause:
    """One classified sentence of a terms page, quoted exactly as served."""

    kind: ClauseKind
    sentence: str


@dataclass(frozen=True, slots=True)
class Terms:
    """The host's terms page (its HTML is one of the host's pages) and its classified clauses."""

    path: str
    lang: str
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """The site's own jurisdiction as its pages show it."""

    country: str | None
    subdivision: str | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Host:
    """One demo site: identity, policy files, pages, images and other resources."""

    name: str
    description: str
    source_type: SourceType
    jurisdiction: Jurisdiction
    pages: tuple[Page, ...]
    images: tuple[Img, ...]
    robots: Robots | None = None  # None: /robots.txt is 404
    ai_txt: str | None = None
    tdmrep: tuple[dict[str, object], ...] | None = None
    terms: Terms | None = None
    addresses: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    js_rendered: bool = False
    resources: tuple[Resource, ...] = field(default=())
    scheme: Literal["http", "https"] = "http"
    """``https``: pages live at ``https://NAME``; every ``http://`` URL of the host (and of its
    aliases) answers 301 to the same path over HTTPS. ``http`` hosts serve both schemes."""
    aliases: tuple[str, ...] = ()
    """Other names of the site (the apex of a ``www`` host): every URL there, robots.txt
    included, answers 301 to the same path on ``NAME`` (after the http->https hop)."""
    seed_host: str | None = None
    """The name a user types for the site (an alias); ``None``: ``NAME`` itself."""

    @property
    def origin(self) -> str:
        """``scheme://name``: where the host's pages and images are served."""
        return f"{self.scheme}://{self.name}"
