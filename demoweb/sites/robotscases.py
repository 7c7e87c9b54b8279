"""Hosts whose robots.txt is served the ways the real web serves it (RFC 9309 §2.3.1.2, §2.5).

Each host's home page shows two photos: ``/img/open.jpg`` and ``/img/closed/harbour.jpg``. The
robots.txt a crawler must end up reading disallows ``/img/closed/`` only, so a crawler that
reads it right collects the first and skips the second; one that reads "no robots.txt" (fail
open) collects both; one that gives up where it should not sees neither.

- ``moved-robots.net``: one redirect on the same host (301 to ``/site/robots.txt``);
- ``hops-robots.net``: five redirects (301, 302, 307, 308, 303), across to
  ``robots-mirror.net`` and back and across again: the final file, served by the mirror,
  decides for hops-robots.net (the mirror's own robots.txt allows everything);
- ``deep-robots.net``: six redirects, and ``loop-robots.net``: a loop; a crawler gives up
  (complete disallow), although the file at the end would allow everything;
- ``guarded-robots.net``: the redirect points at 127.0.0.1, which the address guard refuses;
- ``bom-robots.net`` (UTF-8 with BOM), ``utf16-robots.net`` (UTF-16 LE with BOM),
  ``utf16be-robots.net`` (UTF-16 BE with BOM), ``gzip-robots.net`` (``Content-Encoding:
  gzip``);
- ``delay-robots.net``: ``Crawl-delay: 1`` in provtrack's group, honoured and recorded;
- ``huge-robots.net``: 20 MB; the rules of its first 500 KiB decide, a ``Disallow: /`` for
  every agent after 20 MB of comments must not count;
- ``northpier-press.com`` (HTTPS): ``http://northpier-press.com/robots.txt`` answers 301 to
  ``https://``, which answers 301 to the file its publishing group keeps for it on another
  HTTPS host, ``https://pierhouse-media.net/robots/northpier-press.txt``. That file decides for
  northpier-press.com; ``pierhouse-media.net``'s own robots.txt says something else (it closes
  ``/img/``), so a crawler that applied the final host's own rules skips the open photo too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from demoweb.html import Chrome, esc, figure
from demoweb.model import Host, Img, Jurisdiction, Page, Robots, RobotsEncoding, RobotsGroup

_NOWHERE = Jurisdiction(None, None, ("generic TLD .net; no address, phone or language hint",))
MIRROR = "robots-mirror.net"
PRESS = "northpier-press.com"
GROUP = "pierhouse-media.net"
PRESS_FILE = f"https://{GROUP}/robots/northpier-press.txt"
HUGE_BYTES = 20 * 1024 * 1024

OPEN = Img("/img/open.jpg", photo="grass", variant="cropped", alt="Grass on the dunes")
CLOSED = Img("/img/closed/harbour.jpg", photo="rocket", variant="mirrored", alt="Rocket at the pad")
RULES = (RobotsGroup(("*",), (("Disallow", "/img/closed/"),)),)
"""What the robots.txt a crawler must read says: only /img/closed/ is off limits."""
ALLOW_ALL = (RobotsGroup(("*",), (("Allow", "/"),)),)


def _host(
    name: str,
    description: str,
    robots: Robots,
    images: tuple[Img, ...],
    scheme: Literal["http", "https"] = "http",
) -> Host:
    chrome = Chrome(name=name, lang="en", nav=(("/", "Home"),), footer=f"<p>{esc(name)}</p>")
    home = chrome.page(
        name, f"<h1>{esc(name)}</h1>\n" + "\n".join(figure(i, i.alt) for i in images)
    )
    return Host(
        name=name,
        description=description,
        source_type="other",
        jurisdiction=_NOWHERE,
        pages=(Page("/", home),),
        images=images,
        robots=robots,
        scheme=scheme,
    )


def _case(name: str, description: str, robots: Robots) -> Callable[[], Host]:
    return lambda: _host(name, description, robots, (OPEN, CLOSED))


def mirror() -> Host:
    """robots-mirror.net: serves hops-robots.net's redirect hops and final file; its own
    robots.txt allows everything."""
    return _host(
        MIRROR,
        "serves another host's robots.txt at the end of its redirect chain; its own allows all",
        Robots(groups=ALLOW_ALL),
        (OPEN,),
    )


def press() -> Host:
    """northpier-press.com: HTTPS; its robots.txt is its group's file on another HTTPS host."""
    return _host(
        PRESS,
        f"HTTPS; robots.txt redirects http -> https -> {PRESS_FILE} (another host): that "
        "file's rules decide for this host",
        Robots(groups=RULES, redirects=(PRESS_FILE,)),
        (OPEN, CLOSED),
        scheme="https",
    )


