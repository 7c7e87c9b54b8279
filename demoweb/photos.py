"""Real photographs that ship inside installed packages, and the variants the demo web re-posts.

Nothing is downloaded: the pixels come from scikit-image, scikit-learn and matplotlib sample
data. Each photograph carries its true face count, known from the source (an LFW face crop
shows one face; a landscape shows none); the face counts were checked with OpenCV's Haar
frontal-face detector when the library was designed, and a test checks them again.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


def package_file(package: str, relative: str) -> Path:
    """A data file shipped inside an installed package, found without importing the package.

    Importing scikit-learn alone costs about 1.5 s (it pulls in SciPy); the pixels are the
    same whether its loader or Pillow decodes the file, which a test checks.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed")
    return Path(spec.submodule_search_locations[0]) / relative


@functools.cache
def _lfw() -> np.ndarray:
    return np.asarray(np.load(package_file("skimage", "data/lfw_subset.npy")))


@functools.cache
def _file(package: str, relative: str) -> Image.Image:
    with Image.open(package_file(package, relative)) as image:
        return image.convert("RGB")


def _skimage(name: str) -> Image.Image:
    return _file("skimage", f"data/{name}")


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

    def china() -> Image.Image:
        return _file("sklearn", "datasets/images/china.jpg")

    add("astronaut", 1, "skimage.data.astronaut()", lambda: _skimage("astronaut.png"))
    add(
        "astronaut-suit",
        0,
        "skimage.data.astronaut(), rows 200-512 (the suit and flag, no face)",
        lambda: _crop(_skimage("astronaut.png"), (0, 200, 512, 512)),
    )
    add(
        "grace-hopper",
        1,
        "matplotlib sample data grace_hopper.jpg",
        lambda: _file("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    )
    add("coffee", 0, "skimage.data.coffee()", lambda: _skimage("coffee.png"))
    add("rocket", 0, "skimage.data.rocket()", lambda: _skimage("rocket.jpg"))
    add("chelsea", 0, "skimage.data.chelsea() (a cat)", lambda: _skimage("chelsea.png"))
    add("hubble", 0, "skimage.data.hubble_deep_field()", lambda: _skimage("hubble_deep_field.jpg"))
    add("moon", 0, "skimage.data.moon()", lambda: _skimage("moon.png"))
    add("grass", 0, "skimage.data.grass()", lambda: _skimage("grass.png"))
    add("gravel", 0, "skimage.data.gravel()", lambda: _skimage("gravel.png"))
    add("brick", 0, "skimage.data.brick()", lambda: _skimage("brick.png"))
    add("clock", 0, "skimage.data.clock()", lambda: _skimage("clock_motion.png"))
    add(
        "motorcycle",
        0,
        "skimage.data.stereo_motorcycle()[0]",
        lambda: _skimage("motorcycle_left.png"),
    )
    add("china", 0, "sklearn load_sample_image('china.jpg')", china)
    add(
        "china-temple",
        0,
        "sklearn china.jpg, left half",
        lambda: _crop(china(), (0, 0, 320, 427)),
    )
    add(
        "china-hills",
        0,
        "sklearn china.jpg, right half",
        lambda: _crop(china(), (320, 0, 640, 300)),
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
