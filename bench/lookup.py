"""Near-duplicate lookup: index latency against a brute-force scan, same answers, same run.

Run from the repo root::

    python -m bench.lookup                       # 1M and 10M, 200 queries each, plus faiss
    python -m bench.lookup --sizes 100000 --queries 50 --no-faiss --no-calibration

For each size it generates random PDQ/pHash entries (10 % with PDQ quality below 50) and, per
query, plants neighbours at known distances (PDQ 0, 1, 15, 31, 32; pHash 0, 5, 10, 11), builds
the index, and times four query kinds (PDQ only, pHash only, both, and both for two variants
as :func:`hashes_of` gives them: the image and its mirror) with the index
(``method="auto"``) and with a full scan (``method="scan"``), interleaved, checking that both
return identical lists and that exactly the planted neighbours within the thresholds come back.
Interleaving means every index query follows a scan that has flushed the CPU caches (the
conservative figure); the same queries are then timed back to back (caches warm).
It also times the bare numpy scan of stack-notes.md (XOR + ``bitwise_count`` over the four PDQ
columns, nothing else), save/load (memory-mapped) and, unless ``--no-faiss``, faiss
``IndexBinaryMultiHash`` (16 x 16 bits, nflip 1, as python-threatexchange uses it).

The calibration section hashes variants of the photographs bundled with scikit-image and
scikit-learn with :func:`provenance.lookup.hashes_of` and reports the distances to the original
per transform, and the distances between different photographs.

Results go to ``bench/results/lookup.json`` (machine, date, command, figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from provenance.lookup import HashIndex, Match, QueryHashes, hashes_of
from provenance.lookup.codes import hex_to_words, words_to_hex

RESULTS = Path(__file__).resolve().parent / "results" / "lookup.json"
PDQ_PLANTS = (0, 1, 15, 31, 32)
PHASH_PLANTS = (0, 5, 10, 11)
LOW_QUALITY_SHARE = 0.10

U64 = npt.NDArray[np.uint64]


def flip_bits(words: U64, count: int, rng: np.random.Generator) -> U64:
    """A copy of ``words`` (one code) with ``count`` distinct random bits flipped."""
    out = words.copy()
    for bit in rng.choice(64 * words.size, size=count, replace=False):
        out[bit // 64] ^= np.uint64(1) << np.uint64(bit % 64)
    return out


def synthetic(n: int, queries: int, rng: np.random.Generator) -> dict[str, Any]:
    """Random entries with planted neighbours of each query at known distances.

    PDQ neighbours get an unrelated pHash and pHash neighbours an unrelated PDQ, so which rule
    must find each is known. Planted entries have quality 90; others are uniform in 0-100 with
    ``LOW_QUALITY_SHARE`` below 50.
    """
    pdq = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    phash = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    quality = rng.integers(50, 101, size=n).astype(np.int16)
    low = rng.random(n) < LOW_QUALITY_SHARE
    quality[low] = rng.integers(0, 50, size=int(low.sum()))
    per_query = len(PDQ_PLANTS) + len(PHASH_PLANTS)
    rows = rng.choice(n, size=queries * per_query, replace=False).reshape(queries, per_query)
    q_pdq = rng.integers(0, 2**64, size=(queries, 4), dtype=np.uint64)
    q_phash = rng.integers(0, 2**64, size=queries, dtype=np.uint64)
    expect_pdq: list[set[int]] = []
    expect_phash: list[set[int]] = []
    far_pdq: list[set[int]] = []
    far_phash: list[set[int]] = []
    for i in range(queries):
        ep: set[int] = set()
        eh: set[int] = set()
        fp: set[int] = set()
        fh: set[int] = set()
        for j, d in enumerate(PDQ_PLANTS):
            r = int(rows[i, j])
            pdq[r] = flip_bits(q_pdq[i], d, rng)
            quality[r] = 90
            (ep if d <= 31 else fp).add(r)
        for j, d in enumerate(PHASH_PLANTS):
            r = int(rows[i, len(PDQ_PLANTS) + j])
            phash[r] = flip_bits(q_phash[i : i + 1], d, rng)[0]
            (eh if d <= 10 else fh).add(r)
        expect_pdq.append(ep)
        expect_phash.append(eh)
        far_pdq.append(fp)
        far_phash.append(fh)
    return {
        "pdq": pdq,
        "phash": phash,
        "quality": quality,
        "q_pdq": [words_to_hex(q) for q in q_pdq],
        "q_phash": [words_to_hex(q_phash[i : i + 1]) for i in range(queries)],
        "q_pdq_words": q_pdq,
        "expect_pdq": expect_pdq,
        "expect_phash": expect_phash,
        "far_pdq": far_pdq,
        "far_phash": far_phash,
    }


def raw_scan(columns: U64, query: U64, threshold: int = 31) -> npt.NDArray[np.intp]:
    """stack-notes' brute force: XOR + popcount over the PDQ columns, rows within threshold."""
    n = columns.shape[1]
    chunk = 1 << 16
    hits = []
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        d = np.bitwise_count(columns[0, start:stop] ^ query[0]).astype(np.uint16)
        for w in range(1, 4):
            d += np.bitwise_count(columns[w, start:stop] ^ query[w])
        hits.append(np.flatnonzero(d <= threshold) + start)
    return np.concatenate(hits)


