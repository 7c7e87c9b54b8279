"""Names of the demo web's hosts (placeholder until the demo web lands)."""

from __future__ import annotations

HOSTS = (
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
    "flaky-robots.net",
    "slow-robots.net",
    "broken-media.net",
)


def is_demo_host(host: str) -> bool:
    """Whether a host belongs to the demo web (named sites and the procedural scale hosts)."""
    host = host.lower().rstrip(".")
    return host in HOSTS or (host.startswith("bulk-") and host.endswith(".example"))
