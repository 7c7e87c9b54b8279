"""The demo web's sites, one module per host (edge-case hosts share one); each declares a Host."""

from __future__ import annotations

from collections.abc import Callable

from demoweb.model import Host
from demoweb.sites import (
    commonsgallery,
    countyrecords,
    edgecases,
    fotoblog,
    maplebook,
    northshore,
    nouvelles,
    paylink,
    pixgram,
    portraitcircle,
    prairiepros,
    realweb,
    robotscases,
    vidtube,
    xmpforms,
)

SITES: tuple[Callable[[], Host], ...] = (
    maplebook.host,
    pixgram.host,
    vidtube.host,
    paylink.host,
    nouvelles.host,
    prairiepros.host,
    countyrecords.host,
    commonsgallery.host,
    fotoblog.host,
    northshore.host,
    portraitcircle.host,
    edgecases.flaky,
    edgecases.slow,
    edgecases.broken,
    realweb.social,
    realweb.cdn,
    realweb.soft_404,
    realweb.gated,
    *robotscases.SITES,
    xmpforms.host,
)


def all_hosts() -> tuple[Host, ...]:
    """Every host of the small demo web, in a fixed order."""
    return tuple(site() for site in SITES)
