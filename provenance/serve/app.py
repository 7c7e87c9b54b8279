"""The explorer: search with facets, one page per image, lookup by upload, sites, compliance.

A small ASGI app (Starlette) rendering Jinja2 templates with autoescape, rather than Datasette:
Datasette opens SQLite files only (``--db postgresql://`` must work too), its pages rely on
inline scripts that this CSP forbids, and an image page reads WARC records and checks their
sha256, which is not SQL. Datasette stays the tool for SQL over the store (its plugin,
:mod:`provenance.store.datasette`).

Safety, by construction:

- the store is opened read-only (:func:`provenance.store.readonly.open_store_readonly`);
- every text from the web (titles, alt text, robots.txt, headers, EXIF) is escaped by Jinja2;
- every response carries a Content-Security-Policy with no ``script-src`` at all (nothing
  runs, the explorer's own pages included), ``img-src 'self' data:`` and ``form-action
  'self'``; ``X-Content-Type-Options: nosniff``; no referrer leaves the page;
- thumbnails are re-encoded JPEGs of WARC payloads whose sha256 matches the record, and a WARC
  record is downloaded as ``application/warc`` attachment, never rendered;
- the server never fetches anything: it reads the store and the WARC folder only.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provenance.errors import ConfigError, IntegrityError, ProvtrackError
from provenance.matching import QueryImage, find_matches, stored_hashsets
from provenance.optout import optout_report
from provenance.purge import locate
from provenance.report.thumbnails import thumbnail_from_bytes
from provenance.serve.live import LiveIndexes
from provenance.store import Store
from provenance.store.explore import (
    FACETS,
    image_location,
    image_rows,
    other_copies,
    site_view,
)
from provenance.trace import lookup, provenance_chains, warc_pixels
from provenance.warc import raw_record, read_response

CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
MAX_UPLOAD = 50 * 1024 * 1024
MAX_RESULTS = 200
THUMB_SIDE = 320
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{background:#22252b;color:#fff;padding:.6em 1em}header a{color:#fff;margin-right:1em}
main{padding:1em;max-width:1200px}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
.facets{display:flex;flex-wrap:wrap;gap:1em}.facet{background:#fff;border:1px solid #ddd;
padding:.4em .6em}pre{background:#fff;border:1px solid #ddd;padding:.5em;overflow:auto}
.hit{background:#ffe08a;font-weight:bold}.bad{color:#a00}.ok{color:#060}code{font-size:12px}
"""


