"""Telling a crawl that reached nothing from a crawl of sites that said no.

When no seed host resolves or accepts a connection (typically a forgotten ``--proxy`` with
demo-web names, or a proxy that is down), every robots.txt is unreachable, RFC 9309 makes that
a complete disallow, and the run used to end as "finished" with every page skipped: a result
that looks like the sites opted out. :func:`unreachable_cause` reads the crawl's stats and, when
not a single HTTP response came back, names the cause in one line for the CLI to exit on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from crawler.config import host_of

_EXCEPTIONS = "downloader/exception_type_count/"
_POLICY_ERRORS = "provtrack/policy/error/"
_DNS = ("DNSLookupError", "UnresolvedHost", "gaierror", "NoNameservers", "NXDOMAIN")
_CONNECT = ("ConnectionRefusedError", "ConnectError", "TCPTimedOutError", "ConnectionLost")
_TIMEOUT = ("TimeoutError", "DownloadTimeoutError")
_TLS = ("SSLError", "CertificateError", "VerificationError")


def _errors(stats: dict[str, Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key, value in stats.items():
        for prefix in (_EXCEPTIONS, _POLICY_ERRORS):
            if key.startswith(prefix) and isinstance(value, int):
                counts[key[len(prefix) :].rsplit(".", 1)[-1]] += value
    return counts


def unreachable_cause(
    stats: dict[str, Any],
    seeds: Iterable[str],
    *,
    proxy: str | None,
    is_demo_host: Callable[[str], bool],
) -> str | None:
    """One line saying why the crawl reached nothing, or None when any host answered."""
    if stats.get("downloader/response_count", 0):
        return None
    errors = _errors(stats)
    if not errors:
        return None
    hosts = sorted({host_of(s) for s in seeds if host_of(s)})
    named = ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
    main = errors.most_common(1)[0][0]
    if any(tag in name for name in errors for tag in _DNS):
        what = f"no seed host resolved ({named})"
    elif any(tag in name for name in errors for tag in _TLS):
        # the hosts answered, with certificates no trusted CA signed: the cause is known
        return (
            f"no seed host's certificate verified ({named}): behind an intercepting proxy, pass "
            "its CA with --ca-cert FILE (the demo web's: --demo-ca FILE)"
        )
    elif any(tag in main for tag in _CONNECT + _TIMEOUT):
        what = f"no seed host accepted a connection ({named})"
    else:
        what = f"no seed host answered ({named}: {main})"
    if proxy:
        return f"{what}: is the proxy {proxy} up?"
    if any(is_demo_host(h) for h in hosts):
        return (
            f"{what}: these are demo-web names, reachable only through its proxy: start "
            "`provtrack demoweb serve` and pass --proxy http://127.0.0.1:PORT"
        )
    return f"{what}: check the names and this machine's network"
