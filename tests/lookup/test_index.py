"""HashIndex answers exactly what the match rule says, by every method; save/load round trips."""

# ruff: noqa: S311  # seeded pseudo-random numbers make test data, not secrets

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from provenance.errors import ConfigError, StoreError
from provenance.lookup import HashEntry, HashIndex, Match, QueryHashes
from provenance.lookup._multiindex import band_layout, plan_radii
from provenance.lookup.codes import hex_to_words, words_to_hex
from tests.lookup.reference import flip, rand_hex, ref_query

METHODS = ["auto", "index", "scan"]
PDQ_PLANTED = (0, 1, 15, 31, 32)
PHASH_PLANTED = (0, 1, 5, 10, 11)


def random_entries(n: int, rng: random.Random, start_id: int = 0) -> list[HashEntry]:
    """Unrelated entries with good PDQ quality."""
    return [
        HashEntry(start_id + i, rand_hex(rng, 256), rand_hex(rng, 64), rng.randint(50, 100))
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def planted() -> tuple[list[HashEntry], str, str, dict[int, int], dict[int, int]]:
    """3,000 random entries plus neighbours of one query at known PDQ and pHash distances.

    PDQ neighbours carry unrelated pHashes and pHash neighbours unrelated PDQs, so each can
    only be found by the rule under test.
    """
    rng = random.Random(6)
    entries = random_entries(3000, rng)
    q_pdq, q_phash = rand_hex(rng, 256), rand_hex(rng, 64)
    pdq_ids: dict[int, int] = {}
    phash_ids: dict[int, int] = {}
    for d in PDQ_PLANTED:
        ident = 10_000 + d
        entries.append(HashEntry(ident, flip(q_pdq, d, rng), rand_hex(rng, 64), 90))
        pdq_ids[ident] = d
    for d in PHASH_PLANTED:
        ident = 20_000 + d
        entries.append(HashEntry(ident, rand_hex(rng, 256), flip(q_phash, d, rng), 90))
        phash_ids[ident] = d
    rng.shuffle(entries)
    return entries, q_pdq, q_phash, pdq_ids, phash_ids


@pytest.mark.parametrize("method", METHODS)
def test_planted_neighbours_found_exactly_as_the_rule_says(planted, method) -> None:
    entries, q_pdq, q_phash, pdq_ids, phash_ids = planted
    index = HashIndex.from_records(entries)
    got = index.query(q_pdq, q_phash, limit=None, method=method)
    assert got == ref_query(entries, q_pdq, q_phash)
    by_id = {m.id: m for m in got}
    # PDQ neighbours at 0, 1, 15, 31 match by PDQ with their distance; 32 does not match.
    assert {i for i, d in pdq_ids.items() if d <= 31} == {
        i for i in pdq_ids if i in by_id and by_id[i].matched_by == "pdq"
    }
    assert all(by_id[i].pdq_distance == d for i, d in pdq_ids.items() if d <= 31)
    assert 10_032 not in by_id
    assert {i for i, d in phash_ids.items() if d <= 10} == {
        i for i in phash_ids if i in by_id and by_id[i].matched_by == "phash"
    }
    assert 20_011 not in by_id
    assert all(by_id[i].phash_distance == d for i, d in phash_ids.items() if d <= 10)
    # Best first: the exact copies lead.
    assert [m.id for m in got[:2]] in ([10_000, 20_000], [20_000, 10_000])


@pytest.mark.parametrize("method", METHODS)
def test_pdq_only_and_phash_only_queries(planted, method) -> None:
    entries, q_pdq, q_phash, pdq_ids, phash_ids = planted
    index = HashIndex.from_records(entries)
    pdq_only = index.query(q_pdq, None, limit=None, method=method)
    assert {m.id for m in pdq_only} == {i for i, d in pdq_ids.items() if d <= 31}
    assert all(m.phash_distance is None and m.matched_by == "pdq" for m in pdq_only)
    phash_only = index.query(None, q_phash, limit=None, method=method)
    assert {m.id for m in phash_only} == {i for i, d in phash_ids.items() if d <= 10}
    assert index.query(None, None) == []


def test_larger_index_with_wide_bands_equals_scan() -> None:
    """2**17 entries use 19-bit band keys; 40 queries with neighbours at 0-40 bits."""
    n = 1 << 17
    rng = np.random.default_rng(17)
    pdq = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    phash = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    quality = rng.integers(0, 101, size=n)
    index = HashIndex.from_arrays(np.arange(n), pdq, quality, phash)
    assert {b.bits for b in index._pdq_bands.bands} == {19}
    prng = random.Random(1)
    for k in range(40):
        row = prng.randrange(n)
        q_pdq = flip(words_to_hex(pdq[row]), k, prng)
        q_phash = flip(words_to_hex(phash[row : row + 1]), k % 13, prng)
        via_index = index.query(q_pdq, q_phash, limit=None, method="index")
        assert via_index == index.query(q_pdq, q_phash, limit=None, method="scan")
        assert via_index == index.query(q_pdq, q_phash, limit=None, method="auto")
        expect_row = (k <= 31 and quality[row] >= 50) or k % 13 <= 10
        assert (row in {m.id for m in via_index}) == expect_row


@pytest.mark.parametrize("threshold", [0, 1, 7, 12, 16, 31, 40, 64])
def test_pdq_threshold_is_inclusive(threshold) -> None:
    rng = random.Random(threshold)
    q = rand_hex(rng, 256)
    entries = random_entries(200, rng)
    entries += [HashEntry(900 + d, flip(q, d, rng), None, 80) for d in range(0, 70)]
    index = HashIndex.from_records(entries)
    for method in METHODS:
        got = index.query(q, None, pdq_threshold=threshold, limit=None, method=method)
        assert {m.id for m in got} == {900 + d for d in range(threshold + 1)}
        assert [m.pdq_distance for m in got] == list(range(threshold + 1))


@pytest.mark.parametrize("threshold", [0, 3, 10, 11, 20])
def test_phash_threshold_is_inclusive(threshold) -> None:
    rng = random.Random(threshold)
    q = rand_hex(rng, 64)
    entries = [HashEntry(900 + d, None, flip(q, d, rng), None) for d in range(0, 30)]
    index = HashIndex.from_records(random_entries(100, rng, start_id=5000) + entries)
    for method in METHODS:
        got = index.query(None, q, phash_threshold=threshold, limit=None, method=method)
        assert [m.id for m in got] == [900 + d for d in range(threshold + 1)]


def test_limit_keeps_the_best_and_ties_go_to_lower_ids() -> None:
    rng = random.Random(3)
    q = rand_hex(rng, 256)
    entries = [HashEntry(i, flip(q, 5 if i % 2 else 3, rng), None, 90) for i in range(20, 0, -1)]
    index = HashIndex.from_records(entries)
    got = index.query(q, None, limit=4)
    assert [m.id for m in got] == [2, 4, 6, 8]
    assert index.query(q, None, limit=0) == []
    assert len(index.query(q, None)) == 20  # default limit 50


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"pdq_threshold": -1}, "pdq_threshold"),
        ({"pdq_threshold": 257}, "pdq_threshold"),
        ({"phash_threshold": 65}, "phash_threshold"),
        ({"phash_threshold": 2.5}, "phash_threshold"),
        ({"limit": -1}, "limit"),
        ({"method": "faiss"}, "method"),
    ],
)
def test_bad_arguments_are_config_errors(kwargs, reason) -> None:
    index = HashIndex.from_records(random_entries(3, random.Random(0)))
    with pytest.raises(ConfigError, match=reason):
        index.query("0" * 64, None, **kwargs)


