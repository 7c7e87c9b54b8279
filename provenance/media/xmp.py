"""Read rights, opt-out and location properties from XMP packets, safely.

Packets are parsed with defusedxml (no DTDs, no entity expansion). Every property may appear
as an attribute of ``rdf:Description``, as a child element with text, as an element with an
``rdf:resource`` attribute, or as an ``rdf:Alt``/``rdf:Seq``/``rdf:Bag`` container; all four
are read. Several packets (the main one and a reassembled Extended XMP) are searched together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from provenance.media import xmprdf
from provenance.media._text import TextLog
from provenance.media.facts import XmpFacts
from provenance.observation import Status

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "xmpNote": "http://ns.adobe.com/xmp/note/",
    "tdm": "http://www.w3.org/ns/tdmrep/",
}
_START = re.compile(rb"<\?xpacket|<x:xmpmeta|<x:xapmeta|<rdf:RDF")
_END = re.compile(rb"</x:xmpmeta\s*>|</x:xapmeta\s*>|</rdf:RDF\s*>")


def parse_packet(packet: bytes) -> Element | None:
    """Parse one XMP packet, trimming padding and junk around it; raise ValueError if unreadable."""
    start = _START.search(packet)
    if start is None:
        raise ValueError("no XMP root element in the packet")
    body = packet[start.start() :]
    ends = list(_END.finditer(body))
    if ends:
        body = body[: ends[-1].end()]
    try:
        root = DET.fromstring(body)
    except DefusedXmlException as err:
        raise ValueError(f"forbidden XML construct: {type(err).__name__}") from err
    except Exception as err:  # ElementTree.ParseError and expat errors on hostile input
        raise ValueError(f"XML error: {err}") from err
    return root if isinstance(root, Element) else None


def extended_guid(roots: list[Element]) -> str | None:
    """The GUID named by ``xmpNote:HasExtendedXMP`` in the main packet, if any."""
    for value, _ in _values(roots, "xmpNote", "HasExtendedXMP"):
        if isinstance(value, str) and value:
            return value.strip()
    return None


def _descriptions(roots: list[Element]) -> Iterator[Element]:
    for root in roots:
        yield from root.iter(f"{{{RDF}}}Description")


def _container_items(el: Element) -> list[Element] | None:
    for kind in ("Alt", "Seq", "Bag"):
        box = el.find(f"{{{RDF}}}{kind}")
        if box is not None:
            return box.findall(f"{{{RDF}}}li")
    return None


def _lang_alt(items: list[Element]) -> str | None:
    for li in items:
        if li.get(XML_LANG) == "x-default":
            return li.text
    return items[0].text if items else None


def _element_value(el: Element) -> Any:
    """A property element's value: resource URI, text, list (Seq/Bag), lang-alt, or a struct."""
    resource = el.get(f"{{{RDF}}}resource")
    if resource is not None:
        return resource
    items = _container_items(el)
    if items is not None:
        if el.find(f"{{{RDF}}}Alt") is not None:
            return _lang_alt(items)
        return [_struct_or_text(li) for li in items]
    if el.get(f"{{{RDF}}}parseType") == "Resource" or len(el):
        return _struct_or_text(el)
    return el.text


def _struct_or_text(el: Element) -> Any:
    children = list(el)
    nested = el.find(f"{{{RDF}}}Description")
    if nested is not None:
        children = list(nested)
    if not children and not any(not k.startswith(f"{{{RDF}}}") for k in el.attrib):
        return el.text
    out: dict[str, Any] = {}
    for key, value in el.attrib.items():
        if not key.startswith(f"{{{RDF}}}") and key != XML_LANG:
            out[_local(key)] = value
    for child in children:
        out[_local(child.tag)] = _element_value(child)
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _values(roots: list[Element], prefix: str, name: str) -> Iterator[tuple[Any, str]]:
    """Yield (value, form) for every occurrence of a property; form is attribute or element."""
    qname = f"{{{NS[prefix]}}}{name}"
    for desc in _descriptions(roots):
        if qname in desc.attrib:
            yield desc.attrib[qname], "attribute"
        for el in desc.findall(qname):
            yield _element_value(el), "element"


def _first_text(roots: list[Element], prefix: str, name: str) -> str | None:
    for value, _ in _values(roots, prefix, name):
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
    return None


def _evidence(packets: list[bytes], prefix: str, name: str, value: str) -> str:
    """The raw XML text a property was read from (attribute or element), for the record."""
    local = re.escape(name)
    attr = re.compile(rb"[\w.-]+:" + local.encode() + rb"\s*=\s*(\"[^\"]*\"|'[^']*')")
    elem = re.compile(rb"<([\w.-]+:" + local.encode() + rb")\b[^>]*?(?:/>|>.*?</\1\s*>)", re.DOTALL)
    for packet in packets:
        for pattern in (attr, elem):
            match = pattern.search(packet)
            if match:
                return match.group(0)[:4096].decode("utf-8", errors="replace")
    return f'{prefix}:{name}="{value}"'


