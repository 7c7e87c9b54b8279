"""What imagehash's ``crop_resistant_hash`` and PDQ's own dihedral variants would buy lookup.

``python -m bench.lookup_variants [--unrelated 1000]`` runs both on the lookup suite
(``tests/lookup/suite.py``): every demo photograph stored as the media pipeline stores it
(JPEG q88), the suite's re-posts of each (all six kinds: screenshots, crops of 20-30 % off a
side or a corner, rotations of 3-10 degrees with black corners or straightened, today's
edits), plus two kinds the suite leaves out because the current query already covers them by
construction or not at all: the photo turned by 90 degrees and turned upside down.

- **crop_resistant_hash** (imagehash's default: dHash of each bright/dark segment, a segment
  matching within 25 % of its bits, one matching segment enough): for each re-post, whether
  its source matches, per kind; false matches over every pair of distinct demo photographs
  (that do not share pixels) and every re-post against ``--unrelated`` unrelated images; at
  stricter settings too (more matching segments, fewer bits). Against the baseline of the
  same run: whole-image pHash <= 6 (the rule lookup uses on its own) and the whole query
  (:func:`provenance.reposts.match_photo`, keypoints included), over the same re-posts.
- **PDQ dihedral** (``pdqhash.compute_dihedral``: the eight rotations and flips from one
  DCT): the query's eight PDQs against the stored PDQ, per kind, found at <= 31; against the
  baseline of hashing the file and its mirrored raster (what lookup does), and against
  hashing each transposed raster (what ``provenance.media.hashes.variant_hashes`` does).

Cost per query is timed for each. Results in ``bench/results/lookup_variants.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pdqhash
from PIL import Image

from bench.lookup import machine
from provenance.lookup.keypoints import KeypointIndex, describe
from provenance.matching import HashSet, build_index, hash_raster
from provenance.media.hashes import (
    _DIHEDRAL_OPS,
    _pdq_input,
    compute,
    hamming,
    pdq_hex,
    working_raster,
)
from provenance.reposts import match_photo, query_parts
from tests.lookup.suite import Repost, demo_photos, jpeg, related, reposts, unrelated

RESULTS = Path(__file__).with_name("results") / "lookup_variants.json"
SETTINGS = ((1, 16), (2, 16), (3, 16), (2, 10), (3, 10), (4, 8))
"""(segments that must match, bits of 64 a segment may differ by); the first is imagehash's
default."""


def _kind(r: Repost) -> str:
    head = r.kind.split(" ")[0]
    if head == "rotated":
        return "rotated-black" if "black" in r.kind else "rotated-straightened"
    if head == "crop":
        side = r.kind.rsplit(" ", 1)[-1]
        return "crop-corner" if "-" in side else "crop-side"
    return head if head in ("screenshot", "turned90", "upside-down") else "today"


def _segments(data: bytes) -> np.ndarray:
    """crop_resistant_hash's segment dHashes as uint64."""
    with Image.open(io.BytesIO(data)) as im:
        multi = imagehash.crop_resistant_hash(im.convert("RGB"))
    return np.array([int(str(h), 16) for h in multi.segment_hashes], dtype=np.uint64)


def _segment_matches(query: np.ndarray, stored: list[np.ndarray], bits: int) -> np.ndarray:
    """For each stored image, how many query segments lie within ``bits`` of one of its own."""
    flat = np.concatenate(stored)
    owner = np.repeat(np.arange(len(stored)), [s.size for s in stored])
    dist = np.bitwise_count(query[:, None] ^ flat[None, :])  # (query segments, all stored)
    out = np.zeros(len(stored), dtype=np.int64)
    for q in range(query.size):
        near = np.unique(owner[dist[q] <= bits])
        out[near] += 1
    return out


