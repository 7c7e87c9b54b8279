"""The server's IP address → evidence that is recorded but, offline, not located.

No IP geolocation database is bundled and nothing is downloaded, so a public address is
kept as unresolved evidence (``code=None``): an investigator can look it up later, and the
Australian tribunal did count collection from servers located in Australia. Loopback,
private, link-local and reserved addresses say nothing about anyone's jurisdiction and give
no evidence at all.
"""

from __future__ import annotations

import ipaddress

from provenance.jurisdiction.model import Evidence, EvidenceSource


def server_ip_evidence(ip: str | None) -> list[Evidence]:
    """One unresolved evidence item for a public IP; empty for anything else."""
    if not ip:
        return []
    try:
        addr = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return []
    if not addr.is_global or addr.is_multicast:
        return []
    detail = (
        f"server IP {addr} (IPv{addr.version}); no offline geolocation database is bundled, "
        "so the location is not resolved"
    )
    return [Evidence(EvidenceSource.SERVER_IP, str(addr), detail, 0.0, None)]
