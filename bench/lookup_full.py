"""The full lookup query at scale: every variant and both geometric stages, at 1M stored images.

``python -m bench.lookup_full [--images 1000000] [--all-kinds] [--seed N]`` stores the demo
web's 112 photographs (hashed as the media pipeline hashes them, described as the keypoint
index describes them) among N random images: PDQ, quality, pHash and three crop pHashes each
(four hash-index entries per image, as the store indexes them) and
:data:`~provenance.lookup.keypoints.STORED_FEATURES` random ORB descriptors with positions
each. The queries are the lookup suite's re-posts (``tests/lookup/suite.py``: screenshots with
captions, 20-30 % crops off one side or corner, rotations of 3-10 degrees with black corners
or straightened, today's edits), three per photograph (one of each group, in turn) or
with ``--all-kinds`` all six.

Each query runs :func:`provenance.reposts.match_photo` as ``provtrack lookup`` runs it:
hashing the file and its photo regions (mirrors, crops), probing the hash index with every
variant, comparing candidates, the keypoint check of region matches, describing the file
(and its mirror), probing the keypoint index and checking its candidates. Timed per query.

Brute force, in the same run and interleaved with the indexed queries: the same rule with
the hash index scanned (``method="scan"``: XOR + popcount over every entry) and every real
photograph put through the keypoint check (:func:`provenance.lookup.geometry.confirm` with the
placement rule), i.e. every stored photograph that any stage could accept is tried, not only
the candidates an index proposes. (A full scan of the 64M random descriptors per query
keypoint is not run: random descriptors cannot pass the keypoint check, and at ~0.3 s per query
keypoint the scan would take minutes per query.) Recall is reported against the ground truth
and against that brute force. Results in ``bench/results/lookup_full.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench.lookup import machine, pct
from provenance.errors import StoreError
from provenance.lookup import HashIndex
from provenance.lookup.codes import pdq_words, phash_word
from provenance.lookup.geometry import confirm
from provenance.lookup.geometry import decode as decode_image
from provenance.lookup.keypoints import STORED_FEATURES, KeypointIndex, describe
from provenance.matching import PARTS_PER_IMAGE, HashSet, hash_raster
from provenance.media.hashes import working_raster
from provenance.reposts import match_photo, query_parts
from tests.lookup.suite import demo_photos, jpeg, related, reposts

RESULTS = Path(__file__).with_name("results") / "lookup_full.json"


def stored_photos() -> tuple[dict[int, HashSet], dict[int, bytes], dict[int, str]]:
    """The demo photographs as stored images: hash sets, bytes and photo ids."""
    hashes: dict[int, HashSet] = {}
    data: dict[int, bytes] = {}
    names: dict[int, str] = {}
    for i, (pid, picture) in enumerate(demo_photos().items()):
        data[i] = jpeg(picture, 88)
        luma = working_raster(data[i])
        assert luma is not None
        hashes[i] = hash_raster(luma, None)
        names[i] = pid
    return hashes, data, names


def build_hashes(n: int, real: dict[int, HashSet], rng: np.random.Generator) -> HashIndex:
    """A hash index of the real photographs plus ``n`` random images, four entries each."""
    images = len(real) + n
    rows = images * PARTS_PER_IMAGE
    ids = np.arange(rows, dtype=np.int64)
    pdq = rng.integers(0, 2**64, size=(rows, 4), dtype=np.uint64)
    phash = rng.integers(0, 2**64, size=rows, dtype=np.uint64)
    quality = rng.integers(50, 101, size=rows).astype(np.int16)
    has_pdq = (np.arange(rows) % PARTS_PER_IMAGE) == 0
    for image_id, h in real.items():
        base = image_id * PARTS_PER_IMAGE
        assert h.pdq
        assert h.phash
        pdq[base] = pdq_words(h.pdq)
        quality[base] = h.pdq_quality or 0
        phash[base] = phash_word(h.phash)
        for j, crop in enumerate(h.phash_crops[: PARTS_PER_IMAGE - 1], start=1):
            phash[base + j] = phash_word(crop)
    return HashIndex.from_arrays(ids, pdq, quality, phash, has_pdq=has_pdq)


def build_keypoints(
    n: int, real: dict[int, bytes], rng: np.random.Generator
) -> tuple[KeypointIndex, KeypointIndex]:
    """The keypoint index of the real photographs plus ``n`` random images, and of the real
    photographs alone (the brute force's)."""
    described = [(i, describe(Image.open(io.BytesIO(b)))) for i, b in sorted(real.items())]
    alone = KeypointIndex.build(described)
    k = STORED_FEATURES
    total = len(alone) + n * k
    owner = np.empty(total, dtype=np.int64)
    codes = np.empty((4, total), dtype=np.uint64)  # column-major, as the index keeps them
    xy = np.empty((total, 2), dtype=np.float32)
    owner[: len(alone)] = alone.owner
    codes[:, : len(alone)] = alone.codes
    xy[: len(alone)] = alone.xy
    start = len(alone)
    chunk = 1 << 22
    for first in range(0, n * k, chunk):
        m = min(chunk, n * k - first)
        s = start + first
        owner[s : s + m] = len(real) + (first + np.arange(m)) // k
        for w in range(4):
            codes[w, s : s + m] = rng.integers(0, 2**64, size=m, dtype=np.uint64)
        xy[s : s + m] = rng.random((m, 2), dtype=np.float32)
    images = np.arange(len(real) + n, dtype=np.int64)
    return KeypointIndex(owner, codes, xy, images), alone


def cached_keypoints(
    args: argparse.Namespace, real: dict[int, bytes], rng: np.random.Generator
) -> KeypointIndex:
    """The benchmark's keypoint index, from ``--cache`` when it holds one of this size and
    seed (the random descriptors are drawn after the hash index's, so a cached index is the
    one this run would build)."""
    if args.cache is None:
        return build_keypoints(args.images, real, rng)[0]
    target = args.cache / f"keypoints-{args.images}-{args.seed}"
    if (target / "meta.json").is_file():
        try:
            KeypointIndex.load(target)
        except StoreError:
            build_keypoints(args.images, real, rng)[0].save(target)
    else:
        build_keypoints(args.images, real, rng)[0].save(target)
    index = KeypointIndex.load(target)
    for array in (index.owner, index.codes, index.xy, *index.band_arrays()):
        int(np.asarray(array).reshape(-1).view(np.uint8)[::4096].sum())  # page it in
    return index


def brute_force(
    data: bytes, hashes: HashIndex, real: dict[int, HashSet], pixels: dict[int, bytes]
) -> set[int]:
    """Every stored image any stage could accept: the hash stages over a full scan, then the
    keypoint check (with placement) against every real photograph not yet found."""
    parts = query_parts(data)
    found = {
        c.key
        for c in match_photo(
            parts,
            index=hashes,
            hashsets=lambda ids: {i: real[i] for i in ids if i in real},
            pixels=lambda i: pixels.get(i),
            method="scan",
        )
    }
    whole = parts[0].image
    if whole is None:
        return found
    for image_id, blob in pixels.items():
        if image_id in found:
            continue
        stored = decode_image(blob)
        assert stored is not None
        for mirror in (False, True):
            if confirm(whole, stored, mirror=mirror, placed=True).confirmed:
                found.add(image_id)
                break
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m bench.lookup_full", description=__doc__)
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument(
        "--all-kinds", action="store_true", help="every kind per photograph, not three"
    )
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--no-brute-force", action="store_true")
    parser.add_argument(
        "--brute-every", type=int, default=1, help="brute force on every Nth query only"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N queries")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="keep the built keypoint index here (memory-mapped on the next run: the build "
        "of 64M random descriptors takes minutes)",
    )
    args = parser.parse_args(argv)
    load_start = [round(x, 2) for x in os.getloadavg()]
    rng = np.random.default_rng(args.seed)
    real, pixels, names = stored_photos()
    started = time.perf_counter()
    hashes = build_hashes(args.images, real, rng)
    hash_build_s = time.perf_counter() - started
    started = time.perf_counter()
    keypoints = cached_keypoints(args, pixels, rng)
    keypoint_build_s = time.perf_counter() - started
    by_name = {v: k for k, v in names.items()}
    queries = list(reposts(demo_photos(), sampled=not args.all_kinds))[: args.limit]
    timings: list[float] = []
    cpu: list[float] = []
    scan_timings: list[float] = []
    per_kind: dict[str, list[int]] = {}
    found = brute = both = false = 0
    missed: list[str] = []
    brute_queries = 0
    for n, r in enumerate(queries):
        t, c = time.perf_counter(), time.process_time()
        result = match_photo(
            query_parts(r.data),
            index=hashes,
            hashsets=lambda ids: {i: real[i] for i in ids if i in real},
            pixels=lambda i: pixels.get(i),
            keypoints=keypoints,
        )
        timings.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        got = {c.key for c in result}
        source = by_name[r.photo_id]
        hit = source in got
        found += hit
        false += sum(1 for k in got if not related(r.photo_id, names.get(k, "random")))
        kind = r.kind.split(" ")[0]
        per_kind.setdefault(kind, [0, 0])
        per_kind[kind][0] += hit
        per_kind[kind][1] += 1
        if not hit:
            missed.append(f"{r.photo_id}: {r.kind}")
        if not args.no_brute_force and n % args.brute_every == 0:
            brute_queries += 1
            t = time.perf_counter()
            exhaustive = brute_force(r.data, hashes, real, pixels)
            scan_timings.append(time.perf_counter() - t)
            brute += source in exhaustive
            both += hit and source in exhaustive
    ms = [1000 * x for x in timings]  # for the mean; pct() converts seconds itself
    result_json: dict[str, Any] = {
        "images": args.images + len(real),
        "hash_index_entries": len(hashes),
        "keypoint_descriptors": len(keypoints),
        "index_bytes": {"hash": hashes.nbytes(), "keypoints": keypoints.nbytes()},
        "build_s": {"hash": round(hash_build_s, 1), "keypoints": round(keypoint_build_s, 1)},
        "queries": len(queries),
        "full_query_ms": {
            "p50": round(pct(timings, 50), 1),
            "p95": round(pct(timings, 95), 1),
            "mean": round(float(np.mean(ms)), 1),
        },
        "full_query_cpu_ms": {
            "p50": round(pct(cpu, 50), 1),
            "p95": round(pct(cpu, 95), 1),
            "mean": round(1000 * float(np.mean(cpu)), 1),
        },
        "recall": round(found / len(queries), 4),
        "recall_per_kind": {k: f"{a}/{b}" for k, (a, b) in per_kind.items()},
        "false_matches": false,
        "missed": missed,
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "machine": machine("bench.lookup_full"),
    }
    if not args.no_brute_force:
        result_json["brute_force"] = {
            "queries": brute_queries,
            "recall": round(brute / max(brute_queries, 1), 4),
            "index_recall_of_brute_force": round(both / max(brute, 1), 4),
            "ms_p50": round(pct(scan_timings, 50), 1),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result_json, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result_json, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