GROUP_RULES = (RobotsGroup(("*",), (("Disallow", "/img/"),)),)
"""pierhouse-media.net's own robots.txt: not what decides for northpier-press.com."""


def group() -> Host:
    """pierhouse-media.net: HTTPS; serves northpier-press.com's robots.txt file, and has its
    own robots.txt with other rules (it closes /img/)."""
    return _host(
        GROUP,
        f"HTTPS; serves {PRESS}'s robots.txt at /robots/northpier-press.txt; its own "
        "robots.txt closes /img/",
        Robots(comment="Pierhouse Media group", groups=GROUP_RULES),
        (OPEN,),
        scheme="https",
    )


def _encoded(name: str, encoding: RobotsEncoding, what: str) -> Callable[[], Host]:
    return _case(name, f"robots.txt served {what}", Robots(groups=RULES, encoding=encoding))


HOPS = (
    "http://hops-robots.net/r/1",
    f"http://{MIRROR}/hops/2",
    f"http://{MIRROR}/hops/3",
    "http://hops-robots.net/r/4",
    f"http://{MIRROR}/hops/hops-robots.txt",
)

SITES: tuple[Callable[[], Host], ...] = (
    _case(
        "moved-robots.net",
        "robots.txt redirects once on the same host (301 to /site/robots.txt)",
        Robots(groups=RULES, redirects=("http://moved-robots.net/site/robots.txt",)),
    ),
    _case(
        "hops-robots.net",
        f"robots.txt is five redirects away, across to {MIRROR} and back; the mirror's file "
        "decides for this host",
        Robots(groups=RULES, redirects=HOPS),
    ),
    mirror,
    _case(
        "deep-robots.net",
        "robots.txt is six redirects away: a crawler gives up (complete disallow)",
        Robots(
            groups=ALLOW_ALL,
            redirects=tuple(f"http://deep-robots.net/hop/{i}" for i in range(1, 7)),
        ),
    ),
    _case(
        "loop-robots.net",
        "robots.txt redirects in a loop: a crawler gives up (complete disallow)",
        Robots(groups=ALLOW_ALL, redirects=("http://loop-robots.net/robots-b.txt",), loop=True),
    ),
    _case(
        "guarded-robots.net",
        "robots.txt redirects to http://127.0.0.1/robots.txt: the address guard refuses the hop "
        "(complete disallow)",
        Robots(groups=ALLOW_ALL, redirects=("http://127.0.0.1/robots.txt",)),
    ),
    _encoded("bom-robots.net", "utf-8-bom", "as UTF-8 with a byte-order mark"),
    _encoded("utf16-robots.net", "utf-16-le", "as UTF-16 little-endian with a BOM"),
    _encoded("utf16be-robots.net", "utf-16-be", "as UTF-16 big-endian with a BOM"),
    _encoded("gzip-robots.net", "gzip", "gzip-compressed (Content-Encoding: gzip)"),
    _case(
        "delay-robots.net",
        "robots.txt asks provtrack for a Crawl-delay of 1 s: its requests are a second apart",
        Robots(
            groups=(
                RobotsGroup(("provtrack",), (("Crawl-delay", "1"), ("Disallow", "/img/closed/"))),
            )
        ),
    ),
    _case(
        "huge-robots.net",
        "robots.txt of 20 MB: its first 500 KiB decide; a Disallow: / after the padding "
        "must not count",
        Robots(
            groups=RULES,
            pad_to=HUGE_BYTES,
            tail=(RobotsGroup(("*",), (("Disallow", "/"),)),),
        ),
    ),
    press,
    group,
)

CASE_HOSTS = frozenset(
    {
        "moved-robots.net",
        "hops-robots.net",
        MIRROR,
        "deep-robots.net",
        "loop-robots.net",
        "guarded-robots.net",
        "bom-robots.net",
        "utf16-robots.net",
        "utf16be-robots.net",
        "gzip-robots.net",
        "huge-robots.net",
        "delay-robots.net",
        PRESS,
        GROUP,
    }
)
"""The hosts of this module (two photos each, one on the mirror and one on the group host): the
content checks of the other sites (six or more images per host) do not apply to them."""
