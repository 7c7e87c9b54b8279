"""to_dict/from_dict round trips, and the signals() contract for training-mining entries."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from provenance.media import C2paFacts, MediaFacts, analyze, signals
from provenance.media.credentials import prohibits_training
from provenance.observation import Status
from provenance.signals.model import Signal

from .conftest import photo, to_jpeg


def _all_fixture_files(root: Path) -> list[Path]:
    return sorted(
        p
        for d in ("c2pa", "xmp-iptc", "exif-gps", "broken-images")
        for p in (root / d).iterdir()
        if p.is_file() and p.suffix != ".md"
    )


def test_round_trip_every_fixture(fixtures: Path) -> None:
    files = _all_fixture_files(fixtures)
    assert len(files) >= 30
    for path in files:
        facts = analyze(path.read_bytes(), url=f"https://demo.test/{path.name}")
        text = json.dumps(facts.to_dict(), allow_nan=False, sort_keys=True)
        back = MediaFacts.from_dict(json.loads(text))
        assert back == facts, path.name
        for sig in signals(back):
            assert Signal.from_dict(json.loads(json.dumps(sig.to_dict()))) == sig


def test_round_trip_with_faces() -> None:
    facts = analyze(to_jpeg(photo("grace_hopper")), content_type="image/jpeg")
    assert facts.faces is not None
    assert facts.faces.count == 1
    back = MediaFacts.from_dict(json.loads(json.dumps(facts.to_dict())))
    assert back == facts
    assert isinstance(back.faces, type(facts.faces))
    assert back.faces.boxes == facts.faces.boxes
    assert isinstance(back.faces.boxes[0], tuple)
    assert back.status is Status.OK


def test_from_dict_ignores_unknown_keys() -> None:
    data = analyze(to_jpeg(photo("coffee")), detect_faces=False).to_dict()
    data["a_field_from_the_future"] = 1
    data["exif"]["another"] = "x"
    assert MediaFacts.from_dict(data).phash == data["phash"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ({"cawg.ai_generative_training": "notAllowed"}, True),
        ({"cawg.ai_training": "constrained"}, True),  # CAWG: constrained == notAllowed
        ({"c2pa.ai_training": "allowed", "c2pa.ai_generative_training": "allowed"}, False),
        ({"c2pa.ai_training": "allowed", "c2pa.ai_generative_training": "constrained"}, True),
        ({"cawg.ai_inference": "notAllowed"}, None),  # says nothing about training
        ({}, None),
    ],
)
def test_prohibits_training(entries: dict[str, str], expected: bool | None) -> None:
    assert prohibits_training(entries) is expected


def test_signals_restrict_for_not_allowed_and_constrained() -> None:
    facts = MediaFacts(
        status=Status.OK,
        reason=None,
        sha256="0" * 64,
        byte_size=1,
        url="https://demo.test/x.jpg",
        c2pa=C2paFacts(
            status=Status.OK,
            present=True,
            training_mining_labels=("cawg.training-mining",),
            training_mining={
                "cawg.ai_training": "constrained",
                "cawg.data_mining": "allowed",
                "cawg.ai_inference": "notAllowed",
            },
            training_mining_evidence=('{"label": "cawg.training-mining"}',),
        ),
    )
    by_value = {s.value: s for s in signals(facts)}
    assert by_value["cawg.ai_training=constrained"].restricts
    assert by_value["cawg.ai_inference=notAllowed"].restricts
    assert not by_value["cawg.data_mining=allowed"].restricts
    assert all(s.url == "https://demo.test/x.jpg" for s in by_value.values())
    assert all(s.evidence == '{"label": "cawg.training-mining"}' for s in by_value.values())


def test_absent_signals_are_not_permission(fixture_bytes: Callable[[str], bytes]) -> None:
    facts = analyze(fixture_bytes("exif-gps/DSCN0010.jpg"))
    assert signals(facts) == []
    assert facts.xmp.data_mining is None
    assert facts.c2pa.status is Status.ABSENT
    assert facts.c2pa.prohibits_training is None
