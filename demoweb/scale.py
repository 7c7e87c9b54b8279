"""The scale web: N images on procedural hosts, generated per request from their index.

Nothing of the N pages or images is held in memory. Hosts ``bulk-000.example``,
``bulk-001.example``... hold 1,000 images each, shown 40 to a page. Image ``i`` is one of a
pool of 256 real-photo JPEGs (320x240, about 15-20 KB; one in four shows a face) with a JPEG
COM segment naming ``i`` inserted, so every URL's bytes differ. About 10 % of images carry
``X-Robots-Tag: noimageai``. Every fact about image ``i`` is a pure function of ``i``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageOps

from demoweb import imagefiles, photos

if TYPE_CHECKING:
    from demoweb.spec import Response

PER_HOST = 1000
PER_PAGE = 40
POOL_SIZE = 256
FACE_EVERY = 4  # pool entries 0, 4, 8... show one face
_HOST_RE = re.compile(r"bulk-(\d{3,})\.example")
_PAGE_RE = re.compile(r"/p/(\d+)")
_IMG_RE = re.compile(r"/img/(\d+)\.jpg")

_CROP_SOURCES = (
    "china",
    "coffee",
    "rocket",
    "chelsea",
    "hubble",
    "astronaut-suit",
    "moon",
    "motorcycle",
    "gravel",
    "china-hills",
    "china-temple",
    "brick",
)


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pool_index(i: int) -> int:
    """Which pool photograph image ``i`` shows."""
    return _hash("pool", i) % POOL_SIZE


def noimageai(i: int) -> bool:
    """Whether image ``i`` is served with ``X-Robots-Tag: noimageai`` (about one in ten)."""
    return _hash("noimageai", i) % 10 == 0


def pool_faces(k: int) -> int:
    """True number of faces in pool photograph ``k``."""
    return 1 if k % FACE_EVERY == 0 else 0


def _pool_picture(k: int) -> Image.Image:
    if pool_faces(k):
        faces = photos.LFW_FACES
        portrait = photos.lfw_portrait(faces[(k // FACE_EVERY) % len(faces)]).resize(
            (240, 240), Image.Resampling.LANCZOS
        )
        grey = int(np.asarray(portrait).mean())
        return ImageOps.pad(portrait, (320, 240), color=(grey, grey, grey))
    nth_landscape = k - k // FACE_EVERY - 1  # 0, 1, 2... over the entries without a face
    source = photos.LIBRARY[_CROP_SOURCES[nth_landscape % len(_CROP_SOURCES)]].load()
    h = _hash("crop", k)
    scale = 0.55 + (h % 40) / 100  # show between 55 % and 95 % of the source
    w = max(320, round(source.width * scale))
    ht = max(240, round(w * 240 / 320))
    if ht > source.height:
        ht = source.height
        w = round(ht * 320 / 240)
    w = min(w, source.width)
    x = (h >> 8) % (source.width - w + 1)
    y = (h >> 24) % (source.height - ht + 1)
    return source.crop((x, y, x + w, y + ht)).resize((320, 240), Image.Resampling.LANCZOS)


def _encode_near(picture: Image.Image, low: int = 12_000, high: int = 22_000) -> bytes:
    """JPEG-encode at the highest quality (95 down to 60) that fits under ``high`` bytes.

    Smooth pictures (the upscaled faces) stay under ``low`` even at 95; they are kept so.
    """
    for quality in range(95, 55, -5):
        data = imagefiles.encode(picture, "JPEG", quality)
        if len(data) <= high:
            return data
    return data


@functools.cache
def pool() -> tuple[bytes, ...]:
    """The 256 pre-encoded pool JPEGs (built once per process, about a second)."""
    return tuple(_encode_near(_pool_picture(k)) for k in range(POOL_SIZE))


def image_bytes(i: int) -> bytes:
    """The exact bytes served for image ``i``: its pool JPEG with a COM segment naming it."""
    text = f"demoweb scale image {i}".encode("ascii")
    return imagefiles.insert_segments(
        pool()[pool_index(i)], [imagefiles.comment_segment(text)], after_app=False
    )


@dataclass(frozen=True, slots=True)
class ScaleWeb:
    """The index of a scale web of ``images`` images; answers requests without storing pages."""

    images: int

    @property
    def host_count(self) -> int:
        """Number of bulk hosts."""
        return -(-self.images // PER_HOST)

    def host_name(self, h: int) -> str:
        """Name of bulk host ``h``."""
        return f"bulk-{h:03d}.example"

    def host_of(self, i: int) -> int:
        """The host index image ``i`` lives on."""
        return i // PER_HOST

    def image_url(self, i: int) -> str:
        """Absolute URL of image ``i``."""
        return f"http://{self.host_name(self.host_of(i))}/img/{i}.jpg"

    def page_url(self, i: int) -> str:
        """Absolute URL of the page showing image ``i``."""
        return f"http://{self.host_name(self.host_of(i))}/p/{(i % PER_HOST) // PER_PAGE}"

    def _host_index(self, host: str) -> int | None:
        m = _HOST_RE.fullmatch(host)
        if m is None:
            return None
        h = int(m.group(1))
        return h if h < self.host_count and host == self.host_name(h) else None

    def has_host(self, host: str) -> bool:
        """Whether ``host`` is one of this scale web's hosts."""
        return self._host_index(host) is not None

    def _range(self, h: int) -> range:
        return range(h * PER_HOST, min((h + 1) * PER_HOST, self.images))

    def pages_on(self, h: int) -> int:
        """Number of pages on host ``h``."""
        return -(-len(self._range(h)) // PER_PAGE)

    def lookup(self, host: str, target: str) -> Response | None:
        """The response for ``target`` on a bulk host, or None (404)."""
        from demoweb.spec import TEXT, Response, html_response

        h = self._host_index(host)
        if h is None:
            return None
        path = target.partition("?")[0]
        if path == "/robots.txt":
            return Response(200, (("Content-Type", TEXT),), b"User-agent: *\nAllow: /\n")
        if path == "/":
            return html_response(self._home(h))
        if m := _PAGE_RE.fullmatch(path):
            p = int(m.group(1))
            return html_response(self._page(h, p)) if p < self.pages_on(h) else None
        if m := _IMG_RE.fullmatch(path):
            i = int(m.group(1))
            if m.group(1) != str(i) or i not in self._range(h):
                return None
            headers: tuple[tuple[str, str], ...] = (("Content-Type", "image/jpeg"),)
            if noimageai(i):
                headers += (("X-Robots-Tag", "noimageai"),)
            return Response(200, headers, image_bytes(i))
        return None

    def _doc(self, h: int, title: str, body: str) -> str:
        return (
            f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f"<title>{title} · {self.host_name(h)}</title></head>\n"
            f"<body>\n{body}\n</body>\n</html>\n"
        )

    def _home(self, h: int) -> str:
        links = "\n".join(
            f'<li><a href="/p/{p}">Album {p + 1}</a></li>' for p in range(self.pages_on(h))
        )
        return self._doc(h, "Albums", f"<h1>Photo albums</h1>\n<ul>\n{links}\n</ul>")

    def _page(self, h: int, p: int) -> str:
        first = h * PER_HOST + p * PER_PAGE
        last = min(first + PER_PAGE, self._range(h).stop)
        imgs = "\n".join(f'<img src="/img/{i}.jpg" alt="Photo {i}">' for i in range(first, last))
        nav = '<a href="/">All albums</a>'
        if p + 1 < self.pages_on(h):
            nav += f' <a href="/p/{p + 1}">Next album</a>'
        return self._doc(h, f"Album {p + 1}", f"<h1>Album {p + 1}</h1>\n{imgs}\n<p>{nav}</p>")

    def image_entry(self, i: int, *, with_bytes: bool = True) -> dict[str, Any]:
        """The manifest's ground truth for image ``i`` (sha256 and size when ``with_bytes``)."""
        k = pool_index(i)
        blocked = noimageai(i)
        entry: dict[str, Any] = {
            "url": self.image_url(i),
            "host": self.host_name(self.host_of(i)),
            "pages": [self.page_url(i)],
            "pool_index": k,
            "status": 200,
            "content_type": "image/jpeg",
            "format": "JPEG",
            "width": 320,
            "height": 240,
            "face": pool_faces(k) > 0,
            "faces": pool_faces(k),
            "headers": {"X-Robots-Tag": "noimageai"} if blocked else {},
            "expect": {
                "compliant": (
                    {"decision": "skip", "stage": "after-download", "reasons": ["x-robots-tag"]}
                    if blocked
                    else {"decision": "collect", "stage": None, "reasons": []}
                ),
                "reproduce": {
                    "decision": "collect",
                    "reasons": [],
                    "overrides": ["x-robots-tag"] if blocked else [],
                },
            },
        }
        if with_bytes:
            data = image_bytes(i)
            entry["byte_size"] = len(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
        return entry

    def summary(self) -> dict[str, Any]:
        """Counts per host and expected decisions by rule, without building any image."""
        hosts: list[dict[str, Any]] = []
        for h in range(self.host_count):
            ids = self._range(h)
            hosts.append(
                {
                    "host": self.host_name(h),
                    "seed": f"http://{self.host_name(h)}/",
                    "pages": 1 + self.pages_on(h),
                    "images": len(ids),
                    "first_image": ids.start,
                    "noimageai": sum(noimageai(i) for i in ids),
                    "faces": sum(pool_faces(pool_index(i)) for i in ids),
                }
            )
        blocked = sum(h["noimageai"] for h in hosts)
        samples = sorted(
            {0, 1, PER_PAGE - 1, PER_PAGE, self.images - 1}
            | {min(self.images - 1, PER_HOST), min(self.images - 1, PER_HOST - 1)}
        )
        return {
            "images": self.images,
            "per_host": PER_HOST,
            "per_page": PER_PAGE,
            "pool_size": POOL_SIZE,
            "image_url": "http://bulk-{host:03d}.example/img/{i}.jpg  (host = i // 1000)",
            "page_url": "http://bulk-{host:03d}.example/p/{(i % 1000) // 40}",
            "seeds": [h["seed"] for h in hosts],
            "hosts": hosts,
            "noimageai": blocked,
            "faces": sum(h["faces"] for h in hosts),
            "expect": {
                "compliant": {
                    "collect": self.images - blocked,
                    "skip": {"x-robots-tag": blocked},
                },
                "reproduce": {"collect": self.images, "overrides": {"x-robots-tag": blocked}},
            },
            "sample": [self.image_entry(i) for i in samples],
        }
