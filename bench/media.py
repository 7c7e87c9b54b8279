"""Benchmark of provenance.media: analyze() cost against bare JPEG decode, and face recall.

Run from the repository root::

    python -m bench.media            # full run, writes bench/results/media.json
    python -m bench.media --quick    # fewer rounds, for a smoke check
    python -m bench.media --tune     # also compare face-detector settings on LFW and photos
    python -m bench.media --models   # only the int8 vs float model A/B (media_models.json)
    python -m bench.media --confirm  # only the confirmation windows A/B (media_confirm_ab.json)

The face detector is timed four ways in the same rounds: as shipped (BlazeFace's int8 copy
on LiteRT), with MediaPipe's float model on LiteRT (its fallback), on the fallback runtime
(OpenCV DNN, float model) and as the cascades it replaced; the models and runtimes (and
tflite-runtime, when it can be imported) are also timed on the bare model.

Everything is built from photographs that ship inside installed packages (scikit-image,
scikit-learn, matplotlib); nothing is downloaded. Baseline and analyze() are timed in
interleaved rounds over the same JPEG bytes so machine noise hits both alike; medians of
per-round means are reported, as wall time and as process CPU time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import imagehash
import numpy as np
import pdqhash
from PIL import Image

from demoweb import photos as demo_photos
from provenance.media import analyze, blazeface
from provenance.media.decode import decode_luma
from provenance.media.faces import FaceDetector, FaceSettings
from provenance.media.hashes import compute, hamming, pdq_hex

RESULTS = Path(__file__).resolve().parent / "results" / "media.json"
LFW_SCALE = 4
# What the default detector is compared with, in the same run.
CASCADES = FaceSettings(detector="cascade")
OPENCV_DNN = FaceSettings(runtimes=("opencv-dnn",))
# MediaPipe's float model on LiteRT: the detector before the int8 model (issue 15, quant)
FLOAT_MODEL = FaceSettings(models=("short-range",))
# The canvases before issue 15's fifth pass (176x256 for every landscape image, INTER_AREA,
# the 64x64 pass reduced from the raster), for a same-run A/B of that change.
PREVIOUS_CANVASES = FaceSettings(
    canvas_fit_sides=(), canvas_interpolation="area", large_from_canvas=False
)


def _photos() -> dict[str, np.ndarray]:
    from matplotlib import cbook
    from skimage import data
    from sklearn.datasets import load_sample_image

    with cbook.get_sample_data("grace_hopper.jpg") as fh:
        hopper = np.asarray(Image.open(fh).convert("RGB"))
    return {
        "astronaut": data.astronaut(),
        "coffee": data.coffee(),
        "chelsea": data.chelsea(),
        "china": load_sample_image("china.jpg"),
        "flower": load_sample_image("flower.jpg"),
        "grace_hopper": hopper,
    }


def _fit_640x480(im: Image.Image, shift: float = 0.5) -> Image.Image:
    """Crop to 4:3 (``shift`` places the window) and resize to 640x480."""
    w, h = im.size
    if w * 3 > h * 4:
        nw = h * 4 // 3
        x0 = round((w - nw) * shift)
        im = im.crop((x0, 0, x0 + nw, h))
    else:
        nh = w * 3 // 4
        y0 = round((h - nh) * shift)
        im = im.crop((0, y0, w, y0 + nh))
    return im.resize((640, 480), Image.Resampling.LANCZOS)


def _jpeg(im: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def lfw_images(scale: int = LFW_SCALE) -> list[Image.Image]:
    """The 200 LFW-subset images (100 faces, then 100 non-faces) upscaled ``scale`` times."""
    from skimage import data

    out = []
    for arr in data.lfw_subset():
        gray = Image.fromarray(np.clip(arr * 255 + 0.5, 0, 255).astype(np.uint8), "L")
        out.append(gray.resize((25 * scale, 25 * scale), Image.Resampling.BICUBIC))
    return out


def _lfw_640(face: Image.Image) -> Image.Image:
    """An LFW face blown up to 480x480 on a 640x480 canvas extended from its own edges."""
    big = np.asarray(face.resize((480, 480), Image.Resampling.BICUBIC))
    canvas = np.pad(big, ((0, 0), (80, 80)), mode="edge")
    return Image.fromarray(canvas, "L").convert("RGB")


def bench_images() -> list[tuple[str, bytes]]:
    """Realistic 640x480 JPEGs: photos (three crops each, one mirrored) and 12 LFW faces."""
    out: list[tuple[str, bytes]] = []
    for name, arr in _photos().items():
        im = Image.fromarray(arr).convert("RGB")
        out.append((name, _jpeg(_fit_640x480(im))))
        out.append((f"{name}-crop", _jpeg(_fit_640x480(im, 0.1))))
        mirrored = _fit_640x480(im, 0.9).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        out.append((f"{name}-mirror", _jpeg(mirrored, 85)))
    for i, face in enumerate(lfw_images()[:12]):
        out.append((f"lfw{i:03d}", _jpeg(_lfw_640(face))))
    return out


def bare_decode(data: bytes) -> None:
    """The baseline: what any image pipeline pays at least once per JPEG."""
    im = Image.open(io.BytesIO(data))
    im.load()


def _timed_rounds(
    images: list[bytes], fns: dict[str, Callable[[bytes], object]], rounds: int
) -> dict[str, dict[str, float]]:
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            c0, t0 = time.process_time(), time.perf_counter()
            for data in images:
                fn(data)
            wall[name].append((time.perf_counter() - t0) / len(images))
            cpu[name].append((time.process_time() - c0) / len(images))
    return {
        name: {
            "wall_ms": statistics.median(wall[name]) * 1000,
            "cpu_ms": statistics.median(cpu[name]) * 1000,
            "wall_per_s": 1 / statistics.median(wall[name]),
        }
        for name in fns
    }


def speed(images: list[tuple[str, bytes]], rounds: int) -> dict[str, Any]:
    """Bare decode vs analyze(), interleaved: BlazeFace, its OpenCV runtime, cascades, no faces.

    Timed with OpenCV on one thread (as in the crawler's media workers; LiteRT always runs one)
    and with OpenCV's default threads (what a bare ``analyze()`` call gets).
    """
    blobs = [b for _, b in images]
    opencv_dnn = FaceDetector(OPENCV_DNN)
    cascades = FaceDetector(CASCADES)
    previous = FaceDetector(PREVIOUS_CANVASES)
    float_model = FaceDetector(FLOAT_MODEL)
    for data in blobs[:3]:  # warm-up: SDK, model, cascades, imports
        analyze(data, content_type="image/jpeg")
        analyze(data, content_type="image/jpeg", detector=float_model)
        analyze(data, content_type="image/jpeg", detector=opencv_dnn)
        analyze(data, content_type="image/jpeg", detector=cascades)
        analyze(data, content_type="image/jpeg", detector=previous)
    fns: dict[str, Callable[[bytes], object]] = {
        "bare_decode": bare_decode,
        "analyze": lambda d: analyze(d, content_type="image/jpeg"),
        "analyze_float_model": lambda d: analyze(
            d, content_type="image/jpeg", detector=float_model
        ),
        "analyze_opencv_dnn": lambda d: analyze(d, content_type="image/jpeg", detector=opencv_dnn),
        "analyze_cascades": lambda d: analyze(d, content_type="image/jpeg", detector=cascades),
        "analyze_previous_canvases": lambda d: analyze(
            d, content_type="image/jpeg", detector=previous
        ),
        "analyze_no_faces": lambda d: analyze(d, content_type="image/jpeg", detect_faces=False),
    }
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        single = _timed_rounds(blobs, fns, rounds)
    finally:
        cv2.setNumThreads(threads)
    default = _timed_rounds(blobs, fns, rounds)

    def ratios(r: dict[str, dict[str, float]]) -> dict[str, float]:
        base = r["bare_decode"]
        out = {}
        for name in fns:
            if name != "bare_decode":
                key = name.removeprefix("analyze_") if name != "analyze" else "analyze"
                out[f"{key}_wall"] = r[name]["wall_ms"] / base["wall_ms"]
                out[f"{key}_cpu"] = r[name]["cpu_ms"] / base["cpu_ms"]
        return out

    return {
        "images": len(blobs),
        "rounds": rounds,
        "opencv_one_thread": {"threads": 1, **single, "ratio": ratios(single)},
        "opencv_default_threads": {"threads": threads, **default, "ratio": ratios(default)},
    }


def runtimes(repeat: int = 200) -> dict[str, Any]:
    """One short-range inference (128x128) and the main canvases (176x256, 176x240) per runtime."""
    out: dict[str, Any] = {}
    canvases = {
        "128x128": np.full((128, 128), 100, np.uint8),
        "176x256": np.full((176, 256), 100, np.uint8),
        "176x240": np.full((176, 240), 100, np.uint8),
    }
    sessions = {}
    for label, model, runtime in (
        ("litert-int8", blazeface.SHORT_RANGE_INT8, "litert"),
        ("litert", blazeface.SHORT_RANGE, "litert"),
        ("opencv-dnn", blazeface.SHORT_RANGE, "opencv-dnn"),
    ):
        session, why = blazeface.load(model, (runtime,))
        if session is None:
            out[label] = {"error": why}
            continue
        sessions[label] = session
    for label, session in sessions.items():
        runtime = session.runtime
        figures: dict[str, Any] = {
            "version": blazeface.runtime_version(runtime),
            "model": session.model.file,
        }
        for shape, canvas in canvases.items():
            session.detect(canvas)
            samples = []
            for _ in range(5):
                c0 = time.process_time()
                for _ in range(repeat // 5):
                    session.detect(canvas)
                samples.append((time.process_time() - c0) / (repeat // 5) * 1000)
            figures[f"{shape}_cpu_ms"] = statistics.median(samples)
        out[label] = figures
    try:
        import tflite_runtime.interpreter as tflite  # noqa: F401 - only to record why it is not used
    except Exception as err:
        out["tflite-runtime"] = {"error": f"{type(err).__name__}: {err}"}
    else:
        out["tflite-runtime"] = {
            "error": "importable here, not measured: provtrack does not use it"
        }
    return out


def stages(images: list[tuple[str, bytes]], repeat: int = 5) -> dict[str, float]:
    """Per-image cost of the steps inside analyze(), in ms (medians)."""
    detector = FaceDetector()
    lumas = []
    times: dict[str, list[float]] = {"reduced_decode": [], "hashes": [], "faces": []}
    for _ in range(repeat):
        t0 = time.perf_counter()
        lumas = []
        for _, data in images:
            luma, outcome = decode_luma(Image.open(io.BytesIO(data)))
            if luma is None:
                raise RuntimeError(outcome.reason)
            lumas.append(luma)
        t1 = time.perf_counter()
        for luma in lumas:
            compute(luma)
        t2 = time.perf_counter()
        for luma in lumas:
            detector.detect(np.asarray(luma))
        t3 = time.perf_counter()
        n = len(images)
        times["reduced_decode"].append((t1 - t0) / n)
        times["hashes"].append((t2 - t1) / n)
        times["faces"].append((t3 - t2) / n)
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def hash_fidelity(images: list[tuple[str, bytes]]) -> dict[str, Any]:
    """Distance of analyze()'s reduced-decode hashes from hashes of the full RGB decode."""
    rows = []
    for name, data in images:
        full = Image.open(io.BytesIO(data)).convert("RGB")
        vector, quality = pdqhash.compute(np.asarray(full))
        facts = analyze(data, detect_faces=False)
        if not (facts.phash and facts.dhash and facts.pdq):
            raise RuntimeError(f"{name}: no hashes ({facts.reason})")
        rows.append(
            {
                "image": name,
                "phash": hamming(facts.phash, str(imagehash.phash(full))),
                "dhash": hamming(facts.dhash, str(imagehash.dhash(full))),
                "pdq": hamming(facts.pdq, pdq_hex(vector)),
                "pdq_quality_full": int(quality),
                "pdq_quality_reduced": facts.pdq_quality,
            }
        )

    def summary(key: str) -> dict[str, float]:
        values = [r[key] for r in rows]
        return {"max": max(values), "mean": statistics.mean(values)}

    return {"per_image": rows, **{k: summary(k) for k in ("phash", "dhash", "pdq")}}


def _face_jpegs(scale: int) -> list[bytes]:
    return [_jpeg(im.convert("RGB"), 95) for im in lfw_images(scale)]


def face_quality(detector: FaceDetector | None = None, scale: int = LFW_SCALE) -> dict[str, Any]:
    """Recall on the 100 LFW faces, false positives on the 100 non-faces, and named photos."""
    blobs = _face_jpegs(scale)
    counts = []
    for data in blobs:
        facts = analyze(data, detector=detector)
        counts.append(facts.faces.count if facts.faces else 0)
    faces, non_faces = counts[:100], counts[100:]
    photos = {}
    for name, arr in _photos().items():
        for label, im in (
            ("native", Image.fromarray(arr).convert("RGB")),
            ("640x480", _fit_640x480(Image.fromarray(arr).convert("RGB"))),
        ):
            facts = analyze(_jpeg(im), detector=detector)
            photos[f"{name}/{label}"] = facts.faces.count if facts.faces else None
    return {
        "lfw_scale": scale,
        "recall": sum(c > 0 for c in faces) / len(faces),
        "false_positive_boxes": sum(non_faces),
        "false_positive_images": sum(c > 0 for c in non_faces),
        "photos": photos,
    }


def scene_recall(detector: FaceDetector | None = None, per_size: int = 60) -> dict[str, float]:
    """Recall on medium faces: LFW faces pasted at 15/20/30 % of the short side into photos.

    LFW crops are tight, so a crop of 1.25x the face size is pasted; coffee, china and flower
    (no faces of their own) are the backgrounds. A rough stand-in for faces in scenes, which no
    bundled data set offers.
    """
    photos = _photos()
    backgrounds = [
        np.asarray(_fit_640x480(Image.fromarray(photos[n]).convert("RGB")).convert("L"))
        for n in ("coffee", "china", "flower")
    ]
    faces = lfw_images(8)[:per_size]
    rng = np.random.default_rng(0)
    out = {}
    for fraction in (0.15, 0.2, 0.3):
        size = int(480 * fraction * 1.25)
        hits = 0
        for i, face in enumerate(faces):
            canvas = backgrounds[i % 3].copy()
            x, y = int(rng.integers(0, 640 - size)), int(rng.integers(0, 480 - size))
            canvas[y : y + size, x : x + size] = np.asarray(
                face.resize((size, size), Image.Resampling.BICUBIC)
            )
            facts = analyze(_jpeg(Image.fromarray(canvas).convert("RGB")), detector=detector)
            hits += bool(facts.faces and facts.faces.count)
        out[f"{int(fraction * 100)}%"] = hits / len(faces)
    return out


def demo_truth(detector: FaceDetector | None = None) -> dict[str, Any]:
    """Face counts on every demo-web photograph (incl. the group photos) as the demo web serves
    them: original, cropped and mirrored, long side 640/320/160, against the manifest's truth."""
    wrong = []
    renders = 0
    for photo_id, source in demo_photos.LIBRARY.items():
        for size in (640, 320, 160):
            for variant in ("original", "cropped", "mirrored"):
                image = demo_photos.render(photo_id, variant, size)
                facts = analyze(_jpeg(image), detector=detector)
                found = facts.faces.count if facts.faces else 0
                renders += 1
                if found != source.faces:
                    wrong.append(
                        {
                            "photo": photo_id,
                            "variant": variant,
                            "size": size,
                            "faces": source.faces,
                            "found": found,
                        }
                    )
    groups = {pid: demo_photos.LIBRARY[pid].faces for pid in demo_photos.GROUPS}
    return {"renders": renders, "wrong_counts": len(wrong), "wrong": wrong[:20], "groups": groups}


def tune(images: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    """Recall, false positives and detection time for a few candidate settings."""
    lumas = []
    for _, data in images:
        luma, outcome = decode_luma(Image.open(io.BytesIO(data)))
        if luma is None:
            raise RuntimeError(outcome.reason)
        lumas.append(np.asarray(luma))
    candidates = [
        FaceSettings(),
        PREVIOUS_CANVASES,
        FaceSettings(canvas_short_side=160, canvas_fit_sides=(224,), canvas_long_side=240),
        FaceSettings(canvas_short_side=192, canvas_fit_sides=(256,), canvas_long_side=272),
        FaceSettings(canvas_short_side=128, canvas_fit_sides=(176,), canvas_long_side=192),
        FaceSettings(large_canvas=128),
        FaceSettings(min_score=0.5),
        FaceSettings(verify_cascade=None),
        CASCADES,
    ]
    blobs = [b for _, b in images]
    out = []
    for settings in candidates:
        detector = FaceDetector(settings)
        ratios = []
        for _ in range(5):  # detection time relative to bare decode, interleaved
            t0 = time.perf_counter()
            for data in blobs:
                bare_decode(data)
            t1 = time.perf_counter()
            for luma in lumas:
                detector.detect(luma)
            ratios.append((time.perf_counter() - t1) / (t1 - t0))
        quality = face_quality(detector)
        scenes = scene_recall(detector)
        ratio = statistics.median(ratios)
        out.append(
            {
                "settings": detector.describe(),
                "detect_over_decode": ratio,
                **quality,
                "scene_recall": scenes,
            }
        )
        print(
            f"  {settings}: detection {ratio:.2f}x decode, LFW recall {quality['recall']:.2f} "
            f"fp {quality['false_positive_boxes']}, scenes {scenes}",
            flush=True,
        )
    return out


def demo_320() -> list[tuple[str, bytes]]:
    """60 demo-web renders at 320 px (what the scale web serves): 20 photos x 3 variants."""
    out = []
    for photo_id in sorted(demo_photos.LIBRARY)[:20]:
        for variant in ("original", "cropped", "mirrored"):
            image = demo_photos.render(photo_id, variant, 320)
            out.append((f"{photo_id}/{variant}", _jpeg(image)))
    return out


def model_ab(rounds: int) -> dict[str, Any]:
    """Same-run, interleaved A/B of the int8 and the float BlazeFace model (issue 15, quant).

    analyze() with each model (and a bare decode) over bench.media's 30 JPEGs and 60 320-px
    demo-web renders, then the inference alone (``Session.detect``) on the canvases the
    detector uses; process CPU per item, medians over ``rounds`` alternating rounds.
    """
    sets = {
        "bench_30_640x480": [b for _, b in bench_images()],
        "demo_60_320": [b for _, b in demo_320()],
    }
    detectors = {"int8": FaceDetector(), "float": FaceDetector(FLOAT_MODEL)}
    for data in sets["bench_30_640x480"][:3]:
        for detector in detectors.values():
            analyze(data, content_type="image/jpeg", detector=detector)
    fns: dict[str, Callable[[bytes], object]] = {"bare_decode": bare_decode}
    for name, detector in detectors.items():
        fns[f"analyze_{name}"] = lambda d, det=detector: analyze(
            d, content_type="image/jpeg", detector=det
        )
    out: dict[str, Any] = {"rounds": rounds, "load_at_start": os.getloadavg()}
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        for label, blobs in sets.items():
            r = _timed_rounds(blobs, fns, rounds)
            base = r["bare_decode"]["cpu_ms"]
            out[label] = {
                "images": len(blobs),
                **{k: round(v["cpu_ms"], 3) for k, v in r.items()},
                **{f"{k}_x_decode": round(v["cpu_ms"] / base, 2) for k, v in r.items()},
            }
            print(f"  {label}: {out[label]}", flush=True)
    finally:
        cv2.setNumThreads(threads)
    sessions = {"int8": blazeface.load(blazeface.SHORT_RANGE_INT8, ("litert",))[0]}
    sessions["float"] = blazeface.load(blazeface.SHORT_RANGE, ("litert",))[0]
    rng = np.random.default_rng(0)
    canvases = {
        shape: rng.integers(0, 256, shape, dtype=np.uint8)
        for shape in ((176, 240), (176, 256), (240, 176), (64, 64))
    }
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, session in sessions.items():
            assert session is not None
            for shape, canvas in canvases.items():
                session.detect(canvas)
                c0 = time.process_time()
                for _ in range(20):
                    session.detect(canvas)
                key = f"{name}_{shape[0]}x{shape[1]}_ms"
                samples.setdefault(key, []).append((time.process_time() - c0) / 20 * 1000)
    out["inference"] = {k: round(statistics.median(v), 3) for k, v in samples.items()}
    print(f"  inference (Session.detect, CPU ms): {out['inference']}", flush=True)
    out["load_at_end"] = os.getloadavg()
    return out


# The Haar confirmation's windows from 32 px, as before issue 15's seventh pass (confirm)
CONFIRM_FROM_32PX = FaceSettings(verify_min_fraction_blazeface=None)


def confirm_ab(rounds: int) -> dict[str, Any]:
    """Same-run, interleaved A/B of the confirmation's window range (issue 15, confirm).

    detect() and analyze() with the shipped settings and with CONFIRM_FROM_32PX over
    bench.media's 30 JPEGs and the scale web's 256 pool JPEGs (320x240), a bare decode in
    every round, the two detectors' order alternating; process CPU per image, medians. Also
    whether the boxes differ, and the scale web's counts against its truth.
    """
    from demoweb import scale

    sets = {
        "bench_30_640x480": [b for _, b in bench_images()],
        "scale_256_320x240": list(scale.pool()),
    }
    detectors = {"before": FaceDetector(CONFIRM_FROM_32PX), "after": FaceDetector()}
    out: dict[str, Any] = {
        "rounds": rounds,
        "load_at_start": os.getloadavg(),
        "confirmation": {k: d.describe()["confirmation"] for k, d in detectors.items()},
    }
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        for label, blobs in sets.items():
            lumas = []
            for data in blobs:
                luma, outcome = decode_luma(Image.open(io.BytesIO(data)))
                if luma is None:
                    raise RuntimeError(outcome.reason)
                lumas.append(np.asarray(luma))
            found = {k: [d.detect(g) for g in lumas] for k, d in detectors.items()}
            entry: dict[str, Any] = {
                "images": len(blobs),
                "boxes_differ": sum(
                    a != b for a, b in zip(found["before"], found["after"], strict=True)
                ),
            }
            if label.startswith("scale"):
                truth = [scale.pool_faces(k) for k in range(len(blobs))]
                entry["counts_wrong"] = {
                    k: sum(len(f) != t for f, t in zip(v, truth, strict=True))
                    for k, v in found.items()
                }
            samples: dict[str, list[float]] = {"bare_decode": []}
            for r in range(rounds):
                order = list(detectors.items())
                order = order if r % 2 == 0 else order[::-1]
                for what, items, call in (
                    ("detect", lumas, lambda d, x: d.detect(x)),
                    (
                        "analyze",
                        blobs,
                        lambda d, x: analyze(x, content_type="image/jpeg", detector=d),
                    ),
                ):
                    if what == "analyze":
                        c0 = time.process_time()
                        for data in blobs:
                            bare_decode(data)
                        samples["bare_decode"].append((time.process_time() - c0) / len(blobs))
                    for name, detector in order:
                        c0 = time.process_time()
                        for item in items:
                            call(detector, item)
                        ms = (time.process_time() - c0) / len(items)
                        samples.setdefault(f"{what}_{name}", []).append(ms)
            entry["cpu_ms"] = {k: round(statistics.median(v) * 1000, 3) for k, v in samples.items()}
            out[label] = entry
            print(f"  {label}: {entry}", flush=True)
    finally:
        cv2.setNumThreads(threads)
    out["load_at_end"] = os.getloadavg()
    return out


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    return {
        "uname": " ".join(platform.uname()),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "pillow": Image.__version__,
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "loadavg_at_start": os.getloadavg(),
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def _write_ab(
    kind: str,
    title: str,
    run: Callable[[int], dict[str, Any]],
    rounds: int,
    out: Path,
    default_name: str,
) -> int:
    """Run one of the A/B comparisons and write it beside media.json (its own file, so the
    main results stay those of the full run)."""
    print(f"{title}, {rounds} interleaved rounds, load {os.getloadavg()}")
    ab = {"benchmark": f"provenance.media {kind}", "machine": machine(), **run(rounds)}
    ab["git_commit"] = _git_commit()
    path = out if out != RESULTS else RESULTS.with_name(default_name)
    path.write_text(json.dumps(ab, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a summary and write bench/results/media.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.media", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 rounds, no tuning")
    parser.add_argument("--tune", action="store_true", help="compare detector settings too")
    parser.add_argument(
        "--models",
        action="store_true",
        help="only the int8 vs float model A/B (writes bench/results/media_models.json)",
    )
    parser.add_argument(
        "--confirm",
        action="store_true",
        help="only the confirmation windows A/B (writes bench/results/media_confirm_ab.json)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    if args.confirm:
        return _write_ab(
            "confirm", "confirmation windows", confirm_ab, rounds, args.out, "media_confirm_ab.json"
        )
    if args.models:
        return _write_ab(
            "models", "int8 vs float BlazeFace", model_ab, rounds, args.out, "media_models.json"
        )

    started = dt.datetime.now(dt.UTC)
    info = machine()
    load_at_start = os.getloadavg()
    images = bench_images()
    print(f"{len(images)} JPEGs, 640x480, {sum(len(b) for _, b in images) // 1024} KiB in all")
    result: dict[str, Any] = {
        "benchmark": "provenance.media",
        "date": started.isoformat(timespec="seconds"),
        "command": "python -m bench.media " + " ".join(argv if argv is not None else sys.argv[1:]),
        "git_commit": _git_commit(),
        "machine": info,
        "image_set": {
            "count": len(images),
            "names": [n for n, _ in images],
            "sha256": hashlib.sha256(b"".join(b for _, b in images)).hexdigest(),
        },
    }
    result["runtimes"] = runtimes(40 if args.quick else 200)
    print("runtimes (CPU ms per inference):", result["runtimes"])
    result["speed"] = speed(images, rounds)
    for label in ("opencv_one_thread", "opencv_default_threads"):
        r = result["speed"][label]
        ratio = r["ratio"]
        print(
            f"[{label}] bare decode {r['bare_decode']['wall_per_s']:.0f}/s "
            f"({r['bare_decode']['wall_ms']:.2f} ms), analyze {r['analyze']['wall_per_s']:.0f}/s "
            f"({r['analyze']['wall_ms']:.2f} ms): x decode wall {ratio['analyze_wall']:.2f}, "
            f"cpu {ratio['analyze_cpu']:.2f}; float model {ratio['float_model_cpu']:.2f}, "
            f"OpenCV DNN {ratio['opencv_dnn_cpu']:.2f}, "
            f"cascades {ratio['cascades_cpu']:.2f}, no faces {ratio['no_faces_cpu']:.2f}, "
            f"previous canvases {ratio['previous_canvases_cpu']:.2f} (cpu)"
        )
    result["stages_ms"] = stages(images)
    print("stages (ms/image):", {k: round(v, 3) for k, v in result["stages_ms"].items()})
    result["hash_fidelity"] = hash_fidelity(images)
    hf = result["hash_fidelity"]
    print(
        "reduced vs full decode, max Hamming: "
        f"pHash {hf['phash']['max']}, dHash {hf['dhash']['max']}, PDQ {hf['pdq']['max']}"
    )
    for label, settings in (
        ("faces", FaceSettings()),
        ("faces_float_model", FLOAT_MODEL),
        ("faces_opencv_dnn", OPENCV_DNN),
        ("faces_cascades", CASCADES),
    ):
        detector = FaceDetector(settings)
        fq = {**face_quality(detector), "face_detector": detector.describe()}
        fq["scene_recall"] = scene_recall(detector)
        fq["demo_web"] = demo_truth(detector)
        result[label] = fq
        print(
            f"[{label}] LFW x{fq['lfw_scale']}: recall {fq['recall']:.2f}, false positives "
            f"{fq['false_positive_boxes']} boxes on {fq['false_positive_images']}/100 non-faces"
        )
        print("  photos:", fq["photos"])
        print("  medium faces in scenes (recall by face size):", fq["scene_recall"])
        demo = fq["demo_web"]
        print(f"  demo web: {demo['wrong_counts']} wrong counts in {demo['renders']} renders")
    result["face_detector"] = result["faces"]["face_detector"]
    if args.tune:
        result["tuning"] = tune(images)
    result["load_avg_at_start"] = load_at_start
    result["load_avg_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
