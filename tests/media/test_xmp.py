"""XMP reading from synthetic JPEGs: every DataMining form, Extended XMP, hostile packets."""

from __future__ import annotations

import hashlib
import io
import struct

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from provenance.media import analyze, signals
from provenance.media.signals import data_mining_restricts
from provenance.observation import Status

from .conftest import XMP_EXT_HEADER, XMP_HEADER, with_segments, xmp_packet

VOCAB = "http://ns.useplus.org/ldf/vocab/"


def _with_xmp(jpeg: bytes, packet: bytes) -> bytes:
    return with_segments(jpeg, [(0xE1, XMP_HEADER + packet)])


@pytest.mark.parametrize(
    ("body", "attributes", "evidence_part"),
    [
        ("", f'plus:DataMining="{VOCAB}DMI-PROHIBITED-AIMLTRAINING"', "plus:DataMining="),
        (
            f"<plus:DataMining>{VOCAB}DMI-PROHIBITED-AIMLTRAINING</plus:DataMining>",
            "",
            "<plus:DataMining>",
        ),
        (
            f'<plus:DataMining rdf:resource="{VOCAB}DMI-PROHIBITED-AIMLTRAINING"/>',
            "",
            "rdf:resource=",
        ),
    ],
    ids=["attribute", "element", "rdf-resource"],
)
def test_data_mining_forms(
    small_jpeg: bytes, body: str, attributes: str, evidence_part: str
) -> None:
    facts = analyze(_with_xmp(small_jpeg, xmp_packet(body, attributes)))
    assert facts.xmp.status is Status.OK
    assert facts.xmp.data_mining == "DMI-PROHIBITED-AIMLTRAINING"
    assert facts.xmp.data_mining_uri == f"{VOCAB}DMI-PROHIBITED-AIMLTRAINING"
    assert facts.xmp.data_mining_evidence is not None
    assert evidence_part in facts.xmp.data_mining_evidence
    (sig,) = signals(facts)
    assert sig.restricts
    assert sig.evidence == facts.xmp.data_mining_evidence


@pytest.mark.parametrize(
    ("value", "restricts"),
    [
        ("DMI-PROHIBITED", True),
        ("DMI-PROHIBITED-AIMLTRAINING", True),
        ("DMI-PROHIBITED-GENAIMLTRAINING", True),
        ("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", True),
        ("DMI-PROHIBITED-SEECONSTRAINT", True),
        ("DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", True),
        ("DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", True),
        ("DMI-ALLOWED", False),
        ("DMI-UNSPECIFIED", False),
    ],
)
def test_data_mining_vocabulary(value: str, restricts: bool) -> None:
    assert data_mining_restricts(value) is restricts


def test_allowed_value_is_a_signal_that_does_not_restrict(small_jpeg: bytes) -> None:
    packet = xmp_packet(f"<plus:DataMining>{VOCAB}DMI-ALLOWED</plus:DataMining>")
    (sig,) = signals(analyze(_with_xmp(small_jpeg, packet)))
    assert sig.value == "DMI-ALLOWED"
    assert not sig.restricts


def _extended_segments(document: bytes, chunk: int) -> list[tuple[int, bytes]]:
    guid = hashlib.md5(document).hexdigest().upper().encode()  # noqa: S324 - XMP GUID is MD5
    out = []
    for offset in range(0, len(document), chunk):
        piece = document[offset : offset + chunk]
        header = XMP_EXT_HEADER + guid + struct.pack(">II", len(document), offset)
        out.append((0xE1, header + piece))
    return out


def test_extended_xmp_is_reassembled_by_guid(small_jpeg: bytes) -> None:
    filler = "<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>" + "x" * 3000
    filler += "</rdf:li></rdf:Alt></dc:description>"
    extended = xmp_packet(
        f"{filler}<plus:DataMining>{VOCAB}DMI-PROHIBITED</plus:DataMining>"
        "<dc:creator><rdf:Seq><rdf:li>Ext Creator</rdf:li></rdf:Seq></dc:creator>"
    )
    guid = hashlib.md5(extended).hexdigest().upper()  # noqa: S324 - XMP GUID is MD5
    main = xmp_packet("", f'xmpNote:HasExtendedXMP="{guid}"')
    segments = [(0xE1, XMP_HEADER + main)]
    # Chunks out of order, as writers may emit them.
    segments += list(reversed(_extended_segments(extended, 1000)))
    facts = analyze(with_segments(small_jpeg, segments))
    assert facts.xmp.extended is True
    assert facts.xmp.extended_reason is None
    assert facts.xmp.data_mining == "DMI-PROHIBITED"
    assert facts.xmp.creator == ("Ext Creator",)
    assert facts.xmp.packet_size == len(main) + len(extended)


