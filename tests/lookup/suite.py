"""The re-post suite: the demo web's photographs, re-posted as people do, and 1,000 unrelated
images, all made here from pixels that ship inside installed packages (nothing downloaded).

Shared by ``tests/lookup/test_reposts.py`` (recall and false matches through the whole query)
and ``python -m bench.lookup_full`` (the same query at 1M stored images).

Ground truth: a re-post's source is the photograph it was made from. A match with another
demo photograph is false, except where the demo web cut one photograph out of another or built
it from another's pixels (:data:`SAME_PIXELS`): ``astronaut-suit`` is rows 200-512 of
``astronaut``, the ``china`` halves are halves of ``china``, a group photograph is its LFW
portraits tiled.
"""

from __future__ import annotations

import functools
import io
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from demoweb.photos import GROUPS, LIBRARY, package_file, render

SIDES = ("left", "right", "top", "bottom")
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


def same_pixels() -> set[frozenset[str]]:
    """Pairs of demo photographs that share pixels by construction."""
    pairs = {
        frozenset({"astronaut", "astronaut-suit"}),
        frozenset({"china", "china-temple"}),
        frozenset({"china", "china-hills"}),
    }
    for group, (indices, _) in GROUPS.items():
        pairs.update(frozenset({group, f"lfw-{i:03d}"}) for i in indices)
    return pairs


SAME_PIXELS = same_pixels()


def related(a: str, b: str) -> bool:
    """Whether a match between photographs ``a`` and ``b`` is a true one."""
    return a == b or frozenset({a, b}) in SAME_PIXELS


@functools.cache
def demo_photos(size: int = 640) -> dict[str, Image.Image]:
    """Every demo photograph as the demo web serves its original (long side ``size``)."""
    return {pid: render(pid, "original", size) for pid in sorted(LIBRARY)}


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    """The image as JPEG bytes."""
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png(image: Image.Image) -> bytes:
    """The image as PNG bytes."""
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "PNG")
    return buf.getvalue()


def off_centre_crop(image: Image.Image, where: str, fraction: float) -> Image.Image:
    """``fraction`` of the photo cut off one side (of that dimension) or one corner (of the
    area: the kept window is ``sqrt(1 - fraction)`` of each side, at the opposite corner)."""
    w, h = image.size
    if where in SIDES:
        dx, dy = round(w * fraction), round(h * fraction)
        box = {
            "left": (dx, 0, w, h),
            "right": (0, 0, w - dx, h),
            "top": (0, dy, w, h),
            "bottom": (0, 0, w, h - dy),
        }[where]
    else:
        keep = math.sqrt(1 - fraction)
        cw, ch = round(w * keep), round(h * keep)
        x = w - cw if "left" in where else 0
        y = h - ch if "top" in where else 0
        box = (x, y, x + cw, y + ch)
    return image.crop(box)


def rotated(image: Image.Image, angle: float, *, straighten: bool) -> Image.Image:
    """The photo rotated by ``angle`` degrees in its own frame, no page around it: corners
    filled black (``straighten=False``), or cropped to the largest upright rectangle of the
    same shape, as a phone's straighten tool does (``straighten=True``)."""
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC)
    if not straighten:
        return turned
    w, h = image.size
    t = math.radians(abs(angle))
    scale = min(w / (w * math.cos(t) + h * math.sin(t)), h / (h * math.cos(t) + w * math.sin(t)))
    cw, ch = w * scale, h * scale
    box = (round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2))
    return turned.crop(box)


def screenshot(photo: Image.Image, *, angle: float, seed: int) -> bytes:
    """A social-app screenshot: white page, dark app bar, the photo (tilted by ``angle``
    degrees), a caption and a like count under it; saved as a PNG."""
    w, h = photo.size
    width, height = int(w * 1.6) + 40, int(h * 1.5) + 120
    page = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, width, 48), fill=(32, 32, 40))
    draw.text((12, 16), "pixgram  @someone shared a photo", fill=(240, 240, 240))
    shown = (
        photo.rotate(angle, expand=True, fillcolor=(255, 255, 255), resample=Image.BICUBIC)
        if angle
        else photo
    )
    x = 10 + (seed * 37) % max(1, width - shown.width - 20)
    page.paste(shown, (x, 70))
    y = 70 + shown.height + 12
    draw.text((x, y), "Look who I found! #throwback", fill=(20, 20, 20))
    draw.text((x, y + 18), "124 likes  3 comments", fill=(90, 90, 90))
    return png(page)


