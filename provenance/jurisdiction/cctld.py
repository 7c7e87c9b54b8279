"""The host's top-level domain → evidence about the site operator's or audience's country.

The public suffix comes from tldextract's bundled snapshot, read offline (no network, no
cache written). ccTLDs sold worldwide as generic names (.io, .co, .ai, .tv, .me ...) are
not counted. Canadian provincial second-level domains (``.qc.ca``) and US state ones
(``.il.us``) give the subdivision; a few geographic gTLDs (``.quebec``, ``.berlin``) give a
subdivision hint.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

from provenance.jurisdiction._regions import COUNTRY_BY_CODE, display_name
from provenance.jurisdiction.model import Evidence, EvidenceSource

WEIGHT_CCTLD = 0.4
WEIGHT_SECOND_LEVEL = 0.5  # .qc.ca, .il.us: registered for that subdivision
WEIGHT_GEO_TLD = 0.4

# ccTLDs marketed and used as generic names; a .io site says nothing about the Chagos.
GENERIC_CCTLDS = frozenset(
    {
        "ac", "ad", "ai", "am", "as", "bz", "cc", "cd", "co", "dj", "fm", "gg", "io",
        "la", "ly", "me", "ms", "mu", "nu", "sh", "so", "st", "tk", "to", "tv", "vc", "ws",
    }
)  # fmt: skip
_CCTLD_TO_ISO = {"uk": "GB", "su": "RU"}
_NOT_COUNTRIES = frozenset({"eu", "asia", "arpa"})
GEO_TLDS: dict[str, str] = {
    "quebec": "CA-QC",
    "berlin": "DE-BE",
    "hamburg": "DE-HH",
    "bayern": "DE-BY",
    "koeln": "DE-NW",
    "cologne": "DE-NW",
    "nrw": "DE-NW",
    "ruhr": "DE-NW",
    "saarland": "DE-SL",
    "nyc": "US-NY",
    "boston": "US-MA",
    "miami": "US-FL",
    "vegas": "US-NV",
    "scot": "GB-SCT",
    "wales": "GB-WLS",
    "cymru": "GB-WLS",
    "london": "GB-ENG",
    "wien": "AT",
    "paris": "FR",
    "tokyo": "JP",
    "amsterdam": "NL",
    "brussels": "BE",
    "madrid": "ES",
    "barcelona": "ES",
    "swiss": "CH",
    "sydney": "AU-NSW",
    "melbourne": "AU-VIC",
}
_CA_SECOND_LEVEL = {
    "ab": "CA-AB", "bc": "CA-BC", "mb": "CA-MB", "nb": "CA-NB", "nl": "CA-NL", "nf": "CA-NL",
    "ns": "CA-NS", "nt": "CA-NT", "nu": "CA-NU", "on": "CA-ON", "pe": "CA-PE", "qc": "CA-QC",
    "sk": "CA-SK", "yk": "CA-YT",
}  # fmt: skip


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() and cache_dir=None: the bundled snapshot, no fetch, no cache file.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url_or_host: str) -> str:
    """The lowercase host of a URL or bare host name, without port or trailing dot."""
    text = url_or_host.strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def cctld_evidence(url_or_host: str | None) -> list[Evidence]:
    """Evidence from the host's public suffix; empty for IPs, localhost and generic TLDs."""
    if not url_or_host:
        return []
    host = host_of(url_or_host)
    if not host or _is_ip(host):
        return []
    try:
        parts = _extractor()(host)
    except Exception:
        return []
    suffix = parts.suffix
    if not suffix:
        return []
    labels = suffix.split(".")
    last = labels[-1]
    if last in GEO_TLDS:
        code = GEO_TLDS[last]
        detail = f"geographic gTLD .{last} → {display_name(code)}"
        return [Evidence(EvidenceSource.GEO_TLD, host, detail, WEIGHT_GEO_TLD, code)]
    if len(last) != 2 or not last.isalpha() or last in _NOT_COUNTRIES:
        return []
    if last in GENERIC_CCTLDS:
        return []
    country = _CCTLD_TO_ISO.get(last, last.upper())
    out: list[Evidence] = []
    second = labels[-2] if len(labels) >= 2 else None
    sub = None
    if last == "ca" and second in _CA_SECOND_LEVEL:
        sub = _CA_SECOND_LEVEL[second]
    elif last == "us" and second is not None and len(second) == 2:
        candidate = f"US-{second.upper()}"
        sub = candidate if display_name(candidate) != candidate else None
    if sub is not None:
        detail = f"public suffix .{suffix} is registered for {display_name(sub)}"
        out.append(Evidence(EvidenceSource.CCTLD, host, detail, WEIGHT_SECOND_LEVEL, sub))
    name = COUNTRY_BY_CODE[country].name if country in COUNTRY_BY_CODE else country
    detail = f"ccTLD .{last} (public suffix .{suffix}) → {name}"
    out.append(Evidence(EvidenceSource.CCTLD, host, detail, WEIGHT_CCTLD, country))
    return out


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
