"""XMP opt-out properties read as RDF (rdflib), and from the raw text of a refused packet.

XMP is RDF/XML, and RDF/XML writes one property value in many ways: an attribute of
``rdf:Description``, an element with text, an element with ``rdf:resource``, a nested node
with ``rdf:about``, ``rdf:parseType="Resource"`` with ``rdf:value``, a ``rdf:Bag``/``Seq``/``Alt``
of ``rdf:li``. Walking the tree by hand misses some of them, and a missed ``plus:DataMining``
prohibition is an image collected against its owner's word. rdflib's RDF/XML parser reads them
all into the same triples; this module asks the graph.

Safety: rdflib only ever sees a packet that defusedxml already parsed without a DTD or entity
(:func:`provenance.media.xmp.parse_packet`), re-serialized from that tree, so it never
expands anything. A packet refused for a DTD or entities is never parsed at all: its literal
``plus:DataMining`` and ``tdm:`` values are read from the raw text (:func:`raw_values`), and
the record says the packet was unsafe.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, tostring

if TYPE_CHECKING:  # rdflib is imported on the first packet that names an opt-out property
    from rdflib import Graph
    from rdflib.term import Node

PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"
TDM = "http://www.w3.org/ns/tdmrep/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OPT_OUT_PROPERTIES = ((PLUS, "DataMining"), (TDM, "reservation"), (TDM, "policy"))
"""The properties read through the graph: the ones whose miss would fail open."""
_MARKERS = (b"DataMining", TDM.encode())
_MAX_ITEMS = 16
_log = logging.getLogger(__name__)


def _rdf_roots(root: Element) -> list[Element]:
    return [root] if root.tag == f"{{{RDF_NS}}}RDF" else list(root.iter(f"{{{RDF_NS}}}RDF"))


def packet_graph(root: Element) -> Graph | None:
    """The RDF graph of a safely parsed packet (None when it holds no ``rdf:RDF``).

    The ``rdf:RDF`` element is serialized again from defusedxml's tree (namespaces declared
    on it), so rdflib parses exactly what the safe parser accepted.
    """
    from rdflib import Graph

    graph = Graph()
    found = False
    for rdf in _rdf_roots(root):
        try:
            graph.parse(data=tostring(rdf, encoding="unicode"), format="xml")
        except Exception as err:  # rdflib refuses RDF/XML that is not well-formed RDF
            _log.debug("XMP packet is XML but not RDF/XML: %s", err)
            continue
        found = True
    return graph if found else None


def may_carry_opt_outs(packet: bytes) -> bool:
    """Whether a packet names an opt-out property at all (skip building a graph otherwise)."""
    return any(marker in packet for marker in _MARKERS)


def _node_values(graph: Graph, node: Node, depth: int = 0) -> Iterator[str]:
    """A property value as strings: a literal, a URI (resource or ``rdf:about``), or what a
    blank node holds (``rdf:value``, container members ``rdf:_1``..., in order)."""
    from rdflib import RDF, BNode, Literal, URIRef

    if isinstance(node, Literal | URIRef):
        yield str(node)
        return
    if not isinstance(node, BNode) or depth > 3:
        return
    for value in graph.objects(node, RDF.value):
        yield from _node_values(graph, value, depth + 1)
    for index in range(1, _MAX_ITEMS + 1):
        for member in graph.objects(node, RDF[f"_{index}"]):
            yield from _node_values(graph, member, depth + 1)


def graph_values(graphs: list[Graph], namespace: str, name: str) -> list[str]:
    """Every value of one property in the packets' graphs, whatever RDF/XML form wrote it."""
    from rdflib import URIRef

    predicate = URIRef(namespace + name)
    out: list[str] = []
    for graph in graphs:
        for obj in graph.objects(None, predicate):
            out.extend(v.strip() for v in _node_values(graph, obj) if v.strip())
    return list(dict.fromkeys(out))


_XMLNS = re.compile(rb"""xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""")
_DMI = re.compile(rb"(?:https?://ns\.useplus\.org/ldf/vocab/)?(DMI-[A-Z0-9-]+)")
_TDM_VALUE = {
    "reservation": re.compile(rb"^\s*([01])\b"),
    "policy": re.compile(rb"^\s*(https?://[^\s\"'<>]+)"),
}


def _prefixes(packet: bytes, namespace: str, default: str) -> list[bytes]:
    bound = [
        m.group(1) for m in _XMLNS.finditer(packet) if m.group(2).decode("latin-1") == namespace
    ]
    return list(dict.fromkeys([*bound, default.encode()]))


def _spans(packet: bytes, prefix: bytes, name: str) -> Iterator[tuple[bytes, bytes]]:
    """(raw XML, value text) for each attribute or element of ``prefix:name`` in the text."""
    qname = re.escape(prefix + b":" + name.encode())
    for m in re.finditer(rb"\b" + qname + rb"""\s*=\s*("([^"]*)"|'([^']*)')""", packet):
        yield m.group(0), m.group(2) or m.group(3) or b""
    element = re.compile(rb"<" + qname + rb"\b(?:[^>]*?/>|.*?</" + qname + rb"\s*>)", re.DOTALL)
    for m in element.finditer(packet):
        raw = m.group(0)
        resource = re.search(rb"""rdf:(?:resource|about)\s*=\s*["']([^"']*)["']""", raw)
        inner = re.sub(rb"<[^>]*>", b" ", raw[raw.find(b">") + 1 :])
        yield raw, (resource.group(1) if resource else b"") + b" " + inner


def _text(raw: bytes) -> str:
    return raw[:4096].decode("utf-8", "replace")


def raw_values(packet: bytes) -> dict[str, tuple[str, str]]:
    """Opt-out values written literally in a packet that may not be parsed (DTD, entities).

    Nothing is expanded: an entity reference stays unread. Returns ``{"DataMining": (value,
    evidence), "reservation": ..., "policy": ...}`` for what is found; DataMining values are
    the PLUS vocabulary token (``DMI-PROHIBITED-AIMLTRAINING``), as the graph reader gives.
    """
    found: dict[str, tuple[str, str]] = {}
    for prefix in _prefixes(packet, PLUS, "plus"):
        for raw, text in _spans(packet, prefix, "DataMining"):
            match = _DMI.search(text)
            if match and "DataMining" not in found:
                found["DataMining"] = (
                    match.group(0).decode(),
                    raw[:4096].decode("utf-8", "replace"),
                )
    for prefix in _prefixes(packet, TDM, "tdm"):
        for name, pattern in _TDM_VALUE.items():
            for raw, text in _spans(packet, prefix, name):
                match = pattern.search(text.strip())
                if match and name not in found:
                    found[name] = (match.group(1).decode(), _text(raw))
    return found
