"""No extractor raises on arbitrary input, and every weight and confidence stays in 0..1."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.jurisdiction import (
    currency_evidence,
    detect_minor,
    geo_meta_evidence,
    gps_evidence,
    infer_site,
    json_ld_address_evidence,
    language_evidence,
    location_text_evidence,
    phone_evidence,
    postal_evidence,
    server_ip_evidence,
    site_evidence,
    subject_evidence,
    xmp_location_evidence,
)
from provenance.jurisdiction.cctld import cctld_evidence

# Text with the characters these parsers care about, plus anything else.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("0123456789+-()., ;:$€£#/\\\n\tABCHKMTVQéèàüößÉ'\"<>&")),
        st.characters(),
    ),
    max_size=300,
)
JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "address",
                    "addressCountry",
                    "addressRegion",
                    "postalCode",
                    "addressLocality",
                    "telephone",
                    "@graph",
                    "geo",
                    "latitude",
                    "longitude",
                    "City",
                    "State",
                    "CountryCode",
                    "LocationCreated",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


def _sane(evidence: list[Any]) -> None:
    for e in evidence:
        assert 0.0 <= e.weight <= 1.0
        assert math.isfinite(e.weight)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_text_extractors_never_raise(text: str) -> None:
    for fn in (location_text_evidence, postal_evidence, phone_evidence, currency_evidence):
        _sane(fn(text))
    _sane(cctld_evidence(text))
    _sane(server_ip_evidence(text))
    _sane(language_evidence(text, text, [text]))
    detect_minor(text)


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_structured_extractors_never_raise(doc: Any) -> None:
    _sane(json_ld_address_evidence(doc))
    _sane(json_ld_address_evidence(doc, scope="subject"))
    _sane(xmp_location_evidence(doc if isinstance(doc, dict) else None))
    _sane(geo_meta_evidence({"geo.region": str(doc), "geo.position": str(doc)}))


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(st.floats(), st.integers(), st.none(), TEXT),
    st.one_of(st.floats(), st.integers(), st.none()),
)
def test_gps_never_raises_and_never_yields_nan(lat: Any, lon: Any) -> None:
    for e in gps_evidence(lat, lon):
        assert "nan" not in e.value.lower()
        assert all(math.isfinite(float(x)) for x in e.value.split(","))


@settings(max_examples=60, deadline=None)
@given(TEXT, st.binary(max_size=300))
def test_site_and_subject_evidence_never_raise(text: str, blob: bytes) -> None:
    for html in (text, blob, f"<html lang='{text}'><body><footer>{text}</footer></body></html>"):
        ev = site_evidence(text, html, {"Content-Language": text}, None, text)
        _sane(ev)
        for c in infer_site(ev):
            assert 0.0 < c.confidence < 1.0
    _sane(subject_evidence(text, {"City": text}, text, text, [text], []))