def test_incomplete_extended_xmp_is_reported(small_jpeg: bytes) -> None:
    extended = xmp_packet(f"<plus:DataMining>{VOCAB}DMI-PROHIBITED</plus:DataMining>")
    guid = hashlib.md5(extended).hexdigest().upper()  # noqa: S324 - XMP GUID is MD5
    main = xmp_packet("", f'xmpNote:HasExtendedXMP="{guid}"')
    parts = _extended_segments(extended, 200)
    facts = analyze(with_segments(small_jpeg, [(0xE1, XMP_HEADER + main), *parts[:-1]]))
    assert facts.xmp.status is Status.OK
    assert facts.xmp.extended is False
    assert facts.xmp.extended_reason == "Extended XMP chunks incomplete"
    assert facts.xmp.data_mining is None


def test_markup_in_metadata_is_kept_as_text_and_flagged(small_jpeg: bytes) -> None:
    packet = xmp_packet(
        "<dc:creator><rdf:Seq><rdf:li>&lt;script&gt;alert(1)&lt;/script&gt;</rdf:li>"
        "<rdf:li>Jane Doe</rdf:li></rdf:Seq></dc:creator>"
        "<dc:rights><rdf:Alt><rdf:li xml:lang='x-default'>"
        "&lt;img src=x onerror=alert(2)&gt;</rdf:li></rdf:Alt></dc:rights>"
    )
    facts = analyze(_with_xmp(small_jpeg, packet))
    assert facts.xmp.creator == ("<script>alert(1)</script>", "Jane Doe")
    assert facts.xmp.rights == "<img src=x onerror=alert(2)>"
    assert "xmp.creator[0]" in facts.text_fields
    assert "xmp.rights" in facts.text_fields
    assert "xmp.creator[1]" not in facts.text_fields


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["entity-expansion", "external-entity"],
)
def test_dtd_and_entities_are_refused(small_jpeg: bytes, doctype: str) -> None:
    text = xmp_packet("<dc:rights>&b;</dc:rights>").decode()
    head, rest = text.split("?>", 1)
    packet = f"{head}?>{doctype}{rest}".encode()
    facts = analyze(_with_xmp(small_jpeg, packet))
    assert facts.status is Status.OK  # the image itself is fine
    assert facts.xmp.status is Status.UNPARSEABLE
    assert facts.xmp.reason is not None
    assert "forbidden XML construct" in facts.xmp.reason
    assert facts.xmp.rights is None


def test_garbage_xmp_is_unparseable_not_fatal(small_jpeg: bytes) -> None:
    facts = analyze(_with_xmp(small_jpeg, b"<x:xmpmeta><rdf:RDF><unclosed"))
    assert facts.status is Status.OK
    assert facts.xmp.status is Status.UNPARSEABLE


def _encode(fmt: str, packet: bytes) -> bytes:
    im = Image.new("RGB", (64, 48), (120, 30, 200))
    buf = io.BytesIO()
    if fmt == "PNG":
        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", packet.decode())
        im.save(buf, fmt, pnginfo=info)
    elif fmt == "TIFF":
        im.save(buf, fmt, tiffinfo={700: packet})
    else:
        im.save(buf, fmt, xmp=packet)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_xmp_in_other_containers(fmt: str) -> None:
    packet = xmp_packet(
        f"<plus:DataMining>{VOCAB}DMI-PROHIBITED</plus:DataMining>"
        "<dc:creator><rdf:Seq><rdf:li>Some One</rdf:li></rdf:Seq></dc:creator>"
    )
    facts = analyze(_encode(fmt, packet))
    assert facts.status is Status.OK
    assert facts.format == fmt.lower()
    assert facts.xmp.data_mining == "DMI-PROHIBITED"
    assert facts.xmp.creator == ("Some One",)
    assert facts.c2pa.present is False