def _location(value: Any, log: TextLog, path: str) -> tuple[dict[str, str], ...]:
    items = value if isinstance(value, list) else [value]
    out: list[dict[str, str]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        entry: dict[str, str] = {}
        for key, raw in item.items():
            text = raw if isinstance(raw, str) else None
            if isinstance(raw, list) and raw and isinstance(raw[0], str):
                text = raw[0]
            cleaned = log.take(f"{path}[{i}].{key}", text)
            if cleaned is not None:
                entry[key] = cleaned
        if entry:
            out.append(entry)
    return tuple(out)


def read_xmp(
    main: bytes | None, extended: bytes | None, extended_reason: str | None, log: TextLog
) -> XmpFacts:
    """Read an XMP packet (plus an already reassembled Extended XMP document) into facts."""
    if main is None and extended is None:
        return XmpFacts(status=Status.ABSENT, reason="no XMP packet")
    packets = [p for p in (main, extended) if p is not None]
    size = sum(len(p) for p in packets)
    roots: list[Element] = []
    errors: list[str] = []
    parsed: list[tuple[bytes, Element]] = []
    refused: list[tuple[bytes, str]] = []
    for label, packet in (("main", main), ("extended", extended)):
        if packet is None:
            continue
        try:
            root = parse_packet(packet)
        except ValueError as err:
            errors.append(f"{label} packet: {err}")
            refused.append((packet, str(err)))
            continue
        if root is not None:
            roots.append(root)
            parsed.append((packet, root))
    opt_outs = _opt_outs(packets, parsed, refused, log)
    if not roots:
        return XmpFacts(
            status=Status.UNPARSEABLE,
            reason="; ".join(errors),
            packet_size=size,
            extended=False,
            **opt_outs,
        )

    creators: list[object] = []
    for value, _ in _values(roots, "dc", "creator"):
        creators.extend(value if isinstance(value, list) else [value])

    def prop(path: str, prefix: str, name: str) -> str | None:
        return log.take(f"xmp.{path}", _first_text(roots, prefix, name))

    loc_created: tuple[dict[str, str], ...] = ()
    for value, _ in _values(roots, "Iptc4xmpExt", "LocationCreated"):
        loc_created = _location(value, log, "xmp.location_created")
        break
    loc_shown: tuple[dict[str, str], ...] = ()
    for value, _ in _values(roots, "Iptc4xmpExt", "LocationShown"):
        loc_shown = _location(value, log, "xmp.location_shown")
        break

    return XmpFacts(
        status=Status.OK,
        reason="; ".join(errors) or None,
        packet_size=size,
        extended=extended is not None and len(roots) == len(packets),
        extended_reason=extended_reason,
        creator=log.take_all("xmp.creator", [c for c in creators if isinstance(c, str)]),
        rights=prop("rights", "dc", "rights"),
        credit=prop("credit", "photoshop", "Credit"),
        other_constraints=prop("other_constraints", "plus", "OtherConstraints"),
        digital_source_type=prop("digital_source_type", "Iptc4xmpExt", "DigitalSourceType"),
        usage_terms=prop("usage_terms", "xmpRights", "UsageTerms"),
        web_statement=prop("web_statement", "xmpRights", "WebStatement"),
        city=prop("city", "photoshop", "City"),
        state=prop("state", "photoshop", "State"),
        country=prop("country", "photoshop", "Country"),
        country_code=prop("country_code", "Iptc4xmpCore", "CountryCode"),
        location_created=loc_created,
        location_shown=loc_shown,
        provenance=prop("provenance", "dcterms", "provenance"),
        **opt_outs,
    )


def _tree_values(roots: list[Element], prefix: str, name: str) -> list[str]:
    """The hand-walked reading, kept for a packet rdflib refuses as RDF (not as XML)."""
    out: list[str] = []
    for value, _ in _values(roots, prefix, name):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list) and value and isinstance(value[0], str):
            out.append(value[0])
    return out


def _opt_outs(
    packets: list[bytes],
    parsed: list[tuple[bytes, Element]],
    refused: list[tuple[bytes, str]],
    log: TextLog,
) -> dict[str, Any]:
    """plus:DataMining and tdm: values: from the RDF graph of each safely parsed packet, or,
    for a packet the parser refused, from its raw text (never expanded; the record says so)."""
    roots = [root for _, root in parsed]
    graphs = [
        graph
        for packet, root in parsed
        if xmprdf.may_carry_opt_outs(packet) and (graph := xmprdf.packet_graph(root)) is not None
    ]
    found: dict[str, tuple[str, str]] = {}
    for (namespace, name), prefix in zip(
        xmprdf.OPT_OUT_PROPERTIES, ("plus", "tdm", "tdm"), strict=True
    ):
        values = xmprdf.graph_values(graphs, namespace, name)
        if not values and prefix == "plus":
            values = _tree_values(roots, prefix, name)
        if values:
            found[name] = (values[0], _evidence(packets, prefix, name, values[0]))
    for packet, _ in refused:
        for name, hit in xmprdf.raw_values(packet).items():
            found.setdefault(name, hit)
    out: dict[str, Any] = {}
    if refused:
        why = "; ".join(sorted({error for _, error in refused}))
        out["unsafe"] = (
            f"packet refused ({why}): never expanded; plus:DataMining and tdm: values read "
            "from its raw text"
        )
    if "DataMining" in found:
        uri = log.take("xmp.data_mining_uri", found["DataMining"][0])
        if uri is not None:
            out["data_mining_uri"] = uri
            out["data_mining"] = uri.rstrip("/").rsplit("/", 1)[-1].strip().upper()
            out["data_mining_evidence"] = found["DataMining"][1]
    if "reservation" in found:
        out["tdm_reservation"] = log.take("xmp.tdm_reservation", found["reservation"][0])
        out["tdm_evidence"] = found["reservation"][1]
    if "policy" in found:
        out["tdm_policy"] = log.take("xmp.tdm_policy", found["policy"][0])
    return out