def pct(values: list[float], q: float) -> float:
    """Percentile in milliseconds, rounded for the report."""
    return round(float(np.percentile(values, q)) * 1000, 4)


def rss_mb() -> float:
    """Peak resident set size of this process so far, MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    """Current resident set size, MB (from /proc)."""
    with Path("/proc/self/statm").open() as fh:
        pages = int(fh.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def time_kind(
    index: HashIndex, queries: list[list[QueryHashes]]
) -> tuple[dict[str, Any], list[list[Match]]]:
    """Interleaved index/scan timings for one query kind, and the index's answers."""
    t_index: list[float] = []
    t_scan: list[float] = []
    answers: list[list[Match]] = []
    mismatches = 0
    for variants in queries:
        t0 = time.perf_counter()
        got = index.query_variants(variants, limit=None)
        t1 = time.perf_counter()
        ref = index.query_variants(variants, limit=None, method="scan")
        t2 = time.perf_counter()
        t_index.append(t1 - t0)
        t_scan.append(t2 - t1)
        mismatches += got != ref
        answers.append(got)
    t_warm: list[float] = []
    for variants in queries:  # back to back: the index's tables stay in the CPU caches
        t0 = time.perf_counter()
        index.query_variants(variants, limit=None)
        t_warm.append(time.perf_counter() - t0)
    figures = {
        "index_p50_ms": pct(t_index, 50),
        "index_p95_ms": pct(t_index, 95),
        "scan_p50_ms": pct(t_scan, 50),
        "scan_p95_ms": pct(t_scan, 95),
        "speedup_p50": round(float(np.median(t_scan) / np.median(t_index)), 1),
        "index_back_to_back_p50_ms": pct(t_warm, 50),
        "index_back_to_back_p95_ms": pct(t_warm, 95),
        "identical_answers": mismatches == 0,
        "mismatched_queries": mismatches,
        "mean_matches": round(float(np.mean([len(a) for a in answers])), 2),
    }
    return figures, answers


def check_planted(answers: list[list[Match]], data: dict[str, Any]) -> int:
    """Queries where a planted neighbour within the threshold is missing from the rule that
    should find it, or one just past it (PDQ 32, pHash 11) is matched by that rule."""
    bad = 0
    for i, matches in enumerate(answers):
        by_pdq = {m.id for m in matches if m.matched_by in ("pdq", "pdq+phash")}
        by_phash = {m.id for m in matches if m.matched_by in ("phash", "pdq+phash")}
        near_ok = data["expect_pdq"][i] <= by_pdq and data["expect_phash"][i] <= by_phash
        far_ok = not (data["far_pdq"][i] & by_pdq) and not (data["far_phash"][i] & by_phash)
        bad += not (near_ok and far_ok)
    return bad