PROHIBITED = f"{VOCAB}DMI-PROHIBITED-AIMLTRAINING"
RDF_FORMS = {
    "attribute": ("", f'plus:DataMining="{PROHIBITED}"'),
    "element": (f"<plus:DataMining>{PROHIBITED}</plus:DataMining>", ""),
    "rdf-resource": (f'<plus:DataMining rdf:resource="{PROHIBITED}"/>', ""),
    "nested-about": (
        f'<plus:DataMining><rdf:Description rdf:about="{PROHIBITED}"/></plus:DataMining>',
        "",
    ),
    "bag-li": (
        f"<plus:DataMining><rdf:Bag><rdf:li>{PROHIBITED}</rdf:li></rdf:Bag></plus:DataMining>",
        "",
    ),
    "seq-li-resource": (
        "<plus:DataMining><rdf:Seq>"
        f'<rdf:li rdf:resource="{PROHIBITED}"/></rdf:Seq></plus:DataMining>',
        "",
    ),
    "parse-type-resource": (
        '<plus:DataMining rdf:parseType="Resource">'
        f"<rdf:value>{PROHIBITED}</rdf:value></plus:DataMining>",
        "",
    ),
    "other-prefix": (
        f'<p:DataMining xmlns:p="http://ns.useplus.org/ldf/xmp/1.0/">{PROHIBITED}</p:DataMining>',
        "",
    ),
}


@pytest.mark.parametrize("form", list(RDF_FORMS))
def test_every_rdf_xml_form_of_data_mining_gives_the_same_signal(
    small_jpeg: bytes, form: str
) -> None:
    body, attributes = RDF_FORMS[form]
    facts = analyze(_with_xmp(small_jpeg, xmp_packet(body, attributes)))
    assert facts.xmp.status is Status.OK, facts.xmp.reason
    assert facts.xmp.data_mining == "DMI-PROHIBITED-AIMLTRAINING"
    assert facts.xmp.unsafe is None
    (sig,) = signals(facts)
    assert sig.restricts
    assert "DataMining" in sig.evidence


DTD_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<!DOCTYPE x:xmpmeta [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:tdm="http://www.w3.org/ns/tdmrep/" '
    'tdm:reservation="1">'
    "<dc:rights>&lol2;</dc:rights>"
    f"<plus:DataMining>{PROHIBITED}</plus:DataMining>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
).encode()


def test_a_dtd_packet_is_never_expanded_but_its_literal_opt_outs_count(small_jpeg: bytes) -> None:
    facts = analyze(_with_xmp(small_jpeg, DTD_PACKET))
    xmp = facts.xmp
    assert xmp.status is Status.UNPARSEABLE
    assert xmp.unsafe is not None
    assert "never expanded" in xmp.unsafe
    assert "forbidden XML construct" in (xmp.reason or "")
    assert xmp.rights is None  # the entity was not expanded into anything
    assert xmp.data_mining == "DMI-PROHIBITED-AIMLTRAINING"
    assert xmp.tdm_reservation == "1"
    kinds = {(s.kind.value, s.restricts) for s in signals(facts)}
    assert ("iptc-data-mining", True) in kinds
    assert ("tdm-reservation", True) in kinds


def test_tdm_reservation_in_xmp_is_an_image_signal(small_jpeg: bytes) -> None:
    packet = xmp_packet(
        '<tdm:reservation xmlns:tdm="http://www.w3.org/ns/tdmrep/">1</tdm:reservation>'
        '<tdm:policy xmlns:tdm="http://www.w3.org/ns/tdmrep/" '
        'rdf:resource="https://example.com/tdm-policy.json"/>'
    )
    facts = analyze(_with_xmp(small_jpeg, packet))
    assert facts.xmp.tdm_reservation == "1"
    assert facts.xmp.tdm_policy == "https://example.com/tdm-policy.json"
    (sig,) = [s for s in signals(facts) if s.kind.value == "tdm-reservation"]
    assert sig.restricts
    assert sig.source == "xmp"
