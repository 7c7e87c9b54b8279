"""The pure parts of lookup and opt-out: the match rule, the jurisdiction test, WARC rewriting,
CSV cells. Real photographs (scikit-image's bundled samples) and real WARC files."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data as skdata
from warcio.archiveiterator import ArchiveIterator

from provenance.errors import ConfigError, IntegrityError
from provenance.export.csv import csv_row
from provenance.matching import (
    PDQ_THRESHOLD,
    PHASH_THRESHOLD,
    HashSet,
    QueryImage,
    compare,
    matches,
    query_from_bytes,
)
from provenance.optout import DEFAULT_MIN_CONFIDENCE, jurisdiction_candidate
from provenance.purge import next_generation, rewrite_warc
from provenance.warc import WarcWriter, read_response
from tests.ops.conftest import make_variant


def _jpeg(array: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(array).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


PHOTOS = {
    "astronaut": _jpeg(skdata.astronaut()),
    "coffee": _jpeg(skdata.coffee()),
    "chelsea": _jpeg(skdata.chelsea()),
    "rocket": _jpeg(skdata.rocket()),
    "camera": _jpeg(skdata.camera()),
}


def _stored(data: bytes) -> HashSet:
    """What the store keeps for a collected image (its own hashes, the three stored crops)."""
    return query_from_bytes(data, crops=(0.05, 0.10, 0.15)).original


@pytest.mark.parametrize("name", sorted(PHOTOS))
@pytest.mark.parametrize(
    ("crop", "scale", "quality", "mirror"),
    [
        (0.0, 1.0, 90, False),  # the same photo re-encoded
        (0.0, 0.4, 60, False),  # a thumbnail
        (0.12, 0.8, 75, False),  # a crop
        (0.0, 0.7, 80, True),  # a mirrored re-post
        (0.07, 0.6, 70, True),  # cropped, mirrored, resized
    ],
)
def test_reposts_match_their_photograph_and_no_other(
    name: str, crop: float, scale: float, quality: int, mirror: bool
) -> None:
    query = query_from_bytes(
        make_variant(PHOTOS[name], crop=crop, scale=scale, quality=quality, mirror=mirror)
    )
    entries = [(i, _stored(data)) for i, data in enumerate(PHOTOS.values())]
    found = matches(query, entries)
    assert [c.key for c in found] == [list(PHOTOS).index(name)]
    (hit,) = found
    assert hit.phash_distance is not None
    assert hit.pdq_distance is not None
    assert hit.phash_distance <= PHASH_THRESHOLD or hit.pdq_distance <= PDQ_THRESHOLD
    assert hit.orientation == ("mirror" if mirror else "original")
    assert "matched by" in hit.describe()


def test_identical_bytes_match_by_sha256_and_distances_are_zero() -> None:
    query = query_from_bytes(PHOTOS["coffee"])
    hit = compare(query, _stored(PHOTOS["coffee"]))
    assert hit.matched_by == ("sha256", "pdq", "phash")
    assert (hit.pdq_distance, hit.phash_distance) == (0, 0)
    assert hit.score == 0.0


def test_low_quality_pdq_never_decides_and_missing_hashes_are_none() -> None:
    query = query_from_bytes(PHOTOS["coffee"])
    stored = _stored(PHOTOS["coffee"])
    weak = HashSet(pdq=stored.pdq, pdq_quality=10)
    hit = compare(query, weak)
    assert hit.pdq_distance is None
    assert hit.phash_distance is None
    assert not hit.matched
    only_sha = compare(QueryImage(HashSet(sha256="ab")), HashSet(sha256="ab"))
    assert only_sha.matched_by == ("sha256",)


@pytest.mark.parametrize("blob", [b"", b"not an image", b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_undecodable_query_is_refused(blob: bytes) -> None:
    with pytest.raises(ConfigError, match="not an image"):
        query_from_bytes(blob)


def test_hashset_round_trips_through_its_dict() -> None:
    hashes = query_from_bytes(PHOTOS["chelsea"]).original
    assert HashSet.from_dict(hashes.to_dict()) == hashes
    parts = [name for name, _ in hashes.parts()]
    assert parts[0] == "whole"
    assert "crop10" in parts


# Jurisdiction matching: a country takes its subdivisions, a subdivision only itself, and the
# confidence threshold is inclusive.
C = [
    {"code": "CA-QC", "confidence": 0.6},
    {"code": "CA", "confidence": 0.6},
    {"code": "US", "confidence": 0.15},
    {"code": "DE", "confidence": 0.1},
]


@pytest.mark.parametrize(
    ("code", "threshold", "expected"),
    [
        ("CA", DEFAULT_MIN_CONFIDENCE, "CA-QC"),  # first of the strongest: subdivision counts
        ("ca", DEFAULT_MIN_CONFIDENCE, "CA-QC"),  # codes are case-insensitive
        ("CA-QC", DEFAULT_MIN_CONFIDENCE, "CA-QC"),
        ("CA-ON", DEFAULT_MIN_CONFIDENCE, None),  # another province does not
        ("US", 0.15, "US"),  # site-fallback confidence is included at the default
        ("US", 0.16, None),
        ("DE", DEFAULT_MIN_CONFIDENCE, None),  # trace evidence below the threshold
        ("C", DEFAULT_MIN_CONFIDENCE, None),  # a prefix is not a country
    ],
)
def test_jurisdiction_candidate(code: str, threshold: float, expected: str | None) -> None:
    found = jurisdiction_candidate(C, code, threshold)
    assert (found["code"] if found else None) == expected


def test_cli_default_threshold_is_the_documented_one() -> None:
    from provtrack.cli import ops

    source = Path(ops.__file__).read_text()
    assert f"= {DEFAULT_MIN_CONFIDENCE}," in source


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("provtrack-r1-20260101-1-00001.warc.gz", "provtrack-r1-20260101-1-00001-purged1.warc.gz"),
        ("provtrack-r1-x-00001-purged1.warc.gz", "provtrack-r1-x-00001-purged2.warc.gz"),
        ("a-purged9.warc.gz", "a-purged10.warc.gz"),
    ],
)
def test_next_generation(name: str, expected: str) -> None:
    assert next_generation(name) == expected


def test_next_generation_refuses_other_files() -> None:
    with pytest.raises(IntegrityError):
        next_generation("notes.txt")


def test_rewrite_warc_replaces_one_payload_and_copies_the_rest(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, run_id="unit")
    when = datetime(2024, 5, 1, tzinfo=UTC)
    pointers = [
        writer.write_exchange(
            url=f"http://example.test/{i}.jpg",
            method="GET",
            request_headers=[("User-Agent", "provtrack")],
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "image/jpeg")],
            body=PHOTOS[name],
            ip="127.0.0.1",
            fetched_at=when,
        )
        for i, name in enumerate(["coffee", "chelsea", "rocket"])
    ]
    writer.close()
    name = pointers[0].file
    before = (tmp_path / name).read_bytes()
    victim = pointers[1]
    new_name, offsets = rewrite_warc(tmp_path, name, {victim.offset: {"reason": "unit test"}})
    assert new_name.endswith("-purged1.warc.gz")
    after = (tmp_path / new_name).read_bytes()
    assert hashlib.sha256(PHOTOS["chelsea"]).hexdigest() not in {
        hashlib.sha256(r.content_stream().read()).hexdigest()
        for r in ArchiveIterator(io.BytesIO(after), check_digests="raise")
    }
    for kept in (pointers[0], pointers[2]):
        stored = read_response(tmp_path, new_name, offsets[kept.offset])
        assert hashlib.sha256(stored.body).hexdigest() == kept.payload_sha256
    removed = read_response(tmp_path, new_name, offsets[victim.offset])
    assert removed.url == "http://example.test/1.jpg"
    assert b"unit test" in removed.body
    # records before the replaced one are byte-identical
    assert after[: victim.offset] == before[: victim.offset]
    with pytest.raises(IntegrityError, match="not a response or metadata record"):
        rewrite_warc(tmp_path, name, {victim.offset + 1: {}})


def test_warc_stores_compressed_payloads_and_deflates_the_rest(tmp_path: Path) -> None:
    """A JPEG's record is a stored gzip member (deflating it again costs the crawler CPU for
    ~1.5 % of its bytes); an HTML page's is deflated; both read back byte for byte."""
    writer = WarcWriter(tmp_path, run_id="unit")
    when = datetime(2024, 5, 1, tzinfo=UTC)
    html = b"<html><body>" + b"<p>the same paragraph again</p>" * 400 + b"</body></html>"
    bodies = {"image/jpeg": PHOTOS["coffee"], "text/html": html}
    pointers = {
        kind: writer.write_exchange(
            url=f"http://example.test/{kind.replace('/', '.')}",
            method="GET",
            request_headers=[("User-Agent", "provtrack")],
            status=200,
            reason="OK",
            response_headers=[("Content-Type", kind)],
            body=body,
            ip="127.0.0.1",
            fetched_at=when,
        )
        for kind, body in bodies.items()
    }
    writer.close()
    sizes = {}
    for kind, pointer in pointers.items():
        with (tmp_path / pointer.file).open("rb") as fh:
            fh.seek(pointer.offset)
            iterator = ArchiveIterator(fh, check_digests="raise")
            record = next(iter(iterator))
            assert record.content_stream().read() == bodies[kind]
            iterator.read_to_end(record)
            sizes[kind] = iterator.get_record_length()
        assert read_response(tmp_path, pointer.file, pointer.offset).body == bodies[kind]
    assert sizes["image/jpeg"] > len(bodies["image/jpeg"]), "stored, not deflated"
    assert sizes["text/html"] < len(html) / 10, "deflated"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 416-555-0163", "'+1 416-555-0163"),
        ("@user", "'@user"),
        ("plain text", "plain text"),
    ],
)
def test_csv_cells_cannot_run_as_formulas(text: str, cell: str) -> None:
    row = csv_row({"alt": text, "reasons": [], "faces": {"count": 1}, "verdicts": []})
    assert row["alt"] == cell
    assert row["face_count"] == 1
