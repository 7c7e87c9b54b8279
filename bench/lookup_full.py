"""The full lookup query at scale: every variant (the file, its photo regions, mirrors, crops)
and the keypoint check, against 1M stored images.

``python -m bench.lookup_full [--images 1000000] [--seed N]`` stores the demo web's source
photographs (their hashes as the media pipeline computes them) among N random images (PDQ,
quality, pHash and the three crop pHashes each, as the store indexes them), then looks up a
screenshot of every photograph (app bar, caption, straight or tilted, as
``tests/ops/test_reposts.py`` makes them) twice in the same run: through the band index
(``method="auto"``) and through a full scan (``method="scan"``: the brute-force baseline).
It reports the full query's p50/p95 (hashing the file and its regions, every index probe,
the comparisons and the keypoint check), the scan's, their ratio, and the recall of the
sources by each (the index must find what the scan finds). Written to
``bench/results/lookup_full.json``.
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

from bench.lookup import machine, pct
from demoweb.photos import LIBRARY, render
from provenance.lookup import HashIndex
from provenance.lookup.codes import pdq_words, phash_word
from provenance.lookup.geometry import confirm
from provenance.matching import (
    PARTS_PER_IMAGE,
    HashSet,
    compare,
    hashes_conclusive,
    query_parts,
    query_variants,
)
from provenance.media.hashes import compute, crop_phashes, working_raster
from tests.ops.test_reposts import screenshot

RESULTS = Path(__file__).with_name("results") / "lookup_full.json"
ANGLES = (0.0, 6.0, -4.0, 9.0, -3.0)


def stored_photos() -> tuple[dict[int, HashSet], dict[int, Any], dict[int, str]]:
    """The demo photographs as stored images: hash sets, pixels and photo ids."""
    hashes: dict[int, HashSet] = {}
    pixels: dict[int, Any] = {}
    names: dict[int, str] = {}
    for i, pid in enumerate(sorted(LIBRARY)):
        picture = render(pid, "original", 640)
        buf = io.BytesIO()
        picture.save(buf, "JPEG", quality=88)
        luma = working_raster(buf.getvalue())
        assert luma is not None
        digest = compute(luma)
        hashes[i] = HashSet(
            pdq=digest.pdq,
            pdq_quality=digest.pdq_quality,
            phash=digest.phash,
            phash_crops=crop_phashes(luma),
        )
        pixels[i] = picture
        names[i] = pid
    return hashes, pixels, names


def build(n: int, real: dict[int, HashSet], rng: np.random.Generator) -> HashIndex:
    """An index of the real photographs plus ``n`` random images, four entries each."""
    k = len(real)
    images = k + n
    ids = (np.arange(images, dtype=np.int64)[:, None] * PARTS_PER_IMAGE + np.arange(4)).ravel()
    pdq = rng.integers(0, 2**64, size=(images * PARTS_PER_IMAGE, 4), dtype=np.uint64)
    phash = rng.integers(0, 2**64, size=images * PARTS_PER_IMAGE, dtype=np.uint64)
    quality = rng.integers(50, 101, size=images * PARTS_PER_IMAGE).astype(np.int16)
    has_pdq = (np.arange(images * PARTS_PER_IMAGE) % PARTS_PER_IMAGE) == 0
    for image_id, h in real.items():
        base = image_id * PARTS_PER_IMAGE
        assert h.pdq
        assert h.phash
        pdq[base] = pdq_words(h.pdq)
        quality[base] = h.pdq_quality or 0
        phash[base] = phash_word(h.phash)
        for j, crop in enumerate(h.phash_crops[:3], start=1):
            phash[base + j] = phash_word(crop)
    return HashIndex.from_arrays(ids, pdq, quality, phash, has_pdq=has_pdq)


def full_query(
    index: HashIndex,
    data: bytes,
    real: dict[int, HashSet],
    pixels: dict[int, Any],
    method: str,
) -> set[int]:
    """The whole lookup of one file against the index: the image ids confirmed as matches."""
    parts = query_parts(data)
    found: dict[int, tuple[Any, Any]] = {}
    for part in parts:
        variants = query_variants(part.query)
        hits = index.query_variants(variants, limit=None, method=method)  # type: ignore[arg-type]
        for m in hits:
            image_id = m.id // PARTS_PER_IMAGE
            if image_id not in real:
                found.setdefault(image_id, (None, part))  # a random entry: counted, not confirmed
                continue
            c = compare(part.query, real[image_id], image_id)
            if c.matched and (image_id not in found or found[image_id][0] is None):
                found[image_id] = (c, part)
    out = set()
    for image_id, (c, part) in found.items():
        if c is None:
            out.add(image_id)
            continue
        if part.name != "whole" and not hashes_conclusive(c) and part.image is not None:
            mirror = c.orientation == "mirror"
            if not confirm(part.image, pixels[image_id], mirror=mirror).confirmed:
                continue
        out.add(image_id)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m bench.lookup_full", description=__doc__)
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    real, pixels, names = stored_photos()
    started = time.perf_counter()
    index = build(args.images, real, rng)
    build_s = time.perf_counter() - started
    shots = {i: screenshot(pixels[i], angle=ANGLES[i % len(ANGLES)], seed=i) for i in sorted(real)}
    timings: dict[str, list[float]] = {"index": [], "scan": []}
    found: dict[str, set[int]] = {"index": set(), "scan": set()}
    extra: dict[str, int] = {"index": 0, "scan": 0}
    for i, data in shots.items():
        for method in ("scan", "index"):  # interleaved: each index query follows a scan
            t = time.perf_counter()
            got = full_query(index, data, real, pixels, "auto" if method == "index" else "scan")
            timings[method].append(time.perf_counter() - t)
            if i in got:
                found[method].add(i)
            extra[method] += len(got - {i})
    result = {
        "images": args.images + len(real),
        "index_entries": len(index),
        "build_s": round(build_s, 2),
        "queries": len(shots),
        "full_query_ms": {
            m: {"p50": round(pct(v, 50), 2), "p95": round(pct(v, 95), 2)}
            for m, v in timings.items()
        },
        "speedup_p50": round(pct(timings["scan"], 50) / pct(timings["index"], 50), 2),
        "recall": {m: round(len(found[m]) / len(shots), 4) for m in found},
        "index_finds_what_the_scan_finds": found["index"] == found["scan"],
        "missed": sorted(names[i] for i in set(real) - found["index"]),
        "other_images_returned": extra,
        "machine": machine(),
        "pid": os.getpid(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
