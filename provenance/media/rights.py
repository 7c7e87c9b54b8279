"""Reconcile creator and copyright across EXIF, XMP and IPTC IIM by MWG 2.0 precedence.

The Metadata Working Group guidelines, as ExifTool's MWG module implements them:

- a non-blank EXIF value wins (``Artist`` holds a list as ``"a; b"``);
- otherwise XMP wins if there is no IIM, or if XMP has the value and the stored
  IPTCDigest is absent or matches the IIM block (IIM unchanged since XMP was written);
- otherwise IIM (it was edited by software that did not update XMP).
"""

from __future__ import annotations

from provenance.media.facts import ExifFacts, IptcFacts, RightsFacts, XmpFacts
from provenance.observation import Status


def split_artist(value: str) -> tuple[str, ...]:
    """Split an EXIF Artist string on MWG's semicolon-space separator, honouring quotes."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == '"' and (not current or quoted):
            if quoted and value[i + 1 : i + 2] == '"':
                current.append('"')
                i += 2
                continue
            quoted = not quoted
        elif not quoted and value.startswith("; ", i):
            items.append("".join(current).strip())
            current = []
            i += 2
            continue
        else:
            current.append(ch)
        i += 1
    items.append("".join(current).strip())
    return tuple(item for item in items if item)


def _xmp_wins(iptc: IptcFacts, xmp_has_value: bool) -> bool:
    iim_present = iptc.status is Status.OK
    return not iim_present or (xmp_has_value and iptc.digest in ("absent", "match"))


def reconcile(exif: ExifFacts, xmp: XmpFacts, iptc: IptcFacts) -> RightsFacts:
    """MWG creator and copyright, each with the container it came from."""
    creator: tuple[str, ...] = ()
    creator_source = None
    if exif.artist and exif.artist.strip():
        creator, creator_source = split_artist(exif.artist), "exif"
    elif _xmp_wins(iptc, bool(xmp.creator)):
        if xmp.creator:
            creator, creator_source = xmp.creator, "xmp"
    elif iptc.by_line:
        creator, creator_source = iptc.by_line, "iptc"

    copyright_text = None
    copyright_source = None
    if exif.copyright and exif.copyright.strip():
        copyright_text, copyright_source = exif.copyright, "exif"
    elif _xmp_wins(iptc, xmp.rights is not None):
        if xmp.rights is not None:
            copyright_text, copyright_source = xmp.rights, "xmp"
    elif iptc.copyright_notice:
        copyright_text, copyright_source = iptc.copyright_notice, "iptc"

    return RightsFacts(
        creator=creator,
        creator_source=creator_source,
        copyright=copyright_text,
        copyright_source=copyright_source,
    )