@dataclass(frozen=True, slots=True)
class Repost:
    """One re-post made for the suite: the photograph, what was done, the file."""

    photo_id: str
    kind: str
    data: bytes


def _resized(image: Image.Image, factor: float) -> Image.Image:
    size = (max(16, round(image.width * factor)), max(16, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _centred(image: Image.Image, fraction: float) -> Image.Image:
    dx, dy = round(image.width * fraction), round(image.height * fraction)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


KINDS: tuple[str, ...] = (
    "screenshot",
    "crop-side",
    "crop-corner",
    "rotate",
    "rotate-straightened",
    "today",
)


SAMPLED = (
    ("crop-side", "crop-corner"),
    ("rotate", "rotate-straightened"),
    ("screenshot", "today"),
)
"""Re-posts per photograph when sampled: a crop and a rotation each, kinds taken in turn
from their group; every fourth photograph also a screenshot or one of today's edits (those
have their own tests against the demo crawl: ``tests/ops/test_reposts.py``,
``tests/ops/test_lookup.py``)."""


def reposts(
    photos: dict[str, Image.Image], kinds: tuple[str, ...] = KINDS, *, sampled: bool = False
) -> Iterator[Repost]:
    """For every photograph, one re-post of each kind (``sampled``: see :data:`SAMPLED`);
    sides, corners, fractions (20-30 %), angles (3-10 degrees, either way) and today's edits
    cycle from photograph to photograph."""
    rng = random.Random(20261202)  # noqa: S311  # a test sequence, not a secret
    today: tuple[tuple[str, Callable[[Image.Image], bytes]], ...] = (
        ("resize50-q60", lambda im: jpeg(_resized(im, 0.5), 60)),
        ("mirror-q80", lambda im: jpeg(ImageOps.mirror(im), 80)),
        ("crop5-resize70-q70", lambda im: jpeg(_resized(_centred(im, 0.05), 0.7), 70)),
        ("centred-crop8", lambda im: jpeg(_centred(im, 0.08))),
        ("q40", lambda im: jpeg(im, 40)),
    )
    for n, (pid, photo) in enumerate(sorted(photos.items())):
        angle = rng.choice((-1, 1)) * rng.uniform(3, 10)
        fraction = rng.uniform(0.2, 0.3)
        scale = rng.uniform(0.6, 1.0)
        chosen = kinds
        if sampled:
            chosen = (SAMPLED[0][n % 2], SAMPLED[1][n % 2])
            if n % 4 == 0:
                chosen += (SAMPLED[2][(n // 4) % 2],)
        for kind in chosen:
            if kind == "screenshot":
                tilt = (0.0, 6.0, -4.0, 9.0, -3.0)[n % 5]
                yield Repost(pid, f"screenshot {tilt:+.0f}°", screenshot(photo, angle=tilt, seed=n))
            elif kind == "crop-side":
                where = SIDES[(n // 2) % 4]
                cut = _resized(off_centre_crop(photo, where, fraction), scale)
                yield Repost(pid, f"crop {fraction:.0%} off the {where}", jpeg(cut, 82))
            elif kind == "crop-corner":
                where = CORNERS[(n // 2) % 4]
                cut = _resized(off_centre_crop(photo, where, fraction), scale)
                yield Repost(pid, f"crop {fraction:.0%} off the {where}", jpeg(cut, 82))
            elif kind == "rotate":
                turned = rotated(photo, angle, straighten=False)
                yield Repost(pid, f"rotated {angle:+.1f}° (black corners)", jpeg(turned, 85))
            elif kind == "rotate-straightened":
                turned = rotated(photo, -angle, straighten=True)
                yield Repost(pid, f"rotated {-angle:+.1f}° and straightened", jpeg(turned, 85))
            elif kind == "today":
                name, make = today[n % len(today)]
                yield Repost(pid, name, make(photo))


UNRELATED_SOURCES = (
    ("skimage", "data/camera.png"),
    ("skimage", "data/coins.png"),
    ("skimage", "data/horse.png"),
    ("skimage", "data/page.png"),
    ("skimage", "data/text.png"),
    ("skimage", "data/cell.png"),
    ("skimage", "data/ihc.png"),
    ("skimage", "data/retina.jpg"),
    ("skimage", "data/microaneurysms.png"),
    ("skimage", "data/phantom.png"),
    ("skimage", "data/color.png"),
    ("skimage", "data/logo.png"),
    ("skimage", "data/chessboard_RGB.png"),
    ("sklearn", "datasets/images/flower.jpg"),
)
"""Photographs that are in no demo page (``motorcycle_right`` is left out: it is the other
eye of the demo web's stereo ``motorcycle``)."""


def _noise(rng: np.random.Generator, kind: int, w: int, h: int) -> Image.Image:
    if kind == 0:  # white noise
        arr = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        return Image.fromarray(arr)
    if kind == 1:  # smooth noise ("clouds")
        small = rng.integers(0, 256, size=(max(2, h // 24), max(2, w // 24), 3), dtype=np.uint8)
        return Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
    if kind == 2:  # a gradient with noise
        x = np.linspace(0, 1, w)[None, :, None]
        y = np.linspace(0, 1, h)[:, None, None]
        base = 255 * (x * rng.uniform(0, 1, 3) + y * rng.uniform(0, 1, 3)) / 2
        arr = np.clip(base + rng.normal(0, 12, size=(h, w, 3)), 0, 255).astype(np.uint8)
        return Image.fromarray(arr)
    # random shapes on a plain ground
    ground = tuple(int(v) for v in rng.integers(0, 256, 3))
    im = Image.new("RGB", (w, h), ground)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(5, 40))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(5, w // 2)), y0 + int(rng.integers(5, h // 2))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=fill)  # type: ignore[arg-type]
        else:
            draw.rectangle((x0, y0, x1, y1), fill=fill)  # type: ignore[arg-type]
    return im.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 2))))


def unrelated(count: int = 1000, seed: int = 7) -> Iterator[tuple[str, bytes]]:
    """``count`` images that show none of the demo photographs: windows of other bundled
    photographs (any position and size, flipped or turned), LFW's non-face patches, and
    noise of four kinds; as JPEG bytes with a name saying what each is."""
    rng = np.random.default_rng(seed)
    bases = []
    for package, relative in UNRELATED_SOURCES:
        with Image.open(package_file(package, relative)) as im:
            bases.append((relative.rsplit("/", 1)[-1], im.convert("RGB")))
    lfw = np.load(package_file("skimage", "data/lfw_subset.npy"))
    for n in range(count):
        pick = n % 10
        if pick < 6:
            name, base = bases[int(rng.integers(0, len(bases)))]
            w, h = base.size
            cw = int(w * rng.uniform(0.3, 1.0))
            ch = int(h * rng.uniform(0.3, 1.0))
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            im = base.crop((x, y, x + cw, y + ch))
            if rng.random() < 0.5:
                im = ImageOps.mirror(im)
            im = _resized(im, float(rng.uniform(0.3, 1.0)) * min(1.0, 400 / max(im.size)))
            yield f"{name} window {n}", jpeg(im, 85)
        elif pick == 6:
            patch = (lfw[100 + int(rng.integers(0, 100))] * 255).clip(0, 255).astype(np.uint8)
            im = Image.fromarray(patch).resize((200, 200), Image.Resampling.LANCZOS)
            yield f"lfw non-face {n}", jpeg(im, 85)
        else:
            w, h = int(rng.integers(120, 400)), int(rng.integers(120, 400))
            yield f"noise {pick - 7} {n}", jpeg(_noise(rng, int(rng.integers(0, 4)), w, h), 85)