def bench_size(n: int, queries: int, seed: int, with_faiss: bool) -> dict[str, Any]:
    """All figures for one index size."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    data = synthetic(n, queries, rng)
    gen_s = time.perf_counter() - t0
    rss_before = current_rss_mb()
    t0 = time.perf_counter()
    index = HashIndex.from_arrays(np.arange(n), data["pdq"], data["quality"], data["phash"])
    build_s = time.perf_counter() - t0
    rss_after = current_rss_mb()
    out: dict[str, Any] = {
        "entries": n,
        "queries": queries,
        "generate_s": round(gen_s, 2),
        "build_s": round(build_s, 2),
        "index_bytes_mb": round(index.nbytes() / 2**20, 1),
        "build_rss_growth_mb": round(rss_after - rss_before, 1),
        "stats": index.stats,
        "pdq_bands": [[b.word, b.shift, b.bits] for b in index._pdq_bands.bands],
        "phash_bands": [[b.word, b.shift, b.bits] for b in index._phash_bands.bands],
    }
    pdq_plan = index._pdq_bands.plan(31)
    phash_plan = index._phash_bands.plan(10)
    out["pdq_radii"] = list(pdq_plan.radii) if pdq_plan else "scan"
    out["pdq_probes"] = int(pdq_plan.probe_mask.size) if pdq_plan else 0
    out["phash_radii"] = list(phash_plan.radii) if phash_plan else "scan"
    out["phash_probes"] = int(phash_plan.probe_mask.size) if phash_plan else 0

    pdq_q = data["q_pdq"]
    phash_q = data["q_phash"]
    # The second variant of "two_variants" stands for the mirror: an unrelated hash pair.
    mirror_q = [(h[::-1], g[::-1]) for h, g in zip(pdq_q, phash_q, strict=True)]
    kinds: dict[str, list[list[QueryHashes]]] = {
        "pdq_only": [[QueryHashes("original", p, None)] for p in pdq_q],
        "phash_only": [[QueryHashes("original", None, h)] for h in phash_q],
        "pdq_and_phash": [
            [QueryHashes("original", p, h)] for p, h in zip(pdq_q, phash_q, strict=True)
        ],
        "two_variants": [
            [QueryHashes("original", p, h), QueryHashes("mirror", *m)]
            for p, h, m in zip(pdq_q, phash_q, mirror_q, strict=True)
        ],
    }
    for name, qs in kinds.items():
        index.query_variants(qs[0])  # plans are built on first use; keep that out of figures
        figures, answers = time_kind(index, qs)
        if name == "pdq_and_phash":
            figures["planted_check_failures"] = check_planted(answers, data)
        out[name] = figures
        print(f"  {n:>10,} {name:<14} {figures}", flush=True)

    cands = []
    for name, plan, bands, queries_hex in (
        ("pdq", pdq_plan, index._pdq_bands, data["q_pdq"]),
        ("phash", phash_plan, index._phash_bands, data["q_phash"]),
    ):
        if plan is None:
            continue
        counts = [bands.candidates(hex_to_words(h, len(h)), plan).size for h in queries_hex]
        cands.append((name, round(float(np.mean(counts)), 1)))
    out["mean_candidates_per_query"] = dict(cands)
    t_raw = []
    for q in data["q_pdq_words"]:
        t1 = time.perf_counter()
        raw_scan(index.pdq, q)
        t_raw.append(time.perf_counter() - t1)
    out["raw_numpy_pdq_scan"] = {"p50_ms": pct(t_raw, 50), "p95_ms": pct(t_raw, 95)}
    out["pdq_only"]["speedup_vs_raw_scan_p50"] = round(
        float(np.median(t_raw)) * 1000 / out["pdq_only"]["index_p50_ms"], 1
    )
    print(f"  {n:>10,} raw numpy PDQ scan {out['raw_numpy_pdq_scan']}", flush=True)

    out["save_load"] = save_load(index, kinds["pdq_and_phash"])
    print(f"  {n:>10,} save/load {out['save_load']}", flush=True)
    if with_faiss:
        out["faiss"] = bench_faiss(index, data)
        print(f"  {n:>10,} faiss {out['faiss']}", flush=True)
    out["peak_rss_mb"] = rss_mb()
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    del index, data
    gc.collect()
    return out


def save_load(index: HashIndex, qs: list[list[QueryHashes]]) -> dict[str, Any]:
    """Save, memory-mapped load, first query after load, and latency on the mapped index."""
    tmp = Path(tempfile.mkdtemp(prefix="provtrack-lookup-bench-"))
    try:
        t0 = time.perf_counter()
        path = index.save(tmp / "index")
        save_s = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in path.iterdir())
        t0 = time.perf_counter()
        loaded = HashIndex.load(path)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        first = loaded.query_variants(qs[0], limit=None)
        first_s = time.perf_counter() - t0
        same = first == index.query_variants(qs[0], limit=None)
        lat = []
        for variants in qs:
            t1 = time.perf_counter()
            got = loaded.query_variants(variants, limit=None)
            lat.append(time.perf_counter() - t1)
            same = same and got == index.query_variants(variants, limit=None)
        return {
            "save_s": round(save_s, 2),
            "files_mb": round(size / 2**20, 1),
            "mmap_load_ms": round(load_s * 1000, 2),
            "first_query_after_load_ms": round(first_s * 1000, 2),
            "mapped_index_p50_ms": pct(lat, 50),
            "mapped_index_p95_ms": pct(lat, 95),
            "mapped_answers_identical": bool(same),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_faiss(index: HashIndex, data: dict[str, Any]) -> dict[str, Any]:
    """faiss IndexBinaryMultiHash(256, 16, 16), nflip 1, on the PDQ-usable rows only."""
    try:
        import faiss
    except ImportError:
        return {"skipped": "faiss not installed"}
    usable = np.flatnonzero(index.pdq_usable)
    codes = np.ascontiguousarray(index.pdq[:, usable].T).astype(">u8").view(np.uint8)
    rss_before = current_rss_mb()
    t0 = time.perf_counter()
    fx = faiss.IndexBinaryMultiHash(256, 16, 16)
    fx.nflip = 1  # 16 bands, threshold 31: some band is within 1 bit (pigeonhole)
    fx.add(codes)
    build_s = time.perf_counter() - t0
    rss_growth = current_rss_mb() - rss_before
    lat = []
    mismatches = 0
    for i, pdq_hex in enumerate(data["q_pdq"]):
        q = data["q_pdq_words"][i].astype(">u8").view(np.uint8).reshape(1, 32)
        t1 = time.perf_counter()
        lims, _dist, ids = fx.range_search(q, 32)  # faiss keeps distances strictly below
        lat.append(time.perf_counter() - t1)
        got = set(usable[ids[lims[0] : lims[1]]].tolist())
        ref = {m.id for m in index.query(pdq_hex, None, limit=None, method="scan")}
        mismatches += got != ref
    del fx, codes
    gc.collect()
    return {
        "build_s": round(build_s, 2),
        "build_rss_growth_mb": round(rss_growth, 1),
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "identical_answers": mismatches == 0,
        "mismatched_queries": mismatches,
    }


def bundled_photos() -> dict[str, bytes]:
    """Colour and grey photographs shipped inside scikit-image and scikit-learn, as PNG bytes."""
    from PIL import Image
    from skimage import data as skdata
    from sklearn.datasets import load_sample_images

    arrays: dict[str, Any] = {}
    for name in (
        "astronaut", "chelsea", "coffee", "rocket", "camera", "hubble_deep_field",
        "immunohistochemistry", "horse", "coins", "moon", "brick", "grass", "gravel", "cell",
        "retina", "microaneurysms", "clock", "page", "text",
    ):  # fmt: skip
        arrays[name] = getattr(skdata, name)()
    sample = load_sample_images()
    for fname, image in zip(sample.filenames, sample.images, strict=True):
        arrays[Path(fname).stem] = image
    photos = {}
    for name, array in arrays.items():
        im = Image.fromarray(
            np.asarray(array if array.dtype == np.uint8 else array * 255, np.uint8)
        )
        buf = io.BytesIO()
        im.save(buf, "PNG")
        photos[name] = buf.getvalue()
    return photos


def transforms() -> dict[str, Callable[[Any], Any]]:
    """Edits a re-post typically carries, by name."""
    from PIL import ImageOps

    def centre_crop(area: float) -> Callable[[Any], Any]:
        def crop(im: Any) -> Any:
            w, h = im.size
            s = (1 - (1 - area) ** 0.5) / 2
            return im.crop((round(w * s), round(h * s), round(w * (1 - s)), round(h * (1 - s))))

        return crop

    def edge_crop(share: float) -> Callable[[Any], Any]:
        def crop(im: Any) -> Any:
            w, h = im.size
            return im.crop((0, 0, w, round(h * (1 - share))))

        return crop

    return {
        "resize_0.5": lambda im: im.resize((im.width // 2, im.height // 2)),
        "jpeg_q40": lambda im: im,
        "mirror": ImageOps.mirror,
        "mirror_resize_0.5": lambda im: ImageOps.mirror(im).resize((im.width // 2, im.height // 2)),
        "centre_crop_5pct_area": centre_crop(0.05),
        "centre_crop_10pct_area": centre_crop(0.10),
        "centre_crop_15pct_area": centre_crop(0.15),
        "bottom_crop_5pct": edge_crop(0.05),
        "bottom_crop_10pct": edge_crop(0.10),
    }


def calibration() -> dict[str, Any]:
    """Distances from each photograph to its edited re-posts, and between photographs."""
    from PIL import Image

    def dist(a: str | None, b: str | None) -> int:
        if a is None or b is None:
            raise ValueError("a bundled photograph produced no hash")
        return (int(a, 16) ^ int(b, 16)).bit_count()

    photos = bundled_photos()
    originals = {name: hashes_of(data)[0] for name, data in photos.items()}
    per_transform: dict[str, dict[str, Any]] = {}
    for tname, fn in transforms().items():
        pdq_d, phash_d = [], []
        for name, data in photos.items():
            im = fn(Image.open(io.BytesIO(data)).convert("RGB"))
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=40 if tname == "jpeg_q40" else 85)
            variants = hashes_of(buf.getvalue())
            orig = originals[name]
            pdq_d.append(min(dist(orig.pdq, v.pdq) for v in variants))
            phash_d.append(min(dist(orig.phash, v.phash) for v in variants))
        per_transform[tname] = {
            "pdq": sorted(pdq_d),
            "phash": sorted(phash_d),
            "found_pdq_le_31": sum(d <= 31 for d in pdq_d),
            "found_phash_le_10": sum(d <= 10 for d in phash_d),
            "found_either": sum(p <= 31 or h <= 10 for p, h in zip(pdq_d, phash_d, strict=True)),
            "photos": len(pdq_d),
        }
    names = sorted(originals)
    cross_pdq, cross_phash = [], []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ha, hb = originals[a], originals[b]
            cross_pdq.append(dist(ha.pdq, hb.pdq))
            cross_phash.append(dist(ha.phash, hb.phash))
            if cross_phash[-1] <= 10:
                print(f"  different photos within pHash 10: {a} / {b} = {cross_phash[-1]}")
    qualities = {name: h.pdq_quality for name, h in originals.items()}
    return {
        "photos": names,
        "pdq_quality": qualities,
        "transforms": per_transform,
        "different_photos": {
            "pairs": len(cross_pdq),
            "pdq_min": min(cross_pdq),
            "pdq_p1": float(np.percentile(cross_pdq, 1)),
            "pdq_median": float(np.median(cross_pdq)),
            "phash_min": min(cross_phash),
            "phash_p1": float(np.percentile(cross_phash, 1)),
            "phash_median": float(np.median(cross_phash)),
            "phash_le_10": sum(d <= 10 for d in cross_phash),
            "pdq_le_31": sum(d <= 31 for d in cross_pdq),
        },
    }


def machine(module: str = "bench.lookup") -> dict[str, Any]:
    """Where and when the figures were taken (the load average says how shared the machine was)."""
    import faiss

    return {
        "uname": " ".join(platform.uname()),
        "cpu_count": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "faiss": getattr(faiss, "__version__", "?"),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join([Path(sys.executable).name, "-m", module, *sys.argv[1:]]),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the sizes asked for and write the JSON report."""
    parser = argparse.ArgumentParser(prog="python -m bench.lookup", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20260526)
    parser.add_argument("--no-faiss", action="store_true", help="skip the faiss comparison")
    parser.add_argument("--no-calibration", action="store_true", help="skip photo calibration")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"machine": machine(), "sizes": []}
    print(json.dumps(report["machine"]), flush=True)
    if not args.no_calibration:
        report["calibration"] = calibration()
        summary = {
            k: (v["found_pdq_le_31"], v["found_phash_le_10"], v["found_either"], v["photos"])
            for k, v in report["calibration"]["transforms"].items()
        }
        print("  calibration (pdq<=31, phash<=10, either, photos):", summary, flush=True)
        print("  different photos:", report["calibration"]["different_photos"], flush=True)
    for n in args.sizes:
        report["sizes"].append(bench_size(n, args.queries, args.seed + n, not args.no_faiss))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    kinds = ("pdq_only", "phash_only", "two_variants")
    ok = all(s[k]["identical_answers"] for s in report["sizes"] for k in kinds) and all(
        s["pdq_and_phash"]["identical_answers"]
        and s["pdq_and_phash"]["planted_check_failures"] == 0
        for s in report["sizes"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
