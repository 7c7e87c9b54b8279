"""Which hosts and addresses a provenance crawler may connect to: pure functions, no network.

A host is first put in one canonical spelling, the way the network stack would read it:
every IPv4 spelling ``inet_aton`` accepts (``127.1``, ``2130706433``, ``0x7f000001``,
``017700000001``, ``0``) becomes its dotted quad, trailing dots go, IPv6 is compressed and
lower-cased, Unicode names become their IDNA A-label. Deciding on any other spelling lets
``127.1`` through a check written for ``127.0.0.1``.

An address is allowed only when it is globally routable: :mod:`ipaddress`' ``is_global``,
and besides it the ranges it does not (or not in every Python version) refuse: shared
address space 100.64.0.0/10 (cloud metadata at 100.100.100.200), the IETF protocol block
192.0.0.0/24, 6to4 2002::/16, multicast; an IPv6 address that carries an IPv4 address
(IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) is also judged by the address it
carries.
"""

from __future__ import annotations

import ipaddress
import re
import socket

import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

EXTRA_REFUSED = (
    (ipaddress.ip_network("100.64.0.0/10"), "shared address space (carrier NAT, cloud metadata)"),
    (ipaddress.ip_network("192.0.0.0/24"), "IETF protocol assignments"),
    (ipaddress.ip_network("2002::/16"), "6to4"),
    (ipaddress.ip_network("2001::/32"), "Teredo"),
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
"""Names that by standard or convention name this machine or its own network (RFC 6761,
RFC 6762, RFC 8375, ICANN's .internal): a proxy on this machine resolves them to itself."""
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})

_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")


class HostError(ValueError):
    """A host that cannot be put in a canonical spelling (and so is refused)."""


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address an ``inet_aton``-style spelling names, or None when it is not one.

    One to four parts, each decimal, octal (leading ``0``) or hexadecimal (``0x``); the last
    part fills the bytes the others leave. This is what glibc, curl and Python's socket
    module accept, and what a proxy handed the name would connect to.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(p) for p in parts):
        return None
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (5 - len(values))):
        raise HostError(f"numeric host {host!r} is out of range")
    number = 0
    for value in head:
        number = number << 8 | value
    number = number << (8 * (4 - len(head))) | last
    return ipaddress.IPv4Address(number)


def canonical_host(host: str) -> str:
    """The one spelling of a host that every check below is made on.

    Raises :class:`HostError` for what cannot be read: an empty name, a zone id, a name
    whose last label is numeric but is no IPv4 address (WHATWG URL parsing refuses those
    too), a name IDNA cannot encode.
    """
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if ":" in name:
        if "%" in name:
            raise HostError(f"IPv6 host {host!r} has a zone id")
        try:
            return str(ipaddress.IPv6Address(name))
        except ValueError as err:
            raise HostError(f"unreadable IPv6 host {host!r}") from err
    name = name.rstrip(".").lower()
    if not name:
        raise HostError(f"empty host {host!r}")
    ipv4 = parse_ipv4(name)
    if ipv4 is not None:
        return str(ipv4)
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        raise HostError(f"numeric host {host!r} is not an IPv4 address")
    if name.isascii():
        return name
    try:
        return idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as err:
        raise HostError(f"host {host!r} is not a valid IDNA name: {err}") from err


def ip_literal(host: str) -> IPAddress | None:
    """The address a canonical host names literally, or None for a DNS name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _embedded(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    found: list[tuple[str, ipaddress.IPv4Address]] = []
    if ip.ipv4_mapped is not None:
        found.append(("IPv4-mapped", ip.ipv4_mapped))
    if ip.sixtofour is not None:
        found.append(("6to4", ip.sixtofour))
    if ip.teredo is not None:
        found.append(("Teredo server", ip.teredo[0]))
        found.append(("Teredo client", ip.teredo[1]))
    if ip in NAT64:
        found.append(("NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    if int(ip) >> 32 == 0 and int(ip) > 1:
        found.append(("IPv4-compatible", ipaddress.IPv4Address(int(ip))))
    return found


def _category(ip: IPAddress) -> str | None:
    for label, test in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if test:
            return label
    for network, label in EXTRA_REFUSED:
        if ip.version == network.version and ip in network:
            return label
    if not ip.is_global:
        return "not globally routable"
    return None


def address_refusal(address: str | IPAddress) -> str | None:
    """Why an address is refused (``"loopback address 127.0.0.1"``), or None when allowed.

    Anything that is not an address at all is refused: this answers "may we connect here",
    and the only safe answer about something unreadable is no.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"unreadable address {address!r}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return f"scoped address {ip}"
        for how, inner in _embedded(ip):
            inner_reason = _category(inner)
            if inner_reason is not None:
                return f"{how} embedding of {inner_reason} address {inner} in {ip}"
    reason = _category(ip)
    return f"{reason} address {ip}" if reason else None


def this_machine_names() -> frozenset[str]:
    """This machine's own host name (and its first label): a proxy here resolves them here."""
    name = socket.gethostname().lower().rstrip(".")
    return frozenset({name, name.split(".")[0]}) if name else frozenset()


def local_name_refusal(host: str) -> str | None:
    """Why a host is refused without any lookup, or None when only DNS can tell.

    Names that name this machine (``localhost``, ``*.localhost``, its own host name) and
    every literal address that is not global are refused here: through a proxy they are
    the proxy's own machine, and without one they need no lookup to be refused.
    """
    try:
        name = canonical_host(host)
    except HostError as err:
        return str(err)
    literal = ip_literal(name)
    if literal is not None:
        reason = address_refusal(literal)
        if reason is None:
            return None
        spelled = host.strip("[]").lower()
        return reason if spelled == name else f"{reason} (spelled {host!r})"
    if name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIXES) or name in this_machine_names():
        return f"local name {name!r} (names this machine)"
    return None


def parse_server(spec: str) -> tuple[str, int]:
    """``HOST`` or ``HOST:PORT`` (``[v6]:PORT``) of a DNS server, port 53 by default."""
    text = spec.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, "53"
    literal = ip_literal(host)
    if literal is None or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"DNS server {spec!r} is not an IP address with an optional port")
    return str(literal), int(port)
