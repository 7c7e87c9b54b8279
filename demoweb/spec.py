"""The demo web built from its declarations: every response the server gives, in memory.

``build_web()`` is the single source of truth: the server serves its routes and the manifest
is derived from the same object. The small web is built eagerly (deterministic: same bytes
on every build); the scale web is generated per request from its index (``demoweb.scale``).
This module imports nothing from crawler, provenance or policies.
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import json
import struct
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from PIL import Image

from demoweb import imagefiles, photos
from demoweb.htmlscan import Scan, absolute, scan
from demoweb.model import Headers, Host, Img, Resource, Robots, ip_literal
from demoweb.scale import ScaleWeb
from demoweb.sites import all_hosts

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
UTF16 = "text/plain; charset=utf-16"


@dataclass(frozen=True, slots=True)
class Response:
    """One canned HTTP response; ``hang`` holds the connection open instead of answering."""

    status: int
    headers: Headers
    body: bytes
    hang: bool = False
    first: Response | None = None  # what the first request of the server's life gets instead

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), if sent."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)


@dataclass(frozen=True, slots=True)
class BuiltImage:
    """An image URL, its declaration and what the server answers for it."""

    host: str
    url: str
    img: Img
    response: Response | None  # None: not served by the demo web (link-local)
    format: str | None
    width: int | None
    height: int | None


@dataclass(slots=True)
class Web:
    """The whole demo web: hosts, routes (host -> path -> response), images and page scans."""

    hosts: dict[str, Host]
    routes: dict[str, dict[str, Response]] = field(default_factory=dict)
    images: dict[str, BuiltImage] = field(default_factory=dict)
    scans: dict[str, Scan] = field(default_factory=dict)  # page URL -> what its HTML says
    scale: ScaleWeb | None = None
    aliases: dict[str, str] = field(default_factory=dict)  # alias name -> the host's name

    def is_demo_host(self, host: str) -> bool:
        """Whether ``host`` belongs to the demo web (small or scale)."""
        return (
            host in self.routes
            or host in self.aliases
            or (self.scale is not None and self.scale.has_host(host))
        )

    def lookup(self, host: str, target: str, scheme: str = "http") -> Response:
        """The response for ``target`` (path and query) on a demo host; 404 when unknown.

        Query strings are compared as sorted parameters; a page that takes no query is also
        found when one is appended (as real servers ignore tracking parameters). An HTTPS
        host asked over HTTP, and an alias, answer 301 to the URL the site wants (one hop
        each: ``http://apex`` -> ``https://apex`` -> ``https://www``, as real sites chain them).
        """
        if self.scale is not None and self.scale.has_host(host):
            found = self.scale.lookup(host, target)
            return found or not_found()
        name = self.aliases.get(host, host)
        site = self.hosts.get(name)
        if site is not None and site.scheme == "https" and scheme != "https":
            return _redirect(f"https://{host}{target}", 301)
        if name != host:
            return _redirect(f"{site.origin if site else 'http://' + name}{target}", 301)
        table = self.routes[host]
        path, _, query = target.partition("?")
        if query:
            hit = table.get(route_key(path, query)) or table.get(path)
        else:
            hit = table.get(path)
        return hit or not_found()


def route_key(path: str, query: str) -> str:
    """The routing key for a path and query string (parameters sorted)."""
    if not query:
        return path
    return path + "?" + urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def not_found() -> Response:
    """The demo web's 404."""
    body = (
        b'<!DOCTYPE html>\n<html lang="en"><title>404 Not Found</title><h1>Not Found</h1></html>\n'
    )
    return Response(404, (("Content-Type", HTML),), body)


def html_response(html: str, headers: Headers = ()) -> Response:
    """A 200 HTML page."""
    return Response(200, (("Content-Type", HTML), *headers), html.encode("utf-8"))


def _redirect(location: str, status: int = 302) -> Response:
    body = f"Redirecting to {location}\n".encode()
    return Response(status, (("Content-Type", TEXT), ("Location", location)), body)


def _png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _image_bytes(img: Img) -> tuple[bytes, str]:
    """The bytes served for an image and their true content type."""
    if img.hostile == "decompression_bomb":
        return imagefiles.decompression_bomb_png(), "image/png"
    if img.hostile == "too_large":
        return imagefiles.huge_png(), "image/png"
    if img.hostile == "not_an_image":
        html = "<!DOCTYPE html>\n<html><head><title>Image moved</title></head>"
        html += "<body><p>This image has moved.</p></body></html>\n"
        return html.encode(), "image/jpeg"
    picture = photos.render(img.photo, img.variant, img.size)
    data = imagefiles.encode(picture, img.fmt, img.quality, img.exif)
    if img.xmp is not None:
        data = imagefiles.insert_segments(data, imagefiles.xmp_segments(img.xmp))
    if img.c2pa is not None:
        from demoweb import c2pasign  # c2pa-python and cryptography load only when needed

        data = c2pasign.sign(data, img)
    if img.hostile == "truncated":
        data = imagefiles.truncated(data)
    elif img.hostile == "corrupt":
        data = imagefiles.corrupt_png(data)
    return data, "image/png" if img.fmt == "PNG" else "image/jpeg"


def _build_image(host: Host, img: Img) -> BuiltImage:
    if img.hostile == "link_local":
        return BuiltImage(host.name, img.path, img, None, None, None, None)
    url = f"{host.origin}{img.path}"
    if img.hostile == "redirect_loop":
        location = dict(img.headers)["Location"]
        return BuiltImage(host.name, url, img, _redirect(location), None, None, None)
    data, content_type = _image_bytes(img)
    if img.hostile == "wrong_content_type":
        content_type = TEXT
    headers: Headers = (("Content-Type", content_type), *img.headers)
    fmt: str | None
    if data.startswith(b"\x89PNG"):
        fmt, (width, height) = "PNG", _png_size(data)
    elif data.startswith(b"\xff\xd8"):
        with Image.open(io.BytesIO(data)) as probe:
            fmt, (width, height) = "JPEG", probe.size
    else:
        fmt, width, height = None, None, None
    return BuiltImage(host.name, url, img, Response(200, headers, data), fmt, width, height)


REDIRECT_STATUSES = (301, 302, 307, 308, 303)
"""The statuses a robots.txt redirect chain uses, hop by hop (every kind a crawler meets)."""


def _robots_file(robots: Robots) -> Response:
    """robots.txt's 200 response, encoded as declared."""
    text = robots.served_text() or ""
    content_type = TEXT
    extra: Headers = ()
    if robots.encoding == "utf-8-bom":
        data = codecs.BOM_UTF8 + text.encode("utf-8")
    elif robots.encoding == "utf-16-le":
        data, content_type = codecs.BOM_UTF16_LE + text.encode("utf-16-le"), UTF16
    elif robots.encoding == "utf-16-be":
        data, content_type = codecs.BOM_UTF16_BE + text.encode("utf-16-be"), UTF16
    elif robots.encoding == "gzip":
        data = gzip.compress(text.encode("utf-8"), mtime=0)
        extra = (("Content-Encoding", "gzip"),)
    else:
        data = text.encode("utf-8")
    if robots.soft_404 is not None:
        content_type = HTML  # a "page not found" page served with 200 instead of rules
    first = None
    if robots.first_status is not None:
        refusal = f"<html><title>{robots.first_status}</title><h1>Forbidden</h1></html>\n"
        first = Response(robots.first_status, (("Content-Type", HTML),), refusal.encode())
    return Response(200, (("Content-Type", content_type), *extra), data, first=first)


def robots_chain(host: Host) -> list[tuple[str, Response]]:
    """Every (absolute URL, response) of the host's robots.txt, redirects included, in order.

    The URLs may be on other demo hosts (a redirect across hosts): :func:`build_web` routes
    each to its own host.
    """
    robots = host.robots
    if robots is None:
        return []
    first = f"{host.origin}/robots.txt"
    if robots.status == "timeout":
        return [(first, Response(0, (), b"", hang=True))]
    if robots.status != 200:
        body = f"<html><title>{robots.status}</title><h1>Try again later</h1></html>\n"
        return [
            (
                first,
                Response(
                    int(robots.status),
                    (("Content-Type", HTML), ("Retry-After", "3600")),
                    body.encode(),
                ),
            )
        ]
    chain = [first, *robots.redirects]
    out = [
        (here, _redirect(there, REDIRECT_STATUSES[i % len(REDIRECT_STATUSES)]))
        for i, (here, there) in enumerate(itertools.pairwise(chain))
    ]
    if robots.loop:
        out.append((chain[-1], _redirect(first, 302)))
    elif ip_literal(chain[-1]):
        pass  # the last hop points at an address the crawler must refuse: nothing served there
    else:
        out.append((chain[-1], _robots_file(robots)))
    return out


def _policy_routes(host: Host) -> dict[str, Response]:
    routes: dict[str, Response] = {}
    if host.ai_txt is not None:
        routes["/ai.txt"] = Response(200, (("Content-Type", TEXT),), host.ai_txt.encode())
    if host.tdmrep is not None:
        rules = json.dumps(list(host.tdmrep), indent=2, ensure_ascii=False) + "\n"
        routes["/.well-known/tdmrep.json"] = Response(
            200, (("Content-Type", "application/json"),), rules.encode()
        )
    return routes


def _resource_response(res: Resource) -> Response:
    return Response(res.status, (("Content-Type", res.content_type), *res.headers), res.body)


def _check_headers(where: str, headers: Headers) -> None:
    names = [k.lower() for k, _ in headers]
    if len(names) != len(set(names)):
        raise ValueError(f"{where}: a header name appears twice: {names}")


def build_web(scale: int = 0) -> Web:
    """Build the small demo web (and, with ``scale``, the procedural scale web's index).

    Raises ValueError when the declarations contradict themselves (an image a page shows
    that the host does not declare, a declared image no page shows, a repeated header).
    """
    hosts = all_hosts()
    web = Web(hosts={h.name: h for h in hosts})
    web.aliases = {alias: h.name for h in hosts for alias in h.aliases}
    # (host, path) of every image some page shows: images may live on another host (a CDN)
    declared = {(h.name, img.path) for h in hosts for img in h.images}
    shown: set[tuple[str, str]] = set()
    for host in hosts:
        table = _policy_routes(host)
        web.routes[host.name] = table
        for res in host.resources:
            path, _, query = res.path.partition("?")
            table[route_key(path, query)] = _resource_response(res)
        for page in host.pages:
            url = f"{host.origin}{page.path}"
            _check_headers(url, page.headers)
            key = route_key(*page.path.split("?", 1)) if "?" in page.path else page.path
            if page.location is not None:
                table[key] = _redirect(page.location, page.status)
                continue
            table[key] = html_response(page.html, page.headers)
            found = scan(page.html)
            web.scans[url] = found
            for ref in [*found.image_urls(), *page.js_images]:
                if ref.startswith("http://169.254."):
                    image = (host.name, ref)
                else:
                    parts = urlsplit(absolute(url, ref))
                    image = (parts.netloc, parts.path)
                if image not in declared:
                    raise ValueError(f"{url} shows {ref}, which {image[0]} does not declare")
                shown.add(image)
    for host in hosts:
        table = web.routes[host.name]
        for img in host.images:
            if (host.name, img.path) not in shown:
                raise ValueError(f"{host.name} declares {img.path} but no page shows it")
            _check_headers(img.path, img.headers)
            built = _build_image(host, img)
            web.images[built.url] = built
            if built.response is not None:
                table[img.path] = built.response
    for host in hosts:
        for url, response in robots_chain(host):
            parts = urlsplit(url)
            target = web.routes.get(parts.hostname or "")
            if target is None:
                raise ValueError(f"{host.name}: robots.txt redirects to {url}, off the demo web")
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path in target and path != "/robots.txt":
                raise ValueError(f"{host.name}: robots.txt chain reuses {url}")
            target[path] = response
    if scale:
        web.scale = ScaleWeb(scale)
    return web
