"""XMP/IPTC fixtures give what xmp-iptc/SOURCES.md lists: DataMining, creators, copyright."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from provenance.media import analyze, signals
from provenance.observation import Status
from provenance.signals.model import Level, SignalKind

Read = Callable[[str], bytes]
GENAI = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING"
OTHER = "Data Mining for Generative AI/ML training is definitely prohibited"


@pytest.mark.parametrize(
    ("name", "edition"),
    [
        ("IPTC-PhotometadataRef-Std2023.1.jpg", "2023.1"),
        ("IPTC-PhotometadataRef-Std2024.1.jpg", "2024.1"),
        # File name says 2024.1, metadata is the 2023.2 edition (SOURCES.md).
        ("aidin36-xmp_IPTC-PhotometadataRef-Std2024.1.jpg", "2023.2"),
    ],
)
def test_iptc_reference_with_data_mining(fixture_bytes: Read, name: str, edition: str) -> None:
    facts = analyze(fixture_bytes(f"xmp-iptc/{name}"))
    xmp, iim = facts.xmp, facts.iptc_iim
    assert xmp.status is Status.OK
    assert xmp.data_mining_uri == GENAI
    assert xmp.data_mining == "DMI-PROHIBITED-GENAIMLTRAINING"
    assert xmp.other_constraints == OTHER
    creator = f"Creator1 (ref{edition})"
    notice = f"Copyright (Notice) {edition} IPTC - www.iptc.org  (ref{edition})"
    assert xmp.creator == (creator,)
    assert xmp.rights == notice
    assert iim.by_line == (creator,)
    assert iim.copyright_notice == notice
    assert facts.exif.artist == creator
    assert facts.exif.copyright == notice
    assert facts.rights.creator == (creator,)
    assert facts.rights.copyright == notice
    assert xmp.usage_terms == f"Rights Usage Terms (ref{edition})"
    assert xmp.credit == f"Credit Line (ref{edition})"
    assert xmp.web_statement == f"https://example.com/WebStatementOfRights/ref{edition}"
    assert xmp.digital_source_type == (
        "http://cv.iptc.org/newscodes/digitalsourcetype/softwareImage"
    )
    assert xmp.location_created
    assert xmp.location_created[0]["City"] == f"City (Location created1) (ref{edition})"
    assert xmp.location_shown

    (sig,) = signals(facts, "https://demo.test/iptc.jpg")
    assert sig.kind is SignalKind.IPTC_DATA_MINING
    assert sig.value == "DMI-PROHIBITED-GENAIMLTRAINING"
    assert sig.source == "xmp"
    assert sig.level is Level.IMAGE
    assert sig.restricts
    assert sig.evidence == f"<plus:DataMining>{GENAI}</plus:DataMining>"


def test_2021_edition_is_the_control(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("xmp-iptc/IPTC-PhotometadataRef-Std2021.1.jpg"))
    assert facts.xmp.status is Status.OK
    assert facts.xmp.data_mining is None
    assert facts.xmp.other_constraints is None
    assert facts.xmp.creator == ("Creator1 (ref2021.1)",)
    assert facts.rights.copyright == ("Copyright (Notice) 2021.1 IPTC - www.iptc.org  (ref2021.1)")
    # Absent is not permission: no signal object at all.
    assert signals(facts) == []


def test_iim_only(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("xmp-iptc/exiftool_IPTC.jpg"))
    assert facts.xmp.status is Status.ABSENT
    assert facts.iptc_iim.by_line == ("Phil Harvey",)
    assert facts.iptc_iim.copyright_notice == "Copyright 2004 Phil Harvey"
    assert facts.iptc_iim.city == "Kingston"
    assert facts.iptc_iim.country == "Canada"
    assert facts.rights.creator == ("Phil Harvey",)
    assert facts.rights.creator_source == "iptc"
    assert facts.rights.copyright == "Copyright 2004 Phil Harvey"


def test_mwg_precedence(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("xmp-iptc/exiftool_MWG.jpg"))
    # The raw containers disagree on purpose...
    assert facts.xmp.creator == ("WRONG1of2-XMP-Creator", "WRONG2of2-XMP-Creator")
    assert facts.iptc_iim.by_line == ("WRONG1of2-IPTC-Creator", "WRONG2of2-IPTC-Creator")
    assert facts.iptc_iim.copyright_notice == "WRONG-IPTC-Copyright"
    # ...and MWG reconciliation returns the RIGHT ones.
    assert facts.rights.creator == ("RIGHT1of2-EXIF-Creator", "RIGHT2of2-EXIF-Creator")
    assert facts.rights.creator_source == "exif"
    assert facts.rights.copyright == "RIGHT-XMP-Copyright"
    assert facts.rights.copyright_source == "xmp"


def test_photomechanic(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("xmp-iptc/exiftool_PhotoMechanic.jpg"))
    assert facts.xmp.creator == ("Photographer",)
    assert facts.iptc_iim.by_line == ("Photographer",)
    assert facts.xmp.rights == "Copyright"
    assert facts.iptc_iim.copyright_notice == "Copyright"
    assert facts.xmp.data_mining is None


def test_iim_without_rights(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("xmp-iptc/pillow_iptc.jpg"))
    iim = facts.iptc_iim
    assert iim.status is Status.OK
    assert iim.city == "Budapest"
    assert iim.country == "Hungary"
    assert iim.keywords == ("HvK", "2006", "summer", "July", "holiday", "Hungary", "Budapest")
    assert iim.by_line == ()
    assert iim.copyright_notice is None
    assert facts.rights.creator == ()
    assert facts.rights.copyright is None
    assert (facts.width, facts.height) == (640, 480)