@pytest.mark.parametrize(
    ("pdq", "phash"),
    [("0" * 63, None), ("g" * 64, None), (None, "0" * 17), (None, "zz" * 8), ("0 " * 32, None)],
)
def test_malformed_query_hex_is_a_config_error(pdq, phash) -> None:
    index = HashIndex.from_records(random_entries(3, random.Random(0)))
    with pytest.raises(ConfigError, match="query variant"):
        index.query(pdq, phash)


def test_quality_below_50_falls_back_to_phash() -> None:
    rng = random.Random(50)
    q_pdq, q_phash = rand_hex(rng, 256), rand_hex(rng, 64)
    far_phash = flip(q_phash, 30, rng)
    near_phash = flip(q_phash, 4, rng)
    entries = [
        HashEntry(1, q_pdq, far_phash, 49),  # identical PDQ, but untrusted; pHash far
        HashEntry(2, q_pdq, near_phash, 49),  # untrusted PDQ; pHash near
        HashEntry(3, flip(q_pdq, 2, rng), far_phash, 50),  # PDQ exactly at the cut-off
        HashEntry(4, q_pdq, far_phash, None),  # unknown quality is not good quality
        HashEntry(5, q_pdq, None, 100),
    ]
    index = HashIndex.from_records(entries)
    for method in METHODS:
        got = index.query(q_pdq, q_phash, limit=None, method=method)
        assert got == [
            Match(5, 0, None, "pdq"),
            Match(3, 2, 30, "pdq"),
            Match(2, 0, 4, "phash"),  # the PDQ distance is shown though it did not decide
        ]
        assert got == ref_query(entries, q_pdq, q_phash)
    assert index.stats["pdq_indexed"] == 2
    assert index.stats["pdq_low_or_unknown_quality"] == 3


