"""C2PA fixtures give what c2pa/SOURCES.md lists: manifests, training-mining, validation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from provenance.media import analyze, signals
from provenance.observation import Status
from provenance.signals.model import Level, SignalKind

from .conftest import with_segments

Read = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("name", "label_prefix", "generator"),
    [
        ("C.jpg", "contentauth:urn:uuid:b2b1f7fa-", "make_test_images/0.33.1 c2pa-rs/0.33.1"),
        ("CA.jpg", "contentauth:urn:uuid:c2677d4b-", "make_test_images/0.33.1 c2pa-rs/0.33.1"),
        ("C_with_CAWG_data.jpg", "urn:c2pa:822f2ec0-", "c2pa cawg test/0.58.0"),
        ("sample_c2pa.png", "urn:uuid:8368fc8a-", "Example Signer/1.0 c2pa-rs/0.28.4"),
    ],
)
def test_embedded_manifest_is_read(
    fixture_bytes: Read, name: str, label_prefix: str, generator: str
) -> None:
    facts = analyze(fixture_bytes(f"c2pa/{name}"))
    c2pa = facts.c2pa
    assert facts.status is Status.OK
    assert c2pa.status is Status.OK
    assert c2pa.present
    assert c2pa.source == "c2pa-sdk"
    assert c2pa.active_manifest is not None
    assert c2pa.active_manifest.startswith(label_prefix)
    assert c2pa.claim_generator == generator
    assert c2pa.valid is True
    assert c2pa.validation_state in ("Valid", "Trusted")


def test_cawg_training_mining(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("c2pa/C_with_CAWG_data.jpg"))
    assert facts.c2pa.training_mining_labels == ("cawg.training-mining",)
    assert facts.c2pa.training_mining == {
        "cawg.ai_inference": "notAllowed",
        "cawg.ai_generative_training": "notAllowed",
    }
    assert facts.c2pa.prohibits_training is True
    found = signals(facts, "https://demo.test/a.jpg")
    assert {s.value for s in found} == {
        "cawg.ai_inference=notAllowed",
        "cawg.ai_generative_training=notAllowed",
    }
    for sig in found:
        assert sig.kind is SignalKind.C2PA_TRAINING_MINING
        assert sig.level is Level.IMAGE
        assert sig.source == "c2pa"
        assert sig.restricts
        assert sig.url == "https://demo.test/a.jpg"
        assert '"cawg.training-mining"' in sig.evidence


def test_c2pa_1x_training_mining(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("c2pa/sample_c2pa.png"), content_type="image/png")
    assert facts.format == "png"
    assert facts.c2pa.training_mining_labels == ("c2pa.training-mining",)
    assert facts.c2pa.training_mining == {
        "c2pa.ai_generative_training": "notAllowed",
        "c2pa.ai_inference": "notAllowed",
        "c2pa.ai_training": "notAllowed",
        "c2pa.data_mining": "notAllowed",
    }
    assert facts.c2pa.prohibits_training is True
    assert facts.c2pa.title == "Signed Image 2024-10-09 13:03:07"
    found = signals(facts)
    assert len(found) == 4
    assert all(s.restricts and s.source == "c2pa" for s in found)


@pytest.mark.parametrize("name", ["C.jpg", "CA.jpg"])
def test_manifest_without_training_assertion_gives_no_signal(
    fixture_bytes: Read, name: str
) -> None:
    facts = analyze(fixture_bytes(f"c2pa/{name}"))
    assert facts.c2pa.present
    assert facts.c2pa.training_mining == {}
    assert facts.c2pa.prohibits_training is None
    assert signals(facts) == []


def test_tampered_asset_is_invalid(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("c2pa/XCA.jpg"))
    assert facts.c2pa.present
    assert facts.c2pa.valid is False
    assert facts.c2pa.validation_state == "Invalid"
    assert "assertion.dataHash.mismatch" in facts.c2pa.validation_codes
    assert facts.c2pa.active_manifest is not None
    assert facts.c2pa.active_manifest.startswith("contentauth:urn:uuid:c2677d4b-")


def test_stripped_manifest_keeps_its_pointer(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("c2pa/no_manifest.jpg"))
    assert facts.c2pa.present is False
    assert facts.c2pa.status is Status.ABSENT
    assert facts.xmp.provenance is not None
    assert facts.xmp.provenance.startswith("self#jumbf=/c2pa/adobe:urn:uuid:5f5bba8c-")
    assert facts.xmp.provenance.endswith("/c2pa.claim")
    assert signals(facts) == []


def test_remote_manifest_pointer_is_recorded_not_fetched(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("c2pa/libpng-test_with_url.png"))
    assert facts.c2pa.present is False
    assert facts.xmp.provenance == "http://localhost:5000/libpng-test.c2pa"
    assert facts.c2pa.remote_manifest_url == "http://localhost:5000/libpng-test.c2pa"


def test_clean_png_has_nothing(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("c2pa/libpng-test.png"))
    assert facts.status is Status.OK
    assert (facts.width, facts.height) == (91, 69)
    assert facts.c2pa.present is False
    assert facts.c2pa.status is Status.ABSENT
    assert facts.xmp.status is Status.ABSENT
    assert facts.xmp.provenance is None
    assert signals(facts) == []


def test_corrupt_jumbf_falls_back_to_presence(small_jpeg: bytes) -> None:
    # An APP11 segment that looks like C2PA JUMBF but holds garbage: the SDK cannot read it,
    # and the record still says a manifest store is present (and that it is unreadable).
    payload = b"JP" + b"\x00\x01" + b"\x00\x00\x00\x01" + b"\x00\x00\x00\x40jumb" + b"\xee" * 56
    facts = analyze(with_segments(small_jpeg, [(0xEB, payload)]))
    assert facts.status is Status.OK
    assert facts.c2pa.present is True
    assert facts.c2pa.source == "jumbf-scan"
    assert facts.c2pa.status is Status.UNPARSEABLE
    assert facts.c2pa.reason
    assert facts.c2pa.valid is None
    assert signals(facts) == []


def test_c2pa_found_in_a_truncated_copy(fixture_bytes: Read) -> None:
    # A download cut short after the manifest: pixels unreadable, provenance still recorded.
    data = fixture_bytes("c2pa/C_with_CAWG_data.jpg")
    facts = analyze(data[: len(data) // 2])
    assert facts.status is Status.UNPARSEABLE
    assert facts.c2pa.present is True
    assert facts.c2pa.training_mining.get("cawg.ai_generative_training") == "notAllowed"