class SecurityHeaders:
    """ASGI middleware: the CSP and the other response headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _highlight(text: str | None, lines: set[int]) -> Markup:
    """robots.txt as fetched, every line escaped, the deciding ones marked."""
    if not text:
        return Markup("")
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        body = escape(f"{number:>3}  {line}")
        out.append(Markup('<span class="hit">{}</span>').format(body) if number in lines else body)
    return Markup("\n").join(out)


def create_app(store: Store, warc_dirs: list[Path]) -> Starlette:
    """The explorer over ``store`` (open it read-only) and its WARC folders.

    The lookup indexes live in memory (:class:`~provenance.serve.live.LiveIndexes`), built on
    the first lookup and rebuilt when the store's evidence chain grows, so the output folder
    stays untouched and a crawl that writes meanwhile is searchable on the next request.
    """
    live = LiveIndexes(store, warc_pixels(store, warc_dirs))
    env = Environment(
        loader=PackageLoader("provenance.serve", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )

    def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(**context), status_code=status)

    async def style(request: Request) -> Response:
        return Response(STYLE, media_type="text/css")

    async def search(request: Request) -> HTMLResponse:
        rows = image_rows(store)
        chosen = {f: request.query_params.get(f) for f in FACETS if request.query_params.get(f)}
        text = (request.query_params.get("q") or "").strip().lower()
        selected = [
            r
            for r in rows
            if (not text or text in r.url.lower() or text in r.host.lower())
            and all(v in r.values(f) for f, v in chosen.items())
        ]
        counts = {f: Counter(v for r in selected for v in r.values(f)) for f in FACETS}
        return page(
            "search.html",
            rows=selected[:MAX_RESULTS],
            total=len(selected),
            counts=counts,
            chosen=chosen,
            q=text,
            facets=FACETS,
        )

    def thumbnail(image_id: int) -> tuple[str | None, str]:
        row = image_location(store, image_id)
        if row is None or row.purged_at is not None or not row.warc_file:
            return None, "no bytes kept (skipped, failed or purged)"
        folder = locate(warc_dirs, row.warc_file)
        if folder is None or row.warc_offset is None or row.decision != "collected":
            return None, "no bytes kept for this record"
        try:
            body = read_response(folder, row.warc_file, row.warc_offset).body
        except IntegrityError as err:
            return None, str(err)
        if row.sha256 and hashlib.sha256(body).hexdigest() != row.sha256:
            return None, "the WARC payload does not match the record's sha256"
        thumb = thumbnail_from_bytes(body, THUMB_SIDE)
        return thumb.uri, thumb.note or "from the WARC payload, sha256 checked"

    async def image(request: Request) -> HTMLResponse:
        image_id = int(request.path_params["image_id"])
        chains = provenance_chains(store, [image_id])
        if image_id not in chains:
            return page("error.html", 404, message=f"no image record {image_id}")
        chain = chains[image_id]
        uri, note = thumbnail(image_id)
        robots = chain.get("robots") or {}
        deciding = {int(x["line"]) for x in robots.get("matching_lines", []) if x.get("line")}
        for p in chain["pages"]:
            deciding.update(int(x["line"]) for x in p["robots"] if x.get("line"))
        copies = other_copies(store, image_id, chain["sha256"])
        near = []
        hashes = dict(stored_hashsets(store, collected_only=False, ids=[image_id]))
        if image_id in hashes:
            found = find_matches(
                store,
                QueryImage(hashes[image_id]),
                collected_only=False,
                index=live.current().photos,
            )
            near = [c for c in found if c.key != image_id]
        near_urls = provenance_chains(store, [c.key for c in near])
        return page(
            "image.html",
            chain=chain,
            thumb=uri,
            thumb_note=note,
            robots_text=_highlight(robots.get("text"), deciding),
            copies=copies,
            near=[(c, near_urls.get(c.key, {})) for c in near],
        )

    async def warc(request: Request) -> Response:
        row = image_location(store, int(request.path_params["image_id"]))
        if row is None or not row.warc_file or row.warc_offset is None:
            return Response("no WARC record", status_code=404, media_type="text/plain")
        folder = locate(warc_dirs, row.warc_file)
        if folder is None:
            return Response("WARC file not found", status_code=404, media_type="text/plain")
        try:
            data = raw_record(folder, row.warc_file, row.warc_offset)
        except IntegrityError as err:
            return Response(str(err), status_code=500, media_type="text/plain")
        name = f"image-{row.id}-record.warc.gz"
        return Response(
            data,
            media_type="application/warc",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    async def lookup_page(request: Request) -> HTMLResponse:
        if request.method == "GET":
            return page("lookup.html", result=None, error=None)
        form = await request.form(max_part_size=MAX_UPLOAD)
        upload = form.get("photo")
        try:
            near = max(0, min(50, int(str(form.get("near") or "5"))))
        except ValueError:
            near = 5
        if not isinstance(upload, UploadFile):
            return page("lookup.html", 400, result=None, error="choose a photo to upload")
        data = await upload.read()
        try:
            indexes = live.current()
            result = lookup(
                store,
                data,
                warc_dirs=warc_dirs,
                near=near,
                index=indexes.photos,
                keypoints=indexes.keypoints,
            )
        except ConfigError as err:
            return page("lookup.html", 400, result=None, error=str(err))
        return page("lookup.html", result=result, error=None, name=upload.filename or "the upload")

    async def site(request: Request) -> HTMLResponse:
        return page("site.html", site=site_view(store, request.path_params["host"]))

    async def compliance(request: Request) -> HTMLResponse:
        return page("compliance.html", requests=optout_report(store))

    async def failed(request: Request, exc: Exception) -> HTMLResponse:
        return page("error.html", 500, message=str(exc))

    routes = [
        Route("/", search),
        Route("/style.css", style),
        Route("/image/{image_id:int}", image),
        Route("/image/{image_id:int}/record.warc.gz", warc),
        Route("/lookup", lookup_page, methods=["GET", "POST"]),
        Route("/site/{host}", site),
        Route("/compliance", compliance),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={ProvtrackError: failed},
    )
