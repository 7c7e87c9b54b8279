"""The address policy as a case table: each spelling's canonical form, each range's verdict."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from crawler.netpolicy import (
    HostError,
    address_refusal,
    canonical_host,
    local_name_refusal,
    parse_ipv4,
    parse_server,
)

# spelling -> canonical host
SPELLINGS = [
    ("127.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("0X7F000001", "127.0.0.1"),
    ("017700000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("127.0.1", "127.0.0.1"),
    ("0", "0.0.0.0"),  # noqa: S104 - a spelling, nothing binds
    ("127.0.0.1.", "127.0.0.1"),
    ("127.0.0.1..", "127.0.0.1"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ("[::FFFF:7F00:1]", "::ffff:7f00:1"),
    ("[0:0:0:0:0:0:0:1]", "::1"),
    ("Example.COM.", "example.com"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("BÜCHER.localhost", "xn--bcher-kva.localhost"),
]


@pytest.mark.parametrize(("spelling", "canonical"), SPELLINGS)
def test_canonical_spelling(spelling: str, canonical: str) -> None:
    assert canonical_host(spelling) == canonical


@pytest.mark.parametrize(
    "spelling", [s for s, _ in SPELLINGS if "." in s.rstrip(".") or s.isdigit() or s[:2] == "0x"]
)
def test_numeric_spellings_agree_with_inet_aton(spelling: str) -> None:
    """Our reading of a numeric host is the C library's (what a proxy would connect to)."""
    name = spelling.rstrip(".")
    try:
        expected = socket.inet_ntoa(socket.inet_aton(name))
    except OSError:
        assert parse_ipv4(name.lower()) is None
        return
    assert str(parse_ipv4(name.lower())) == expected


@pytest.mark.parametrize(
    "host", ["1.2.3.256", "256.1", "4294967296", "08.1.1.1", "1.2.3.4.5", "example.123", "", "."]
)
def test_unreadable_hosts_are_errors_and_refused(host: str) -> None:
    with pytest.raises(HostError):
        canonical_host(host)
    assert local_name_refusal(host) is not None


# address -> refused (True) or allowed (False); the comment says which rule
RANGES = [
    ("127.0.0.1", True),  # loopback
    ("10.1.2.3", True),  # private
    ("172.16.0.1", True),
    ("192.168.1.1", True),
    ("169.254.169.254", True),  # link-local (cloud metadata)
    ("100.64.0.1", True),  # shared address space
    ("100.100.100.200", True),  # Alibaba cloud metadata
    ("100.127.255.254", True),
    ("192.0.0.1", True),  # IETF protocol assignments, all of 192.0.0.0/24
    ("192.0.0.9", True),
    ("192.0.0.170", True),
    ("192.0.2.1", True),  # documentation
    ("198.18.0.1", True),  # benchmarking
    ("0.0.0.0", True),  # noqa: S104 - unspecified
    ("0.1.2.3", True),  # "this network"
    ("224.0.0.1", True),  # multicast
    ("240.0.0.1", True),  # reserved
    ("255.255.255.255", True),
    ("::1", True),
    ("::", True),
    ("fe80::1", True),
    ("fc00::1", True),  # unique local
    ("ff02::1", True),  # multicast
    ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
    ("::ffff:10.0.0.1", True),
    ("::ffff:8.8.8.8", True),  # mapped addresses are not globally routable as IPv6 either
    ("::127.0.0.1", True),  # IPv4-compatible
    ("64:ff9b::10.0.0.1", True),  # NAT64 of a private address
    ("2002:7f00:1::1", True),  # 6to4 of loopback
    ("2002:a9fe:a9fe::1", True),  # 6to4 of link-local
    ("2002:808:808::1", True),  # 6to4 at all: 2002::/16 is refused
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo
    ("2001:db8::1", True),  # documentation
    ("8.8.8.8", False),
    ("1.1.1.1", False),
    ("93.184.215.14", False),
    ("2606:4700:4700::1111", False),
    ("2a00:1450:4001:82a::200e", False),
]


@pytest.mark.parametrize(("address", "refused"), RANGES)
def test_address_ranges(address: str, refused: bool) -> None:
    reason = address_refusal(address)
    assert (reason is not None) == refused, reason


def test_embedded_addresses_are_named_in_the_reason() -> None:
    assert address_refusal("2002:c0a8:1::1") == (
        "6to4 embedding of private address 192.168.0.1 in 2002:c0a8:1::1"
    )
    assert "IPv4-mapped embedding of loopback" in str(address_refusal("::ffff:7f00:1"))
    assert "Teredo client embedding" in str(address_refusal("2001:0:4136:e378:8000:63bf:3fff:fdd2"))


def test_every_address_of_shared_space_and_ietf_block_is_refused() -> None:
    for network in ("100.64.0.0/10", "192.0.0.0/24", "2002::/16"):
        net = ipaddress.ip_network(network)
        for ip in (net[0], net[1], net[net.num_addresses // 2], net[-1]):
            assert address_refusal(ip) is not None, ip


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST.", "a.localhost", "x.y.localhost", "printer.local", "db.internal"],
)
def test_names_of_this_machine_are_refused_without_a_lookup(host: str) -> None:
    assert "names this machine" in str(local_name_refusal(host))


def test_this_machines_own_name_is_refused() -> None:
    assert local_name_refusal(socket.gethostname()) is not None


@pytest.mark.parametrize("host", ["maplebook.ca", "8.8.8.8", "[2606:4700:4700::1111]"])
def test_public_hosts_pass_the_local_check(host: str) -> None:
    assert local_name_refusal(host) is None


def test_dns_server_spec() -> None:
    assert parse_server("127.0.0.1") == ("127.0.0.1", 53)
    assert parse_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_server("[::1]:5353") == ("::1", 5353)
    for bad in ("dns.example", "127.0.0.1:0", "127.0.0.1:x", ""):
        with pytest.raises(ValueError, match="DNS server"):
            parse_server(bad)
