"""What is served matches the manifest: HTML, JSON-LD, terms, image bytes and their metadata."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import struct
import warnings
import zlib
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import pytest
from PIL import Image, ImageFile

from .conftest import Proxy


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.ld: list[str] = []
        self.ld_blocks: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_ld = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        self._ld_start = len(self.ld)

    def handle_endtag(self, tag: str) -> None:
        if self._in_ld:
            self.ld_blocks.append("".join(self.ld[self._ld_start :]))
        self._in_ld = False

    def handle_data(self, data: str) -> None:
        (self.ld if self._in_ld else self.text).append(data)


def _parse(body: bytes) -> _Tags:
    parser = _Tags()
    parser.feed(body.decode("utf-8"))
    return parser


def test_html_lang_title_and_meta(proxy: Proxy, manifest: dict[str, Any]) -> None:
    for page in manifest["pages"]:
        if page["status"] != 200:
            continue
        parsed = _parse(proxy.fetch(page["url"]).body)
        (html_tag,) = [a for t, a in parsed.tags if t == "html"]
        assert html_tag["lang"] == page["lang"]
        for signal in page["signals"]:
            if signal["where"] == "meta":
                name = re.search(r'name="([^"]+)"', signal["evidence"])
                assert name is not None
                metas = [a for t, a in parsed.tags if t == "meta" and a.get("name") == name[1]]
                assert metas, (page["url"], signal)
                assert signal["value"] in (metas[0]["content"] or "").lower()
    assert {p["lang"] for p in manifest["pages"] if p["host"] == "nouvelles-mtl.ca"} == {"fr-CA"}
    assert {p["lang"] for p in manifest["pages"] if p["host"] == "fotoblog-berlin.de"} == {"de"}


def test_page_images_and_links_are_in_the_html(proxy: Proxy, manifest: dict[str, Any]) -> None:
    for page in manifest["pages"]:
        if page["status"] != 200:
            continue
        parsed = _parse(proxy.fetch(page["url"]).body)
        refs: list[str] = []
        shared: list[str] = []
        for tag, attrs in parsed.tags:
            if tag in ("img", "source"):
                src = attrs.get("src") or ""
                lazy = attrs.get("data-src") or ""
                refs += [lazy] if src.startswith("data:") else [src] if src else []
                for name in ("srcset", "data-srcset"):
                    refs += [c.split()[0] for c in (attrs.get(name) or "").split(",") if c.strip()]
                refs += [lazy] if lazy and not src.startswith("data:") else []
            elif tag == "meta" and (attrs.get("property") or attrs.get("name")) in (
                "og:image",
                "twitter:image",
            ):
                shared.append(attrs.get("content") or "")
        for block in parsed.ld_blocks:
            image = json.loads(block).get("image")
            if isinstance(image, dict):
                shared.append(image.get("contentUrl") or image.get("url") or "")
            elif isinstance(image, str):
                shared.append(image)
        static = list(dict.fromkeys(urljoin(page["url"], r) for r in [*refs, *shared]))
        hrefs = [
            urljoin(page["url"], a["href"] or "")
            for t, a in parsed.tags
            if t == "a" and "href" in a
        ]
        assert list(dict.fromkeys(hrefs)) == page["links"], page["url"]
        if page["js_only_images"]:
            assert static == [], page["url"]  # no feed <img> in the static HTML
            assert "JavaScript is required" in " ".join(parsed.text)
        else:
            assert static == page["images"], page["url"]


def test_headers_as_listed(proxy: Proxy, images: dict[str, dict[str, Any]]) -> None:
    ny = proxy.fetch("http://pixgram.com/media/ny-portrait.jpg", method="HEAD")
    assert ny.headers["X-Robots-Tag"] == "noimageai"
    assert (
        proxy.fetch("http://pixgram.com/media/studio-portrait.jpg").headers["X-Robots-Tag"]
        == "googlebot: noimageindex"
    )
    lena = proxy.fetch("http://pixgram.com/u/lena.berlin")
    assert lena.headers["Content-Usage"] == "train-ai=n"
    news = proxy.fetch("http://nouvelles-mtl.ca/")
    assert news.headers["tdm-reservation"] == "1"
    assert news.headers["tdm-policy"] == "http://nouvelles-mtl.ca/tdm/policy.json"
    for url, image in images.items():
        if image["status"] == 200 and image["headers"]:
            got = proxy.fetch(url, method="HEAD")
            for name, value in image["headers"].items():
                assert got.headers[name] == value, (url, name)


def test_json_ld(proxy: Proxy) -> None:
    parsed = _parse(proxy.fetch("http://prairiepros.ca/pros/marc-dubois").body)
    (person,) = [json.loads(block) for block in parsed.ld]
    assert person["@type"] == "Person"
    assert person["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "10180 101 Street NW",
        "addressLocality": "Edmonton",
        "addressRegion": "AB",
        "postalCode": "T5J 0N3",
        "addressCountry": "CA",
    }
    assert person["telephone"] == "780-555-0199"
    gallery = _parse(proxy.fetch("http://commonsgallery.org/photo/full-moon").body)
    (obj,) = [json.loads(block) for block in gallery.ld]
    assert obj["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    rel = [a for t, a in gallery.tags if t == "a" and a.get("rel") == "license"]
    assert rel[0]["href"] == obj["license"]


def test_terms_sentences_are_served_verbatim(proxy: Proxy, manifest: dict[str, Any]) -> None:
    terms = [h["terms"] for h in manifest["hosts"] if h["terms"]]
    assert {t["lang"] for t in terms} == {"en-CA", "en-US", "fr-CA", "de"}
    for t in terms:
        text = " ".join(_parse(proxy.fetch(t["url"]).body).text)
        for clause in t["clauses"]:
            assert clause["sentence"] in text, clause
    vidtube = next(t for t in terms if t["url"] == "http://vidtube.com/terms")
    assert {c["kind"] for c in vidtube["clauses"]} == {"prohibits-scraping", "prohibits-biometric"}


def test_addresses_and_phones_appear_on_the_site(proxy: Proxy, manifest: dict[str, Any]) -> None:
    for host in manifest["hosts"]:
        text = " ".join(
            html.unescape(proxy.fetch(p["url"]).body.decode())
            for p in manifest["pages"]
            if p["host"] == host["host"] and p["status"] == 200
        )
        for value in host["addresses"] + host["phones"]:
            parts = value.split(", ")
            assert all(part in text for part in parts), (host["host"], value)


def test_image_bytes_match_the_manifest(proxy: Proxy, manifest: dict[str, Any]) -> None:
    for image in manifest["images"]:
        if image["status"] != 200:
            continue
        body = proxy.fetch(image["url"]).body
        assert len(body) == image["byte_size"], image["url"]
        assert hashlib.sha256(body).hexdigest() == image["sha256"], image["url"]
        if image["hostile"] in (None, "script_in_text", "wrong_content_type"):
            with Image.open(io.BytesIO(body)) as im:
                assert im.format == image["format"]
                assert im.size == (image["width"], image["height"])
                assert max(im.size) <= 640
                im.load()


def _exif_gps(body: bytes) -> tuple[float, float]:
    with Image.open(io.BytesIO(body)) as im:
        gps = im.getexif().get_ifd(0x8825)

    def decimal(dms: tuple[float, float, float], ref: str) -> float:
        value = float(dms[0]) + float(dms[1]) / 60 + float(dms[2]) / 3600
        return round(-value if ref in ("S", "W") else value, 6)

    return decimal(gps[2], gps[1]), decimal(gps[4], gps[3])


def test_exif(proxy: Proxy, manifest: dict[str, Any]) -> None:
    with_gps = [i for i in manifest["images"] if i["exif"] and i["exif"]["gps"]]
    assert len(with_gps) >= 5
    for image in with_gps:
        lat, lon = _exif_gps(proxy.fetch(image["url"]).body)
        assert (lat, lon) == (image["exif"]["gps"]["lat"], image["exif"]["gps"]["lon"])
    chicago = next(i for i in with_gps if i["url"].endswith("/jm-portrait.jpg"))
    assert chicago["exif"]["gps"] == pytest.approx({"lat": 41.8827, "lon": -87.6233}, abs=1e-4)
    berlin = next(i for i in with_gps if i["url"].endswith("/lena-portrait.jpg"))
    assert berlin["exif"]["gps"] == pytest.approx({"lat": 52.52, "lon": 13.405}, abs=1e-4)
    with Image.open(io.BytesIO(proxy.fetch(chicago["url"]).body)) as im:
        exif = im.getexif()
        assert (exif[0x010F], exif[0x0110]) == ("Canon", "Canon EOS R6")
        assert exif.get_ifd(0x8769)[0x9003] == chicago["exif"]["datetime_original"]


def _app1_segments(jpeg: bytes) -> list[bytes]:
    """Payloads of the APP1 segments before the image data, walked by hand."""
    out, pos = [], 2
    while jpeg[pos] == 0xFF and jpeg[pos + 1] not in (0xDA, 0xD9):
        marker = jpeg[pos + 1]
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        if marker == 0xE1:
            out.append(jpeg[pos + 4 : pos + 2 + length])
        pos += 2 + length
    return out


def _xmp(jpeg: bytes) -> tuple[str, str | None]:
    """The main XMP packet and the Extended XMP reassembled from its chunks (checked)."""
    main, chunks, guids, total = None, {}, set(), None
    for payload in _app1_segments(jpeg):
        if payload.startswith(b"http://ns.adobe.com/xap/1.0/\x00"):
            main = payload[29:].decode("utf-8")
        elif payload.startswith(b"http://ns.adobe.com/xmp/extension/\x00"):
            rest = payload[35:]
            guids.add(rest[:32].decode("ascii"))
            total, offset = struct.unpack(">II", rest[32:40])
            chunks[offset] = rest[40:]
    assert main is not None
    if not chunks:
        return main, None
    (guid,) = guids
    extended = b"".join(chunks[k] for k in sorted(chunks))
    assert len(extended) == total
    assert hashlib.md5(extended, usedforsecurity=False).hexdigest().upper() == guid
    assert f'xmpNote:HasExtendedXMP="{guid}"' in main
    return main, extended.decode("utf-8")


def test_xmp_data_mining_including_extended(proxy: Proxy, manifest: dict[str, Any]) -> None:
    with_xmp = [i for i in manifest["images"] if i["xmp"]]
    assert {i["xmp"]["data_mining"] for i in with_xmp} == {
        "DMI-PROHIBITED-AIMLTRAINING",
        "DMI-PROHIBITED-GENAIMLTRAINING",
        "DMI-ALLOWED",
    }
    forms = {i["xmp"]["data_mining_form"] for i in with_xmp}
    assert forms == {"element", "attribute", "resource", "about", "bag", "parse-type"}
    unsafe = [i for i in with_xmp if i["xmp"]["unsafe_dtd"]]
    assert len(unsafe) == 1
    extended_seen = 0
    for image in with_xmp:
        main, extended = _xmp(proxy.fetch(image["url"]).body)
        where = extended if image["xmp"]["extended"] else main
        assert where is not None
        assert "http://ns.useplus.org/ldf/vocab/" + image["xmp"]["data_mining"] in where
        assert image["xmp"]["creator"] in main
        if image["xmp"]["city"]:
            assert image["xmp"]["city"] in main
        assert ("<!ENTITY" in main) is image["xmp"]["unsafe_dtd"]
        if image["xmp"]["extended"]:
            extended_seen += 1
            assert "DataMining" not in main  # only a reader of Extended XMP finds it
            assert len(extended) > 65458  # needed more than one APP1 segment
        if image["xmp"]["digital_source_type"]:
            assert image["xmp"]["digital_source_type"] in main
    assert extended_seen == 1


def test_c2pa_training_mining(proxy: Proxy, manifest: dict[str, Any]) -> None:
    c2pa = pytest.importorskip("c2pa")
    signed = [i for i in manifest["images"] if i["c2pa"]]
    assert len(signed) == 2
    for image in signed:
        reader = c2pa.Reader("image/jpeg", io.BytesIO(proxy.fetch(image["url"]).body))
        store = json.loads(reader.json())
        active = store["manifests"][store["active_manifest"]]
        assert store["active_manifest"] == image["c2pa"]["manifest_label"]
        (tm,) = [a for a in active["assertions"] if a["label"] == "cawg.training-mining"]
        assert tm["data"]["entries"] == image["c2pa"]["entries"]
        assert active["signature_info"]["issuer"] == image["c2pa"]["signer"]
        codes = [s["code"] for s in store.get("validation_status", [])]
        assert codes == [image["c2pa"]["validation"]]


def test_hostile_files(proxy: Proxy, images: dict[str, dict[str, Any]]) -> None:
    def body(name: str) -> bytes:
        return proxy.fetch(f"http://broken-media.net/img/{name}").body

    with (
        pytest.raises(OSError, match="truncated"),
        Image.open(io.BytesIO(body("truncated.jpg"))) as im,
    ):
        im.load()
    corrupt = body("corrupt.png")
    idat = corrupt.index(b"IDAT")
    (length,) = struct.unpack(">I", corrupt[idat - 4 : idat])
    with pytest.raises(zlib.error):
        zlib.decompress(corrupt[idat + 4 : idat + 4 + length])
    bomb = body("bomb.png")
    assert len(bomb) < 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Image.DecompressionBombError):
            Image.open(io.BytesIO(bomb))
    assert struct.unpack(">II", bomb[16:24]) == (100_000, 100_000)
    huge = images["http://broken-media.net/img/huge.png"]
    assert huge["byte_size"] > 20 * 1024 * 1024
    wrong = proxy.fetch("http://broken-media.net/img/wrong-type.jpg")
    assert wrong.headers["Content-Type"].startswith("text/plain")
    assert wrong.body.startswith(b"\xff\xd8\xff")
    fake = proxy.fetch("http://broken-media.net/img/not-an-image.jpg")
    assert fake.headers["Content-Type"] == "image/jpeg"
    assert fake.body.startswith(b"<!DOCTYPE html>")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_script_payloads_arrive_as_text(proxy: Proxy, images: dict[str, dict[str, Any]]) -> None:
    image = images["http://broken-media.net/img/scripted.jpg"]
    parsed = _parse(proxy.fetch("http://broken-media.net/xss").body)
    (tag,) = [a for t, a in parsed.tags if t == "img"]
    assert tag["alt"] == image["alt"] == '<script>alert("alt")</script>'
    assert tag["title"] == image["title"]
    assert not [t for t, _ in parsed.tags if t == "script"]  # escaped, never live markup
    with Image.open(io.BytesIO(proxy.fetch(image["url"]).body)) as im:
        exif = im.getexif()
        assert (
            exif[0x010E] == image["exif"]["image_description"] == "<script>alert('exif')</script>"
        )
        assert exif[0x013B] == image["exif"]["artist"]
    assert image["expect"]["compliant"]["decision"] == "collect"
    (page,) = image["pages"]
    assert page == "http://broken-media.net/xss"


def test_link_local_image_is_only_referenced(manifest: dict[str, Any]) -> None:
    (entry,) = [i for i in manifest["images"] if i["hostile"] == "link_local"]
    assert entry["url"] == "http://169.254.169.254/latest/meta-data/"
    assert entry["status"] is None
    assert entry["sha256"] is None
