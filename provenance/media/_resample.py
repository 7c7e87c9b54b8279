"""Pillow's LANCZOS resize of an 8-bit luma raster, reproduced bit for bit in NumPy.

imagehash's pHash and dHash resize with Pillow (``Image.resize(..., LANCZOS)``) and then run
a small DCT or a comparison. The stored hashes are those bits, so a faster path must give
the same pixels. Pillow's 8-bit resampler (``src/libImaging/Resample.c``, Pillow 13) is
exact integer arithmetic once its coefficients are fixed:

- per output pixel, Lanczos-3 weights over the input pixels in its support, normalised to
  sum to one, then rounded to 22-bit fixed point (``normalize_coeffs_8bpc``);
- each pass sums ``pixel * coefficient`` in integers, adds half a unit and shifts, clipped
  to 0-255; the horizontal pass runs first unless the height shrinks by more than twice as
  many pixels as the width (then the vertical one does, as Pillow 13 decides).

Every product and sum here is an integer below 2**41, which float64 holds exactly whatever
the summation order, so a dense matrix product per pass gives Pillow's integers. The
coefficients are computed vectorised; their only inexact step is ``sin``, which may differ
from the C library's in the last bits, so any row whose fixed-point value lies within 1e-6
of a rounding boundary is recomputed with :func:`math.sin` (the same function Pillow calls)
and, as C does, in sequence. ``tests/media/test_hashes.py`` compares the result with Pillow
on thousands of sizes and contents, and :func:`pillow_order_is_known` pins the version this
was written against.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import PIL

_PRECISION_BITS = 22
_ONE = float(1 << _PRECISION_BITS)
_HALF = float(1 << (_PRECISION_BITS - 1))
_SUPPORT = 3.0  # Lanczos-3
_BOUNDARY = 1e-6

PILLOW_MAJOR = 13
"""The Pillow major version whose resampler this reproduces (pass order changed in 13)."""


def pillow_order_is_known() -> bool:
    """True when the installed Pillow is the one this module reproduces."""
    return int(PIL.__version__.split(".")[0]) == PILLOW_MAJOR


def _lanczos(x: float) -> float:
    if -3.0 <= x < 3.0:
        a = 1.0 if x == 0.0 else math.sin(x * math.pi) / (x * math.pi)
        y = x / 3
        b = 1.0 if y == 0.0 else math.sin(y * math.pi) / (y * math.pi)
        return a * b
    return 0.0


def _fixed(k: np.ndarray) -> np.ndarray:
    """``normalize_coeffs_8bpc``: round half away from zero to 22-bit fixed point."""
    scaled = k * _ONE
    return np.where(k < 0, np.trunc(scaled - 0.5), np.trunc(scaled + 0.5))


def _sinc(t: np.ndarray) -> np.ndarray:
    nonzero = t != 0.0
    tp = np.where(nonzero, t, 1.0) * math.pi
    return np.where(nonzero, np.sin(tp) / tp, 1.0)


@lru_cache(maxsize=512)
def coefficients(in_size: int, out_size: int) -> np.ndarray:
    """The (out_size, in_size) matrix of Pillow's fixed-point LANCZOS weights for one axis."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = _SUPPORT * filterscale
    inv = 1.0 / filterscale
    taps = math.ceil(support) * 2 + 1
    centre = (np.arange(out_size) + 0.5) * scale
    xmin = np.maximum((centre - support + 0.5).astype(np.int64), 0)
    xmax = np.minimum((centre + support + 0.5).astype(np.int64), in_size) - xmin
    j = np.arange(taps)
    valid = j[None, :] < xmax[:, None]
    pos = xmin[:, None] + j[None, :]
    arg = (pos - centre[:, None] + 0.5) * inv
    inside = (arg >= -3.0) & (arg < 3.0) & valid
    w = np.where(inside, _sinc(arg) * _sinc(arg / 3), 0.0)
    ww = np.cumsum(w, axis=1)[:, -1]  # sequential, as the C loop adds them
    k = np.where(ww[:, None] != 0.0, w / np.where(ww != 0.0, ww, 1.0)[:, None], w)
    scaled = np.abs(k) * _ONE + 0.5
    near = (np.abs(scaled - np.round(scaled)) < _BOUNDARY) & valid
    fixed = _fixed(k)
    for row in np.flatnonzero(near.any(axis=1)):
        fixed[row] = _exact_row(float(centre[row]), int(xmin[row]), int(xmax[row]), inv, taps)
    matrix = np.zeros((out_size, in_size))
    rows = np.broadcast_to(np.arange(out_size)[:, None], valid.shape)
    matrix[rows[valid], pos[valid]] = fixed[valid]
    matrix.flags.writeable = False
    return matrix


def _exact_row(centre: float, xmin: int, count: int, inv: float, taps: int) -> np.ndarray:
    """One row of coefficients computed as ``precompute_coeffs`` does, scalar by scalar."""
    weights = [_lanczos((x + xmin - centre + 0.5) * inv) for x in range(count)]
    total = 0.0
    for w in weights:
        total += w
    out = np.zeros(taps)
    for x, w in enumerate(weights):
        k = w / total if total != 0.0 else w
        out[x] = math.trunc(k * _ONE - 0.5) if k < 0 else math.trunc(k * _ONE + 0.5)
    return out


_GEMM_ONE_THREAD = 200_000
"""OpenBLAS runs a product of m*n*k under 262,144 on one thread (SMP_THRESHOLD_MIN x
GEMM_MULTITHREAD_THRESHOLD); above it, on this loaded 2-core machine, one 120x160 by 160x32
product cost 2.1 ms of CPU on two threads against 50 us in one-thread chunks."""


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` in row or column chunks small enough for a one-thread GEMM (same values)."""
    m, k = a.shape
    n = b.shape[1]
    if m * n * k <= _GEMM_ONE_THREAD:
        return np.asarray(a @ b)
    if m >= n:
        step = max(1, _GEMM_ONE_THREAD // (n * k))
        return np.concatenate([a[i : i + step] @ b for i in range(0, m, step)], axis=0)
    step = max(1, _GEMM_ONE_THREAD // (m * k))
    return np.concatenate([a @ b[:, i : i + step] for i in range(0, n, step)], axis=1)


def _clip8(sums: np.ndarray) -> np.ndarray:
    """``clip8``: add half a unit, shift (floor) and clip to 0-255, in place."""
    sums += _HALF
    sums *= 1.0 / _ONE
    np.floor(sums, out=sums)
    np.maximum(sums, 0.0, out=sums)
    np.minimum(sums, 255.0, out=sums)
    return sums


def resize(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """``Image.fromarray(pixels, "L").resize((width, height), LANCZOS)`` as a uint8 array."""
    rows, cols = pixels.shape
    if (cols, rows) == (width, height):
        return np.array(pixels, dtype=np.uint8)
    out = pixels.astype(np.float64)
    horizontal_first = not (rows - height > 0 and rows - height > (cols - width) * 2)
    if horizontal_first:
        if width != cols:
            out = _clip8(_matmul(out, coefficients(cols, width).T))
        if height != rows:
            out = _clip8(_matmul(coefficients(rows, height), out))
    else:
        if height != rows:
            out = _clip8(_matmul(coefficients(rows, height), out))
        if width != cols:
            out = _clip8(_matmul(out, coefficients(cols, width).T))
    return out.astype(np.uint8)