def test_low_quality_query_pdq_does_not_decide() -> None:
    rng = random.Random(51)
    q_pdq, q_phash = rand_hex(rng, 256), rand_hex(rng, 64)
    entries = [HashEntry(1, q_pdq, flip(q_phash, 20, rng), 90)]
    index = HashIndex.from_records(entries)
    assert index.query(q_pdq, q_phash, pdq_quality=49) == []
    assert index.query(q_pdq, q_phash, pdq_quality=50) == [Match(1, 0, 20, "pdq")]
    assert index.query(q_pdq, q_phash) == [Match(1, 0, 20, "pdq")]


def test_missing_and_malformed_stored_hashes_are_counted_not_fatal() -> None:
    rng = random.Random(9)
    q = rand_hex(rng, 256)
    entries = [
        HashEntry(1, q, None, 90),
        HashEntry(2, q[:-1], "abc", 90),
        HashEntry(3, "x" * 64, "y" * 16, 90),
        HashEntry(4, None, None, None),
    ]
    index = HashIndex.from_records(entries)
    assert index.stats == {
        "entries": 4,
        "pdq_indexed": 1,
        "pdq_low_or_unknown_quality": 0,
        "pdq_missing": 3,
        "phash_indexed": 0,
        "phash_missing": 4,
        "malformed_pdq": 2,
        "malformed_phash": 2,
    }
    assert index.query(q, "0" * 16, limit=None) == [Match(1, 0, None, "pdq")]


@pytest.mark.parametrize("method", METHODS)
def test_empty_index(method, tmp_path) -> None:
    index = HashIndex.from_records([])
    assert len(index) == 0
    assert index.query("f" * 64, "f" * 16, method=method) == []
    loaded = HashIndex.load(index.save(tmp_path / "empty"))
    assert len(loaded) == 0
    assert loaded.query("f" * 64, "f" * 16, method=method) == []


@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_round_trip(planted, tmp_path, mmap) -> None:
    entries, q_pdq, q_phash, _, _ = planted
    entries = [*entries, HashEntry(77, None, "00ff" * 4, None), HashEntry(78, "1" * 64, None, 3)]
    index = HashIndex.from_records(entries)
    path = index.save(tmp_path / "idx")
    assert sorted(p.name for p in path.iterdir()) == sorted(
        [f"{name}.npy" for name in index._arrays()] + ["meta.json"]
    )
    loaded = HashIndex.load(path, mmap=mmap)
    assert isinstance(loaded.pdq.base, np.memmap) == mmap
    assert loaded.stats == index.stats
    for name, array in index._arrays().items():
        np.testing.assert_array_equal(loaded._arrays()[name], array)
    for method in METHODS:
        q = (q_pdq, q_phash)
        assert loaded.query(*q, limit=None, method=method) == index.query(*q, limit=None)
    assert loaded.query("1" * 64, "00ff" * 4) == index.query("1" * 64, "00ff" * 4)
    # Saving again over an existing index replaces it.
    smaller = HashIndex.from_records(entries[:10])
    smaller.save(path)
    assert len(HashIndex.load(path)) == 10


def test_save_refuses_to_replace_a_directory_that_is_not_an_index(tmp_path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "keep.jpg").write_bytes(b"x")
    with pytest.raises(StoreError, match="not a saved hash index"):
        HashIndex.from_records([]).save(tmp_path / "photos")
    assert (tmp_path / "photos" / "keep.jpg").read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]


def test_load_rejects_missing_foreign_and_inconsistent_files(planted, tmp_path) -> None:
    with pytest.raises(StoreError, match="cannot read"):
        HashIndex.load(tmp_path / "nothing")
    path = HashIndex.from_records(planted[0][:50]).save(tmp_path / "idx")
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "version": 99}))
    with pytest.raises(StoreError, match="not a provtrack-hashindex v1"):
        HashIndex.load(path)
    (path / "meta.json").write_text(json.dumps({**meta, "entries": 51}))
    with pytest.raises(StoreError):
        HashIndex.load(path)
    (path / "meta.json").write_text(json.dumps(meta))
    np.save(path / "pdq_rows.npy", np.zeros(3, dtype=np.uint32))
    with pytest.raises(StoreError, match="band tables"):
        HashIndex.load(path)
    np.save(path / "pdq_rows.npy", np.zeros(3, dtype=np.int8))
    with pytest.raises(StoreError, match="dtype"):
        HashIndex.load(path)


