"""The cheap host list agrees with the demo web's own declarations."""

from __future__ import annotations

from demoweb.manifest import build_manifest
from demoweb.names import SITE_HOSTS, is_demo_host


def test_site_hosts_match_the_built_web() -> None:
    hosts = build_manifest()["hosts"]
    aliases = {a["host"] for h in hosts for a in h["aliases"]}
    assert {h["host"] for h in hosts} | aliases == SITE_HOSTS


def test_scale_hosts_and_strangers() -> None:
    assert is_demo_host("bulk-007.example")
    assert is_demo_host("MAPLEBOOK.CA.")
    assert not is_demo_host("facebook.com")
    assert not is_demo_host("bulk-007.example.com")
