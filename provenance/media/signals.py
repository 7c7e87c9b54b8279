"""Turn the embedded opt-out facts of one image into shared :class:`Signal` objects.

Only signals that are present become objects. An image without ``plus:DataMining`` or a
training-mining assertion yields none, and that absence is not permission: the facts say
"absent" (metadata is often stripped by publishing platforms) and policies treat it as unknown.
"""

from __future__ import annotations

from provenance.media.credentials import RESTRICTIVE_USES
from provenance.media.facts import MediaFacts
from provenance.signals.model import Level, Signal, SignalKind


def data_mining_restricts(value: str) -> bool:
    """Every ``DMI-PROHIBITED*`` value restricts; ALLOWED and UNSPECIFIED do not."""
    return value.upper().startswith("DMI-PROHIBITED")


def signals(facts: MediaFacts, url: str | None = None) -> list[Signal]:
    """The IPTC Data Mining and C2PA/CAWG training-mining signals embedded in one image."""
    where = url if url is not None else facts.url
    out: list[Signal] = []
    xmp = facts.xmp
    if xmp.data_mining is not None:
        out.append(
            Signal(
                kind=SignalKind.IPTC_DATA_MINING,
                value=xmp.data_mining,
                source="xmp",
                evidence=xmp.data_mining_evidence or xmp.data_mining_uri or xmp.data_mining,
                level=Level.IMAGE,
                restricts=data_mining_restricts(xmp.data_mining),
                url=where,
                extra={
                    "uri": xmp.data_mining_uri,
                    "other_constraints": xmp.other_constraints,
                    "unsafe_packet": xmp.unsafe,
                },
            )
        )
    if xmp.tdm_reservation is not None:
        # TDMRep written into the file (namespace http://www.w3.org/ns/tdmrep/): "1" reserves
        # text and data mining rights, as the header and tdmrep.json do
        out.append(
            Signal(
                kind=SignalKind.TDM_RESERVATION,
                value=xmp.tdm_reservation,
                source="xmp",
                evidence=xmp.tdm_evidence or f"tdm:reservation={xmp.tdm_reservation}",
                level=Level.IMAGE,
                restricts=xmp.tdm_reservation.strip() == "1",
                url=where,
                extra={"tdm_policy": xmp.tdm_policy, "unsafe_packet": xmp.unsafe},
            )
        )
    c2pa = facts.c2pa
    evidence = "\n".join(c2pa.training_mining_evidence)
    for key, use in sorted(c2pa.training_mining.items()):
        out.append(
            Signal(
                kind=SignalKind.C2PA_TRAINING_MINING,
                value=f"{key}={use}",
                source="c2pa",
                evidence=evidence,
                level=Level.IMAGE,
                restricts=use in RESTRICTIVE_USES,
                url=where,
                extra={
                    "key": key,
                    "use": use,
                    "labels": list(c2pa.training_mining_labels),
                    "validation_state": c2pa.validation_state,
                    "valid": c2pa.valid,
                    "active_manifest": c2pa.active_manifest,
                },
            )
        )
    return out