def test_query_variants_reports_the_best_variant_once_per_entry() -> None:
    rng = random.Random(4)
    a, b = rand_hex(rng, 256), rand_hex(rng, 256)
    index = HashIndex.from_records([HashEntry(1, a, None, 90), HashEntry(2, b, None, 90)])
    got = index.query_variants(
        [
            QueryHashes("original", flip(a, 20, rng), None),
            QueryHashes("mirror", flip(a, 3, rng), None),
            QueryHashes("other", flip(b, 30, rng), None, pdq_quality=20),
        ]
    )
    assert got == [Match(1, 3, None, "pdq", "mirror")]


def test_hex_words_round_trip() -> None:
    value = "0123456789abcdef" * 4
    words = hex_to_words(value, 64)
    assert words.tolist() == [0x0123456789ABCDEF] * 4
    assert words_to_hex(words) == value
    assert words_to_hex(hex_to_words(value.upper(), 64)) == value
    with pytest.raises(ValueError, match="hex"):
        hex_to_words("0123456789abcdeg", 16)


@pytest.mark.parametrize(("threshold", "bands"), [(31, 12), (10, 3), (0, 12), (5, 3), (200, 12)])
def test_probe_radii_satisfy_the_pigeonhole_condition(threshold, bands) -> None:
    layout = band_layout(bands // 3, 10_000_000)
    radii = plan_radii(layout, tuple(10_000_000 for _ in layout), threshold)
    assert sum(t + 1 for t in radii) >= min(threshold + 1, sum(b.bits + 1 for b in layout))
    assert all(-1 <= t <= b.bits for t, b in zip(radii, layout, strict=True))


def test_lookup_imports_no_crawler_code() -> None:
    code = (
        "import sys, provenance.lookup; "
        "print(','.join(m for m in ('scrapy', 'twisted', 'playwright', 'crawler', 'cv2') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.strip()
    assert out == ""


def boundary_neighbours(query: list[int], bands, radii, rng: random.Random) -> list[list[int]]:
    """For each probed band i, a code within radius t_i on band i and t_j + 1 on every other.

    Its distance is ``sum(t_j + 1) - 1`` (the threshold when the plan is tight) and only band
    i's outermost probe can find it, so dropping any single probe radius loses it.
    """
    out = []
    for i, t_i in enumerate(radii):
        if t_i < 0:
            continue
        code = list(query)
        for j, (band, t_j) in enumerate(zip(bands, radii, strict=True)):
            flips = t_i if j == i else t_j + 1
            for p in rng.sample(range(band.shift, band.shift + band.bits), flips):
                code[band.word] ^= 1 << p
        out.append(code)
    return out


@pytest.mark.parametrize("n", [300, 1 << 16])
@pytest.mark.parametrize(("kind", "threshold"), [("pdq", 31), ("pdq", 12), ("phash", 10)])
def test_neighbours_on_the_pigeonhole_boundary_are_found(n, kind, threshold) -> None:
    rng = np.random.default_rng(n + threshold)
    pdq = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    phash = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    index = HashIndex.from_arrays(np.arange(n), pdq, np.full(n, 90), phash)
    bands = index._pdq_bands if kind == "pdq" else index._phash_bands
    plan = bands.plan(threshold, force=True)
    assert plan is not None
    assert sum(t + 1 for t in plan.radii) == threshold + 1  # tight: no slack to hide a bug
    prng = random.Random(threshold)
    words = 4 if kind == "pdq" else 1
    query = [prng.getrandbits(64) for _ in range(words)]
    neighbours = boundary_neighbours(query, bands.bands, plan.radii, prng)
    assert len(neighbours) == sum(t >= 0 for t in plan.radii)
    for k, code in enumerate(neighbours):
        if kind == "pdq":
            pdq[k] = code
        else:
            phash[k] = code[0]
    index = HashIndex.from_arrays(np.arange(n), pdq, np.full(n, 90), phash)
    q_hex = words_to_hex(np.array(query, dtype=np.uint64))
    args = (q_hex, None) if kind == "pdq" else (None, q_hex)
    thresholds = {f"{kind}_threshold": threshold}
    got = index.query(*args, limit=None, method="index", **thresholds)
    assert got == index.query(*args, limit=None, method="scan", **thresholds)
    distance = [m.pdq_distance if kind == "pdq" else m.phash_distance for m in got]
    assert [m.id for m in got] == list(range(len(neighbours)))
    assert distance == [threshold] * len(neighbours)
