"""Property: analyze() returns facts with a status for any bytes, never an exception."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from provenance.media import MediaFacts, MediaLimits, analyze
from provenance.observation import Status

from .conftest import XMP_HEADER, to_jpeg, to_png, with_segments, xmp_packet

_rng = np.random.default_rng(3)
SEED_JPEG = with_segments(
    to_jpeg(Image.fromarray(_rng.integers(0, 255, (40, 56, 3), dtype=np.uint8))),
    [
        (
            0xE1,
            XMP_HEADER
            + xmp_packet(
                "<plus:DataMining>http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED</plus:DataMining>"
            ),
        )
    ],
)
SEED_PNG = to_png(Image.new("RGB", (24, 16), (10, 200, 30)))
LIMITS = MediaLimits(max_pixels=4_000_000)


def _check(facts: MediaFacts, data: bytes) -> None:
    assert isinstance(facts.status, Status)
    assert facts.byte_size == len(data)
    assert len(facts.sha256) == 64
    if facts.status is not Status.OK:
        assert facts.reason
    # Whatever came out survives strict JSON and the round trip.
    text = json.dumps(facts.to_dict(), allow_nan=False)
    assert MediaFacts.from_dict(json.loads(text)) == facts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    _check(analyze(data, limits=LIMITS), data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    seed = bytearray(draw(st.sampled_from([SEED_JPEG, SEED_PNG])))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        pos = draw(st.integers(0, max(0, len(seed) - 1)))
        if op == "flip" and seed:
            seed[pos] = draw(st.integers(0, 255))
        elif op == "truncate":
            del seed[pos:]
        elif op == "insert":
            seed[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del seed[pos : pos + draw(st.integers(1, 64))]
    return bytes(seed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_images(data: bytes) -> None:
    _check(analyze(data, limits=LIMITS), data)


def test_seed_images_are_ok() -> None:
    facts = analyze(SEED_JPEG)
    assert facts.status is Status.OK
    assert facts.xmp.data_mining == "DMI-PROHIBITED"
    assert analyze(SEED_PNG).status is Status.OK
