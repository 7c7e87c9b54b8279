"""Jurisdiction inference: where a site and a pictured person most likely belong, with evidence.

Each evidence source is a small module with a pure function returning :class:`Evidence`
(``cctld``, ``language``, ``geometa``, ``postal``, ``phone``, ``gps``, ``xmp``, ``places``,
``currency``, ``network``). :func:`site_evidence` and :func:`subject_evidence` gather them
from what the crawler already has; :func:`infer_site` and :func:`infer_subject` rank
candidates without ever averaging conflicting countries away; :func:`detect_minor` reads
age and school cues. Everything runs offline.
"""

from __future__ import annotations

from provenance.jurisdiction._regions import display_name
from provenance.jurisdiction.cctld import cctld_evidence
from provenance.jurisdiction.collect import site_evidence, subject_evidence
from provenance.jurisdiction.currency import currency_evidence
from provenance.jurisdiction.geometa import geo_meta_evidence
from provenance.jurisdiction.gps import gps_evidence
from provenance.jurisdiction.infer import (
    combine,
    countries,
    infer_site,
    infer_subject,
    is_conflicting,
    table_rows,
)
from provenance.jurisdiction.language import language_evidence
from provenance.jurisdiction.minors import MinorAssessment, MinorCue, detect_minor
from provenance.jurisdiction.model import Candidate, Evidence, EvidenceSource
from provenance.jurisdiction.network import server_ip_evidence
from provenance.jurisdiction.phone import phone_evidence, tel_link_evidence
from provenance.jurisdiction.places import location_text_evidence
from provenance.jurisdiction.postal import json_ld_address_evidence, postal_evidence
from provenance.jurisdiction.xmp import xmp_location_evidence

__all__ = [
    "Candidate",
    "Evidence",
    "EvidenceSource",
    "MinorAssessment",
    "MinorCue",
    "cctld_evidence",
    "combine",
    "countries",
    "currency_evidence",
    "detect_minor",
    "display_name",
    "geo_meta_evidence",
    "gps_evidence",
    "infer_site",
    "infer_subject",
    "is_conflicting",
    "json_ld_address_evidence",
    "language_evidence",
    "location_text_evidence",
    "phone_evidence",
    "postal_evidence",
    "server_ip_evidence",
    "site_evidence",
    "subject_evidence",
    "table_rows",
    "tel_link_evidence",
    "xmp_location_evidence",
]
