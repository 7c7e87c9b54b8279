"""Real photographs that ship inside installed packages, and the variants the demo web re-posts.

Nothing is downloaded: the pixels come from scikit-image, scikit-learn and matplotlib sample
data. Each photograph carries its true face count, known from the source (an LFW face crop
shows one face; a landscape shows none); the face counts were checked with OpenCV's Haar
frontal-face detector when the library was designed, and a test checks them again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from demoweb.model import Variant

LFW_SCALE = 8
"""LFW crops are 25x25; upscaled x8 with 15 % padding, Haar finds 98 of the 100 faces."""

LFW_FACES = tuple(i for i in range(100) if i not in (1, 4, 13, 16, 22, 30, 83, 96))
"""LFW subset indices (0-99 are faces) whose portraits Haar finds exactly once, also cropped,
mirrored and down to 160 px; the others are left out rather than recorded as unfindable."""


@dataclass(frozen=True, slots=True)
class Photo:
    """A source photograph: its pixels' provenance and its true number of faces."""

    photo_id: str
    faces: int
    source: str
    load: Callable[[], Image.Image]


@functools.cache
def _lfw() -> np.ndarray:
    from skimage import data

    return np.asarray(data.lfw_subset())  # type: ignore[no-untyped-call]


@functools.cache
def _skimage(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(np.asarray(getattr(data, name)()))


@functools.cache
def _sklearn(name: str) -> Image.Image:
    from sklearn.datasets import load_sample_image

    return Image.fromarray(load_sample_image(name))


@functools.cache
def _grace_hopper() -> Image.Image:
    from matplotlib import cbook

    path = str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    with Image.open(path) as image:
        return image.convert("RGB")


def lfw_portrait(index: int) -> Image.Image:
    """An LFW face upscaled with Lanczos and padded, big enough for a frontal-face detector."""
    pixels = (_lfw()[index] * 255).clip(0, 255).astype(np.uint8)
    side = pixels.shape[0] * LFW_SCALE
    face = Image.fromarray(pixels).resize((side, side), Image.Resampling.LANCZOS)
    pad = int(side * 0.15)
    return ImageOps.expand(face, border=pad, fill=int(pixels.mean())).convert("RGB")


def group_photo(indices: tuple[int, ...], columns: int) -> Image.Image:
    """LFW portraits tiled on a grid: a class or group photograph with len(indices) faces."""
    tiles = [lfw_portrait(i) for i in indices]
    side = tiles[0].width
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (side * columns, side * rows), (96, 96, 96))
    for n, tile in enumerate(tiles):
        sheet.paste(tile, ((n % columns) * side, (n // columns) * side))
    return sheet


def _crop(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    return image.crop(box)


def _library() -> dict[str, Photo]:
    lib: dict[str, Photo] = {}

    def add(photo_id: str, faces: int, source: str, load: Callable[[], Image.Image]) -> None:
        lib[photo_id] = Photo(photo_id, faces, source, load)

    add("astronaut", 1, "skimage.data.astronaut()", lambda: _skimage("astronaut"))
    add(
        "astronaut-suit",
        0,
        "skimage.data.astronaut(), rows 200-512 (the suit and flag, no face)",
        lambda: _crop(_skimage("astronaut"), (0, 200, 512, 512)),
    )
    add("grace-hopper", 1, "matplotlib cbook sample grace_hopper.jpg", _grace_hopper)
    add("coffee", 0, "skimage.data.coffee()", lambda: _skimage("coffee"))
    add("rocket", 0, "skimage.data.rocket()", lambda: _skimage("rocket"))
    add("chelsea", 0, "skimage.data.chelsea() (a cat)", lambda: _skimage("chelsea"))
    add("hubble", 0, "skimage.data.hubble_deep_field()", lambda: _skimage("hubble_deep_field"))
    add("moon", 0, "skimage.data.moon()", lambda: _skimage("moon").convert("RGB"))
    add("grass", 0, "skimage.data.grass()", lambda: _skimage("grass").convert("RGB"))
    add("gravel", 0, "skimage.data.gravel()", lambda: _skimage("gravel").convert("RGB"))
    add("brick", 0, "skimage.data.brick()", lambda: _skimage("brick").convert("RGB"))
    add("clock", 0, "skimage.data.clock()", lambda: _skimage("clock").convert("RGB"))
    add(
        "motorcycle",
        0,
        "skimage.data.stereo_motorcycle()[0]",
        lambda: Image.fromarray(_stereo_left()),
    )
    add("china", 0, "sklearn load_sample_image('china.jpg')", lambda: _sklearn("china.jpg"))
    add(
        "china-temple",
        0,
        "sklearn china.jpg, left half",
        lambda: _crop(_sklearn("china.jpg"), (0, 0, 320, 427)),
    )
    add(
        "china-hills",
        0,
        "sklearn china.jpg, right half",
        lambda: _crop(_sklearn("china.jpg"), (320, 0, 640, 300)),
    )
    for index in LFW_FACES:
        add(
            f"lfw-{index:03d}",
            1,
            f"skimage.data.lfw_subset()[{index}], upscaled x{LFW_SCALE}",
            functools.partial(lfw_portrait, index),
        )
    for photo_id, (indices, columns) in GROUPS.items():
        add(
            photo_id,
            len(indices),
            f"LFW faces {list(indices)} tiled {columns} per row",
            functools.partial(group_photo, indices, columns),
        )
    return lib


@functools.cache
def _stereo_left() -> np.ndarray:
    from skimage import data

    return np.asarray(data.stereo_motorcycle()[0])  # type: ignore[no-untyped-call]


GROUPS: dict[str, tuple[tuple[int, ...], int]] = {
    "group-friends": ((41, 57, 63), 3),
    "group-class": ((11, 19, 26, 34, 48, 71), 3),
    "group-sciencefair": ((85, 92), 2),
    "group-festival": ((5, 66, 78), 3),
}
"""Composite photographs of several LFW faces: the id names the scene a site shows them as."""


LIBRARY: dict[str, Photo] = _library()


def render(photo_id: str, variant: Variant, size: int) -> Image.Image:
    """The photograph as a host shows it: ``variant`` applied, long side at most ``size``.

    Variants stay recognisably the same photograph: cropped takes 6 % off each side (12 % in
    all, inside the 15 % budget), mirrored flips left-right, resized and recompressed only
    change the size or the encoder quality (the quality is the caller's).
    """
    image = LIBRARY[photo_id].load().convert("RGB")
    if variant == "cropped":
        dx, dy = round(image.width * 0.06), round(image.height * 0.06)
        image = image.crop((dx, dy, image.width - dx, image.height - dy))
    elif variant == "mirrored":
        image = ImageOps.mirror(image)
    long_side = max(image.size)
    if long_side > size:
        scale = size / long_side
        new = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(new, Image.Resampling.LANCZOS)
    return image
