"""The demo web's host names, importable without building anything.

Other tools (the crawler's reproduce-mode check among them) ask "is this host part of the
demo web?" without paying for building its pages and images.
"""

from __future__ import annotations

import re

SITE_HOSTS = frozenset(
    {
        "maplebook.ca",
        "pixgram.com",
        "vidtube.com",
        "paylink.com",
        "nouvelles-mtl.ca",
        "prairiepros.ca",
        "countyrecords-il.us",
        "commonsgallery.org",
        "fotoblog-berlin.de",
        "northshore-school.ca",
        "portraitcircle.co.uk",
        "flaky-robots.net",
        "slow-robots.net",
        "broken-media.net",
        "www.lumen-social.com",
        "lumen-social.com",
        "media.lumencdn.net",
        "softpage-robots.net",
        "gated-robots.net",
        # robots.txt served as the real web serves it (demoweb/sites/robotscases.py)
        "moved-robots.net",
        "hops-robots.net",
        "robots-mirror.net",
        "deep-robots.net",
        "loop-robots.net",
        "guarded-robots.net",
        "bom-robots.net",
        "utf16-robots.net",
        "utf16be-robots.net",
        "gzip-robots.net",
        "huge-robots.net",
        "delay-robots.net",
        "northpier-press.com",
        "pierhouse-media.net",
        # plus:DataMining in every RDF/XML form (demoweb/sites/xmpforms.py)
        "xmp-forms.net",
    }
)
SCALE_HOST_PATTERN = r"bulk-\d{3,}\.example"
HOST_PATTERNS = (*(re.escape(h) for h in sorted(SITE_HOSTS)), SCALE_HOST_PATTERN)
"""Every demo-web host name as full-match regular expressions: what ``provtrack`` hands the
crawler (which does not import the demo web) so reproduce mode may touch these hosts."""
_SCALE_HOST = re.compile(SCALE_HOST_PATTERN)


def is_demo_host(host: str) -> bool:
    """Whether a host belongs to the demo web (its named sites or the procedural scale hosts)."""
    name = host.lower().rstrip(".")
    return name in SITE_HOSTS or _SCALE_HOST.fullmatch(name) is not None