def _pdq_variants(luma: Image.Image) -> list[str]:
    vectors, _quality = pdqhash.compute_dihedral(_pdq_input(luma))  # one quality for all
    return [pdq_hex(v) for v in vectors]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m bench.lookup_variants", description=__doc__)
    parser.add_argument("--unrelated", type=int, default=1000)
    parser.add_argument(
        "--sampled", action="store_true", help="the re-posts the lookup test samples, not all"
    )
    parser.add_argument(
        "--no-full-query", action="store_true", help="skip the whole-query baseline"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N re-posts")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load_start = [round(x, 2) for x in os.getloadavg()]
    photos = demo_photos()
    names = sorted(photos)
    stored_bytes = {pid: jpeg(photos[pid], 88) for pid in names}
    others = [blob for _, blob in unrelated(args.unrelated)]
    queries = list(reposts(photos, sampled=args.sampled))[: args.limit]
    for n, pid in enumerate(names[::4]):  # turned a quarter, or upside down
        turned = photos[pid].transpose(
            Image.Transpose.ROTATE_90 if n % 2 == 0 else Image.Transpose.ROTATE_180
        )
        kind = "turned90" if n % 2 == 0 else "upside-down"
        queries.append(Repost(pid, kind, jpeg(turned, 85)))

    # crop_resistant_hash
    t = time.process_time()
    seg_stored = [_segments(stored_bytes[pid]) for pid in names]
    seg_others = [_segments(b) for b in others]
    stored_ms = 1000 * (time.process_time() - t) / (len(names) + len(others))
    crh: dict[str, Any] = {"segments_per_image_mean": 0.0, "settings": {}}
    crh["segments_per_image_mean"] = round(
        float(np.mean([s.size for s in seg_stored + seg_others])), 1
    )
    t = time.process_time()
    seg_queries = [_segments(r.data) for r in queries]
    crh["ms_per_hash"] = round(1000 * (time.process_time() - t) / len(queries), 1)
    crh["ms_per_stored_hash"] = round(stored_ms, 1)
    every = seg_stored + seg_others
    for need, bits in SETTINGS:
        found: dict[str, list[int]] = {}
        false_pairs = pairs = 0
        for r, seg in zip(queries, seg_queries, strict=True):
            counts = _segment_matches(seg, every, bits) if seg.size else np.zeros(len(every))
            hit = counts >= need
            source = names.index(r.photo_id)
            found.setdefault(_kind(r), [0, 0])
            found[_kind(r)][0] += int(hit[source])
            found[_kind(r)][1] += 1
            for i, pid in enumerate(names):
                if not related(r.photo_id, pid):
                    pairs += 1
                    false_pairs += int(hit[i])
            pairs += len(others)
            false_pairs += int(hit[len(names) :].sum())
        # pairs of distinct stored demo photographs (the stored bytes against each other)
        photo_pairs = photo_false = 0
        for i, seg in enumerate(seg_stored):
            counts = _segment_matches(seg, seg_stored, bits)
            for j in range(i + 1, len(names)):
                if not related(names[i], names[j]):
                    photo_pairs += 1
                    photo_false += int(counts[j] >= need)
        crh["settings"][f"{need} segments within {bits} bits"] = {
            "recall_per_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(found.items())},
            "recall": round(sum(a for a, _ in found.values()) / len(queries), 3),
            "false_match_rate": {
                "reposts_vs_others": round(false_pairs / pairs, 4),
                "distinct_demo_photographs": round(photo_false / max(photo_pairs, 1), 4),
            },
        }

    # baselines over the same queries: whole-image pHash, and the whole query
    hashsets: dict[int, HashSet] = {}
    described = []
    for i, pid in enumerate(names):
        luma = working_raster(stored_bytes[pid])
        assert luma is not None
        hashsets[i] = hash_raster(luma, None)
        described.append((i, describe(Image.open(io.BytesIO(stored_bytes[pid])))))
    index = build_index(hashsets.items())
    keypoints = KeypointIndex.build(described)
    phash_found: dict[str, list[int]] = {}
    full_found: dict[str, list[int]] = {}
    for r in queries:
        luma = working_raster(r.data)
        assert luma is not None
        source = names.index(r.photo_id)
        stored_phash = hashsets[source].phash
        assert stored_phash is not None
        close = hamming(compute(luma).phash, stored_phash) <= 6
        phash_found.setdefault(_kind(r), [0, 0])
        phash_found[_kind(r)][0] += int(close)
        phash_found[_kind(r)][1] += 1
        if args.no_full_query:
            continue
        got = match_photo(
            query_parts(r.data),
            index=index,
            hashsets=lambda ids: {i: hashsets[i] for i in ids if i in hashsets},
            pixels=lambda i: stored_bytes[names[i]] if 0 <= i < len(names) else None,
            keypoints=keypoints,
        )
        full_found.setdefault(_kind(r), [0, 0])
        full_found[_kind(r)][0] += int(any(c.key == source for c in got))
        full_found[_kind(r)][1] += 1

    # PDQ dihedral
    stored_pdq = {}
    for i, pid in enumerate(names):
        luma = working_raster(stored_bytes[pid])
        assert luma is not None
        stored_pdq[i] = compute(luma).pdq
    ways: dict[str, dict[str, list[int]]] = {"file+mirror raster": {}, "dihedral": {}}
    ways["eight transposed rasters"] = {}
    cost = dict.fromkeys(ways, 0.0)
    distance_gap: list[int] = []
    for r in queries:
        luma = working_raster(r.data)
        assert luma is not None
        source_pdq = stored_pdq[names.index(r.photo_id)]
        t = time.process_time()
        lookup = [compute(luma).pdq, compute(luma.transpose(Image.Transpose.FLIP_LEFT_RIGHT)).pdq]
        cost["file+mirror raster"] += time.process_time() - t
        t = time.process_time()
        dihedral = _pdq_variants(luma)
        cost["dihedral"] += time.process_time() - t
        t = time.process_time()
        transposed = [compute(luma.transpose(op) if op else luma).pdq for op in _DIHEDRAL_OPS]
        cost["eight transposed rasters"] += time.process_time() - t
        distance_gap.extend(
            hamming(a, b) for a, b in zip(dihedral[1:], transposed[1:], strict=True)
        )
        for way, hashes in (
            ("file+mirror raster", lookup),
            ("dihedral", dihedral),
            ("eight transposed rasters", transposed),
        ):
            best = min(hamming(h, source_pdq) for h in hashes)
            ways[way].setdefault(_kind(r), [0, 0])
            ways[way][_kind(r)][0] += int(best <= 31)
            ways[way][_kind(r)][1] += 1
    result: dict[str, Any] = {
        "queries": len(queries),
        "stored_photographs": len(names),
        "unrelated": len(others),
        "crop_resistant_hash": crh,
        "baseline_recall_per_kind": {
            "whole-image pHash <= 6": {k: f"{a}/{b}" for k, (a, b) in sorted(phash_found.items())},
            "whole query (match_photo)": {
                k: f"{a}/{b}" for k, (a, b) in sorted(full_found.items())
            },
        },
        "pdq": {
            way: {k: f"{a}/{b}" for k, (a, b) in sorted(per.items())} for way, per in ways.items()
        },
        "pdq_ms_per_query": {k: round(1000 * v / len(queries), 2) for k, v in cost.items()},
        "pdq_dihedral_vs_transposed_bits": {
            "median": int(np.median(distance_gap)),
            "max": int(np.max(distance_gap)),
        },
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "machine": machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
